import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Context, Next } from 'koa';
import type { Logger } from '../logger.ts';
import { isDatabaseUnavailable } from '../db/errors.ts';
import { hasControlCharacter } from '../http/control-characters.ts';
import { answerTemporarilyUnavailable } from './oauth-errors.ts';
import type { ProviderHolder } from './provider-holder.ts';

/**
 * The server metadata, one document at two addresses: OpenID Connect Discovery's, and
 * RFC 8414's for OAuth-only clients (oidc-provider answers both with the same content).
 */
export const DISCOVERY_PATHS: readonly string[] = ['/.well-known/openid-configuration', '/.well-known/oauth-authorization-server'];

/** Paths oidc-provider answers: discovery and /oauth/* (the tenant endpoints are ours). */
export const servedByProvider = (path: string) =>
  DISCOVERY_PATHS.includes(path) || (path.startsWith('/oauth/') && !path.startsWith('/oauth/tenant/'));

/** oidc-provider reads at most 56 KiB of a body and calls anything longer unparseable (a 400); this says what it is. */
const PROVIDER_BODY_LIMIT = 56 * 1024;

/** The methods of the endpoints that take only some (the provider answers any other with a bare 404). */
const METHODS: Record<string, string[]> = {
  '/oauth/token': ['POST'], '/oauth/revoke': ['POST'], '/oauth/introspect': ['POST'], '/oauth/userinfo': ['GET', 'POST'],
  '/oauth/jwks.json': ['GET'], ...Object.fromEntries(DISCOVERY_PATHS.map((path) => [path, ['GET']])),
};

/**
 * What the provider would answer badly, answered first in the OAuth error format: a method the
 * endpoint does not take (405 with Allow; CORS preflights pass), a body over what it reads
 * (413 rather than its "failed to parse"), control characters in the query.
 */
function refusal(ctx: Context): { status: number; description: string; allow?: string[] } | undefined {
  const allowed = METHODS[ctx.path];
  const method = ctx.method === 'HEAD' ? 'GET' : ctx.method;
  if (allowed && method !== 'OPTIONS' && !allowed.includes(method)) {
    return { status: 405, description: `${ctx.path} takes ${allowed.join(' or ')}`, allow: allowed };
  }
  if (ctx.request.length > PROVIDER_BODY_LIMIT) return { status: 413, description: 'the request body is too large' };
  if (Object.values(ctx.query).flat().some((v) => v !== undefined && hasControlCharacter(v))) {
    return { status: 400, description: 'parameters must not contain control characters' };
  }
  return undefined;
}

/** Documents every client fetches and may keep for a few minutes (key rotation publishes keys well ahead). */
const PUBLIC_DOCUMENTS = new Set([...DISCOVERY_PATHS, '/oauth/jwks.json']);

/**
 * The provider app's first own middleware (after the edge middleware it shares with the
 * `/api` app: metrics, request id and log, security headers): answers what the provider
 * would answer badly, and makes the request's host the issuer's. The provider builds endpoint
 * URLs from the request's host, so a spoofed Host (or X-Forwarded-Host) can't put another
 * origin into discovery for a cache to keep. The scheme still follows X-Forwarded-Proto
 * behind a trusted proxy (TRUST_PROXY).
 */
export function providerGate(issuer: string) {
  const { host } = new URL(issuer);
  return async function providerGateMiddleware(ctx: Context, next: Next): Promise<void> {
    const refused = refusal(ctx);
    if (refused) {
      ctx.status = refused.status;
      if (refused.allow) ctx.set('Allow', refused.allow.join(', '));
      ctx.body = { error: 'invalid_request', error_description: refused.description };
      return;
    }
    ctx.req.headers.host = host;
    delete ctx.req.headers['x-forwarded-host'];
    if (PUBLIC_DOCUMENTS.has(ctx.path)) ctx.set('Cache-Control', 'public, max-age=300');
    await next();
  };
}

export type NodeHandler = (req: IncomingMessage, res: ServerResponse) => Promise<void> | void;

/**
 * The server's request handler: provider paths go straight to the current oidc-provider
 * instance, a Koa app of its own that runs the shared edge middleware itself, so they are not
 * routed through the `/api` app as well. Should no provider be at hand (its keys could not be
 * read before the first one was built), the `/api` app answers them (providerUnavailable).
 */
export function dispatchRequests(holder: ProviderHolder, api: NodeHandler, logger: Logger): NodeHandler {
  return async (req, res) => {
    if (!servedByProvider((req.url ?? '/').split('?')[0])) return api(req, res);
    let handle;
    try {
      ({ handle } = await holder.current());
    } catch (err) {
      if (!isDatabaseUnavailable(err)) logger.error({ err }, 'no identity provider to answer with');
      return api(req, res);
    }
    return handle(req, res);
  };
}

/** In the `/api` app: a provider path that reached it had no provider to answer it. */
export async function providerUnavailable(ctx: Context, next: Next): Promise<void> {
  if (!servedByProvider(ctx.path)) return next();
  answerTemporarilyUnavailable(ctx);
}

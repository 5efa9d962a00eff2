import type { Context, Next } from 'koa';
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
 * Hands provider paths to the current oidc-provider instance (a Koa app of its own, with its
 * own body parsing, cookies and error rendering). The request log and security headers of
 * the outer app still apply: they run before, and set headers on the same response.
 */
export function providerMount(holder: ProviderHolder, issuer: string) {
  const { host } = new URL(issuer);
  return async function oidcProvider(ctx: Context, next: Next): Promise<void> {
    if (!servedByProvider(ctx.path)) return next();
    const refused = refusal(ctx);
    if (refused) {
      ctx.status = refused.status;
      if (refused.allow) ctx.set('Allow', refused.allow.join(', '));
      ctx.body = { error: 'invalid_request', error_description: refused.description };
      return;
    }
    let handle;
    try {
      ({ handle } = await holder.current());
    } catch (err) {
      if (!isDatabaseUnavailable(err)) throw err;
      return answerTemporarilyUnavailable(ctx);
    }
    // The provider builds endpoint URLs from the request's host: make that the issuer's, so a
    // spoofed Host (or X-Forwarded-Host) can't put another origin into discovery for a cache to
    // keep. The scheme still follows X-Forwarded-Proto behind a trusted proxy (TRUST_PROXY).
    ctx.req.headers.host = host;
    delete ctx.req.headers['x-forwarded-host'];
    if (PUBLIC_DOCUMENTS.has(ctx.path)) ctx.res.setHeader('Cache-Control', 'public, max-age=300');
    ctx.respond = false;
    await handle(ctx.req, ctx.res);
  };
}

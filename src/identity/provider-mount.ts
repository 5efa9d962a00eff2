import type { Context, Next } from 'koa';
import { isDatabaseUnavailable } from '../db/errors.ts';
import { hasControlCharacter } from '../http/control-characters.ts';
import { answerTemporarilyUnavailable } from './oauth-errors.ts';
import type { ProviderHolder } from './provider-holder.ts';

/** Paths oidc-provider answers: discovery and /oauth/* (the tenant endpoints are ours). */
export const servedByProvider = (path: string) =>
  path === '/.well-known/openid-configuration' || (path.startsWith('/oauth/') && !path.startsWith('/oauth/tenant/'));

/**
 * Hands provider paths to the current oidc-provider instance (a Koa app of its own, with its
 * own body parsing, cookies and error rendering). The request log and security headers of
 * the outer app still apply: they run before, and set headers on the same response.
 */
export function providerMount(holder: ProviderHolder) {
  return async function oidcProvider(ctx: Context, next: Next): Promise<void> {
    if (!servedByProvider(ctx.path)) return next();
    if (Object.values(ctx.query).flat().some((v) => v !== undefined && hasControlCharacter(v))) {
      ctx.status = 400;
      ctx.body = { error: 'invalid_request', error_description: 'parameters must not contain control characters' };
      return;
    }
    let handle;
    try {
      ({ handle } = await holder.current());
    } catch (err) {
      if (!isDatabaseUnavailable(err)) throw err;
      return answerTemporarilyUnavailable(ctx);
    }
    ctx.respond = false;
    await handle(ctx.req, ctx.res);
  };
}

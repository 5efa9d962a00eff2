import type { Context, Next } from 'koa';
import type { SecurityScheme } from '../contract/security.ts';
import type { Db } from '../db/database.ts';
import { apiError } from '../http/api-error.ts';
import { bearerTokenOf } from '../http/bearer.ts';
import { requestActor } from '../http/request-actor.ts';
import { authenticateServerApiKey, type ServerApiCredential } from './credentials.ts';
import { SCOPE_OF_OPERATION } from './scope-map.ts';

export type ServerApiPrincipal = { kind: 'server-api-key'; tenantId: string; credential: ServerApiCredential };

/**
 * The ServerApiKey security scheme: `Authorization: Bearer rn_sk_…`. Unknown, disabled or
 * malformed → 401 SERVER_API_KEY_INVALID; a key without the operation's `server:*` scope → 403.
 * An operation without a mapped scope stops the app at start.
 */
export function serverApiKeyScheme(db: Db): SecurityScheme {
  return {
    presentIn: (ctx) => bearerTokenOf(ctx) !== undefined,
    guard: (op) => {
      const scope = SCOPE_OF_OPERATION[op.id];
      if (!scope) throw new Error(`no Server API scope is mapped for ${op.id}`);
      return async (ctx: Context, next: Next) => {
        const key = bearerTokenOf(ctx);
        const credential = key ? await authenticateServerApiKey(db, key) : undefined;
        if (!credential) {
          throw apiError('SERVER_API_KEY_INVALID', 'A valid Server API key is required', { headers: { 'WWW-Authenticate': 'Bearer' } });
        }
        if (!credential.scopes.includes(scope)) {
          throw apiError('SERVER_API_SCOPE_DENIED', `This key lacks the "${scope}" scope`);
        }
        ctx.state.principal = { kind: 'server-api-key', tenantId: credential.tenantId, credential } satisfies ServerApiPrincipal;
        ctx.state.actor = { ...requestActor(ctx), tenantId: credential.tenantId, type: 'server_api_key', id: credential.id };
        await next();
      };
    },
  };
}

/** The key a Server API request was authenticated with; only after the ServerApiKey guard. */
export function serverKeyOf(ctx: Context): ServerApiPrincipal {
  const principal = ctx.state.principal as ServerApiPrincipal | undefined;
  if (principal?.kind !== 'server-api-key') throw new Error('route needs the ServerApiKey guard');
  return principal;
}

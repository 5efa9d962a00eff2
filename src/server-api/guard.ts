import type { Context, Middleware, Next } from 'koa';
import type { Db } from '../db/database.ts';
import { ApiError } from '../http/api-error.ts';
import { bearerTokenOf } from '../http/bearer.ts';
import { authenticateServerApiKey, type ServerApiCredential } from './credentials.ts';
import { SCOPE_OF_OPERATION } from './scope-map.ts';

export type ServerApiPrincipal = { kind: 'server-api-key'; tenantId: string; credential: ServerApiCredential };

/**
 * ServerApiKey security scheme: `Authorization: Bearer rn_sk_…`. Unknown, disabled or
 * malformed → 401 SERVER_API_KEY_INVALID; a key without the operation's scope → 403.
 */
export function requireServerApiKey(db: Db, operationId: string): Middleware {
  const scope = SCOPE_OF_OPERATION[operationId];
  if (!scope) throw new Error(`no Server API scope is mapped for ${operationId}`);
  return async (ctx: Context, next: Next) => {
    const key = bearerTokenOf(ctx);
    const credential = key ? await authenticateServerApiKey(db, key) : undefined;
    if (!credential) {
      throw new ApiError('SERVER_API_KEY_INVALID', 401, 'A valid Server API key is required', undefined, { 'WWW-Authenticate': 'Bearer' });
    }
    if (!credential.scopes.includes(scope)) {
      throw new ApiError('SERVER_API_SCOPE_DENIED', 403, `This key lacks the "${scope}" scope`);
    }
    ctx.state.principal = { kind: 'server-api-key', tenantId: credential.tenantId, credential } satisfies ServerApiPrincipal;
    await next();
  };
}

import type { Context, Middleware, Next } from 'koa';
import type Provider from 'oidc-provider';
import type { SecurityScheme } from '../contract/security.ts';
import type { Db } from '../db/database.ts';
import { bearerTokenOf } from '../http/bearer.ts';
import { findAccountInTenant } from '../accounts/accounts.ts';
import { findActiveOAuthClient } from '../oauth-clients/oauth-clients.ts';
import { requestActor } from '../http/request-actor.ts';
import { unlessDatabaseDown } from './oauth-errors.ts';
import type { ProviderHolder } from './provider-holder.ts';

export type OAuthCaller = { clientId: string; tenantId: string; accountId: string; scopes: Set<string> };
export type OAuthPrincipal = OAuthCaller & { kind: 'oauth' };

/** An OAuth resource error (RFC 6750 §3.1), answered as the contract's OAuthError. */
export class BearerError extends Error {
  constructor(readonly status: 401 | 403, readonly error: 'invalid_token' | 'insufficient_scope', readonly description: string, readonly scope?: string) {
    super(description);
  }
}

/**
 * The OAuthAccessToken security scheme: `Authorization: Bearer <access token>` issued by
 * Login with Ringnity. The token must be live, and its client, account and tenant active.
 * Failures are BearerErrors, which the OAuth endpoints answer as OAuthError.
 */
export function oauthAccessTokenScheme(db: Db, holder: ProviderHolder): SecurityScheme {
  return {
    presentIn: (ctx) => bearerTokenOf(ctx) !== undefined,
    guard: () => async (ctx: Context, next: Next) => {
      const { provider } = await holder.current();
      const caller = await authenticate(db, provider, bearerTokenOf(ctx));
      ctx.state.principal = { kind: 'oauth', ...caller } satisfies OAuthPrincipal;
      ctx.state.actor = { ...requestActor(ctx), tenantId: caller.tenantId, type: 'oauth_client', id: caller.clientId };
      await next();
    },
  };
}

async function authenticate(db: Db, provider: Provider, presented: string | undefined): Promise<OAuthCaller> {
  if (!presented) throw new BearerError(401, 'invalid_token', 'an OAuth access token is required (Authorization: Bearer)');
  const token = await unlessDatabaseDown(() => provider.AccessToken.find(presented));
  if (!token || token.isExpired) throw new BearerError(401, 'invalid_token', 'the access token is invalid or expired');
  const client = await unlessDatabaseDown(() => findActiveOAuthClient(db, token.clientId!));
  // As at userinfo: the token dies with its account or tenant (disabled) and with its client (revoked).
  const account = token.accountId ? await unlessDatabaseDown(() => findAccountInTenant(db, token.accountId!)) : undefined;
  if (!client || !account?.active || !account.tenantActive || account.tenantId !== client.tenantId) {
    throw new BearerError(401, 'invalid_token', 'the access token is invalid or expired');
  }
  const scopes = new Set(String(token.scope ?? '').split(' ').filter(Boolean));
  return { clientId: client.clientId, tenantId: client.tenantId, accountId: account.id, scopes };
}

/** After the OAuthAccessToken guard: the token must carry one of `anyOfScopes` (RFC 6750 §3.1 insufficient_scope). */
export function requireOAuthScope(...anyOfScopes: string[]): Middleware {
  return async (ctx: Context, next: Next) => {
    const { scopes } = oauthCallerOf(ctx);
    if (!anyOfScopes.some((s) => scopes.has(s))) {
      throw new BearerError(403, 'insufficient_scope', `the access token needs the scope ${anyOfScopes.join(' or ')}`, anyOfScopes.join(' '));
    }
    await next();
  };
}

/** Who an OAuth-protected request acts for; only after the OAuthAccessToken guard. */
export function oauthCallerOf(ctx: Context): OAuthPrincipal {
  const principal = ctx.state.principal as OAuthPrincipal | undefined;
  if (principal?.kind !== 'oauth') throw new Error('route needs the OAuthAccessToken guard');
  return principal;
}

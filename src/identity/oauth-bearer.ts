import type { Context } from 'koa';
import type Provider from 'oidc-provider';
import type { Db } from '../db/database.ts';
import { bearerTokenOf } from '../http/bearer.ts';
import { findAccountInTenant } from '../accounts/account-table.ts';
import { findActiveOAuthClient } from '../oauth-clients/oauth-clients.ts';
import { unlessDatabaseDown } from './oauth-errors.ts';

export type OAuthCaller = { clientId: string; tenantId: string; accountId: string; scopes: Set<string> };

/** An OAuth resource error (RFC 6750 §3.1), answered as the contract's OAuthError. */
export class BearerError extends Error {
  constructor(readonly status: 401 | 403, readonly error: 'invalid_token' | 'insufficient_scope', readonly description: string, readonly scope?: string) {
    super(description);
  }
}

/**
 * Resolves `Authorization: Bearer <access token>` issued by Login with Ringnity: the token
 * must be live, its client, account and tenant active, and it must carry one of `anyOfScopes`.
 */
export async function requireOAuthToken(ctx: Context, db: Db, provider: Provider, anyOfScopes: string[]): Promise<OAuthCaller> {
  const presented = bearerTokenOf(ctx);
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
  if (!anyOfScopes.some((s) => scopes.has(s))) {
    throw new BearerError(403, 'insufficient_scope', `the access token needs the scope ${anyOfScopes.join(' or ')}`, anyOfScopes.join(' '));
  }
  return { clientId: client.clientId, tenantId: client.tenantId, accountId: account.id, scopes };
}

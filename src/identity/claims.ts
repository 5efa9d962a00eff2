import type { Account as OidcAccount, KoaContextWithOIDC } from 'oidc-provider';
import type { Db } from '../db/database.ts';
import { findAccountInTenant } from '../accounts/accounts.ts';
import { unlessDatabaseDown } from './oauth-errors.ts';
import { foundKey, recall, type RequestScopes } from './request-scope.ts';

/** The claims of one account; oidc-provider releases only those of the granted scopes (SCOPE_CLAIMS). */
export type RingnityClaims = {
  sub: string; name: string; preferred_username: string; zoneinfo: string; updated_at: number;
  email?: string; email_verified?: boolean; tenant_id: string; tenant_slug: string; roles: string[];
};

/**
 * oidc-provider's `findAccount`. An account is found only while it and its tenant are
 * active, and only for clients of its own tenant: a session of another tenant's account
 * counts as no session, and its tokens stop working if it is disabled. A token request has
 * usually read the account already, with the token (token-context.ts).
 */
export function accountFinder(db: Db, scopes: RequestScopes) {
  return async function findAccount(ctx: KoaContextWithOIDC, sub: string): Promise<OidcAccount | undefined> {
    return unlessDatabaseDown(async () => {
      const account = await recall(scopes.current(), foundKey('Account', sub), () => findAccountInTenant(db, sub));
      if (!account?.active || !account.tenantActive) return undefined;
      // oidc-provider keeps extra client metadata under its snake_case name.
      const clientTenant = (ctx.oidc?.client as { tenant_id?: string } | undefined)?.tenant_id;
      if (clientTenant && clientTenant !== account.tenantId) return undefined;
      const claims: RingnityClaims = {
        sub: account.id,
        name: account.name,
        // Accounts keep one display name: it is not split into given_name/family_name by guessing.
        preferred_username: account.username,
        zoneinfo: account.tenantTimezone,
        updated_at: Math.floor(Date.parse(account.updatedAt) / 1000), // OIDC Core §5.1: seconds since the epoch
        ...(account.email ? { email: account.email, email_verified: account.emailVerified } : {}),
        tenant_id: account.tenantId,
        tenant_slug: account.tenantSlug,
        roles: [account.role],
      };
      return { accountId: account.id, claims: () => claims };
    });
  };
}

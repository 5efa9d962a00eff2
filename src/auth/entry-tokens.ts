import type { Db } from '../db/database.ts';
import { apiError } from '../http/api-error.ts';
import { hashSecret, randomToken } from '../secrets.ts';
import { auditAccount, loadActiveAccount } from './active-subjects.ts';
import type { OwnerPrincipal } from './guards.ts';
import type { AuthDeps } from './auth-deps.ts';
import type { RequestMeta } from '../http/request-meta.ts';
import { consumeEntryToken, insertEntryToken } from './entry-token-table.ts';
import { dashboardUrl } from '../tenants/workspace-address.ts';

/** Long enough for one browser redirect to the workspace subdomain, short enough to be useless once leaked. */
export const ENTRY_TOKEN_TTL_SECONDS = 60;

export type WorkspaceEntryToken = { autoLoginToken: string; dashboardUrl: string; expiresIn: number };

/** A one-time token that lets the owner open the workspace dashboard on its own subdomain. */
export async function createWorkspaceEntryToken(deps: AuthDeps, owner: OwnerPrincipal, meta: RequestMeta): Promise<WorkspaceEntryToken> {
  const { tenant } = await loadActiveAccount(deps.db, owner.accountId);
  const autoLoginToken = randomToken('rn_wet_', 32);
  await insertEntryToken(deps.db, { tokenHash: hashSecret(autoLoginToken), tenantId: tenant.id, accountId: owner.accountId, lifetimeSeconds: ENTRY_TOKEN_TTL_SECONDS });
  await auditAccount(deps.db, 'workspace.entry_token_created', 'success', { id: owner.accountId, tenantId: tenant.id }, meta);
  return { autoLoginToken, dashboardUrl: dashboardUrl(deps.config, tenant.slug), expiresIn: ENTRY_TOKEN_TTL_SECONDS };
}

/** Uses an entry token once; answers the account it admits. */
export async function redeemEntryToken(db: Db, token: string): Promise<{ accountId: string }> {
  const entry = await consumeEntryToken(db, hashSecret(token));
  if (!entry) throw apiError('ENTRY_TOKEN_INVALID', 'The entry token is unknown, expired or already used; open the workspace again from the owner dashboard');
  return entry;
}

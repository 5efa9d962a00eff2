import type { Account } from '../accounts/account.ts';
import { findAccountById } from '../accounts/accounts.ts';
import type { Actor } from '../audit/actor.ts';
import { audit, auditFailure } from '../audit/audit-log.ts';
import type { Db } from '../db/database.ts';
import { ApiError, apiError } from '../http/api-error.ts';
import type { PlatformAdmin } from '../platform/admin.ts';
import { findPlatformAdminById } from '../platform/admins.ts';
import type { Tenant } from '../tenants/tenant.ts';
import { findTenantById } from '../tenants/tenants.ts';
import type { RequestMeta } from '../http/request-meta.ts';

/**
 * Rules shared by login, refresh and the guards: a disabled account, or any account of a
 * disabled tenant, holds no dashboard session.
 */
export function assertActive(account: Account, tenant: Tenant | undefined): asserts tenant is Tenant {
  if (!tenant || !tenant.active) throw apiError('TENANT_DISABLED', 'This workspace is suspended');
  if (!account.active) throw apiError('ACCOUNT_DISABLED', 'This account is disabled');
}

/** The account and its tenant, when both still exist and are active. */
export async function loadActiveAccount(db: Db, accountId: string): Promise<{ account: Account; tenant: Tenant }> {
  const account = await findAccountById(db, accountId);
  if (!account) throw apiError('ACCOUNT_DISABLED', 'This account no longer exists');
  const tenant = await findTenantById(db, account.tenantId);
  assertActive(account, tenant);
  return { account, tenant };
}

export async function loadActiveAdmin(db: Db, adminId: string): Promise<PlatformAdmin> {
  const admin = await findPlatformAdminById(db, adminId);
  if (!admin?.active) throw apiError('ACCOUNT_DISABLED', 'This platform admin is disabled');
  return admin;
}

/** An audit entry for something an account did (signed in, linked Google…); never secrets. */
export function auditAccount(
  db: Db, action: string, outcome: 'success' | 'failure', account: Pick<Account, 'id' | 'tenantId'>, meta: RequestMeta, details?: Record<string, unknown>,
): Promise<void> {
  const who: Actor = { ...meta, tenantId: account.tenantId, type: 'account', id: account.id };
  return (outcome === 'success' ? audit : auditFailure)(db, who, action, undefined, details);
}

/** Runs an activity check at login, auditing a refusal before it reaches the client. */
export async function auditDisabled(db: Db, action: string, account: Account, meta: RequestMeta, check: () => void): Promise<void> {
  try {
    check();
  } catch (err) {
    await auditAccount(db, action, 'failure', account, meta, { reason: (err as ApiError).code });
    throw err;
  }
}

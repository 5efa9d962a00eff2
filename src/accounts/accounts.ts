import { audit } from '../audit/audit-log.ts';
import type { TenantActor } from '../audit/actor.ts';
import type { Db } from '../db/database.ts';
import { apiError } from '../http/api-error.ts';
import * as table from './account-table.ts';

/**
 * The accounts module's face: other modules read and change accounts through these, never
 * through the table. Creating workspace accounts (rules, quota) lives with the tenant.
 */
export {
  countAgents, findAccountById, findAccountInTenant, findByTenantEmail, findByUsername, findOwnerByEmail,
  findOwnerByGoogleSubject, insertAccount, linkGoogleSubject, listByTenant as listTenantAccounts, type NewAccount,
  accountInTenantOf, type AccountInTenantRow,
} from './account-table.ts';

/** Disables or re-enables an account of the actor's tenant; its sessions and tokens stop working at once. */
export async function setAccountActive(db: Db, actor: TenantActor, id: string, active: boolean): Promise<void> {
  await db.transaction(async (trx) => {
    if (!await table.setAccountActive(trx, actor.tenantId, id, active)) throw apiError('NOT_FOUND', 'Account not found');
    await audit(trx, actor, active ? 'account.enabled' : 'account.disabled', { type: 'account', id });
  });
}

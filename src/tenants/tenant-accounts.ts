import type { Db } from '../db/database.ts';
import { apiError } from '../http/api-error.ts';
import { accountProblems } from '../accounts/account-rules.ts';
import type { Account, Role } from '../accounts/account.ts';
import { countAgents, findByUsername, findOwnerByEmail, insertAccount } from '../accounts/accounts.ts';
import { hashPassword, type PasswordParams } from '../accounts/passwords.ts';
import { planQuota } from '../plans/plan-catalog.ts';
import { findTenantById, lockTenant } from './tenant-table.ts';
import { findDepartment } from './departments.ts';

export type NewWorkspaceAccount = {
  tenantId: string; username: string; password: string; name: string; role: Role; email?: string | null;
  /** A department of the same tenant the account belongs to. */
  departmentId?: string | null;
};

/** Creates an account after checking the rules, uniqueness and the plan's `agents` quota. */
export async function createAccount(db: Db, passwords: PasswordParams, input: NewWorkspaceAccount): Promise<Account> {
  const username = input.username.toLowerCase();
  const problems = accountProblems({ ...input, username });
  if (problems.length) throw apiError('VALIDATION_FAILED', 'Invalid account', { details: problems });
  const passwordHash = await hashPassword(passwords, input.password);
  return db.transaction(async (trx) => {
    const tenant = await findTenantById(trx, input.tenantId);
    if (!tenant) throw apiError('NOT_FOUND', 'Tenant not found');
    await lockTenant(trx, tenant.id); // concurrent creations can't overshoot the agents quota
    if (input.departmentId && !await findDepartment(trx, tenant.id, input.departmentId)) {
      throw apiError('NOT_FOUND', 'No such department in this tenant');
    }
    if (await findByUsername(trx, tenant.id, username)) {
      throw apiError('CONFLICT', `username "${username}" is already taken in this tenant`);
    }
    if (input.role === 'owner' && input.email && await findOwnerByEmail(trx, input.email)) {
      throw apiError('CONFLICT', `an owner with email "${input.email}" already exists`);
    }
    if (input.role !== 'owner') {
      const limit = await planQuota(trx, tenant.planId, 'agents');
      if (limit !== null && await countAgents(trx, tenant.id) >= limit) {
        throw apiError('QUOTA_EXCEEDED', `the plan allows ${limit} agent accounts`);
      }
    }
    return insertAccount(trx, {
      id: crypto.randomUUID(), tenantId: tenant.id, role: input.role, username, name: input.name.trim(),
      email: input.email ?? null, passwordHash, departmentId: input.departmentId ?? null,
    });
  });
}

import type { Db } from '../db/database.ts';
import { ApiError } from '../http/api-error.ts';
import { planQuota } from '../plans/plan-catalog.ts';
import { findTenantById } from '../tenants/tenant-table.ts';
import {
  ROLES, countAgents, findByUsername, findOwnerByEmail, insertAccount, type Account, type Role,
} from './account-table.ts';
import { MIN_PASSWORD_LENGTH, hashPassword, type PasswordParams } from './passwords.ts';

const USERNAME = /^[a-z0-9](?:[a-z0-9._-]{1,62}[a-z0-9])$/;
// Deliberately simple: one @, no spaces, a dot in the domain. Mailbox existence is not our call.
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

export const isEmail = (value: string) => EMAIL.test(value) && value.length <= 254;

export function accountProblems(input: { username?: string; email?: string | null; password?: string; name?: string; role?: string }): string[] {
  const problems: string[] = [];
  if (input.username !== undefined && !USERNAME.test(input.username)) {
    problems.push('username must be 3-64 characters: lowercase letters, digits, ".", "_" or "-", starting and ending with a letter or digit');
  }
  if (input.email != null && !isEmail(input.email)) problems.push('email must be a valid email address');
  if (input.password !== undefined && input.password.length < MIN_PASSWORD_LENGTH) problems.push(`password must be at least ${MIN_PASSWORD_LENGTH} characters`);
  if (input.password !== undefined && input.password.length > 1024) problems.push('password must be at most 1024 characters');
  if (input.name !== undefined && (!input.name.trim() || input.name.length > 120)) problems.push('name must be 1-120 characters');
  if (input.role !== undefined && !ROLES.includes(input.role as Role)) problems.push(`role must be one of ${ROLES.join(', ')}`);
  return problems;
}

export type NewWorkspaceAccount = {
  tenantId: string; username: string; password: string; name: string; role: Role; email?: string | null;
};

/** Creates an account after checking the rules, uniqueness and the plan's `agents` quota. */
export async function createAccount(db: Db, passwords: PasswordParams, input: NewWorkspaceAccount): Promise<Account> {
  const username = input.username.toLowerCase();
  const problems = accountProblems({ ...input, username });
  if (problems.length) throw new ApiError('VALIDATION_FAILED', 400, 'Invalid account', problems);
  const passwordHash = await hashPassword(passwords, input.password);
  return db.transaction(async (trx) => {
    const tenant = await findTenantById(trx, input.tenantId);
    if (!tenant) throw new ApiError('NOT_FOUND', 404, 'Tenant not found');
    if (await findByUsername(trx, tenant.id, username)) {
      throw new ApiError('CONFLICT', 409, `username "${username}" is already taken in this tenant`);
    }
    if (input.role === 'owner' && input.email && await findOwnerByEmail(trx, input.email)) {
      throw new ApiError('CONFLICT', 409, `an owner with email "${input.email}" already exists`);
    }
    if (input.role !== 'owner') {
      const limit = await planQuota(trx, tenant.planId, 'agents');
      if (limit !== null && await countAgents(trx, tenant.id) >= limit) {
        throw new ApiError('QUOTA_EXCEEDED', 409, `the plan allows ${limit} agent accounts`);
      }
    }
    return insertAccount(trx, {
      id: crypto.randomUUID(), tenantId: tenant.id, role: input.role, username, name: input.name.trim(),
      email: input.email ?? null, passwordHash,
    });
  });
}

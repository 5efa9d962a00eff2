import type { Db } from '../db/database.ts';
import { apiError } from '../http/api-error.ts';
import { accountProblems } from '../accounts/account-rules.ts';
import { hashPassword, type PasswordParams } from '../accounts/passwords.ts';
import { PLATFORM_ROLES, type PlatformAdmin, type PlatformRole } from './admin.ts';
import { findPlatformAdminByEmail, insertPlatformAdmin } from './admin-table.ts';

/** The platform module's face: other modules read platform admins through these, never through the table. */
export { findPlatformAdminByEmail, findPlatformAdminById } from './admin-table.ts';

export async function createPlatformAdmin(
  db: Db, passwords: PasswordParams, input: { email: string; password: string; name: string; role: string },
): Promise<PlatformAdmin> {
  const problems = accountProblems({ email: input.email, password: input.password, name: input.name });
  if (!PLATFORM_ROLES.includes(input.role as PlatformRole)) problems.push(`role must be one of ${PLATFORM_ROLES.join(', ')}`);
  if (problems.length) throw apiError('VALIDATION_FAILED', 'Invalid platform admin', { details: problems });
  const passwordHash = await hashPassword(passwords, input.password);
  return db.transaction(async (trx) => {
    if (await findPlatformAdminByEmail(trx, input.email)) throw apiError('CONFLICT', `a platform admin with email "${input.email}" already exists`);
    return insertPlatformAdmin(trx, {
      id: crypto.randomUUID(), email: input.email.toLowerCase(), name: input.name.trim(), role: input.role as PlatformRole, passwordHash,
    });
  });
}

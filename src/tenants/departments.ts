import type { TenantActor } from '../audit/actor.ts';
import { audit } from '../audit/audit-log.ts';
import type { Db } from '../db/database.ts';
import { isUniqueViolation } from '../db/errors.ts';
import { apiError } from '../http/api-error.ts';
import * as table from './department-table.ts';

export type { Department } from './department-table.ts';
export { find as findDepartment, findByName as findDepartmentByName, listWithMembers as listDepartments } from './department-table.ts';

/** A new department of the tenant; names are unique per tenant (in any case). */
export async function createDepartment(db: Db, actor: TenantActor, name: string): Promise<table.Department> {
  const trimmed = name.trim();
  if (!trimmed || trimmed.length > 100) throw apiError('VALIDATION_FAILED', 'A department name is 1 to 100 characters');
  return db.transaction(async (trx) => {
    if (await table.findByName(trx, actor.tenantId, trimmed)) throw apiError('CONFLICT', `department "${trimmed}" already exists`);
    try {
      const department = await table.insert(trx, actor.tenantId, trimmed);
      await audit(trx, actor, 'department.created', { type: 'department', id: department.id }, { name: trimmed });
      return department;
    } catch (err) {
      if (isUniqueViolation(err)) throw apiError('CONFLICT', `department "${trimmed}" already exists`);
      throw err;
    }
  });
}

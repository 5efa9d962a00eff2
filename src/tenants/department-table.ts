import type { Db } from '../db/database.ts';
import { isUuid } from '../db/rows.ts';

/** A tenant's team: agents belong to at most one (accounts.department_id), conversations queue to one. */
export type Department = { id: string; tenantId: string; name: string };

type DepartmentRow = { id: string; tenant_id: string; name: string };
const toDepartment = (r: DepartmentRow): Department => ({ id: r.id, tenantId: r.tenant_id, name: r.name });

export async function insert(db: Db, tenantId: string, name: string): Promise<Department> {
  const [row] = await db<DepartmentRow>('departments').insert({ id: crypto.randomUUID(), tenant_id: tenantId, name }).returning(['id', 'tenant_id', 'name']);
  return toDepartment(row);
}

export async function find(db: Db, tenantId: string, id: string): Promise<Department | undefined> {
  if (!isUuid(id)) return undefined;
  const row = await db<DepartmentRow>('departments').where({ tenant_id: tenantId, id }).first('id', 'tenant_id', 'name');
  return row && toDepartment(row);
}

export async function findByName(db: Db, tenantId: string, name: string): Promise<Department | undefined> {
  const row = await db<DepartmentRow>('departments').where({ tenant_id: tenantId }).whereRaw('lower(name) = lower(?)', [name]).first('id', 'tenant_id', 'name');
  return row && toDepartment(row);
}

/** The tenant's departments with how many active accounts belong to each. */
export async function listWithMembers(db: Db, tenantId: string): Promise<(Department & { members: number })[]> {
  const rows = await db('departments as d')
    .leftJoin('accounts as a', (j) => j.on('a.department_id', 'd.id').andOn(db.raw('a.active')))
    .where('d.tenant_id', tenantId).groupBy('d.id').orderBy('d.name')
    .select('d.id', 'd.tenant_id', 'd.name', db.raw('count(a.id)::int as members'));
  return rows.map((r) => ({ ...toDepartment(r), members: r.members }));
}

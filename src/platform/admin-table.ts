import type { Db } from '../db/database.ts';
import type { PlatformAdmin, PlatformAdminWithHash, PlatformRole } from './admin.ts';

type AdminRow = { id: string; email: string; name: string; role: PlatformRole; active: boolean; password_hash: string };
const toAdmin = (r: AdminRow): PlatformAdmin => ({ id: r.id, email: r.email, name: r.name, role: r.role, active: r.active });

export async function insertPlatformAdmin(db: Db, a: Omit<PlatformAdmin, 'active'> & { passwordHash: string }): Promise<PlatformAdmin> {
  const [row] = await db<AdminRow>('platform_admins')
    .insert({ id: a.id, email: a.email, name: a.name, role: a.role, password_hash: a.passwordHash }).returning('*');
  return toAdmin(row);
}

export async function findPlatformAdminById(db: Db, id: string): Promise<PlatformAdmin | undefined> {
  const row = await db<AdminRow>('platform_admins').where({ id }).first();
  return row && toAdmin(row);
}

export async function findPlatformAdminByEmail(db: Db, email: string): Promise<PlatformAdminWithHash | undefined> {
  const row = await db<AdminRow>('platform_admins').whereRaw('lower(email) = lower(?)', [email]).first();
  return row && { ...toAdmin(row), passwordHash: row.password_hash };
}

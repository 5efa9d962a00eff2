import type { Db } from '../db/database.ts';
import { preparedQuery } from '../db/prepared.ts';
import { count, iso } from '../db/rows.ts';
import type { Account, AccountInTenant, AccountWithHash, Role } from './account.ts';

type AccountRow = {
  id: string; tenant_id: string; role: Role; username: string; email: string | null; email_verified: boolean;
  password_hash: string; name: string; department_id: string | null; active: boolean; created_at: Date;
};

const toAccount = (r: Omit<AccountRow, 'password_hash'>): Account => ({
  id: r.id, tenantId: r.tenant_id, role: r.role, username: r.username, email: r.email,
  emailVerified: r.email_verified, name: r.name, departmentId: r.department_id, active: r.active,
  createdAt: iso(r.created_at)!,
});
const withHash = (r: AccountRow): AccountWithHash => ({ ...toAccount(r), passwordHash: r.password_hash });

export type NewAccount = Pick<Account, 'id' | 'tenantId' | 'role' | 'username' | 'name'> &
  { email?: string | null; emailVerified?: boolean; passwordHash: string; departmentId?: string | null };

export async function insertAccount(db: Db, a: NewAccount): Promise<Account> {
  const [row] = await db<AccountRow>('accounts').insert({
    id: a.id, tenant_id: a.tenantId, role: a.role, username: a.username, email: a.email ?? null,
    email_verified: a.emailVerified ?? false, password_hash: a.passwordHash, name: a.name,
    department_id: a.departmentId ?? null,
  }).returning('*');
  return toAccount(row);
}

export async function findAccountById(db: Db, id: string): Promise<Account | undefined> {
  const row = await db<AccountRow>('accounts').where({ id }).first();
  return row && toAccount(row);
}

/**
 * The account and its tenant's slug and status in one round trip, as a prepared statement:
 * userinfo and every token grant look both up, and each round trip was a measurable share
 * of their cost (docs/benchmarks.md). A read-only join; only the tenants module writes tenants.
 * Named columns, not `*`: a prepared statement whose result shape changes under it (a column
 * added by a newer process's migration) fails with "cached plan must not change result type".
 */
/** An account row with its tenant's columns, as findAccountInTenant (and the joined token read, token-context-table.ts) select them. */
export type AccountInTenantRow = Omit<AccountRow, 'password_hash'> & { updated_at: Date; tenant_slug: string; tenant_active: boolean; tenant_timezone: string };

export const accountInTenantOf = (row: AccountInTenantRow): AccountInTenant => ({
  ...toAccount(row), updatedAt: iso(row.updated_at)!, tenantSlug: row.tenant_slug, tenantActive: row.tenant_active, tenantTimezone: row.tenant_timezone,
});

export async function findAccountInTenant(db: Db, id: string): Promise<AccountInTenant | undefined> {
  const [row] = await preparedQuery<AccountInTenantRow>(db, 'accounts.find_in_tenant',
    `select a.id, a.tenant_id, a.role, a.username, a.email, a.email_verified, a.name, a.department_id,
       a.active, a.created_at, a.updated_at, t.slug as tenant_slug, t.active as tenant_active, t.timezone as tenant_timezone
     from accounts a join tenants t on t.id = a.tenant_id where a.id = ? limit 1`, [id]);
  return row && accountInTenantOf(row);
}

export async function findOwnerByEmail(db: Db, email: string): Promise<AccountWithHash | undefined> {
  const row = await db<AccountRow>('accounts').where({ role: 'owner' }).whereRaw('lower(email) = lower(?)', [email]).first();
  return row && withHash(row);
}

export async function findByUsername(db: Db, tenantId: string, username: string): Promise<AccountWithHash | undefined> {
  const row = await db<AccountRow>('accounts').where({ tenant_id: tenantId, username: username.toLowerCase() }).first();
  return row && withHash(row);
}

/** Login by email inside one tenant (OIDC login accepts email or username). */
export async function findByTenantEmail(db: Db, tenantId: string, email: string): Promise<AccountWithHash | undefined> {
  const row = await db<AccountRow>('accounts').where({ tenant_id: tenantId })
    .whereRaw('lower(email) = lower(?)', [email]).orderByRaw("role = 'owner' desc").first();
  return row && withHash(row);
}

export async function countAgents(db: Db, tenantId: string): Promise<number> {
  return count(await db('accounts').where({ tenant_id: tenantId }).whereNot({ role: 'owner' }).count({ count: '*' }).first());
}

/** Every account of the tenant, by name (a workspace has tens or hundreds, not millions). */
export async function listByTenant(db: Db, tenantId: string): Promise<Account[]> {
  const rows = await db<AccountRow>('accounts').where({ tenant_id: tenantId }).orderBy('name').orderBy('username');
  return rows.map(toAccount);
}

export async function setAccountActive(db: Db, tenantId: string, id: string, active: boolean): Promise<boolean> {
  return (await db('accounts').where({ tenant_id: tenantId, id }).update({ active, updated_at: db.fn.now() })) > 0;
}

/** The owner who linked this Google account (`sub` of Google ID tokens). */
export async function findOwnerByGoogleSubject(db: Db, subject: string): Promise<Account | undefined> {
  const row = await db<AccountRow>('accounts').where({ role: 'owner', google_subject: subject } as Partial<AccountRow>).first();
  return row && toAccount(row);
}

/** Links a Google account to an owner that has none yet; false when the owner already has a (different) link. */
export async function linkGoogleSubject(db: Db, tenantId: string, accountId: string, subject: string): Promise<boolean> {
  const rows = await db('accounts').where({ tenant_id: tenantId, id: accountId }).whereNull('google_subject')
    .update({ google_subject: subject, updated_at: db.fn.now() }).returning('id');
  return rows.length > 0;
}

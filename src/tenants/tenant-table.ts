import type { Db } from '../db/database.ts';
import { preparedQuery } from '../db/prepared.ts';
import { count, iso } from '../db/rows.ts';
import type { Tenant } from './tenant.ts';

type TenantRow = {
  id: string; slug: string; name: string; company_name: string | null; email: string; phone: string | null;
  timezone: string; industry: string | null; logo_url: string | null; active: boolean; onboarding_completed: boolean;
  public_key: string; plan_id: string; branding: Record<string, unknown>; service_enablement: Record<string, boolean>;
  created_at: Date; updated_at: Date;
};

const toTenant = (r: TenantRow): Tenant => ({
  id: r.id, slug: r.slug, name: r.name, companyName: r.company_name, email: r.email, phone: r.phone,
  timezone: r.timezone, industry: r.industry, logoUrl: r.logo_url, active: r.active,
  onboardingCompleted: r.onboarding_completed, publicKey: r.public_key, planId: r.plan_id,
  branding: r.branding, serviceEnablement: r.service_enablement,
  createdAt: iso(r.created_at)!, updatedAt: iso(r.updated_at)!,
});

export type NewTenant = Pick<Tenant, 'id' | 'slug' | 'name' | 'email' | 'publicKey' | 'planId'> &
  Partial<Pick<Tenant, 'companyName' | 'phone' | 'timezone' | 'industry' | 'logoUrl'>>;

export async function insertTenant(db: Db, t: NewTenant): Promise<Tenant> {
  const [row] = await db<TenantRow>('tenants').insert({
    id: t.id, slug: t.slug, name: t.name, email: t.email, public_key: t.publicKey, plan_id: t.planId,
    company_name: t.companyName ?? null, phone: t.phone ?? null, timezone: t.timezone ?? 'UTC',
    industry: t.industry ?? null, logo_url: t.logoUrl ?? null,
  }).returning('*');
  return toTenant(row);
}

export async function findTenantById(db: Db, id: string): Promise<Tenant | undefined> {
  const row = await db<TenantRow>('tenants').where({ id }).first();
  return row && toTenant(row);
}

export async function findTenantBySlug(db: Db, slug: string): Promise<Tenant | undefined> {
  const row = await db<TenantRow>('tenants').where({ slug }).first();
  return row && toTenant(row);
}

/** Every tenant, oldest first (the operator's list; a platform has thousands, not millions). */
export async function listTenants(db: Db): Promise<Tenant[]> {
  const rows = await db<TenantRow>('tenants').orderBy('created_at').orderBy('slug');
  return rows.map(toTenant);
}

export async function countTenants(db: Db): Promise<number> {
  return count(await db('tenants').count({ count: '*' }).first());
}

export async function setTenantActive(db: Db, id: string, active: boolean): Promise<boolean> {
  return (await db('tenants').where({ id }).update({ active, updated_at: db.fn.now() })) > 0;
}

export async function setTenantTimezone(db: Db, id: string, timezone: string): Promise<Tenant | undefined> {
  const [row] = await db<TenantRow>('tenants').where({ id }).update({ timezone, updated_at: db.fn.now() as never }).returning('*');
  return row && toTenant(row);
}

/** Locks the tenant row until the transaction ends: serialises quota checks (e.g. allowed domains). */
export async function lockTenant(db: Db, id: string): Promise<void> {
  await db('tenants').where({ id }).forUpdate().first('id');
}

/** Whether the tenant exists and is active: the runtime guard's per-request check, one prepared read. */
export async function isTenantActive(db: Db, id: string): Promise<boolean> {
  const [row] = await preparedQuery<{ active: boolean }>(db, 'tenants.is_active', 'select active from tenants where id = ? limit 1', [id]);
  return row?.active === true;
}

/** A tenant as the public runtime sees it: the row, its allowed domains and its plan's features. */
export type RuntimeTenant = { tenant: Tenant; allowedDomains: string[]; features: Set<string> };

const TENANT_COLUMNS = 't.id, t.slug, t.name, t.company_name, t.email, t.phone, t.timezone, t.industry, t.logo_url, t.active, ' +
  't.onboarding_completed, t.public_key, t.plan_id, t.branding, t.service_enablement, t.created_at, t.updated_at';

/**
 * Bootstrap and session creation run on every page view of every customer site, so what they
 * need comes in one indexed read (by slug or by public widget key), as a prepared statement.
 * Read-only subqueries of the plan's features; only the plans module writes plans.
 */
export async function findRuntimeTenant(db: Db, by: { slug: string } | { publicKey: string }): Promise<RuntimeTenant | undefined> {
  const [column, value] = 'slug' in by ? ['slug', by.slug] : ['public_key', by.publicKey];
  const [row] = await preparedQuery<TenantRow & { allowed_domains: string[]; features: string[] }>(db, `tenants.runtime_by_${column}`,
    `select ${TENANT_COLUMNS},
       coalesce((select array_agg(d.domain order by d.domain) from tenant_allowed_domains d where d.tenant_id = t.id), '{}') as allowed_domains,
       coalesce((select array_agg(f.feature_key) from plan_features f where f.plan_id = t.plan_id and f.enabled), '{}') as features
     from tenants t where t.${column} = ? limit 1`, [value]);
  return row && { tenant: toTenant(row), allowedDomains: row.allowed_domains, features: new Set(row.features) };
}

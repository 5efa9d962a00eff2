import type { Db } from '../db/database.ts';
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

export async function countTenants(db: Db): Promise<number> {
  return count(await db('tenants').count({ count: '*' }).first());
}

export async function setTenantActive(db: Db, id: string, active: boolean): Promise<boolean> {
  return (await db('tenants').where({ id }).update({ active, updated_at: db.fn.now() })) > 0;
}

/** Locks the tenant row until the transaction ends: serialises quota checks (e.g. allowed domains). */
export async function lockTenant(db: Db, id: string): Promise<void> {
  await db('tenants').where({ id }).forUpdate().first('id');
}

import type { Db } from '../db/database.ts';

export async function listAllowedDomains(db: Db, tenantId: string): Promise<string[]> {
  const rows = await db('tenant_allowed_domains').where({ tenant_id: tenantId }).orderBy('created_at').orderBy('domain');
  return rows.map((r) => r.domain);
}

export async function addAllowedDomain(db: Db, tenantId: string, domain: string): Promise<void> {
  await db('tenant_allowed_domains').insert({ tenant_id: tenantId, domain }).onConflict(['tenant_id', 'domain']).ignore();
}

export async function replaceAllowedDomains(db: Db, tenantId: string, domains: string[]): Promise<void> {
  await db('tenant_allowed_domains').where({ tenant_id: tenantId }).del().returning('domain');
  if (domains.length) await db('tenant_allowed_domains').insert(domains.map((domain) => ({ tenant_id: tenantId, domain })));
}

/** Whether one tenant (or, without one, any active tenant) lists one of these entries (a domain, or wildcards that would cover it). */
export async function tenantsAllow(db: Db, entries: string[], tenantId?: string): Promise<boolean> {
  const query = db('tenant_allowed_domains as d').join('tenants as t', 't.id', 'd.tenant_id')
    .whereIn('d.domain', entries).andWhere('t.active', true);
  if (tenantId) query.andWhere('d.tenant_id', tenantId);
  return (await query.first('d.domain')) !== undefined;
}

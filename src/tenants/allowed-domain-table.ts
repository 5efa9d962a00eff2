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

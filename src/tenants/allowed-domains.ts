import type { Db } from '../db/database.ts';
import { planQuota } from '../plans/plan-catalog.ts';
import { addAllowedDomain, tenantsAllow, listAllowedDomains, replaceAllowedDomains } from './allowed-domain-table.ts';
import { domainCovers, entriesCovering, isDomainCovered } from './domains.ts';
import type { Tenant } from './tenant.ts';
import { lockTenant } from './tenant-table.ts';

export type AllowedDomainSummary = {
  allowedDomains: string[];
  /** null = unlimited */
  allowedDomainsLimit: number | null;
  allowedDomainsUsed: number;
  allowedDomainsRemaining: number | null;
};

export async function allowedDomainSummary(db: Db, tenant: Pick<Tenant, 'id' | 'planId'>): Promise<AllowedDomainSummary> {
  const allowedDomains = await listAllowedDomains(db, tenant.id);
  const limit = await planQuota(db, tenant.planId, 'allowed_domains');
  return {
    allowedDomains,
    allowedDomainsLimit: limit,
    allowedDomainsUsed: allowedDomains.length,
    allowedDomainsRemaining: limit === null ? null : Math.max(0, limit - allowedDomains.length),
  };
}

export type AddDomainResult =
  | { kind: 'added' | 'already_allowed'; summary: AllowedDomainSummary }
  | { kind: 'quota_exceeded'; summary: AllowedDomainSummary };

/**
 * Adds one (already normalised) domain unless an entry covers it, within the plan's
 * `allowed_domains` quota. The tenant row is locked so concurrent adds can't overshoot.
 */
export async function addAllowedDomainWithinQuota(db: Db, tenant: Pick<Tenant, 'id' | 'planId'>, domain: string): Promise<AddDomainResult> {
  return db.transaction(async (trx) => {
    await lockTenant(trx, tenant.id);
    const before = await allowedDomainSummary(trx, tenant);
    if (isDomainCovered(before.allowedDomains, domain)) return { kind: 'already_allowed', summary: before };
    if (before.allowedDomainsRemaining !== null && before.allowedDomainsRemaining <= 0) return { kind: 'quota_exceeded', summary: before };
    await addAllowedDomain(trx, tenant.id, domain);
    return { kind: 'added', summary: await allowedDomainSummary(trx, tenant) };
  });
}

export type ReplaceDomainsResult =
  | { kind: 'replaced'; summary: AllowedDomainSummary }
  | { kind: 'quota_exceeded'; summary: AllowedDomainSummary; requested: number };

/**
 * Replaces the whole list (already normalised) within the plan's quota, de-duplicating
 * entries a wildcard in the same list covers. Over the quota nothing changes.
 */
export async function replaceAllowedDomainsWithinQuota(db: Db, tenant: Pick<Tenant, 'id' | 'planId'>, domains: string[]): Promise<ReplaceDomainsResult> {
  const unique = [...new Set(domains)];
  const kept = unique.filter((d) => !unique.some((other) => other !== d && domainCovers(other, d)));
  return db.transaction(async (trx) => {
    await lockTenant(trx, tenant.id);
    const limit = await planQuota(trx, tenant.planId, 'allowed_domains');
    if (limit !== null && kept.length > limit) {
      return { kind: 'quota_exceeded', summary: await allowedDomainSummary(trx, tenant), requested: kept.length };
    }
    await replaceAllowedDomains(trx, tenant.id, kept);
    return { kind: 'replaced', summary: await allowedDomainSummary(trx, tenant) };
  });
}

/**
 * Whether the tenant allows this domain, or without a tenant whether some active tenant does:
 * all that a CORS preflight, which names no tenant, can know.
 */
export const isDomainAllowed = (db: Db, domain: string, tenantId?: string) => tenantsAllow(db, entriesCovering(domain), tenantId);

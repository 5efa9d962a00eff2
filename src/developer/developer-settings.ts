import type { TenantActor } from '../audit/actor.ts';
import { audit } from '../audit/audit-log.ts';
import type { Db } from '../db/database.ts';
import { apiError } from '../http/api-error.ts';
import { allowedDomainSummary, replaceAllowedDomainsWithinQuota } from '../tenants/allowed-domains.ts';
import { isDomainCovered, normalizeDomain } from '../tenants/domains.ts';
import { serviceCapabilities, type ServiceKey } from '../tenants/service-capabilities.ts';
import { toTenantIdentity } from '../tenants/tenant-identity.ts';
import type { Tenant } from '../tenants/tenant.ts';
import { requireTenant } from '../tenants/tenants.ts';
import { reportsReadiness } from '../reports/reports.ts';

/** What the services' status depends on beside the tenant: whether this deployment has a realtime AI provider. */
export type ServiceContext = { realtimeConfigured: boolean };

export async function getDeveloperSettings(db: Db, context: ServiceContext, tenantId: string) {
  const tenant = await requireTenant(db, tenantId);
  const { allowedDomains } = await allowedDomainSummary(db, tenant);
  return { tenant: toTenantIdentity(tenant), allowedDomains, publicKey: tenant.publicKey, services: await serviceCapabilities(db, tenant, context) };
}

/** Replaces the widget domains: every entry normalised (as the OAuth tenant endpoint does), all or nothing. */
export async function updateDeveloperAllowedDomains(db: Db, context: ServiceContext, actor: TenantActor, input: string[]) {
  const results = input.map(normalizeDomain);
  const problems = results.flatMap((r) => ('problem' in r ? [r.problem] : []));
  if (problems.length) throw apiError('VALIDATION_FAILED', 'Some domains are invalid', { details: problems });
  return db.transaction(async (trx) => {
    const tenant = await requireTenant(trx, actor.tenantId);
    const result = await replaceAllowedDomainsWithinQuota(trx, tenant, results.map((r) => (r as { domain: string }).domain));
    if (result.kind === 'quota_exceeded') {
      throw apiError('QUOTA_EXCEEDED', `The plan allows ${result.summary.allowedDomainsLimit} allowed domains; ${result.requested} were given`);
    }
    await audit(trx, actor, 'allowed_domains.updated', { type: 'tenant', id: tenant.id }, { allowedDomains: result.summary.allowedDomains });
    return getDeveloperSettings(trx, context, actor.tenantId);
  });
}

export type SdkTestInput = { origin?: string; slug?: string; service?: ServiceKey };

/**
 * What an SDK embedded on `origin` with `slug` would get: whether the origin is allowed,
 * whether the slug names this tenant, and each service's status with the reason.
 */
export async function testDeveloperSdkSettings(db: Db, context: ServiceContext, tenantId: string, input: SdkTestInput) {
  const tenant = await requireTenant(db, tenantId);
  const { allowedDomains } = await allowedDomainSummary(db, tenant);
  return {
    ...await readiness(db, context, tenant, input.service),
    tenant: { slug: tenant.slug, isActive: tenant.active, slugMatches: input.slug === undefined ? null : input.slug === tenant.slug },
    origin: input.origin === undefined ? null : originCheck(input.origin, allowedDomains),
  };
}

/** What an SDK launch check reads: each service's status, AI and reports readiness. */
export async function sdkReadiness(db: Db, context: ServiceContext, tenantId: string) {
  return readiness(db, context, await requireTenant(db, tenantId));
}

async function readiness(db: Db, context: ServiceContext, tenant: Tenant, service?: ServiceKey) {
  const services = (await serviceCapabilities(db, tenant, context)).filter((s) => !service || s.key === service);
  return { services, ai: aiReadiness(services), reports: reportsReadiness() };
}

function originCheck(origin: string, allowedDomains: string[]) {
  const normalized = normalizeDomain(origin);
  if ('problem' in normalized) return { origin, allowed: false, reason: normalized.problem };
  const allowed = isDomainCovered(allowedDomains, normalized.domain);
  return { origin, domain: normalized.domain, allowed, ...(allowed ? {} : { reason: `${normalized.domain} is not in the allowed domains` }) };
}

function aiReadiness(services: Awaited<ReturnType<typeof serviceCapabilities>>) {
  const ai = services.filter((s) => s.key.startsWith('ai_'));
  return { ready: ai.some((s) => s.allowed), services: Object.fromEntries(ai.map((s) => [s.key, s.status])) };
}

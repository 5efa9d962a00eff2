import type { Account } from '../accounts/account.ts';
import { ROLES } from '../accounts/account.ts';
import { countAgents, listTenantAccounts } from '../accounts/accounts.ts';
import type { PresenceService } from '../agents/presence.ts';
import { getAiVisitorRouting, meteringRefusal } from '../ai/ai-access.ts';
import { hasReadyKnowledge } from '../ai/readiness.ts';
import { aiMonthUsage } from '../billing/ai-usage.ts';
import { getPlatformAiPricing } from '../billing/ai-pricing.ts';
import { alertLevel } from '../billing/alert-level.ts';
import { tenantBalance } from '../billing/balances.ts';
import { voiceMinutes } from '../billing/pricing.ts';
import type { Db } from '../db/database.ts';
import { sdkReadiness } from '../developer/developer-settings.ts';
import { getPlatformPlanContracts } from '../plans/plan-contracts.ts';
import { allowedDomainSummary } from '../tenants/allowed-domains.ts';
import { listDepartments } from '../tenants/departments.ts';
import { serviceCapabilities } from '../tenants/service-capabilities.ts';
import { toTenantIdentity } from '../tenants/tenant-identity.ts';
import type { Tenant } from '../tenants/tenant.ts';
import { requireTenant } from '../tenants/tenants.ts';

/** What the Admin SDK reads beside the database: presence, and whether AI providers are configured. */
export type AdminReadDeps = { db: Db; presence: Pick<PresenceService, 'onlineAgents' | 'availableAgents'>; ai: { chatConfigured: boolean; realtimeConfigured: boolean } };

export async function getAdminTenant(db: Db, tenantId: string, admin: Account) {
  const tenant = await requireTenant(db, tenantId);
  return {
    tenant: toTenantIdentity(tenant),
    admin: { id: admin.id, username: admin.username, name: admin.name, role: admin.role, ...(admin.email && { email: admin.email }) },
  };
}

export const getAdminReadiness = (deps: AdminReadDeps, tenantId: string) => sdkReadiness(deps.db, deps.ai, tenantId);

export async function getAdminDomains(db: Db, tenantId: string) {
  const { allowedDomains } = await allowedDomainSummary(db, await requireTenant(db, tenantId));
  return { allowedDomains };
}

/** Each service with its status and the admin's switch; `capabilities` is the same keyed by service. */
export async function getAdminServices(deps: AdminReadDeps, tenantId: string) {
  const services = await serviceCapabilities(deps.db, await requireTenant(deps.db, tenantId), { realtimeConfigured: deps.ai.realtimeConfigured });
  return {
    services,
    capabilities: Object.fromEntries(services.map((s) => [s.key, { status: s.status, allowed: s.allowed, adminEnabled: s.adminEnabled }])),
  };
}

/** How much of each quota the tenant uses now; null for a quota the platform defines but does not count. */
async function quotaUsage(db: Db, tenant: Tenant): Promise<Record<string, number>> {
  const [agents, domains, ai] = await Promise.all([countAgents(db, tenant.id), allowedDomainSummary(db, tenant), aiMonthUsage(db, tenant.id)]);
  return { agents, allowed_domains: domains.allowedDomainsUsed, ai_chat_replies: ai.replies, ai_voice_minutes: voiceMinutes(ai.voiceSeconds) };
}

/**
 * The plan, its features, and every quota with its limit and the tenant's current use
 * (`limit` null: unlimited or custom; AI quotas count this calendar month in UTC).
 */
export async function getAdminSubscription(db: Db, tenantId: string) {
  const tenant = await requireTenant(db, tenantId);
  const [catalog, usage] = await Promise.all([getPlatformPlanContracts(db), quotaUsage(db, tenant)]);
  const plan = catalog.plans.find((p) => p.planId === tenant.planId);
  const quotas = Object.entries(plan?.quotas ?? {}).map(([key, q]) => {
    const limit = q.valueType === 'number' ? q.limitValue ?? 0 : q.valueType === 'disabled' ? 0 : null;
    const used = usage[key] ?? null;
    return {
      key, valueType: q.valueType, limit, used, resetPeriod: q.resetPeriod ?? null,
      remaining: limit === null || used === null ? null : Math.max(0, limit - used),
    };
  });
  return {
    subscription: {
      plan: plan ? { id: plan.planId, slug: plan.slug, name: plan.name } : { id: tenant.planId },
      status: tenant.active ? 'active' : 'suspended',
      features: Object.entries(plan?.features ?? {}).filter(([, f]) => f.enabled).map(([key]) => key),
      quotas,
    },
  };
}

/**
 * Whether the tenant's visitors get AI answers now, and why not: AI chat must be in the plan,
 * switched on and have ready knowledge, and a reply must be admitted by quota and balance.
 */
export async function getAdminAiReadiness(deps: AdminReadDeps, tenantId: string) {
  const { db } = deps;
  const tenant = await requireTenant(db, tenantId);
  const [services, routing, refusal, knowledgeReady, balance, pricing] = await Promise.all([
    serviceCapabilities(db, tenant, { realtimeConfigured: deps.ai.realtimeConfigured }),
    getAiVisitorRouting({ db, realtimeConfigured: deps.ai.realtimeConfigured }, deps.presence, tenantId),
    meteringRefusal(db, tenantId, 'reply'), hasReadyKnowledge(db, tenantId), tenantBalance(db, tenantId), getPlatformAiPricing(db),
  ]);
  const aiChat = services.find((s) => s.key === 'ai_chat')!;
  const reason = !aiChat.allowed ? aiChat.reason : refusal?.message;
  return {
    canUseAiFeature: routing.canUseAi,
    ai: {
      canUseAi: routing.canUseAi, mode: routing.mode, ...(reason && { reason }), humanFallbackAvailable: routing.humanFallbackAvailable,
      services: Object.fromEntries(services.filter((s) => s.key.startsWith('ai_')).map((s) => [s.key, s.status])),
      knowledge: { ready: knowledgeReady },
      provider: { chat: deps.ai.chatConfigured ? 'configured' : 'built-in', realtimeConfigured: deps.ai.realtimeConfigured },
      balance: {
        balanceCents: balance.balanceCents, alertLevel: alertLevel(balance.balanceCents, pricing.settings.lowBalanceThresholdCents),
        overageEnabled: balance.overageEnabled, blockOnZero: balance.blockOnZero,
      },
    },
  };
}

/** Accounts by role (active ones), who is online now (presence), and departments with their members. */
export async function getAdminStaffSummary(deps: AdminReadDeps, tenantId: string) {
  await requireTenant(deps.db, tenantId);
  const [accounts, online, available, departments] = await Promise.all([
    listTenantAccounts(deps.db, tenantId), deps.presence.onlineAgents(tenantId), deps.presence.availableAgents(tenantId), listDepartments(deps.db, tenantId),
  ]);
  const active = accounts.filter((a) => a.active);
  return {
    accounts: {
      total: accounts.length, active: active.length, disabled: accounts.length - active.length,
      byRole: Object.fromEntries(ROLES.map((role) => [role, active.filter((a) => a.role === role).length])),
    },
    presence: { onlineNow: online, availableNow: available },
    departments: departments.map((d) => ({ id: d.id, name: d.name, members: d.members })),
  };
}

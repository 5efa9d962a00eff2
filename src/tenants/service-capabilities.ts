import type { Db } from '../db/database.ts';
import { hasReadyKnowledge } from '../ai/readiness.ts';
import { apiError } from '../http/api-error.ts';
import { planFeatures } from '../plans/plan-catalog.ts';
import type { Tenant } from './tenant.ts';
import { findTenantById } from './tenant-table.ts';

export type ServiceKey = 'chat' | 'voice_call' | 'video_call' | 'ai_chat' | 'ai_voice' | 'ai_video';
export type ServiceStatus = 'available' | 'disabled_by_admin' | 'not_in_plan' | 'not_configured' | 'ai_not_ready' | 'beta';

export type ServiceCapability = {
  key: ServiceKey;
  label: string;
  status: ServiceStatus;
  allowed: boolean;
  adminEnabled: boolean;
  requiredFeatures: string[];
  sortOrder: number;
  reason?: string;
};

const SERVICES: Array<{ key: ServiceKey; label: string; sortOrder: number; needs?: 'knowledge' | 'realtime' }> = [
  { key: 'chat', label: 'Chat', sortOrder: 10 },
  { key: 'voice_call', label: 'Voice calls', sortOrder: 20 },
  { key: 'video_call', label: 'Video calls', sortOrder: 30 },
  { key: 'ai_chat', label: 'AI chat', sortOrder: 40, needs: 'knowledge' },
  { key: 'ai_voice', label: 'AI voice', sortOrder: 50, needs: 'realtime' },
  { key: 'ai_video', label: 'AI video', sortOrder: 60, needs: 'realtime' },
];

/** What AI services need beyond plan and settings: ready knowledge (AI chat) and a configured realtime provider (AI voice and video). */
export type AiReadiness = { knowledgeReady: boolean; realtimeConfigured: boolean };

/**
 * What a tenant can use, and why not: the plan must include the feature, the tenant's
 * admin must not have switched it off, and AI services need AI to be ready. Knowledge
 * readiness is read here; whether a realtime provider is configured is the process's
 * configuration, so callers that show AI voice pass it (without it, AI voice and video
 * report `not_configured`).
 */
export async function serviceCapabilities(db: Db, tenant: Tenant, options: { realtimeConfigured?: boolean } = {}): Promise<ServiceCapability[]> {
  return capabilitiesOf(tenant, await planFeatures(db, tenant.planId), {
    knowledgeReady: await hasReadyKnowledge(db, tenant.id), realtimeConfigured: options.realtimeConfigured ?? false,
  });
}

/**
 * One service of a tenant, for a check before using it: reads the tenant and its plan, and
 * knowledge readiness only when the service needs it (AI chat), not on every chat or call.
 */
export async function serviceCapability(db: Db, tenantId: string, key: ServiceKey, options: { realtimeConfigured?: boolean } = {}): Promise<ServiceCapability> {
  const tenant = await findTenantById(db, tenantId);
  if (!tenant) throw apiError('NOT_FOUND', 'Tenant not found');
  const needs = SERVICES.find((s) => s.key === key)!.needs;
  const knowledgeReady = needs === 'knowledge' && await hasReadyKnowledge(db, tenant.id);
  const all = capabilitiesOf(tenant, await planFeatures(db, tenant.planId), { knowledgeReady, realtimeConfigured: options.realtimeConfigured ?? false });
  return all.find((s) => s.key === key)!;
}

/** The same, from plan features and AI readiness already read (the runtime reads them with the tenant). */
export function capabilitiesOf(tenant: Pick<Tenant, 'serviceEnablement'>, features: Set<string>, ai: AiReadiness): ServiceCapability[] {
  return SERVICES.map(({ key, label, sortOrder, needs }) => {
    const adminEnabled = tenant.serviceEnablement[key] !== false;
    const [status, reason] = !features.has(key) ? ['not_in_plan', `The tenant's plan does not include ${label}`] as const
      : !adminEnabled ? ['disabled_by_admin', `${label} is switched off in the tenant's settings`] as const
      : needs === 'realtime' && !ai.realtimeConfigured ? ['not_configured', 'No realtime AI provider is configured'] as const
      : needs === 'knowledge' && !ai.knowledgeReady ? ['ai_not_ready', 'No knowledge documents have been ingested yet'] as const
      : ['available', undefined] as const;
    return {
      key, label, status, allowed: status === 'available', adminEnabled, requiredFeatures: [key], sortOrder,
      ...(reason ? { reason } : {}),
    };
  });
}

import type { PresenceService } from '../agents/presence.ts';
import { aiMonthUsage, includedQuota } from '../billing/ai-usage.ts';
import { tenantBalance } from '../billing/balances.ts';
import type { Db } from '../db/database.ts';
import { apiError, type ApiError } from '../http/api-error.ts';
import { serviceCapability } from '../tenants/service-capabilities.ts';
import { requireTenant } from '../tenants/tenants.ts';

export type AiMode = 'ai_first' | 'ai_assisted' | 'human_only';
export type AiRouting = { mode: AiMode; canUseAi: boolean; humanFallbackAvailable: boolean };
export type Metered = 'reply' | 'voice';

type AccessDeps = { db: Db; realtimeConfigured: boolean };

/**
 * Why one more metered action (a reply, a voice call) must not happen now, or undefined:
 * within the plan's monthly quota it is free; beyond it, the tenant needs overage switched
 * on, and with `blockOnZero` a balance above zero. Checked before any provider call, so a
 * refusal costs nothing.
 */
export async function meteringRefusal(db: Db, tenantId: string, metered: Metered): Promise<ApiError | undefined> {
  const tenant = await requireTenant(db, tenantId);
  const included = await includedQuota(db, tenant.planId);
  const usage = await aiMonthUsage(db, tenantId);
  const [limit, used, unit] = metered === 'reply'
    ? [included.chatReplies, usage.replies, 'AI replies']
    : [included.voiceMinutes === null ? null : included.voiceMinutes * 60, usage.voiceSeconds, 'seconds of AI voice'];
  if (limit === null || used < limit) return undefined;
  const balance = await tenantBalance(db, tenantId);
  if (!balance.overageEnabled) {
    return apiError('QUOTA_EXCEEDED', `The plan's ${limit} ${unit} for this month are used up, and overage is not enabled`);
  }
  if (balance.blockOnZero && balance.balanceCents <= 0) {
    return apiError('QUOTA_EXCEEDED', 'The AI balance is empty; it must be topped up before more AI usage beyond the plan');
  }
  return undefined;
}

/** Refuses when the AI service is not available (plan, switch, readiness) or its metering would be refused. */
export async function requireAi(deps: AccessDeps, tenantId: string, service: 'ai_chat' | 'ai_voice'): Promise<void> {
  const capability = await serviceCapability(deps.db, tenantId, service, deps);
  if (!capability.allowed) {
    const ready = capability.status === 'ai_not_ready' || capability.status === 'not_configured';
    throw apiError(ready ? 'AI_NOT_READY' : 'FEATURE_NOT_AVAILABLE', capability.reason ?? `${capability.label} is not available`);
  }
  const refusal = await meteringRefusal(deps.db, tenantId, service === 'ai_chat' ? 'reply' : 'voice');
  if (refusal) throw refusal;
}

/**
 * How the visitor's chat is routed: AI can be used when AI chat is available (in the plan,
 * switched on, knowledge ready) and a reply would be admitted (quota, balance). `ai_first`:
 * the AI answers and a person can take over; `ai_assisted`: the AI answers with no person to
 * hand off to; `human_only`: no AI.
 */
export async function getAiVisitorRouting(deps: AccessDeps, presence: Pick<PresenceService, 'availableAgents'>, tenantId: string): Promise<AiRouting> {
  const chat = await serviceCapability(deps.db, tenantId, 'ai_chat', deps);
  const canUseAi = chat.allowed && !await meteringRefusal(deps.db, tenantId, 'reply');
  // A person can take over when an agent is online and available (presence).
  const human = await presence.availableAgents(tenantId) > 0;
  return { mode: !canUseAi ? 'human_only' : human ? 'ai_first' : 'ai_assisted', canUseAi, humanFallbackAvailable: human };
}

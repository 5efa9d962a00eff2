import type { Schema } from '../contract/types.ts';

/** The whole plan matrix the rule engine reads: feature keys, quota keys, and every plan's values. */
export type PlanContractCatalog = Schema<'PlanContractCatalog'>;
export type PlanContractPlan = Schema<'PlanContractPlan'>;
export type PlanQuotaContract = Schema<'PlanQuotaContract'>;
export type PlanValueType = Schema<'PlanContractValueType'>;

export const VALUE_TYPES: readonly PlanValueType[] = ['number', 'unlimited', 'custom', 'disabled'];

/**
 * Keys the code enforces (service capabilities, the agents and allowed-domains quotas, AI
 * metering): a catalog without one of them would silently change what tenants may do.
 */
export const ENFORCED_FEATURE_KEYS = ['chat', 'voice_call', 'video_call', 'ai_chat', 'ai_voice', 'ai_video'] as const;
export const ENFORCED_QUOTA_KEYS = ['agents', 'allowed_domains', 'ai_chat_replies', 'ai_voice_minutes'] as const;

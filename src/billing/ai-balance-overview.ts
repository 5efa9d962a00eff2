import type { Schema } from '../contract/types.ts';
import type { Db } from '../db/database.ts';
import { getPlatformPlanContracts } from '../plans/plan-contracts.ts';
import type { PlanContractPlan, PlanQuotaContract } from '../plans/plan-contract.ts';
import { listTenants } from '../tenants/tenants.ts';
import type { Tenant } from '../tenants/tenant.ts';
import { ALERT_ORDER, alertLevel } from './alert-level.ts';
import { monthStart } from './ai-usage.ts';
import { getPlatformAiPricing } from './ai-pricing.ts';
import { NO_BALANCE, listBalances, type Balance } from './balance-table.ts';
import { overReplies, overageChargeCents, ratesOf, usageValueCents, voiceMinutes, type IncludedQuota, type Rates } from './pricing.ts';
import { NO_USAGE, monthUsageByTenant, type MonthUsage } from './usage-table.ts';

export type AiBalanceOverview = Schema<'AiBalanceOverview'>;
type TenantBalance = Schema<'AiTenantBalance'>;

/**
 * Every tenant's balance, plan quota, month-to-date usage, overage and alert level, with
 * totals and the pricing. A fixed number of queries whatever the number of tenants: the
 * tenants, the plans, the balance rows, the month's usage totals (one row per tenant that
 * used AI, kept with the usage rows), the pricing.
 */
export async function getPlatformAiBalance(db: Db, now = new Date()): Promise<AiBalanceOverview> {
  const tenants = await listTenants(db);
  const catalog = await getPlatformPlanContracts(db);
  const balances = new Map((await listBalances(db)).map((b) => [b.tenantId, b]));
  const usage = await monthUsageByTenant(db, monthStart(now));
  const pricing = await getPlatformAiPricing(db);
  const plans = new Map(catalog.plans.map((p) => [p.planId, p]));
  const rates = ratesOf(pricing.settings);
  const elapsed = monthElapsed(now);

  const rows = tenants.map((tenant) => tenantBalance(
    tenant, plans.get(tenant.planId), balances.get(tenant.id) ?? { tenantId: tenant.id, ...NO_BALANCE },
    usage.get(tenant.id) ?? NO_USAGE, rates, elapsed,
  ));
  rows.sort((a, b) => ALERT_ORDER.indexOf(a.alertLevel) - ALERT_ORDER.indexOf(b.alertLevel) || (a.tenantSlug < b.tenantSlug ? -1 : 1));
  return { summary: summaryOf(rows), tenants: rows, pricing, checkedAt: now.toISOString() };
}

function tenantBalance(
  tenant: Tenant, plan: PlanContractPlan | undefined, balance: Balance, month: MonthUsage, rates: Rates, elapsed: number,
): TenantBalance {
  const chat = quotaOf(plan?.quotas.ai_chat_replies, 'reply', 'replies');
  const voice = quotaOf(plan?.quotas.ai_voice_minutes, 'minute', 'minutes');
  const included: IncludedQuota = { chatReplies: chat.value, voiceMinutes: voice.value };
  const minutes = voiceMinutes(month.voiceSeconds);
  const { internalCents, retailCents } = usageValueCents(month, rates);
  const overageCents = overageChargeCents(month, included, rates);
  const uncharged = Math.max(0, overageCents - month.chargedCents);
  // The rest of the month at the month-to-date rate of overage.
  const restOfMonth = elapsed > 0 ? Math.round(overageCents * (1 - elapsed) / elapsed) : 0;
  return {
    tenantId: tenant.id, tenantName: tenant.name, tenantEmail: tenant.email, tenantSlug: tenant.slug,
    planId: plan?.planId ?? null, planSlug: plan?.slug ?? '', planName: plan?.name ?? '', currency: rates.settings.currency,
    balanceCents: balance.balanceCents, totalTopUpCents: balance.totalTopUpCents, totalUsageCents: balance.totalUsageCents,
    overageEnabled: balance.overageEnabled, blockOnZero: balance.blockOnZero, autoTopUpEnabled: balance.autoTopUpEnabled,
    autoTopUpThresholdCents: balance.autoTopUpThresholdCents, autoTopUpAmountCents: balance.autoTopUpAmountCents,
    lastTopUpAt: balance.lastTopUpAt,
    usage: {
      chatReplies: month.replies, voiceMinutes: minutes, voiceEvents: month.voiceEvents, audioSeconds: month.voiceSeconds,
      inputTokens: month.inputTokens, outputTokens: month.outputTokens, totalTokens: month.inputTokens + month.outputTokens,
    },
    included: { chatReplies: chat.value, chatLabel: chat.label, voiceMinutes: voice.value, voiceLabel: voice.label },
    overage: {
      chatReplies: overReplies(month, included),
      voiceMinutes: voice.value === null ? 0 : Math.max(0, minutes - voice.value),
      estimatedInternalCostCents: internalCents,
      estimatedRetailChargeCents: retailCents,
      estimatedOverageChargeCents: overageCents,
      projectedBalanceAfterCents: balance.balanceCents - uncharged - restOfMonth,
    },
    alertLevel: alertLevel(balance.balanceCents, rates.settings.lowBalanceThresholdCents),
  };
}

/** A plan's monthly AI quota as a number (null: unlimited or custom) and its label. */
function quotaOf(quota: PlanQuotaContract | undefined, one: string, many: string): { value: number | null; label: string } {
  switch (quota?.valueType) {
    case 'number': return { value: quota.limitValue!, label: `${quota.limitValue!.toLocaleString('en-US')} ${quota.limitValue === 1 ? one : many}` };
    case 'unlimited': return { value: null, label: 'Unlimited' };
    case 'custom': return { value: null, label: 'Custom' };
    default: return { value: 0, label: 'Not included' };
  }
}

/** How much of the current UTC month has passed, from 0 to 1. */
function monthElapsed(now: Date): number {
  const start = monthStart(now).getTime();
  const end = Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 1);
  return (now.getTime() - start) / (end - start);
}

function summaryOf(rows: TenantBalance[]): Schema<'AiBalanceSummary'> {
  const total = (f: (r: TenantBalance) => number) => rows.reduce((n, r) => n + f(r), 0);
  const count = (level: TenantBalance['alertLevel']) => rows.filter((r) => r.alertLevel === level).length;
  return {
    totalTenants: rows.length,
    totalBalanceCents: total((r) => r.balanceCents),
    totalEstimatedOverageCents: total((r) => r.overage.estimatedOverageChargeCents),
    totalEstimatedRetailChargeCents: total((r) => r.overage.estimatedRetailChargeCents),
    totalEstimatedInternalCostCents: total((r) => r.overage.estimatedInternalCostCents),
    totalChatReplies: total((r) => r.usage.chatReplies),
    totalVoiceMinutes: total((r) => r.usage.voiceMinutes),
    emptyCount: count('empty'), criticalCount: count('critical'), lowCount: count('low'),
  };
}

import type { Knex } from 'knex';
import { audit } from '../audit/audit-log.ts';
import type { Actor } from '../audit/actor.ts';
import type { Db } from '../db/database.ts';
import { apiError } from '../http/api-error.ts';
import { planQuota } from '../plans/plan-catalog.ts';
import { findTenantById } from '../tenants/tenants.ts';
import * as balances from './balance-table.ts';
import * as ledger from './ledger-table.ts';
import { overageChargeCents, ratesOf, type IncludedQuota, type UsageTotals } from './pricing.ts';
import { readPricing } from './pricing-table.ts';
import { insertUsage, tenantMonthUsage } from './usage-table.ts';

export type AiUsage = Partial<UsageTotals>;
export type RecordedUsage = { usageId: string; chargeCents: number; balanceAfterCents: number; autoTopUpCents: number };

/** Billing months are calendar months in UTC. */
export const monthStart = (at: Date) => new Date(Date.UTC(at.getUTCFullYear(), at.getUTCMonth(), 1));

/** The tenant's AI usage so far this month: what the AI area checks against the quota before a provider call. */
export const aiMonthUsage = (db: Db, tenantId: string, at = new Date()) => tenantMonthUsage(db, tenantId, monthStart(at));

/** The plan's included AI quota (null: unlimited or custom, so never overage). */
export async function includedQuota(db: Db, planId: string): Promise<IncludedQuota> {
  return { chatReplies: await planQuota(db, planId, 'ai_chat_replies'), voiceMinutes: await planQuota(db, planId, 'ai_voice_minutes') };
}

/**
 * Meters one AI action of a tenant and charges its overage, in the caller's transaction
 * (the AI area calls this with the transaction that records the reply). Under the balance
 * row lock: the month's totals so far are read, this row is added, and it is charged what
 * the month's overage now costs minus what the month was charged already, so the charges
 * add up to the month's exact total however the usage is split. A charge is a `usage`
 * ledger entry. When auto top-up is on and a charge leaves the balance below its threshold,
 * an `auto_top_up` entry adds the configured amount (no card is charged: see README).
 */
export async function recordAiUsage(trx: Knex.Transaction, tenantId: string, usage: AiUsage, at = new Date()): Promise<RecordedUsage> {
  const tenant = await findTenantById(trx, tenantId);
  if (!tenant) throw apiError('NOT_FOUND', 'Tenant not found');
  const totals: UsageTotals = {
    replies: usage.replies ?? 0, voiceSeconds: usage.voiceSeconds ?? 0, inputTokens: usage.inputTokens ?? 0, outputTokens: usage.outputTokens ?? 0,
  };
  // The AI area measures these; anything else is its bug, not a client's.
  if (!Object.values(totals).every((n) => Number.isSafeInteger(n) && n >= 0)) throw new Error('AI usage counts must be non-negative integers');
  const balance = await balances.lockBalance(trx, tenantId);
  const pricing = await readPricing(trx);
  const included = await includedQuota(trx, tenant.planId);
  const month = await tenantMonthUsage(trx, tenantId, monthStart(at));
  const owed = overageChargeCents(sum(month, totals), included, ratesOf(pricing));
  const chargeCents = Math.max(0, owed - month.chargedCents);
  const usageId = await insertUsage(trx, tenantId, { ...totals, occurredAt: at, month: monthStart(at), chargeCents });
  if (chargeCents === 0) return { usageId, chargeCents, balanceAfterCents: balance.balanceCents, autoTopUpCents: 0 };

  const system: Actor = { tenantId, type: 'system', id: null };
  const charged = await balances.moveBalance(trx, tenantId, -chargeCents);
  await ledger.append(trx, tenantId, system, { kind: 'usage', amountCents: -chargeCents, balanceAfterCents: charged.balanceCents, usageId });
  if (!charged.autoTopUpEnabled || charged.balanceCents >= charged.autoTopUpThresholdCents || charged.autoTopUpAmountCents < 1) {
    return { usageId, chargeCents, balanceAfterCents: charged.balanceCents, autoTopUpCents: 0 };
  }
  const amount = charged.autoTopUpAmountCents;
  const topped = await balances.moveBalance(trx, tenantId, amount);
  const entry = await ledger.append(trx, tenantId, system, {
    kind: 'auto_top_up', amountCents: amount, balanceAfterCents: topped.balanceCents, notes: 'automatic top-up; no card was charged',
  });
  await audit(trx, system, 'ai_balance.auto_topped_up', { type: 'tenant', id: tenantId }, {
    amountCents: amount, balanceBeforeCents: charged.balanceCents, balanceAfterCents: topped.balanceCents, ledgerEntryId: entry.id,
  });
  return { usageId, chargeCents, balanceAfterCents: topped.balanceCents, autoTopUpCents: amount };
}

const sum = (a: UsageTotals, b: UsageTotals): UsageTotals => ({
  replies: a.replies + b.replies, voiceSeconds: a.voiceSeconds + b.voiceSeconds,
  inputTokens: a.inputTokens + b.inputTokens, outputTokens: a.outputTokens + b.outputTokens,
});

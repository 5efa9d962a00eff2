import { Decimal } from 'decimal.js';
import type { Schema } from '../contract/types.ts';

export type AiPricingSettings = Schema<'AiPricingSettings'>;
export type AiPricingDerived = Schema<'AiPricingDerived'>;

/** Month-to-date usage of one tenant: what the AI area recorded in ai_usage. */
export type UsageTotals = { replies: number; voiceSeconds: number; inputTokens: number; outputTokens: number };

/** The plan's included AI quota for a month: a number, or null when unlimited or custom (never charged as overage). */
export type IncludedQuota = { chatReplies: number | null; voiceMinutes: number | null };

/** Exact unit prices in USD, as decimals: nothing here is rounded (README "Platform administration"). */
export type UnitPrices = {
  internalReply: Decimal; retailReply: Decimal; internalVoiceMinute: Decimal; retailVoiceMinute: Decimal; markup: Decimal;
};

const MILLION = 1_000_000;

/** The settings with their unit prices, worked out once for many tenants. */
export type Rates = { settings: AiPricingSettings; prices: UnitPrices };
export const ratesOf = (settings: AiPricingSettings): Rates => ({ settings, prices: unitPrices(settings) });

export function unitPrices(s: AiPricingSettings): UnitPrices {
  const buffer = new Decimal(s.riskBufferPercent).div(100).plus(1);
  const markup = new Decimal(s.markupMultiplier);
  const internalReply = new Decimal(s.replyUnitInputTokens).times(s.inputCostPer1mUsd)
    .plus(new Decimal(s.replyUnitOutputTokens).times(s.outputCostPer1mUsd))
    .div(MILLION).times(buffer);
  const internalVoiceMinute = new Decimal(s.voiceCostPerMinuteUsd).times(buffer);
  return { internalReply, retailReply: internalReply.times(markup), internalVoiceMinute, retailVoiceMinute: internalVoiceMinute.times(markup), markup };
}

/** The derived values shown beside the settings, rounded for display only: USD to 6 places, the margin to 1. */
export function derivedPricing(s: AiPricingSettings): AiPricingDerived {
  const p = unitPrices(s);
  const usd = (d: Decimal) => d.toDecimalPlaces(6, Decimal.ROUND_HALF_UP).toNumber();
  return {
    internalReplyUsd: usd(p.internalReply),
    retailReplyUsd: usd(p.retailReply),
    retailPer1000RepliesUsd: usd(p.retailReply.times(1000)),
    internalVoiceMinuteUsd: usd(p.internalVoiceMinute),
    retailVoiceMinuteUsd: usd(p.retailVoiceMinute),
    grossMarginPercent: new Decimal(1).minus(new Decimal(1).div(p.markup)).times(100).toDecimalPlaces(1, Decimal.ROUND_HALF_UP).toNumber(),
  };
}

/** USD to whole cents, half up: the only place money is rounded. */
const cents = (usd: Decimal) => usd.times(100).toDecimalPlaces(0, Decimal.ROUND_HALF_UP).toNumber();

/** Replies beyond the included quota (none when the quota is unlimited or custom). */
export const overReplies = (usage: UsageTotals, included: IncludedQuota) =>
  included.chatReplies === null ? 0 : Math.max(0, usage.replies - included.chatReplies);

/** Voice seconds beyond the included minutes. */
const overVoiceSeconds = (usage: UsageTotals, included: IncludedQuota) =>
  included.voiceMinutes === null ? 0 : Math.max(0, usage.voiceSeconds - included.voiceMinutes * 60);

/** Started minutes: what usage shows as voice minutes. */
export const voiceMinutes = (seconds: number) => Math.ceil(seconds / 60);

/**
 * What the month's usage beyond the plan costs the tenant, in cents: over-quota replies at
 * the retail reply price, plus over-quota voice billed in started `voiceUnitSeconds` units at
 * the retail minute price. Rounded once, on the month's total, so no fraction of a cent is
 * lost or charged twice however the usage is split into rows.
 */
export function overageChargeCents(usage: UsageTotals, included: IncludedQuota, { settings: s, prices: p }: Rates): number {
  const voiceUnits = Math.ceil(overVoiceSeconds(usage, included) / s.voiceUnitSeconds);
  const billedMinutes = new Decimal(voiceUnits).times(s.voiceUnitSeconds).div(60);
  return cents(p.retailReply.times(overReplies(usage, included)).plus(p.retailVoiceMinute.times(billedMinutes)));
}

/** Provider cost and retail value of all the month's usage (included or not), in cents. */
export function usageValueCents(usage: UsageTotals, { prices: p }: Rates): { internalCents: number; retailCents: number } {
  const minutes = new Decimal(usage.voiceSeconds).div(60);
  return {
    internalCents: cents(p.internalReply.times(usage.replies).plus(p.internalVoiceMinute.times(minutes))),
    retailCents: cents(p.retailReply.times(usage.replies).plus(p.retailVoiceMinute.times(minutes))),
  };
}

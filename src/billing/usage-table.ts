import type { Db } from '../db/database.ts';
import type { UsageTotals } from './pricing.ts';

/**
 * Owns ai_usage, one row per metered AI action (a reply, a voice session's seconds), and
 * ai_usage_months, each tenant's totals of those rows per UTC month, written together.
 */

export type MonthUsage = UsageTotals & { voiceEvents: number; chargedCents: number };

export const NO_USAGE: MonthUsage = { replies: 0, voiceSeconds: 0, voiceEvents: 0, inputTokens: 0, outputTokens: 0, chargedCents: 0 };

type MonthRow = Record<'replies' | 'voice_seconds' | 'voice_events' | 'input_tokens' | 'output_tokens' | 'charged_cents', string> & { tenant_id: string };

// bigint columns arrive as strings; the totals stay far below 2^53.
const toUsage = (r: MonthRow): MonthUsage => ({
  replies: Number(r.replies), voiceSeconds: Number(r.voice_seconds), voiceEvents: Number(r.voice_events),
  inputTokens: Number(r.input_tokens), outputTokens: Number(r.output_tokens), chargedCents: Number(r.charged_cents),
});

/** The calendar day a month starts on, as ai_usage_months keys it. */
const monthKey = (month: Date) => month.toISOString().slice(0, 10);

export type NewUsage = UsageTotals & { occurredAt: Date; month: Date; chargeCents: number };

/** Writes the row and adds it to its month's totals. The caller holds the tenant's balance lock, so totals never race. */
export async function insertUsage(db: Db, tenantId: string, u: NewUsage): Promise<string> {
  const [row] = await db('ai_usage').insert({
    tenant_id: tenantId, occurred_at: u.occurredAt, replies: u.replies, voice_seconds: u.voiceSeconds,
    input_tokens: u.inputTokens, output_tokens: u.outputTokens, charge_cents: u.chargeCents,
  }).returning('id');
  const added = {
    replies: u.replies, voice_seconds: u.voiceSeconds, voice_events: u.voiceSeconds > 0 ? 1 : 0,
    input_tokens: u.inputTokens, output_tokens: u.outputTokens, charged_cents: u.chargeCents,
  };
  await db('ai_usage_months').insert({ tenant_id: tenantId, month: monthKey(u.month), ...added })
    .onConflict(['month', 'tenant_id'])
    .merge(Object.fromEntries(Object.keys(added).map((column) => [column, db.raw(`ai_usage_months.${column} + excluded.${column}`)])));
  return String(row.id);
}

export async function tenantMonthUsage(db: Db, tenantId: string, month: Date): Promise<MonthUsage> {
  const row: MonthRow | undefined = await db('ai_usage_months').where({ month: monthKey(month), tenant_id: tenantId }).first();
  return row ? toUsage(row) : NO_USAGE;
}

/** Every tenant's totals for the month: one read of one row per tenant that used AI. */
export async function monthUsageByTenant(db: Db, month: Date): Promise<Map<string, MonthUsage>> {
  const rows: MonthRow[] = await db('ai_usage_months').where({ month: monthKey(month) });
  return new Map(rows.map((r) => [r.tenant_id, toUsage(r)]));
}

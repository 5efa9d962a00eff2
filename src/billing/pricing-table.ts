import type { Db } from '../db/database.ts';
import { iso } from '../db/rows.ts';
import type { AiPricingSettings } from './pricing.ts';

/** Owns ai_pricing_settings, one row. Prices are exact numerics, read back as numbers for the contract. */

type Field = Exclude<keyof AiPricingSettings, 'updatedAt'>;
type Kind = 'text' | 'decimal' | 'integer';

/** Each setting's column and how it is stored. */
const COLUMNS: Record<Field, [column: string, kind: Kind]> = {
  provider: ['provider', 'text'],
  currency: ['currency', 'text'],
  chatModel: ['chat_model', 'text'],
  voiceModel: ['voice_model', 'text'],
  inputCostPer1mUsd: ['input_cost_per_1m_usd', 'decimal'],
  cachedInputCostPer1mUsd: ['cached_input_cost_per_1m_usd', 'decimal'],
  outputCostPer1mUsd: ['output_cost_per_1m_usd', 'decimal'],
  voiceCostPerMinuteUsd: ['voice_cost_per_minute_usd', 'decimal'],
  markupMultiplier: ['markup_multiplier', 'decimal'],
  riskBufferPercent: ['risk_buffer_percent', 'decimal'],
  replyUnitInputTokens: ['reply_unit_input_tokens', 'integer'],
  replyUnitOutputTokens: ['reply_unit_output_tokens', 'integer'],
  voiceUnitSeconds: ['voice_unit_seconds', 'integer'],
  maxInputTokens: ['max_input_tokens', 'integer'],
  maxOutputTokens: ['max_output_tokens', 'integer'],
  maxContextMessages: ['max_context_messages', 'integer'],
  maxKnowledgeChunks: ['max_knowledge_chunks', 'integer'],
  maxRetries: ['max_retries', 'integer'],
  maxToolCalls: ['max_tool_calls', 'integer'],
  dailySpendLimitCents: ['daily_spend_limit_cents', 'integer'],
  monthlySpendLimitCents: ['monthly_spend_limit_cents', 'integer'],
  lowBalanceThresholdCents: ['low_balance_threshold_cents', 'integer'],
};

export const PRICING_FIELDS = Object.keys(COLUMNS) as Field[];
export const kindOf = (field: Field): Kind => COLUMNS[field][1];

function toSettings(row: Record<string, unknown>): AiPricingSettings {
  const settings = Object.fromEntries(PRICING_FIELDS.map((field) => {
    const [column, kind] = COLUMNS[field];
    // numeric and bigint columns arrive as strings; both hold values a double represents as shown.
    return [field, kind === 'text' ? row[column] : Number(row[column])];
  }));
  return { ...settings, updatedAt: iso(row.updated_at as string | null) } as AiPricingSettings;
}

export async function readPricing(db: Db, options: { forUpdate?: boolean } = {}): Promise<AiPricingSettings> {
  const query = db('ai_pricing_settings').first();
  if (options.forUpdate) query.forUpdate();
  return toSettings(await query);
}

export async function updatePricing(db: Db, changes: Partial<AiPricingSettings>): Promise<AiPricingSettings> {
  const values = Object.fromEntries(Object.entries(changes)
    .filter(([field]) => field in COLUMNS)
    // A decimal goes to PostgreSQL as its shortest exact text, never through float arithmetic.
    .map(([field, value]) => [COLUMNS[field as Field][0], kindOf(field as Field) === 'decimal' ? String(value) : value]));
  const [row] = await db('ai_pricing_settings').update({ ...values, updated_at: db.fn.now() }).returning('*');
  return toSettings(row);
}

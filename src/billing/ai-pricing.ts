import type { Actor } from '../audit/actor.ts';
import { audit } from '../audit/audit-log.ts';
import type { Schema } from '../contract/types.ts';
import type { Db } from '../db/database.ts';
import { derivedPricing, type AiPricingSettings } from './pricing.ts';
import { PRICING_FIELDS, kindOf, readPricing, updatePricing } from './pricing-table.ts';

export type AiPricingCatalog = Schema<'AiPricingCatalog'>;
export type AiPricingUpdate = Schema<'AiPricingSettingsUpdate'>;

/** Above these a value can't be a price or a count (and would not fit its column). */
const MAX_DECIMAL = 1_000_000;
const MAX_INTEGER = 2_147_483_647;
const MAX_CENTS = 100_000_000_000;

const catalogOf = (settings: AiPricingSettings): AiPricingCatalog => ({ settings, derived: derivedPricing(settings) });

export async function getPlatformAiPricing(db: Db): Promise<AiPricingCatalog> {
  return catalogOf(await readPricing(db));
}

/** Problems beyond the contract's bounds, for the fields given (a partial update). */
export function pricingProblems(body: unknown): string[] {
  if (typeof body !== 'object' || body === null) return [];
  return Object.entries(body as Record<string, unknown>).flatMap(([field, value]) => {
    if (!(PRICING_FIELDS as string[]).includes(field)) return [];
    const at = `body.${field}`;
    if (typeof value === 'string') {
      if (field === 'currency' && value !== 'USD') return [`${at} must be "USD": every price and balance is in US dollars`];
      return value.trim() && value.length <= 100 ? [] : [`${at} must be 1-100 characters, not blank`];
    }
    if (typeof value !== 'number') return [];
    if (value < 0) return [`${at} must not be negative`];
    const kind = kindOf(field as (typeof PRICING_FIELDS)[number]);
    const max = kind === 'decimal' ? MAX_DECIMAL : field.endsWith('Cents') ? MAX_CENTS : MAX_INTEGER;
    return value > max ? [`${at} must be at most ${max}`] : [];
  });
}

/** A partial update: omitted fields keep their value. Audited with the values before and after. */
export async function updatePlatformAiPricing(db: Db, actor: Actor, changes: AiPricingUpdate): Promise<AiPricingCatalog> {
  return db.transaction(async (trx) => {
    const before = await readPricing(trx, { forUpdate: true });
    const after = await updatePricing(trx, changes);
    const changed = PRICING_FIELDS.filter((field) => before[field] !== after[field]);
    await audit(trx, actor, 'ai_pricing.updated', { type: 'ai_pricing', id: null }, {
      fields: changed, before: pick(before, changed), after: pick(after, changed),
    });
    return catalogOf(after);
  });
}

const pick = (settings: AiPricingSettings, fields: string[]) =>
  Object.fromEntries(fields.map((field) => [field, settings[field as keyof AiPricingSettings]]));

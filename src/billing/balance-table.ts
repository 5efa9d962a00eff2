import type { Db } from '../db/database.ts';
import { iso } from '../db/rows.ts';

/** Owns ai_balances: one row per tenant that has had a top-up, a charge or a setting. */

export type BalanceSettings = {
  overageEnabled: boolean; blockOnZero: boolean; autoTopUpEnabled: boolean;
  autoTopUpThresholdCents: number; autoTopUpAmountCents: number;
};
export type Balance = BalanceSettings & {
  tenantId: string; balanceCents: number; totalTopUpCents: number; totalUsageCents: number; lastTopUpAt: string | null;
};

/** What a tenant without a row has: nothing paid in, the defaults of the columns. */
export const NO_BALANCE: Omit<Balance, 'tenantId'> = {
  balanceCents: 0, totalTopUpCents: 0, totalUsageCents: 0, lastTopUpAt: null,
  overageEnabled: false, blockOnZero: true, autoTopUpEnabled: false, autoTopUpThresholdCents: 0, autoTopUpAmountCents: 0,
};

type BalanceRow = {
  tenant_id: string; balance_cents: string; total_top_up_cents: string; total_usage_cents: string;
  overage_enabled: boolean; block_on_zero: boolean; auto_top_up_enabled: boolean;
  auto_top_up_threshold_cents: string; auto_top_up_amount_cents: string; last_top_up_at: Date | string | null;
};

// bigint columns arrive as strings; cents stay far below 2^53.
const toBalance = (r: BalanceRow): Balance => ({
  tenantId: r.tenant_id, balanceCents: Number(r.balance_cents), totalTopUpCents: Number(r.total_top_up_cents),
  totalUsageCents: Number(r.total_usage_cents), overageEnabled: r.overage_enabled, blockOnZero: r.block_on_zero,
  autoTopUpEnabled: r.auto_top_up_enabled, autoTopUpThresholdCents: Number(r.auto_top_up_threshold_cents),
  autoTopUpAmountCents: Number(r.auto_top_up_amount_cents), lastTopUpAt: iso(r.last_top_up_at),
});

/**
 * The tenant's balance row, created if missing, locked (SELECT … FOR UPDATE) until the
 * transaction ends: every change to a balance goes through here, so concurrent top-ups and
 * charges queue on the row instead of losing each other's update.
 */
export async function lockBalance(db: Db, tenantId: string): Promise<Balance> {
  await db('ai_balances').insert({ tenant_id: tenantId }).onConflict('tenant_id').ignore();
  return toBalance((await db<BalanceRow>('ai_balances').where({ tenant_id: tenantId }).forUpdate().first())!);
}

/** Moves the balance by `amountCents` (signed) under the caller's lock; credits count as top-ups, debits as usage. */
export async function moveBalance(db: Db, tenantId: string, amountCents: number): Promise<Balance> {
  const credit = amountCents > 0;
  const [row] = await db<BalanceRow>('ai_balances').where({ tenant_id: tenantId }).update({
    balance_cents: db.raw('balance_cents + ?', [amountCents]),
    ...(credit
      ? { total_top_up_cents: db.raw('total_top_up_cents + ?', [amountCents]), last_top_up_at: db.fn.now() }
      : { total_usage_cents: db.raw('total_usage_cents - ?', [amountCents]) }),
    updated_at: db.fn.now(),
  } as never).returning('*');
  return toBalance(row);
}

export async function updateSettings(db: Db, tenantId: string, s: BalanceSettings): Promise<Balance> {
  const [row] = await db<BalanceRow>('ai_balances').where({ tenant_id: tenantId }).update({
    overage_enabled: s.overageEnabled, block_on_zero: s.blockOnZero, auto_top_up_enabled: s.autoTopUpEnabled,
    auto_top_up_threshold_cents: s.autoTopUpThresholdCents, auto_top_up_amount_cents: s.autoTopUpAmountCents,
    updated_at: db.fn.now(),
  } as never).returning('*');
  return toBalance(row);
}

export async function findBalance(db: Db, tenantId: string): Promise<Balance | undefined> {
  const row = await db<BalanceRow>('ai_balances').where({ tenant_id: tenantId }).first();
  return row && toBalance(row);
}

/** Every tenant's row, for the overview. */
export async function listBalances(db: Db): Promise<Balance[]> {
  return (await db<BalanceRow>('ai_balances')).map(toBalance);
}

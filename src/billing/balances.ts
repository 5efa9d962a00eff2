import { Decimal } from 'decimal.js';
import type { Actor } from '../audit/actor.ts';
import { audit } from '../audit/audit-log.ts';
import type { Schema } from '../contract/types.ts';
import type { Db } from '../db/database.ts';
import { isUuid } from '../db/rows.ts';
import { apiError } from '../http/api-error.ts';
import { findTenantById } from '../tenants/tenants.ts';
import * as balances from './balance-table.ts';
import * as ledger from './ledger-table.ts';

export type TopUpRequest = Schema<'AiBalanceTopUpRequest'>;
export type TopUpResult = Schema<'AiBalanceTopUpResult'>;
export type TenantSettingsRequest = Schema<'AiBalanceTenantSettingsRequest'>;

/** The most one top-up, or an auto top-up amount or threshold, may be: $1,000,000. */
export const MAX_TOP_UP_CENTS = 100_000_000;

/** The amount a top-up asks for in cents, or why it can't be taken: `amountCents` wins; `amountUsd` must be whole cents. */
function requestedCents(body: TopUpRequest): { cents?: number; problems: string[] } {
  const fromUsd = body.amountUsd === undefined ? undefined : new Decimal(body.amountUsd).times(100);
  if (fromUsd && !fromUsd.isInteger()) return { problems: ['body.amountUsd must be a whole number of cents (at most 2 decimal places)'] };
  const cents = body.amountCents ?? fromUsd?.toNumber();
  if (cents === undefined) return { problems: ['body must have amountCents (preferred) or amountUsd'] };
  if (body.amountCents !== undefined && fromUsd && !fromUsd.equals(body.amountCents)) {
    return { problems: ['body.amountCents and body.amountUsd name different amounts: send one'] };
  }
  if (cents < 1) return { problems: ['the amount must be at least 1 cent'] };
  if (cents > MAX_TOP_UP_CENTS) return { problems: [`the amount must be at most ${MAX_TOP_UP_CENTS} cents`] };
  return { cents, problems: [] };
}

export const topUpProblems = (body: unknown): string[] =>
  typeof body === 'object' && body !== null ? requestedCents(body as TopUpRequest).problems : [];

export function settingsProblems(body: unknown): string[] {
  if (typeof body !== 'object' || body === null) return [];
  const b = body as TenantSettingsRequest;
  return (['autoTopUpThresholdCents', 'autoTopUpAmountCents'] as const)
    .filter((field) => typeof b[field] === 'number' && b[field]! > MAX_TOP_UP_CENTS)
    .map((field) => `body.${field} must be at most ${MAX_TOP_UP_CENTS}`);
}

/** The tenant a platform path names; an unknown or malformed id is a 404. */
async function requireTenantId(db: Db, clientId: string): Promise<string> {
  const tenant = isUuid(clientId) ? await findTenantById(db, clientId) : undefined;
  if (!tenant) throw apiError('NOT_FOUND', 'Tenant not found');
  return tenant.id;
}

export type TopUpOutcome = TopUpResult & { replayed: boolean };

/**
 * Adds prepaid balance: the balance row and its ledger entry change together, under the row
 * lock. With an Idempotency-Key, a key this tenant already used applies nothing and answers
 * the first result (the lookup runs under the same lock, so concurrent retries can't both
 * apply); the same key with another amount is a 409.
 */
export async function topUpPlatformAiBalance(
  db: Db, actor: Actor, clientId: string, body: TopUpRequest, idempotencyKey?: string,
): Promise<TopUpOutcome> {
  const { cents, problems } = requestedCents(body);
  if (idempotencyKey !== undefined && idempotencyKey.length > 255) problems.push('header Idempotency-Key must be at most 255 characters');
  if (cents === undefined || problems.length) throw apiError('VALIDATION_FAILED', 'The top-up is invalid', { details: problems });
  return db.transaction(async (trx) => {
    const tenantId = await requireTenantId(trx, clientId);
    const before = await balances.lockBalance(trx, tenantId);
    const earlier = idempotencyKey ? await ledger.findByIdempotencyKey(trx, tenantId, idempotencyKey) : undefined;
    if (earlier) {
      if (earlier.amountCents !== cents) throw apiError('CONFLICT', 'This Idempotency-Key was used for a top-up of another amount');
      return { ...resultOf(tenantId, earlier), replayed: true };
    }
    const after = await balances.moveBalance(trx, tenantId, cents);
    const entry = await ledger.append(trx, tenantId, actor, {
      kind: 'top_up', amountCents: cents, balanceAfterCents: after.balanceCents, idempotencyKey, notes: body.notes,
    });
    await audit(trx, { ...actor, tenantId }, 'ai_balance.topped_up', { type: 'tenant', id: tenantId }, {
      amountCents: cents, balanceBeforeCents: before.balanceCents, balanceAfterCents: after.balanceCents,
      ledgerEntryId: entry.id, idempotencyKey: idempotencyKey ?? null,
    });
    return { ...resultOf(tenantId, entry), replayed: false };
  });
}

const resultOf = (tenantId: string, e: ledger.LedgerEntry): TopUpResult =>
  ({ clientId: tenantId, amountCents: e.amountCents, balanceBeforeCents: e.balanceBeforeCents, balanceAfterCents: e.balanceAfterCents });

/** Overage and auto top-up controls; fields not given keep their value. Auto top-up needs an amount. */
export async function updatePlatformAiBalanceTenantSettings(
  db: Db, actor: Actor, clientId: string, changes: TenantSettingsRequest,
): Promise<Schema<'AiBalanceTenantSettingsResult'>> {
  return db.transaction(async (trx) => {
    const tenantId = await requireTenantId(trx, clientId);
    const current = await balances.lockBalance(trx, tenantId);
    const before = settingsOf(current);
    const next = { ...before, ...definedOf(changes) };
    if (next.autoTopUpEnabled && next.autoTopUpAmountCents < 1) {
      throw apiError('VALIDATION_FAILED', 'The settings are invalid', { details: ['autoTopUpAmountCents must be at least 1 when autoTopUpEnabled is true'] });
    }
    await balances.updateSettings(trx, tenantId, next);
    await audit(trx, { ...actor, tenantId }, 'ai_balance.settings_updated', { type: 'tenant', id: tenantId }, { before, after: next });
    return { clientId: tenantId };
  });
}

const settingsOf = (b: balances.BalanceSettings): balances.BalanceSettings => ({
  overageEnabled: b.overageEnabled, blockOnZero: b.blockOnZero, autoTopUpEnabled: b.autoTopUpEnabled,
  autoTopUpThresholdCents: b.autoTopUpThresholdCents, autoTopUpAmountCents: b.autoTopUpAmountCents,
});

const definedOf = (changes: TenantSettingsRequest): Partial<balances.BalanceSettings> =>
  Object.fromEntries(Object.entries(changes).filter(([key, value]) => value !== undefined && key in balances.NO_BALANCE));

/** The tenant's ledger, oldest first: what operators and tests read to see every movement. */
export const listLedger = (db: Db, tenantId: string) => ledger.listEntries(db, tenantId);

/** The tenant's balance and controls (the defaults when it has no row yet). */
export async function tenantBalance(db: Db, tenantId: string): Promise<balances.Balance> {
  return (await balances.findBalance(db, tenantId)) ?? { tenantId, ...balances.NO_BALANCE };
}

import type { Actor } from '../audit/actor.ts';
import type { Db } from '../db/database.ts';
import { iso } from '../db/rows.ts';

/**
 * Owns ai_ledger, append-only (a trigger refuses updates): one row per money movement,
 * written in the transaction that moves the balance, under its row lock.
 */

export type LedgerKind = 'top_up' | 'auto_top_up' | 'usage';
export type LedgerEntry = {
  id: string; tenantId: string; kind: LedgerKind; amountCents: number; balanceBeforeCents: number; balanceAfterCents: number;
  idempotencyKey: string | null; usageId: string | null; notes: string | null; createdAt: string;
};

type LedgerRow = {
  id: string; tenant_id: string; kind: LedgerKind; amount_cents: string; balance_after_cents: string;
  idempotency_key: string | null; usage_id: string | null; notes: string | null; created_at: Date | string;
};

const toEntry = (r: LedgerRow): LedgerEntry => ({
  id: String(r.id), tenantId: r.tenant_id, kind: r.kind, amountCents: Number(r.amount_cents),
  balanceBeforeCents: Number(r.balance_after_cents) - Number(r.amount_cents), balanceAfterCents: Number(r.balance_after_cents),
  idempotencyKey: r.idempotency_key, usageId: r.usage_id === null ? null : String(r.usage_id), notes: r.notes, createdAt: iso(r.created_at)!,
});

export type NewLedgerEntry = {
  kind: LedgerKind; amountCents: number; balanceAfterCents: number; idempotencyKey?: string; usageId?: string; notes?: string;
};

export async function append(db: Db, tenantId: string, actor: Actor, e: NewLedgerEntry): Promise<LedgerEntry> {
  const [row] = await db<LedgerRow>('ai_ledger').insert({
    tenant_id: tenantId, kind: e.kind, amount_cents: e.amountCents, balance_after_cents: e.balanceAfterCents,
    idempotency_key: e.idempotencyKey ?? null, usage_id: e.usageId ?? null, notes: e.notes ?? null,
    actor_type: actor.type, actor_id: actor.id,
  } as never).returning('*');
  return toEntry(row);
}

export async function findByIdempotencyKey(db: Db, tenantId: string, key: string): Promise<LedgerEntry | undefined> {
  const row = await db<LedgerRow>('ai_ledger').where({ tenant_id: tenantId, idempotency_key: key }).first();
  return row && toEntry(row);
}

/** The tenant's entries, oldest first. */
export async function listEntries(db: Db, tenantId: string): Promise<LedgerEntry[]> {
  return (await db<LedgerRow>('ai_ledger').where({ tenant_id: tenantId }).orderBy('id')).map(toEntry);
}

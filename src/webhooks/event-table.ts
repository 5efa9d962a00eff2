import type { Db } from '../db/database.ts';

type EventRow = { id: string; tenant_id: string; type: string; body: string; created_at: Date };

export type StoredEvent = { id: string; tenantId: string; type: string; body: string };

export async function insertEvent(db: Db, e: StoredEvent): Promise<void> {
  await db<EventRow>('webhook_events').insert({ id: e.id, tenant_id: e.tenantId, type: e.type, body: e.body });
}

/** The bodies the delivery worker sends, by event id (any tenant: the attempts it claimed name them). */
export async function findEvents(db: Db, ids: string[]): Promise<Map<string, StoredEvent>> {
  const rows = ids.length ? await db<EventRow>('webhook_events').whereIn('id', [...new Set(ids)]) : [];
  return new Map(rows.map((r) => [r.id, { id: r.id, tenantId: r.tenant_id, type: r.type, body: r.body }]));
}

import type { Db } from '../db/database.ts';
import { iso, isUuid } from '../db/rows.ts';

/** Owns knowledge_items: the documents and URLs of a tenant's knowledge base, and the ingest worker's claims on them. */

export type KnowledgeStatus = 'queued' | 'processing' | 'ready' | 'failed';
export type KnowledgeSource = 'upload' | 'url';

/** A knowledge item as the API shows it. */
export type KnowledgeItem = {
  knowledgeItemId: string;
  sourceType: KnowledgeSource;
  title: string;
  url?: string;
  filename?: string;
  contentType?: string;
  size?: number;
  status: KnowledgeStatus;
  failureReason?: string;
  chunkCount: number;
  createdAt: string;
  updatedAt: string;
  indexedAt?: string;
};

export type StoredItem = KnowledgeItem & { tenantId: string; storageKey: string | null; attempts: number };

type ItemRow = {
  id: string; tenant_id: string; source_type: KnowledgeSource; title: string; url: string | null; filename: string | null;
  content_type: string | null; storage_key: string | null; size: number | null; status: KnowledgeStatus; failure_reason: string | null;
  chunk_count: number; attempts: number; created_at: Date; updated_at: Date; indexed_at: Date | null;
};

const toItem = (r: ItemRow): StoredItem => ({
  knowledgeItemId: r.id,
  sourceType: r.source_type,
  title: r.title,
  ...(r.url !== null && { url: r.url }),
  ...(r.filename !== null && { filename: r.filename }),
  ...(r.content_type !== null && { contentType: r.content_type }),
  ...(r.size !== null && { size: r.size }),
  status: r.status,
  ...(r.failure_reason !== null && { failureReason: r.failure_reason }),
  chunkCount: r.chunk_count,
  createdAt: iso(r.created_at)!,
  updatedAt: iso(r.updated_at)!,
  ...(r.indexed_at !== null && { indexedAt: iso(r.indexed_at)! }),
  tenantId: r.tenant_id,
  storageKey: r.storage_key,
  attempts: r.attempts,
});

export type NewItem = {
  id: string; sourceType: KnowledgeSource; title: string; url?: string; filename?: string;
  contentType?: string; size?: number; storageKey?: string;
};

export async function insert(db: Db, tenantId: string, item: NewItem): Promise<StoredItem> {
  const [row] = await db<ItemRow>('knowledge_items').insert({
    id: item.id, tenant_id: tenantId, source_type: item.sourceType, title: item.title, url: item.url ?? null,
    filename: item.filename ?? null, content_type: item.contentType ?? null, size: item.size ?? null, storage_key: item.storageKey ?? null,
  }).returning('*');
  return toItem(row);
}

/** Inserts the URL's item, or answers the one the tenant already has for it (the unique index decides, so concurrent ingests agree). */
export async function insertUrl(db: Db, tenantId: string, item: NewItem & { url: string }): Promise<{ item: StoredItem; created: boolean }> {
  const inserted = await db('knowledge_items').insert({
    id: item.id, tenant_id: tenantId, source_type: 'url', title: item.title, url: item.url,
  }).onConflict(db.raw('(tenant_id, url) WHERE url IS NOT NULL')).ignore().returning('*');
  if (inserted.length) return { item: toItem(inserted[0]), created: true };
  const row = await db<ItemRow>('knowledge_items').where({ tenant_id: tenantId, url: item.url }).first();
  return { item: toItem(row!), created: false };
}

export async function find(db: Db, tenantId: string, id: string, options: { forUpdate?: boolean } = {}): Promise<StoredItem | undefined> {
  if (!isUuid(id)) return undefined;
  const query = db<ItemRow>('knowledge_items').where({ tenant_id: tenantId, id });
  if (options.forUpdate) query.forUpdate();
  const row = await query.first();
  return row && toItem(row);
}

/** Back in the queue, from scratch (a reindex, or a claim given back when its process stops). */
export async function requeue(db: Db, tenantId: string, id: string): Promise<StoredItem> {
  const [row] = await db<ItemRow>('knowledge_items').where({ tenant_id: tenantId, id }).update({
    status: 'queued', failure_reason: null, attempts: 0, lease_token: null, lease_until: null, updated_at: db.fn.now() as never,
  } as never).returning('*');
  return toItem(row);
}

export async function remove(db: Db, tenantId: string, id: string): Promise<void> {
  await db('knowledge_items').where({ tenant_id: tenantId, id }).delete();
}

/** Whether the tenant has at least one ready item (uses the partial index). */
export async function hasReady(db: Db, tenantId: string): Promise<boolean> {
  return Boolean(await db('knowledge_items').where({ tenant_id: tenantId, status: 'ready' }).first('id'));
}

export type Claim = { item: StoredItem; leaseToken: string };

/**
 * Claims queued items, and items whose claim has run out (their process died), committed on
 * its own. `SKIP LOCKED`: processes claiming at once take different items.
 */
export async function claim(db: Db, options: { limit: number; leaseMs: number }): Promise<Claim[]> {
  const leaseToken = crypto.randomUUID();
  const { rows } = await db.raw<{ rows: ItemRow[] }>(`
    update knowledge_items
       set status = 'processing', lease_token = ?, lease_until = now() + ? * interval '1 millisecond',
           attempts = attempts + 1, updated_at = now()
     where id in (
       select id from knowledge_items
        where status = 'queued' or (status = 'processing' and lease_until < now())
        order by updated_at
        limit ?
        for update skip locked)
    returning *`, [leaseToken, options.leaseMs, options.limit]);
  return rows.map((r) => ({ item: toItem(r), leaseToken }));
}

/** Locks the item while the claim is still this one's; undefined once another worker took it over or it was deleted or reindexed. */
export async function lockClaimed(db: Db, c: Claim): Promise<StoredItem | undefined> {
  const row: ItemRow | undefined = await db('knowledge_items')
    .where({ tenant_id: c.item.tenantId, id: c.item.knowledgeItemId, lease_token: c.leaseToken, status: 'processing' }).forUpdate().first();
  return row && toItem(row);
}

export async function markReady(db: Db, tenantId: string, id: string, done: { title: string; chunkCount: number }): Promise<void> {
  await db('knowledge_items').where({ tenant_id: tenantId, id }).update({
    status: 'ready', title: done.title, chunk_count: done.chunkCount, failure_reason: null, lease_token: null, lease_until: null,
    updated_at: db.fn.now(), indexed_at: db.fn.now(),
  });
}

export async function markFailed(db: Db, tenantId: string, id: string, reason: string): Promise<void> {
  await db('knowledge_items').where({ tenant_id: tenantId, id }).update({
    status: 'failed', failure_reason: reason.slice(0, 1000), chunk_count: 0, lease_token: null, lease_until: null, updated_at: db.fn.now(),
  });
}

/** Gives a claim back to the queue (its process is stopping), if it is still this one's. */
export async function release(db: Db, c: Claim): Promise<void> {
  await db('knowledge_items').where({ tenant_id: c.item.tenantId, id: c.item.knowledgeItemId, lease_token: c.leaseToken, status: 'processing' })
    .update({ status: 'queued', lease_token: null, lease_until: null, attempts: db.raw('greatest(attempts - 1, 0)') });
}

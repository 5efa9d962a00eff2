import type { Db } from '../db/database.ts';
import { iso, isUuid, json } from '../db/rows.ts';
import type { DisabledReason, SealedSecrets, Webhook } from './webhook.ts';

type WebhookRow = {
  id: string; tenant_id: string; name: string | null; url: string; events: string[]; is_active: boolean;
  secret_ciphertext: string; secret_preview: string; previous_secret_ciphertext: string | null;
  previous_secret_expires_at: Date | null; failing_since: Date | null; disabled_reason: DisabledReason | null;
  created_at: Date; updated_at: Date;
};

const toWebhook = (r: WebhookRow): Webhook => ({
  id: r.id, tenantId: r.tenant_id, name: r.name, url: r.url, events: r.events, isActive: r.is_active,
  secretPreview: r.secret_preview, disabledReason: r.disabled_reason, failingSince: iso(r.failing_since),
  createdAt: iso(r.created_at)!, updatedAt: iso(r.updated_at)!,
});

const toSealed = (r: WebhookRow): SealedSecrets => ({
  current: r.secret_ciphertext, previous: r.previous_secret_ciphertext, previousExpiresAt: iso(r.previous_secret_expires_at),
});

export async function insertWebhook(
  db: Db, w: Pick<Webhook, 'id' | 'tenantId' | 'name' | 'url' | 'events' | 'secretPreview'> & { secretCiphertext: string },
): Promise<Webhook> {
  const [row] = await db<WebhookRow>('webhooks').insert({
    id: w.id, tenant_id: w.tenantId, name: w.name, url: w.url, events: json(w.events) as any,
    secret_ciphertext: w.secretCiphertext, secret_preview: w.secretPreview,
  }).returning('*');
  return toWebhook(row);
}

export async function listWebhooksOf(db: Db, tenantId: string): Promise<Webhook[]> {
  return (await db<WebhookRow>('webhooks').where({ tenant_id: tenantId }).orderBy('created_at', 'desc')).map(toWebhook);
}

/** The tenant's webhook, locked for update when `forUpdate` (changes that read before they write). */
export async function findWebhook(db: Db, tenantId: string, id: string, options: { forUpdate?: boolean } = {}): Promise<Webhook | undefined> {
  if (!isUuid(id)) return undefined;
  const query = db<WebhookRow>('webhooks').where({ tenant_id: tenantId, id });
  if (options.forUpdate) query.forUpdate();
  const row = await query.first();
  return row && toWebhook(row);
}

/** The active endpoints of the tenant that subscribe to `type`. */
export async function activeWebhooksOf(db: Db, tenantId: string): Promise<Webhook[]> {
  return (await db<WebhookRow>('webhooks').where({ tenant_id: tenantId, is_active: true }).orderBy('created_at')).map(toWebhook);
}

/** What the delivery worker needs of the endpoints its claimed attempts go to (any tenant). */
export async function findForDelivery(db: Db, ids: string[]): Promise<Map<string, Webhook & { sealed: SealedSecrets }>> {
  const rows = ids.length ? await db<WebhookRow>('webhooks').whereIn('id', [...new Set(ids)]) : [];
  return new Map(rows.map((r) => [r.id, { ...toWebhook(r), sealed: toSealed(r) }]));
}

export type WebhookChanges = Partial<Pick<Webhook, 'name' | 'url' | 'events' | 'isActive'>> & {
  /** A new current secret; the one it replaces keeps signing for `previousSigningMs` more. */
  rotation?: { ciphertext: string; preview: string; previousSigningMs: number };
};

export async function updateWebhook(db: Db, tenantId: string, id: string, changes: WebhookChanges): Promise<Webhook> {
  const [row] = await db<WebhookRow>('webhooks').where({ tenant_id: tenantId, id }).update({
    ...(changes.name !== undefined && { name: changes.name }),
    ...(changes.url !== undefined && { url: changes.url }),
    ...(changes.events !== undefined && { events: json(changes.events) as any }),
    ...(changes.isActive === true && { is_active: true, disabled_reason: null, failing_since: null }),
    ...(changes.isActive === false && { is_active: false, disabled_reason: 'api' }),
    // In SET, column names read the row as it was: the old current secret becomes the previous one.
    ...(changes.rotation && {
      previous_secret_ciphertext: db.raw('secret_ciphertext') as unknown as string,
      previous_secret_expires_at: db.raw(`now() + ? * interval '1 millisecond'`, [changes.rotation.previousSigningMs]) as unknown as Date,
      secret_ciphertext: changes.rotation.ciphertext,
      secret_preview: changes.rotation.preview,
    }),
    updated_at: db.fn.now() as any,
  }).returning('*');
  return toWebhook(row);
}

/**
 * Disables an active endpoint; false when it already was inactive (a concurrent disable
 * won), so the caller records the change once.
 */
export async function disableActiveWebhook(db: Db, tenantId: string, id: string, reason: DisabledReason): Promise<boolean> {
  const changed = await db('webhooks').where({ tenant_id: tenantId, id, is_active: true })
    .update({ is_active: false, disabled_reason: reason, updated_at: db.fn.now() });
  return changed > 0;
}

/** A success ends the endpoint's run of failures. */
export async function markSucceeded(db: Db, tenantId: string, id: string): Promise<void> {
  await db('webhooks').where({ tenant_id: tenantId, id }).whereNotNull('failing_since').update({ failing_since: null });
}

/** A failure starts (or continues) the run of failures; returns how long it has lasted, in ms. */
export async function markFailing(db: Db, tenantId: string, id: string): Promise<number> {
  // The database's clock on both sides: processes' clocks may disagree.
  const { rows } = await db.raw(
    `update webhooks set failing_since = coalesce(failing_since, now()) where tenant_id = ? and id = ?
     returning extract(epoch from (now() - failing_since)) * 1000 as failing_ms`, [tenantId, id]);
  return Number(rows[0]?.failing_ms ?? 0);
}

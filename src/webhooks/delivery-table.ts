import type { Db } from '../db/database.ts';
import { iso } from '../db/rows.ts';
import type { AttemptStatus, ClaimedAttempt, WebhookAttempt } from './webhook.ts';

/*
 * `webhook_deliveries`: one row per attempt, and the queue. A `pending` row is due at
 * `available_at`; a `sending` row is held by its claimer until `available_at` (the lease),
 * after which another worker may take it over.
 */

type AttemptRow = {
  id: string; tenant_id: string; webhook_id: string; event_id: string; event_type: string; delivery_id: string;
  attempt: number; status: AttemptStatus; available_at: Date; lease_token: string | null; claimed_by: string | null;
  url: string | null; response_status: number | null; response_body: string | null; error_message: string | null;
  duration_ms: number | null; created_at: Date; attempted_at: Date | null; completed_at: Date | null;
};

const toAttempt = (r: AttemptRow): WebhookAttempt => ({
  id: r.id, tenantId: r.tenant_id, webhookId: r.webhook_id, eventId: r.event_id, eventType: r.event_type,
  deliveryId: r.delivery_id, attempt: r.attempt, status: r.status, url: r.url, responseStatus: r.response_status,
  responseBody: r.response_body, errorMessage: r.error_message, durationMs: r.duration_ms,
  createdAt: iso(r.created_at)!, completedAt: iso(r.completed_at),
});

export type NewAttempt = Pick<WebhookAttempt, 'tenantId' | 'webhookId' | 'eventId' | 'eventType' | 'deliveryId' | 'attempt' | 'url'> & {
  /** Due this long after now (the database's clock). */
  delayMs: number;
};

export async function insertAttempts(db: Db, attempts: NewAttempt[]): Promise<WebhookAttempt[]> {
  if (!attempts.length) return [];
  const rows = await db<AttemptRow>('webhook_deliveries').insert(attempts.map((a) => ({
    id: crypto.randomUUID(), tenant_id: a.tenantId, webhook_id: a.webhookId, event_id: a.eventId, event_type: a.eventType,
    delivery_id: a.deliveryId, attempt: a.attempt, status: 'pending' as const, url: a.url,
    available_at: db.raw(`now() + ? * interval '1 millisecond'`, [Math.max(0, Math.round(a.delayMs))]) as unknown as Date,
  }))).returning('*');
  return rows.map(toAttempt);
}

/**
 * Claims up to `limit` due attempts (pending and due, or sending with an expired lease) for
 * one worker, in one statement that commits on its own: rows another worker is claiming at
 * the same moment are skipped (SKIP LOCKED), and once committed they are not due again until
 * the lease ends. The worker's claim is the one write that spans tenants.
 */
export async function claimDueAttempts(db: Db, claim: { claimedBy: string; limit: number; leaseMs: number }): Promise<ClaimedAttempt[]> {
  const leaseToken = crypto.randomUUID();
  const { rows } = await db.raw<{ rows: AttemptRow[] }>(`
    update webhook_deliveries
       set status = 'sending', lease_token = ?, claimed_by = ?, attempted_at = now(),
           available_at = now() + ? * interval '1 millisecond'
     where id in (
       select id from webhook_deliveries
        where status in ('pending', 'sending') and available_at <= now()
        order by available_at
        limit ?
        for update skip locked)
    returning *`, [leaseToken, claim.claimedBy, claim.leaseMs, claim.limit]);
  return rows.map((r) => ({ ...toAttempt(r), leaseToken }));
}

export type AttemptOutcome = {
  status: Extract<AttemptStatus, 'delivered' | 'failed' | 'canceled'>;
  url?: string;
  responseStatus?: number;
  responseBody?: string;
  errorMessage?: string;
  durationMs?: number;
};

/**
 * Records how a claimed attempt ended, only while the claim is still the caller's: false when
 * the lease ran out and another worker took the attempt over (its outcome is the one kept).
 */
/** PostgreSQL text can't hold NUL: a receiver's answer with one must still be recordable, or the attempt would be re-sent forever. */
const storable = (text: string | undefined) => (text === undefined ? null : text.replaceAll('\u0000', '\uFFFD'));

export async function completeAttempt(db: Db, attempt: ClaimedAttempt, outcome: AttemptOutcome): Promise<boolean> {
  const changed = await db<AttemptRow>('webhook_deliveries')
    .where({ tenant_id: attempt.tenantId, id: attempt.id, status: 'sending', lease_token: attempt.leaseToken })
    .update({
      status: outcome.status,
      url: outcome.url ?? attempt.url,
      response_status: outcome.responseStatus ?? null,
      response_body: storable(outcome.responseBody),
      error_message: storable(outcome.errorMessage),
      duration_ms: outcome.durationMs ?? null,
      completed_at: db.fn.now() as unknown as Date,
      lease_token: null,
    });
  return changed > 0;
}

/** A disabled endpoint gets nothing more: its queued attempts are canceled. */
export async function cancelPendingAttempts(db: Db, tenantId: string, webhookId: string, reason: string): Promise<number> {
  return db<AttemptRow>('webhook_deliveries')
    .where({ tenant_id: tenantId, webhook_id: webhookId, status: 'pending' })
    .update({ status: 'canceled', error_message: reason, completed_at: db.fn.now() as unknown as Date });
}

/** Newest first (uses the tenant_id, created_at index). */
export async function listAttemptsOf(db: Db, tenantId: string, limit: number): Promise<WebhookAttempt[]> {
  const rows = await db<AttemptRow>('webhook_deliveries').where({ tenant_id: tenantId })
    .orderBy([{ column: 'created_at', order: 'desc' }, { column: 'attempt', order: 'desc' }]).limit(limit);
  return rows.map(toAttempt);
}

/** The first attempts of the given deliveries (what testWebhook reports). */
export async function findFirstAttempts(db: Db, tenantId: string, deliveryIds: string[]): Promise<WebhookAttempt[]> {
  const rows = await db<AttemptRow>('webhook_deliveries')
    .where({ tenant_id: tenantId, attempt: 1 }).whereIn('delivery_id', deliveryIds);
  return rows.map(toAttempt);
}

/**
 * The outbox write of one event, in one statement: the tenant's active endpoints subscribed to
 * the type, the event (only when there is one), and a first attempt per endpoint, due now.
 * One round trip whether or not anyone listens, so emitting costs a change almost nothing.
 */
export async function queueForSubscribers(
  db: Db, e: { id: string; tenantId: string; type: string; body: string },
): Promise<{ deliveryId: string; webhookId: string }[]> {
  const { rows } = await db.raw<{ rows: { delivery_id: string; webhook_id: string }[] }>(`
    with subscribers as (
      select id, url from webhooks where tenant_id = :tenantId and is_active and events @> :types::jsonb
    ), event as (
      insert into webhook_events (id, tenant_id, type, body)
      select :id, :tenantId, :type, :body where exists (select 1 from subscribers)
      returning id
    )
    insert into webhook_deliveries (id, tenant_id, webhook_id, event_id, event_type, delivery_id, attempt, status, url, available_at)
    select gen_random_uuid(), :tenantId, s.id, event.id, :type, gen_random_uuid(), 1, 'pending', s.url, now()
      from subscribers s cross join event
    returning delivery_id, webhook_id`,
  { id: e.id, tenantId: e.tenantId, type: e.type, types: JSON.stringify([e.type]), body: e.body } as never);
  return rows.map((r) => ({ deliveryId: r.delivery_id, webhookId: r.webhook_id }));
}

export type Delivered = { attempt: ClaimedAttempt; url: string; responseStatus: number; responseBody: string; durationMs: number };

/**
 * Records a batch of delivered attempts in one statement, each only while its claim is still
 * the caller's, and ends the failure run of their endpoints (the `webhooks` row is this
 * folder's too). Returns the ids of the attempts recorded.
 */
export async function completeDelivered(db: Db, batch: Delivered[]): Promise<Set<string>> {
  if (!batch.length) return new Set();
  const values = batch.map(() => '(?::uuid, ?::uuid, ?::uuid, ?, ?::int, ?, ?::int)').join(', ');
  const bindings = batch.flatMap((d) => [
    d.attempt.id, d.attempt.tenantId, d.attempt.leaseToken, d.url, d.responseStatus, storable(d.responseBody), d.durationMs,
  ]);
  const { rows } = await db.raw<{ rows: { id: string }[] }>(`
    with done as (
      update webhook_deliveries d
         set status = 'delivered', url = v.url, response_status = v.status, response_body = v.body,
             error_message = null, duration_ms = v.duration, completed_at = now(), lease_token = null
        from (values ${values}) as v(id, tenant_id, lease, url, status, body, duration)
       where d.id = v.id and d.tenant_id = v.tenant_id and d.status = 'sending' and d.lease_token = v.lease
      returning d.id, d.tenant_id, d.webhook_id
    ), recovered as (
      update webhooks w set failing_since = null
        from (select distinct tenant_id, webhook_id from done) r
       where w.tenant_id = r.tenant_id and w.id = r.webhook_id and w.failing_since is not null
    )
    select id from done`, bindings);
  return new Set(rows.map((r) => r.id));
}

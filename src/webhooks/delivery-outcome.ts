import type { Knex } from 'knex';
import type { TenantActor } from '../audit/actor.ts';
import type { OutboundResult } from '../net/guarded-client.ts';
import { completeAttempt, completeDelivered, insertAttempts, type Delivered } from './delivery-table.ts';
import { DISABLE_AFTER_FAILING_MS, judge, retryDelay } from './retry-policy.ts';
import { markFailing, markSucceeded } from './webhook-table.ts';
import { disableEndpoint } from './webhooks.ts';
import type { ClaimedAttempt } from './webhook.ts';

/** Changes the delivery worker makes on its own (disabling an endpoint) are recorded as the system's. */
const deliverySystem = (tenantId: string): TenantActor => ({ tenantId, type: 'system', id: 'webhook-delivery' });

const MAX_RESPONSE_BODY = 4096;

export type OutcomeRecorder = (attempt: ClaimedAttempt, sent: { url: string; result: OutboundResult }) => Promise<void>;

/** How many delivered attempts one statement records at most, and how long one waits for company. */
const BATCH_SIZE = 100;
const BATCH_WAIT_MS = 5;

/**
 * Records outcomes for the delivery worker. Deliveries that succeeded — nearly all of them —
 * are recorded in batches (one statement for up to BATCH_SIZE, gathered for BATCH_WAIT_MS),
 * since a round trip per delivery was most of a delivery's cost; anything else goes through
 * `recordAttemptOutcome`, one transaction each. A delivered attempt is only re-sent if its
 * batch fails to commit, as for any unrecorded attempt (at-least-once).
 */
export function outcomeRecorder(db: Knex, options: { retryScale: number }): OutcomeRecorder {
  let batch: { delivered: Delivered; done: (err?: unknown) => void }[] = [];
  let timer: NodeJS.Timeout | undefined;

  const flush = () => {
    clearTimeout(timer);
    timer = undefined;
    const taken = batch;
    batch = [];
    completeDelivered(db, taken.map((t) => t.delivered)).then(() => taken.forEach((t) => t.done()), (err) => taken.forEach((t) => t.done(err)));
  };

  return (attempt, sent) => {
    const { result } = sent;
    if (result.kind !== 'response' || judge(result).kind !== 'delivered') return recordAttemptOutcome(db, attempt, sent, options);
    return new Promise<void>((resolve, reject) => {
      batch.push({
        delivered: { attempt, url: sent.url, responseStatus: result.status, responseBody: result.body.slice(0, MAX_RESPONSE_BODY), durationMs: result.durationMs },
        done: (err) => (err ? reject(err) : resolve()),
      });
      if (batch.length >= BATCH_SIZE) flush();
      else timer ??= setTimeout(flush, BATCH_WAIT_MS);
    });
  };
}

/**
 * Records how an attempt ended and what follows, in one transaction: the attempt's row; on
 * success the endpoint's failure run ends; on failure the next attempt is queued (or the
 * delivery has failed for good), a 410 disables the endpoint, and so does a failure run of
 * DISABLE_AFTER_FAILING_MS. Nothing happens when the claim was lost to another worker.
 */
async function recordAttemptOutcome(
  db: Knex, attempt: ClaimedAttempt, sent: { url: string; result: OutboundResult }, options: { retryScale: number },
): Promise<void> {
  const { result } = sent;
  const verdict = judge(result);
  await db.transaction(async (trx) => {
    const recorded = await completeAttempt(trx, attempt, {
      status: verdict.kind,
      url: sent.url,
      ...(result.kind === 'response' && { responseStatus: result.status, responseBody: result.body.slice(0, MAX_RESPONSE_BODY) }),
      ...(verdict.kind === 'failed' && { errorMessage: verdict.error }),
      durationMs: result.durationMs,
    });
    if (!recorded) return;
    if (verdict.kind === 'delivered') {
      await markSucceeded(trx, attempt.tenantId, attempt.webhookId);
      return;
    }
    if (verdict.gone) {
      await disableEndpoint(trx, deliverySystem(attempt.tenantId), attempt.webhookId, 'gone');
      return;
    }
    const failingMs = await markFailing(trx, attempt.tenantId, attempt.webhookId);
    if (failingMs >= DISABLE_AFTER_FAILING_MS) {
      await disableEndpoint(trx, deliverySystem(attempt.tenantId), attempt.webhookId, 'failing');
      return;
    }
    await queueRetry(trx, attempt, { scale: options.retryScale, retryAfterMs: verdict.retryAfterMs });
  });
}

async function queueRetry(trx: Knex.Transaction, attempt: ClaimedAttempt, options: { scale: number; retryAfterMs?: number }): Promise<void> {
  const next = attempt.attempt + 1;
  const delayMs = retryDelay(next, options);
  if (delayMs === undefined) return; // the last attempt failed: so has the delivery
  await insertAttempts(trx, [{
    tenantId: attempt.tenantId, webhookId: attempt.webhookId, eventId: attempt.eventId, eventType: attempt.eventType,
    deliveryId: attempt.deliveryId, attempt: next, url: attempt.url, delayMs,
  }]);
}

/** An attempt whose endpoint was disabled (or removed) after it was queued is not sent. */
export async function recordCanceled(db: Knex, attempt: ClaimedAttempt, reason: string): Promise<void> {
  await completeAttempt(db, attempt, { status: 'canceled', errorMessage: reason });
}

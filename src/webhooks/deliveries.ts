import type { Knex } from 'knex';
import type { TenantActor } from '../audit/actor.ts';
import { audit } from '../audit/audit-log.ts';
import type { Db } from '../db/database.ts';
import { apiError } from '../http/api-error.ts';
import { findFirstAttempts, listAttemptsOf } from './delivery-table.ts';
import { enqueueEvent } from './outbox.ts';
import { webhooksToTest } from './webhooks.ts';
import type { WebhookAttempt } from './webhook.ts';

export type { WebhookAttempt };

/** The tenant's delivery attempts, newest first. */
export const listWebhookDeliveries = (db: Db, actor: TenantActor, options: { limit?: number } = {}) =>
  listAttemptsOf(db, actor.tenantId, options.limit ?? 50);

export type TestOutcome = {
  webhookId: string;
  deliveryId: string;
  /** `queued` when the first attempt had not finished within the wait. */
  status: 'delivered' | 'failed' | 'queued';
  responseStatus?: number;
  durationMs?: number;
  errorMessage?: string;
};

export type WebhookTestResult = { event: 'webhook.test'; eventId: string; status: TestOutcome['status']; deliveries: TestOutcome[] };

const POLL_MS = 50;

/**
 * Sends a `webhook.test` event to one endpoint or to all active ones, through the same
 * outbox, worker, signer and SSRF guard as every event, and reports the first attempt of
 * each delivery once it has finished, or `queued` for those still running after `waitMs`.
 */
export async function testWebhook(
  db: Knex, actor: TenantActor, input: { webhookId?: string; event?: string }, options: { waitMs: number },
): Promise<WebhookTestResult> {
  if (input.event !== undefined && input.event !== 'webhook.test') {
    throw apiError('SERVER_WEBHOOK_VALIDATION_FAILED', 'Only webhook.test can be sent as a test', { details: ['event must be webhook.test'] });
  }
  const emitted = await db.transaction(async (trx) => {
    const webhooks = await webhooksToTest(trx, actor, input.webhookId);
    const data = { message: 'A test event from Ringnity: your endpoint receives and verifies webhooks.' };
    const event = await enqueueEvent(trx, actor, 'webhook.test', data, webhooks);
    await audit(trx, actor, 'webhook.tested', { type: 'webhook_event', id: event.eventId }, { webhookIds: webhooks.map((w) => w.id) });
    return event;
  });
  const ids = emitted.deliveries.map((d) => d.deliveryId);
  const attempts = await waitForFirstAttempts(db, actor.tenantId, ids, options.waitMs);
  const deliveries = emitted.deliveries.map((d) => outcomeOf(d, attempts.get(d.deliveryId)));
  return { event: 'webhook.test', eventId: emitted.eventId, status: overall(deliveries), deliveries };
}

async function waitForFirstAttempts(db: Db, tenantId: string, deliveryIds: string[], waitMs: number): Promise<Map<string, WebhookAttempt>> {
  const deadline = Date.now() + waitMs;
  for (;;) {
    const attempts = await findFirstAttempts(db, tenantId, deliveryIds);
    const finished = attempts.filter((a) => a.completedAt !== null);
    if (finished.length === deliveryIds.length || Date.now() >= deadline) return new Map(finished.map((a) => [a.deliveryId, a]));
    await new Promise((resolve) => setTimeout(resolve, Math.min(POLL_MS, Math.max(0, deadline - Date.now()))));
  }
}

function outcomeOf(d: { webhookId: string; deliveryId: string }, attempt: WebhookAttempt | undefined): TestOutcome {
  if (!attempt) return { ...d, status: 'queued' };
  return {
    ...d,
    status: attempt.status === 'delivered' ? 'delivered' : 'failed',
    ...(attempt.responseStatus !== null && { responseStatus: attempt.responseStatus }),
    ...(attempt.durationMs !== null && { durationMs: attempt.durationMs }),
    ...(attempt.errorMessage !== null && { errorMessage: attempt.errorMessage }),
  };
}

/** One word for all: failed if any failed, else queued if any is still running, else delivered. */
function overall(deliveries: TestOutcome[]): TestOutcome['status'] {
  if (deliveries.some((d) => d.status === 'failed')) return 'failed';
  if (deliveries.some((d) => d.status === 'queued')) return 'queued';
  return 'delivered';
}

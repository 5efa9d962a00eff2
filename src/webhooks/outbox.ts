import { EventEmitter } from 'node:events';
import type { Knex } from 'knex';
import type { TenantActor } from '../audit/actor.ts';
import type { WebhookEventBody, WebhookEventType } from './event-catalog.ts';
import { insertEvent } from './event-table.ts';
import { insertAttempts, queueForSubscribers } from './delivery-table.ts';
import type { Webhook } from './webhook.ts';

/** What an emit wrote: the event and one delivery per endpoint it goes to. */
export type EmittedEvent = { eventId: string; deliveries: { deliveryId: string; webhookId: string }[] };

/**
 * Emits a webhook event as part of the caller's change: writes the event and one pending
 * delivery per active endpoint subscribed to `type`, with the caller's transaction, so a
 * change that rolls back emits nothing and one that commits is never lost (the worker in
 * any process delivers it, at least once). Call it from the service that makes the change:
 *
 *   await emitEvent(trx, actor, 'contact.created', { contact: contactView(contact) });
 *
 * `data` is the event's `data` (README "Webhook events"); it must be JSON.
 */
export async function emitEvent(trx: Knex.Transaction, actor: TenantActor, type: WebhookEventType, data: Record<string, unknown>): Promise<EmittedEvent> {
  const event = eventOf(actor, type, data);
  const deliveries = await queueForSubscribers(trx, { id: event.id, tenantId: actor.tenantId, type, body: event.body });
  if (deliveries.length) wakeAfterCommit(trx);
  return { eventId: event.id, deliveries };
}

/** The event's id and the body every delivery of it carries. */
function eventOf(actor: TenantActor, type: WebhookEventType, data: Record<string, unknown>): { id: string; body: string } {
  const id = crypto.randomUUID();
  const body: WebhookEventBody = { id, type, timestamp: new Date().toISOString(), tenantId: actor.tenantId, data };
  return { id, body: JSON.stringify(body) };
}

/** Emits an event to the given endpoints whatever they subscribe to (the test event). */
export async function enqueueEvent(
  trx: Knex.Transaction, actor: TenantActor, type: WebhookEventType, data: Record<string, unknown>, webhooks: Webhook[],
): Promise<EmittedEvent> {
  const { id: eventId, body } = eventOf(actor, type, data);
  // No endpoint, no event: the outbox only holds what will be sent.
  if (!webhooks.length) return { eventId, deliveries: [] };
  await insertEvent(trx, { id: eventId, tenantId: actor.tenantId, type, body });
  const attempts = await insertAttempts(trx, webhooks.map((w) => ({
    tenantId: actor.tenantId, webhookId: w.id, eventId, eventType: type, deliveryId: crypto.randomUUID(), attempt: 1, url: w.url, delayMs: 0,
  })));
  wakeAfterCommit(trx);
  return { eventId, deliveries: attempts.map((a) => ({ deliveryId: a.deliveryId, webhookId: a.webhookId })) };
}

/*
 * Local delivery workers are told when a transaction with new deliveries commits, so they
 * send at once instead of at their next poll. It is only a hint: the poll finds every due
 * delivery (other processes' included) without it. It is process-wide because emitEvent
 * gets nothing but the transaction; a commit is a fact of this process.
 */
const commits = new EventEmitter().setMaxListeners(0);

function wakeAfterCommit(trx: Knex.Transaction): void {
  const committed = (trx as { executionPromise?: Promise<unknown> }).executionPromise;
  if (!committed) {
    commits.emit('committed');
    return;
  }
  // A rollback wrote nothing, so there is nothing to wake anyone for.
  committed.then(() => commits.emit('committed'), () => undefined);
}

/** Calls `listener` after each local commit that queued deliveries; returns the unsubscribe. */
export function onDeliveriesQueued(listener: () => void): () => void {
  commits.on('committed', listener);
  return () => commits.off('committed', listener);
}

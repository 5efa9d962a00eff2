import type { Knex } from 'knex';
import type { TenantActor } from '../audit/actor.ts';
import { audit } from '../audit/audit-log.ts';
import type { Db } from '../db/database.ts';
import { nameProblem } from '../display-name.ts';
import { apiError } from '../http/api-error.ts';
import { WEBHOOK_EVENT_TYPES, isWebhookEventType } from './event-catalog.ts';
import { cancelPendingAttempts } from './delivery-table.ts';
import { receiverUrlProblems, type ReceiverPolicy } from './receiver-url.ts';
import { generateSigningSecret, loadSecretBox, secretPreview, signingSecretProblem } from './signing-secrets.ts';
import { activeWebhooksOf, disableActiveWebhook, findWebhook, insertWebhook, listWebhooksOf, updateWebhook as updateWebhookRow, type WebhookChanges } from './webhook-table.ts';
import type { DisabledReason, Webhook } from './webhook.ts';

export type { Webhook };
export type { ReceiverPolicy };

/** During a rotation the previous secret signs beside the new one this long. */
export const ROTATION_OVERLAP_MS = 24 * 60 * 60 * 1000;

export type WebhookInput = { name?: string; url: string; events: string[]; secret?: string };
export type WebhookEdit = { name?: string; url?: string; events?: string[]; isActive?: boolean; secret?: string };

const target = (id: string) => ({ type: 'webhook', id });

export const listWebhooks = (db: Db, actor: TenantActor) => listWebhooksOf(db, actor.tenantId);

export const availableEvents = (): string[] => [...WEBHOOK_EVENT_TYPES];

async function problemsOf(edit: WebhookEdit, policy: ReceiverPolicy): Promise<string[]> {
  const problems: string[] = [];
  const name = nameProblem(edit.name);
  if (name) problems.push(name);
  if (edit.url !== undefined) problems.push(...await receiverUrlProblems(edit.url, policy));
  if (edit.events !== undefined) {
    if (!edit.events.length) problems.push('events must name at least one event');
    const unknown = edit.events.filter((e) => !isWebhookEventType(e));
    if (unknown.length) problems.push(`events: unknown ${unknown.map((e) => `"${e}"`).join(', ')} (available: ${WEBHOOK_EVENT_TYPES.join(', ')})`);
  }
  if (edit.secret !== undefined) {
    const secret = signingSecretProblem(edit.secret);
    if (secret) problems.push(secret);
  }
  return problems;
}

async function check(edit: WebhookEdit, policy: ReceiverPolicy): Promise<void> {
  const problems = await problemsOf(edit, policy);
  if (problems.length) throw apiError('SERVER_WEBHOOK_VALIDATION_FAILED', 'The webhook is invalid', { details: problems });
}

const distinct = (events: string[]) => [...new Set(events)];

/** A new endpoint; its signing secret (generated unless supplied) is returned this once. */
export async function createWebhook(db: Knex, actor: TenantActor, input: WebhookInput, policy: ReceiverPolicy): Promise<{ webhook: Webhook; secret: string }> {
  await check(input, policy);
  const secret = input.secret ?? generateSigningSecret();
  const id = crypto.randomUUID();
  return db.transaction(async (trx) => {
    const box = await loadSecretBox(trx);
    const webhook = await insertWebhook(trx, {
      id, tenantId: actor.tenantId, name: input.name?.trim() || null, url: input.url, events: distinct(input.events),
      secretPreview: secretPreview(secret), secretCiphertext: box.seal(id, secret),
    });
    await audit(trx, actor, 'webhook.created', target(id), { url: webhook.url, events: webhook.events, secretSupplied: input.secret !== undefined });
    return { webhook, secret };
  });
}

async function requireWebhook(db: Db, actor: TenantActor, id: string): Promise<Webhook> {
  const webhook = await findWebhook(db, actor.tenantId, id, { forUpdate: true });
  if (!webhook) throw apiError('SERVER_WEBHOOK_NOT_FOUND', 'No such webhook');
  return webhook;
}

/** Edits an endpoint. A new `secret` starts a rotation: both secrets sign for ROTATION_OVERLAP_MS. */
export async function updateWebhook(db: Knex, actor: TenantActor, id: string, edit: WebhookEdit, policy: ReceiverPolicy): Promise<Webhook> {
  await check(edit, policy);
  return db.transaction(async (trx) => {
    const existing = await requireWebhook(trx, actor, id);
    const changes: WebhookChanges = {
      name: edit.name === undefined ? undefined : edit.name.trim(),
      url: edit.url,
      events: edit.events && distinct(edit.events),
      isActive: edit.isActive === existing.isActive ? undefined : edit.isActive,
    };
    if (edit.secret !== undefined) {
      const box = await loadSecretBox(trx);
      changes.rotation = { ciphertext: box.seal(id, edit.secret), preview: secretPreview(edit.secret), previousSigningMs: ROTATION_OVERLAP_MS };
    }
    const webhook = await updateWebhookRow(trx, actor.tenantId, id, changes);
    if (changes.isActive === false) await cancelPendingAttempts(trx, actor.tenantId, id, 'webhook disabled');
    const fields = Object.keys(edit).filter((k) => edit[k as keyof WebhookEdit] !== undefined);
    await audit(trx, actor, 'webhook.updated', target(id), { fields, secretRotated: edit.secret !== undefined });
    return webhook;
  });
}

/** Disables an endpoint (its history stays; queued deliveries are canceled). Idempotent. */
export async function disableWebhook(db: Knex, actor: TenantActor, id: string): Promise<Webhook> {
  return db.transaction(async (trx) => {
    await requireWebhook(trx, actor, id);
    await disableEndpoint(trx, actor, id, 'api');
    return (await findWebhook(trx, actor.tenantId, id))!;
  });
}

/**
 * Disables an active endpoint for `reason` and cancels what it still had queued, recorded
 * once however many disable it at the same time; with the caller's transaction.
 */
export async function disableEndpoint(trx: Knex.Transaction, actor: TenantActor, id: string, reason: DisabledReason): Promise<void> {
  if (!await disableActiveWebhook(trx, actor.tenantId, id, reason)) return;
  const canceled = await cancelPendingAttempts(trx, actor.tenantId, id, `webhook disabled (${reason})`);
  await audit(trx, actor, 'webhook.disabled', target(id), { reason, canceledDeliveries: canceled });
}

/** The tenant's active endpoints, or the one named (which must exist and be active). */
export async function webhooksToTest(db: Db, actor: TenantActor, webhookId: string | undefined): Promise<Webhook[]> {
  if (webhookId === undefined) {
    const active = await activeWebhooksOf(db, actor.tenantId);
    if (!active.length) throw apiError('SERVER_WEBHOOK_NOT_FOUND', 'The tenant has no active webhook to test');
    return active;
  }
  const webhook = await findWebhook(db, actor.tenantId, webhookId);
  if (!webhook) throw apiError('SERVER_WEBHOOK_NOT_FOUND', 'No such webhook');
  if (!webhook.isActive) throw apiError('SERVER_WEBHOOK_VALIDATION_FAILED', 'The webhook is disabled; enable it (isActive: true) to test it');
  return [webhook];
}

import Router from '@koa/router';
import type { Middleware } from 'koa';
import type { RouteDeps } from '../deps.ts';
import { inputOf, operation } from '../contract/operations.ts';
import { reply } from '../http/reply.ts';
import { tenantActorOf } from '../http/request-actor.ts';
import { listWebhookDeliveries, testWebhook, type WebhookAttempt } from './deliveries.ts';
import {
  availableEvents, createWebhook, disableWebhook, listWebhooks, updateWebhook, type ReceiverPolicy, type Webhook,
} from './webhooks.ts';

const SECRET_WARNING = 'Store this signing secret now: it is shown only once.';

// The contract's shapes: fields the contract types as non-null strings are left out when empty.
const webhookView = (w: Webhook) => ({
  id: w.id, ...(w.name !== null && { name: w.name }), url: w.url, secretPreview: w.secretPreview, events: w.events,
  isActive: w.isActive, createdAt: w.createdAt, updatedAt: w.updatedAt,
});

const deliveryView = (a: WebhookAttempt) => ({
  id: a.id, webhookId: a.webhookId, event: a.eventType, deliveryId: a.deliveryId, status: a.status, attempt: a.attempt,
  ...(a.url !== null && { url: a.url }),
  ...(a.responseStatus !== null && { responseStatus: a.responseStatus }),
  ...(a.responseBody !== null && { responseBody: a.responseBody }),
  ...(a.errorMessage !== null && { errorMessage: a.errorMessage }),
  ...(a.durationMs !== null && { durationMs: a.durationMs }),
  createdAt: a.createdAt,
  ...(a.status === 'delivered' && a.completedAt !== null && { deliveredAt: a.completedAt }),
});

export function webhookRoutes(deps: RouteDeps): Router {
  const { db, config } = deps;
  const router = new Router();
  // Input the contract's schemas refuse is answered with the area's own code.
  const route = (id: string, handler: Middleware) =>
    operation({ ...deps, input: { code: 'SERVER_WEBHOOK_VALIDATION_FAILED' } }, router, id, handler);
  const policy: ReceiverPolicy = { requireHttps: config.webhooks.requireHttps, allowPrivate: config.webhooks.allowedPrivateHosts };

  route('listWebhooks', async (ctx) => {
    const webhooks = await listWebhooks(db, tenantActorOf(ctx));
    reply<'listWebhooks'>(ctx, 200, { webhooks: webhooks.map(webhookView), availableEvents: availableEvents() });
  });

  route('createWebhook', async (ctx) => {
    const { name, url, events, secret } = inputOf<'createWebhook'>(ctx).body;
    const created = await createWebhook(db, tenantActorOf(ctx), { name, url, events, secret }, policy);
    reply<'createWebhook'>(ctx, 201, { webhook: webhookView(created.webhook), secret: created.secret }, SECRET_WARNING);
  });

  route('updateWebhook', async (ctx) => {
    const { params, body } = inputOf<'updateWebhook'>(ctx);
    const { name, url, events, isActive, secret } = body;
    const webhook = await updateWebhook(db, tenantActorOf(ctx), params.id, { name, url, events, isActive, secret }, policy);
    reply<'updateWebhook'>(ctx, 200, { webhook: webhookView(webhook) });
  });

  route('disableWebhook', async (ctx) => {
    const webhook = await disableWebhook(db, tenantActorOf(ctx), inputOf<'disableWebhook'>(ctx).params.id);
    reply<'disableWebhook'>(ctx, 200, { webhook: webhookView(webhook) });
  });

  route('testWebhook', async (ctx) => {
    const { webhookId, event } = inputOf<'testWebhook'>(ctx).body ?? {};
    const result = await testWebhook(db, tenantActorOf(ctx), { webhookId, event }, { waitMs: config.webhooks.testWaitMs });
    const single = result.deliveries.length === 1 ? { deliveryId: result.deliveries[0].deliveryId, webhookId: result.deliveries[0].webhookId } : {};
    reply<'testWebhook'>(ctx, 200, { ...result, ...single });
  });

  route('listWebhookDeliveries', async (ctx) => {
    const deliveries = await listWebhookDeliveries(db, tenantActorOf(ctx), { limit: inputOf<'listWebhookDeliveries'>(ctx).query.limit });
    reply<'listWebhookDeliveries'>(ctx, 200, { deliveries: deliveries.map(deliveryView) });
  });

  return router;
}

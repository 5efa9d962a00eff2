/**
 * The events webhooks can subscribe to: only events something really emits (README
 * "Webhook events" documents each payload). Every event is sent as
 * `{ id, type, timestamp, tenantId, data }`.
 */
export const WEBHOOK_EVENT_TYPES = [
  'contact.created',
  'contact.updated',
  'contact.deleted',
  'conversation.created',
  'conversation.assigned',
  'conversation.closed',
  'message.created',
  'message.updated',
  'message.deleted',
  'call.started',
  'call.answered',
  'call.ended',
  'call.missed',
  'webhook.test',
] as const;

export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number];

export const isWebhookEventType = (value: string): value is WebhookEventType =>
  (WEBHOOK_EVENT_TYPES as readonly string[]).includes(value);

/** The body every delivery of an event carries, byte for byte. */
export type WebhookEventBody<Data = Record<string, unknown>> = {
  /** Stable: the same in every delivery and attempt of this event. */
  id: string;
  type: WebhookEventType;
  /** When the event happened (ISO 8601). */
  timestamp: string;
  tenantId: string;
  data: Data;
};

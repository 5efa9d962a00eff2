/** The webhooks area's domain types: endpoints and delivery attempts. */

export type DisabledReason = 'api' | 'gone' | 'failing';

export type Webhook = {
  id: string;
  tenantId: string;
  name: string | null;
  url: string;
  events: string[];
  isActive: boolean;
  secretPreview: string;
  /** Why the endpoint was disabled: by the API, by a 410 from the receiver, or after 5 days of failures. */
  disabledReason: DisabledReason | null;
  /** Start of the current run of failed attempts. */
  failingSince: string | null;
  createdAt: string;
  updatedAt: string;
};

/** The sealed signing secrets of an endpoint: the current one and, during a rotation, the previous one. */
export type SealedSecrets = { current: string; previous: string | null; previousExpiresAt: string | null };

export type AttemptStatus = 'pending' | 'sending' | 'delivered' | 'failed' | 'canceled';

/** One attempt to deliver one event to one endpoint; every attempt is a row. */
export type WebhookAttempt = {
  id: string;
  tenantId: string;
  webhookId: string;
  eventId: string;
  eventType: string;
  /** Stable across the attempts of one delivery: the `webhook-id` header. */
  deliveryId: string;
  attempt: number;
  status: AttemptStatus;
  url: string | null;
  responseStatus: number | null;
  responseBody: string | null;
  errorMessage: string | null;
  durationMs: number | null;
  createdAt: string;
  completedAt: string | null;
};

/** An attempt a worker holds: only the holder of `leaseToken` may record its outcome. */
export type ClaimedAttempt = WebhookAttempt & { leaseToken: string };

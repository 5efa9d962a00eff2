import { hostname } from 'node:os';
import type { Knex } from 'knex';
import type { WebhookSettings } from '../config.ts';
import type { Logger } from '../logger.ts';
import { guardedPost, type OutboundResult } from '../net/guarded-client.ts';
import { claimDueAttempts } from './delivery-table.ts';
import { outcomeRecorder, recordCanceled } from './delivery-outcome.ts';
import { findEvents, type StoredEvent } from './event-table.ts';
import { onDeliveriesQueued } from './outbox.ts';
import { loadSecretBox, signatureHeader, type SecretBox } from './signing-secrets.ts';
import { findForDelivery } from './webhook-table.ts';
import type { ClaimedAttempt, SealedSecrets, Webhook } from './webhook.ts';

/** How long stopping waits for sends in flight before it aborts them (main exits after 10 s anyway). */
export const SHUTDOWN_GRACE_MS = 5_000;

export type DeliveryWorker = { stop(): Promise<void> };

type Target = Webhook & { sealed: SealedSecrets };

/**
 * The delivery worker every server process runs. Each round claims due attempts (committed
 * on their own, with a lease), sends them with no transaction open, then records each
 * outcome; a process killed mid-send leaves its claims to expire, and another worker takes
 * them over. The lease outlasts the send's timeout, so two workers never send the same
 * attempt at once. It polls every `pollIntervalMs`, and at once when a local emit commits.
 */
export function startDeliveryWorker({ db, logger, settings }: { db: Knex; logger: Logger; settings: WebhookSettings }): DeliveryWorker {
  const workerId = `${hostname()}/${process.pid}/${crypto.randomUUID().slice(0, 8)}`;
  // A claim outlasts the send's timeout by as much again (at least 1 s), so the outcome is
  // recorded before another worker may take the attempt over.
  const leaseMs = settings.timeoutMs * 2 + 1_000;
  const inFlight = new Set<Promise<void>>();
  const recordOutcome = outcomeRecorder(db, { retryScale: settings.retryScale });
  const shutdown = new AbortController();
  let box: Promise<SecretBox> | undefined;
  let timer: NodeJS.Timeout | undefined;
  let round: Promise<void> | undefined;
  let again = false;
  let stopping = false;

  const schedule = (ms: number) => {
    clearTimeout(timer);
    if (!stopping) timer = setTimeout(wake, ms);
  };

  function wake(): void {
    if (stopping) return;
    if (round) {
      again = true; // the running round looks again when it ends
      return;
    }
    round = claimAndSend().finally(() => {
      round = undefined;
      const now = again;
      again = false;
      schedule(now ? 0 : settings.pollIntervalMs);
    });
  }

  async function claimAndSend(): Promise<void> {
    const capacity = settings.concurrency - inFlight.size;
    if (capacity <= 0) return;
    let claimed: ClaimedAttempt[];
    // Measured before the claim, so the local view of the lease never outlives the real one.
    const sendBy = Date.now() + leaseMs - settings.timeoutMs - 500;
    try {
      claimed = await claimDueAttempts(db, { claimedBy: workerId, limit: capacity, leaseMs });
      if (!claimed.length) return;
      box ??= loadSecretBox(db);
      const [targets, events, secrets] = await Promise.all([
        findForDelivery(db, claimed.map((a) => a.webhookId)), findEvents(db, claimed.map((a) => a.eventId)), box,
      ]);
      // A round slow enough to eat into the lease sends nothing: the claims expire and are taken again.
      if (Date.now() > sendBy) return;
      for (const attempt of claimed) track(send(attempt, targets.get(attempt.webhookId), events.get(attempt.eventId), secrets));
    } catch (err) {
      // Database briefly unreachable: claims not yet sent expire and are taken again.
      box = undefined;
      logger.warn({ err: { message: (err as Error).message } }, 'webhook delivery round failed; retrying at the next poll');
      return;
    }
    if (claimed.length === capacity) again = true; // there may be more due
  }

  function track(sending: Promise<void>): void {
    inFlight.add(sending);
    sending.finally(() => {
      inFlight.delete(sending);
      // Refill in batches once half the slots are free: a claim per finished send would cost a
      // round trip for every delivery.
      if (inFlight.size <= settings.concurrency / 2) wake();
    });
  }

  async function send(attempt: ClaimedAttempt, target: Target | undefined, event: StoredEvent | undefined, secrets: SecretBox): Promise<void> {
    try {
      if (!target?.isActive || !event) {
        await recordCanceled(db, attempt, 'webhook disabled before the attempt');
        return;
      }
      const result = await post(attempt, target, event, secrets);
      await recordOutcome(attempt, { url: target.url, result });
      logger.debug({ deliveryId: attempt.deliveryId, attempt: attempt.attempt, outcome: result.kind === 'response' ? result.status : result.error }, 'webhook attempt');
    } catch (err) {
      // Not recorded (database down): the lease expires and the attempt is sent again.
      logger.warn({ err: { message: (err as Error).message }, deliveryId: attempt.deliveryId }, 'recording a webhook attempt failed');
    }
  }

  async function post(attempt: ClaimedAttempt, target: Target, event: StoredEvent, box: SecretBox): Promise<OutboundResult> {
    const timestamp = Math.floor(Date.now() / 1000);
    let secrets: string[];
    try {
      secrets = signingSecrets(target, box);
    } catch (err) {
      // An unreadable secret (the stored key replaced) fails the attempt like any error, so it ends by the schedule.
      return { kind: 'error', error: `could not sign: ${(err as Error).message}`, refused: false, durationMs: 0 };
    }
    return guardedPost(target.url, {
      body: event.body,
      headers: {
        'content-type': 'application/json',
        'user-agent': 'Ringnity-Webhooks/1.0',
        'webhook-id': attempt.deliveryId,
        'webhook-timestamp': String(timestamp),
        'webhook-signature': signatureHeader(secrets, attempt.deliveryId, timestamp, event.body),
      },
      timeoutMs: settings.timeoutMs,
      maxResponseBytes: 4096,
      allowPrivate: settings.allowedPrivateHosts,
      signal: shutdown.signal,
    });
  }

  const unsubscribe = onDeliveriesQueued(wake);
  wake();

  return {
    async stop() {
      stopping = true;
      clearTimeout(timer);
      unsubscribe();
      // Sends still running at the grace's end are aborted and recorded as failed (so retried).
      const grace = setTimeout(() => shutdown.abort(), SHUTDOWN_GRACE_MS);
      const settled = Promise.allSettled([round, ...inFlight]).then(() => Promise.allSettled([...inFlight]));
      // A database that does not answer must not hold the shutdown either: unrecorded claims expire.
      let giveUp: NodeJS.Timeout | undefined;
      await Promise.race([settled, new Promise((resolve) => { giveUp = setTimeout(resolve, SHUTDOWN_GRACE_MS + 2_000); })]);
      clearTimeout(grace);
      clearTimeout(giveUp);
    },
  };
}

/** The current secret, and the previous one while its rotation overlap lasts. */
function signingSecrets(target: Target, box: SecretBox): string[] {
  const { current, previous, previousExpiresAt } = target.sealed;
  const secrets = [box.open(target.id, current)];
  if (previous && previousExpiresAt && Date.parse(previousExpiresAt) > Date.now()) secrets.push(box.open(target.id, previous));
  return secrets;
}

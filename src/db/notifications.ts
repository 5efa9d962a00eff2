import { randomBytes } from 'node:crypto';
import type { PGlite, Transaction } from '@electric-sql/pglite';
import type { Knex } from 'knex';
import pg from 'pg';
import type { Logger } from '../logger.ts';

/** What a subscriber to a NOTIFY channel is told. */
export type NotificationHandlers = {
  onMessage(payload: string): void;
  /**
   * true once notifications are flowing: every one committed from then on reaches onMessage,
   * none later than 0.8 s after its commit (PostgreSQL: see PING_EVERY_MS). false while some
   * may be missed or late (not connected yet, connection lost, or not proven current). Called
   * on changes only.
   */
  onState(listening: boolean): void;
};

export type Listening = { close(): Promise<void> };

/**
 * The listening connection proves it is current every PING_EVERY_MS: it notifies a channel of
 * its own and waits for that notification to come back. PostgreSQL queues every channel's
 * notifications in commit order, so once a ping is back, everything committed before it was
 * sent has arrived. A last proof older than CURRENT_FOR_MS (checked at each ping) reports
 * false, so while the state is true nothing committed more than the sum (0.8 s) ago is still
 * missing (README "Access token cache" documents it as a second).
 */
const PING_EVERY_MS = 200;
const CURRENT_FOR_MS = 600;

/** LISTEN and a ping are tiny: one unanswered for this long means the connection is gone. */
const LISTENER_QUERY_TIMEOUT_MS = 2_000;
const RETRY_FIRST_MS = 100;
const RETRY_MAX_MS = 5_000;

type PostgresListenerSettings = { url: string; connectTimeoutMs: number; keepAliveDelayMs: number };

/**
 * LISTEN on a connection of its own, outside the knex pool (a pooled connection would stop
 * listening when released). Reconnects with backoff, reporting false until LISTEN works again.
 */
export function listenOnPostgres(settings: PostgresListenerSettings, channel: string, handlers: NotificationHandlers, logger?: Logger): Listening {
  const pingChannel = `${channel}_ping_${randomBytes(8).toString('hex')}`;
  let current: pg.Client | undefined;
  let listening = false;
  let confirmedAt = 0;
  let pinging = false;
  let retryMs = RETRY_FIRST_MS;
  let stopped = false;
  let retry: NodeJS.Timeout | undefined;
  let pinger: NodeJS.Timeout | undefined;

  const report = (now: boolean) => {
    if (now === listening) return;
    listening = now;
    handlers.onState(now);
  };

  function drop(client: pg.Client, err: Error): void {
    if (current !== client) return;
    current = undefined;
    clearInterval(pinger);
    const wasListening = listening;
    report(false);
    // It is broken already: ending it only releases the socket, and has nothing to report.
    client.end().catch(() => {});
    if (stopped) return;
    logger?.[wasListening ? 'warn' : 'debug']({ err: { message: err.message }, channel, retryInMs: retryMs }, 'database notifications: connection lost, reconnecting');
    retry = setTimeout(connect, retryMs);
    retry.unref();
    retryMs = Math.min(retryMs * 2, RETRY_MAX_MS);
  }

  function ping(client: pg.Client): void {
    if (Date.now() - confirmedAt > CURRENT_FOR_MS) report(false);
    if (pinging) return;
    pinging = true;
    client.query('select pg_notify($1, $2)', [pingChannel, String(Date.now())]).then(
      () => { pinging = false; },
      (err: Error) => { pinging = false; drop(client, err); },
    );
  }

  async function connect(): Promise<void> {
    const client = new pg.Client({
      connectionString: settings.url, connectionTimeoutMillis: settings.connectTimeoutMs, query_timeout: LISTENER_QUERY_TIMEOUT_MS,
      keepAlive: true, keepAliveInitialDelayMillis: settings.keepAliveDelayMs,
    });
    current = client;
    pinging = false;
    client.on('error', (err) => drop(client, err));
    client.on('end', () => drop(client, new Error('Connection ended')));
    client.on('notification', ({ channel: from, payload = '' }) => {
      if (from === channel) handlers.onMessage(payload);
      else if (from === pingChannel) {
        confirmedAt = Number(payload);
        report(Date.now() - confirmedAt <= CURRENT_FOR_MS);
      }
    });
    try {
      await client.connect();
      const sentAt = Date.now();
      await client.query(`listen "${channel}"; listen "${pingChannel}"`);
      if (current !== client) return; // closed meanwhile
      confirmedAt = sentAt;
      retryMs = RETRY_FIRST_MS;
      report(true);
      pinger = setInterval(() => ping(client), PING_EVERY_MS);
      pinger.unref();
    } catch (err) {
      drop(client, err as Error);
    }
  }

  void connect();
  return {
    async close() {
      stopped = true;
      clearTimeout(retry);
      clearInterval(pinger);
      const client = current;
      current = undefined;
      // A connection that broke or never opened has nothing left to close.
      await client?.end().catch(() => {});
    },
  };
}

/**
 * PGlite's own LISTEN: the database is in this process, so notifications cannot be missed or
 * late. LISTEN runs through knex's one connection, so it waits behind a transaction in
 * progress rather than joining it (and being rolled back with it). If it fails, the state
 * stays false.
 */
export function listenOnPglite(pglite: PGlite, db: Knex, channel: string, handlers: NotificationHandlers, logger?: Logger): Listening {
  const viaKnex = { exec: (sql: string) => db.raw(sql) } as unknown as Transaction;
  const subscribed = pglite.listen(channel, handlers.onMessage, viaKnex).then(
    (unlisten) => {
      handlers.onState(true);
      return unlisten;
    },
    (err: Error) => {
      logger?.error({ err: { message: err.message }, channel }, 'database notifications: LISTEN failed');
      return undefined;
    },
  );
  return {
    async close() {
      await (await subscribed)?.(viaKnex);
    },
  };
}

/** How a database subscribes (Database.listen). */
export type Listen = (channel: string, handlers: NotificationHandlers) => Listening;

/**
 * One subscription per channel however many subscribe through it (on PostgreSQL, one
 * listening connection for all of a process's caches). Each subscriber hears every
 * notification and every change of state; one joining while notifications flow is told so
 * at once. The last one to close closes the subscription.
 */
export function shareListening(listen: Listen): Listen {
  const channels = new Map<string, { subscribers: Set<NotificationHandlers>; listening: boolean; subscription?: Listening }>();
  return (channel, handlers) => {
    let shared = channels.get(channel);
    if (!shared) {
      const created = { subscribers: new Set<NotificationHandlers>(), listening: false };
      channels.set(channel, shared = created);
      shared.subscription = listen(channel, {
        onMessage: (payload) => { for (const subscriber of created.subscribers) subscriber.onMessage(payload); },
        onState: (now) => {
          created.listening = now;
          for (const subscriber of created.subscribers) subscriber.onState(now);
        },
      });
    }
    const joined = shared;
    // A fresh handlers object each time, so subscribing the same one twice is two subscriptions.
    const subscriber = { ...handlers };
    joined.subscribers.add(subscriber);
    if (joined.listening) subscriber.onState(true);
    return {
      async close() {
        if (!joined.subscribers.delete(subscriber) || joined.subscribers.size > 0) return;
        channels.delete(channel);
        await joined.subscription?.close();
      },
    };
  };
}

import { mkdirSync } from 'node:fs';
import path from 'node:path';
import knex, { type Knex } from 'knex';
import ClientPGLite from 'knex-pglite';
import { PGlite } from '@electric-sql/pglite';
import type pg from 'pg';
import { DEFAULT_QUERY_TIMEOUT_MS, type Config } from '../config.ts';
import type { Logger } from '../logger.ts';
import { lockDataDir } from './data-dir-lock.ts';
import { QUERY_READ_TIMEOUT } from './errors.ts';
import { listenOnPglite, listenOnPostgres, type Listening, type NotificationHandlers } from './notifications.ts';

/** A knex instance or a transaction: services accept either, so callers can compose them. */
export type Db = Knex | Knex.Transaction;

export type Database = {
  db: Knex;
  backend: 'postgres' | 'pglite';
  /** Subscribes to a NOTIFY channel (notifications.ts); close the subscription before the database. */
  listen(channel: string, handlers: NotificationHandlers): Listening;
  close(): Promise<void>;
};

/** knex's own warnings (e.g. "Acquire connection error" during an outage) go to our log, not the console. */
const knexLog = (logger?: Logger): Knex.Config['log'] => logger && {
  warn: (message: string) => logger.warn({ knex: message }, 'database warning'),
  error: (message: string) => logger.error({ knex: message }, 'database error'),
  deprecate: (method: string, alternative: string) => logger.warn({ method, alternative }, 'knex deprecation'),
  debug: (message: string) => logger.debug({ knex: message }, 'database debug'),
};

type DatabaseSettings = Pick<Config, 'databaseUrl' | 'dataDir'> & Partial<Pick<Config, 'databaseQueryTimeoutMs'>>;

export async function openDatabase(config: DatabaseSettings, logger?: Logger): Promise<Database> {
  return config.databaseUrl
    ? openPostgres(config.databaseUrl, config.databaseQueryTimeoutMs ?? DEFAULT_QUERY_TIMEOUT_MS, logger)
    : openPglite(config.dataDir, logger);
}

/**
 * How long opening one connection may take. Without it a database host that stops answering
 * (a partition, a stopped VM) holds each request until acquireConnectionTimeout; with it
 * the request fails fast as 503 and the pool tries again on the next one.
 */
const CONNECT_TIMEOUT_MS = 2_000;

/**
 * How long a request may wait for a pooled connection. It covers opening one (CONNECT_TIMEOUT_MS)
 * and waiting behind busy ones, which a silent database frees within one query bound.
 */
const ACQUIRE_TIMEOUT_MS = 5_000;

/** The client waits this much longer than the server's statement_timeout, so a database that can still answer reports its own cancellation first. */
const ANSWER_MARGIN_MS = 500;

/** A transaction left open between statements (its client vanished) is rolled back by the server after this, releasing its locks. */
const IDLE_IN_TRANSACTION_MS = 10_000;

/** TCP keepalive probes on idle pooled connections, so the operating system also notices a peer that is gone. */
const KEEPALIVE_DELAY_MS = 10_000;

function openPostgres(url: string, queryTimeoutMs: number, logger?: Logger): Database {
  const db = knex({
    client: 'pg',
    log: knexLog(logger),
    connection: { connectionString: url, connectionTimeoutMillis: CONNECT_TIMEOUT_MS, ...queryBounds(queryTimeoutMs) } as Knex.PgConnectionConfig,
    pool: { min: 0, max: 10, afterCreate: closeWhenSilent },
    acquireConnectionTimeout: ACQUIRE_TIMEOUT_MS,
  });
  const listener = { url, connectTimeoutMs: CONNECT_TIMEOUT_MS, keepAliveDelayMs: KEEPALIVE_DELAY_MS };
  return { db, backend: 'postgres', listen: (channel, handlers) => listenOnPostgres(listener, channel, handlers, logger), close: () => db.destroy() };
}

/**
 * Bounds on every query, so a database that stops answering on an open connection (a
 * partition, a stuck primary) cannot hold a request: the server cancels a statement after
 * `queryTimeoutMs`, and the client gives up on an answer ANSWER_MARGIN_MS later. 0 lifts both
 * (e.g. for a migration that rebuilds a large index).
 */
function queryBounds(queryTimeoutMs: number): Partial<pg.ClientConfig> {
  const liveness = { keepAlive: true, keepAliveInitialDelayMillis: KEEPALIVE_DELAY_MS, idle_in_transaction_session_timeout: IDLE_IN_TRANSACTION_MS };
  if (!queryTimeoutMs) return liveness;
  return { ...liveness, statement_timeout: queryTimeoutMs, query_timeout: queryTimeoutMs + ANSWER_MARGIN_MS };
}

/**
 * A connection whose answer did not come in time is in an unknown state: node-postgres would
 * queue the next query behind the lost one, and a transaction on it could still commit once
 * the database hears it again. Closing it (end() drops the socket of a hung query) makes the
 * database roll back what it started, and the pool opens a fresh connection.
 */
function closeWhenSilent(connection: pg.Client, done: (err: Error | null, connection: pg.Client) => void): void {
  const query = connection.query.bind(connection) as (...args: unknown[]) => unknown;
  connection.query = ((...args: unknown[]) => {
    const callback = args.at(-1);
    if (typeof callback !== 'function') return query(...args);
    return query(...args.slice(0, -1), (err: Error | null, result: unknown) => {
      if (err?.message === QUERY_READ_TIMEOUT) connection.end().catch(() => {});
      callback(err, result);
    });
  }) as typeof connection.query;
  done(null, connection);
}

async function openPglite(dataDir: string, logger?: Logger): Promise<Database> {
  mkdirSync(dataDir, { recursive: true });
  const unlock = lockDataDir(dataDir);
  try {
    // The database lives in a subfolder: initdb wants an empty directory, and the lock file sits beside it.
    const pglite = await PGlite.create(path.join(dataDir, 'pglite'));
    const db = knex({ client: ClientPGLite as unknown as typeof Knex.Client, connection: { pglite } as Knex.StaticConnectionConfig, log: knexLog(logger) });
    return {
      db,
      backend: 'pglite',
      listen: (channel, handlers) => listenOnPglite(pglite, db, channel, handlers, logger),
      async close() {
        await db.destroy();
        unlock();
      },
    };
  } catch (err) {
    unlock();
    throw err;
  }
}

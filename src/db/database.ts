import { mkdirSync } from 'node:fs';
import path from 'node:path';
import knex, { type Knex } from 'knex';
import ClientPGLite from 'knex-pglite';
import { PGlite } from '@electric-sql/pglite';
import type { Config } from '../config.ts';
import type { Logger } from '../logger.ts';
import { lockDataDir } from './data-dir-lock.ts';

/** A knex instance or a transaction: services accept either, so callers can compose them. */
export type Db = Knex | Knex.Transaction;

export type Database = { db: Knex; backend: 'postgres' | 'pglite'; close(): Promise<void> };

/** knex's own warnings (e.g. "Acquire connection error" during an outage) go to our log, not the console. */
const knexLog = (logger?: Logger): Knex.Config['log'] => logger && {
  warn: (message: string) => logger.warn({ knex: message }, 'database warning'),
  error: (message: string) => logger.error({ knex: message }, 'database error'),
  deprecate: (method: string, alternative: string) => logger.warn({ method, alternative }, 'knex deprecation'),
  debug: (message: string) => logger.debug({ knex: message }, 'database debug'),
};

export async function openDatabase(config: Pick<Config, 'databaseUrl' | 'dataDir'>, logger?: Logger): Promise<Database> {
  return config.databaseUrl ? openPostgres(config.databaseUrl, knexLog(logger)) : openPglite(config.dataDir, knexLog(logger));
}

/**
 * How long opening one connection may take. Without it a database host that stops answering
 * (a partition, a stopped VM) holds each request until acquireConnectionTimeout; with it
 * the request fails fast as 503 and the pool tries again on the next one.
 */
const CONNECT_TIMEOUT_MS = 2_000;

function openPostgres(url: string, log: Knex.Config['log']): Database {
  const db = knex({
    client: 'pg',
    log,
    connection: { connectionString: url, connectionTimeoutMillis: CONNECT_TIMEOUT_MS },
    // acquireConnectionTimeout also bounds waiting for a busy pool under load, so it stays longer.
    pool: { min: 0, max: 10 },
    acquireConnectionTimeout: 10_000,
  });
  return { db, backend: 'postgres', close: () => db.destroy() };
}

async function openPglite(dataDir: string, log: Knex.Config['log']): Promise<Database> {
  mkdirSync(dataDir, { recursive: true });
  const unlock = lockDataDir(dataDir);
  try {
    // The database lives in a subfolder: initdb wants an empty directory, and the lock file sits beside it.
    const pglite = await PGlite.create(path.join(dataDir, 'pglite'));
    const db = knex({ client: ClientPGLite as unknown as typeof Knex.Client, connection: { pglite } as Knex.StaticConnectionConfig, log });
    return {
      db,
      backend: 'pglite',
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

import type { Knex } from 'knex';
import type { Logger } from '../logger.ts';
import { markMissed } from './calls.ts';
import { missOverdue } from './call-table.ts';

export type RingSweeper = { stop(): Promise<void> };

/**
 * Every process sweeps calls that rang past their deadline into `missed`, so a call nobody
 * reads again still ends (and its `call.missed` event goes out). Processes skip each other's
 * locked rows, so each call is missed once.
 */
export function startRingSweeper({ db, logger, ringTimeoutSeconds }: { db: Knex; logger: Logger; ringTimeoutSeconds: number }): RingSweeper {
  const everyMs = Math.min(5_000, Math.max(500, (ringTimeoutSeconds * 1000) / 3));
  let sweeping: Promise<void> | undefined;
  const sweep = async () => {
    try {
      await db.transaction(async (trx) => markMissed(trx, await missOverdue(trx, { limit: 100 })));
    } catch (err) {
      logger.warn({ err }, 'ring sweep failed; the next one retries');
    } finally {
      sweeping = undefined;
    }
  };
  const timer = setInterval(() => { sweeping ??= sweep(); }, everyMs);
  timer.unref();
  return {
    // The sweep in flight finishes before the database closes.
    stop: async () => {
      clearInterval(timer);
      await sweeping;
    },
  };
}

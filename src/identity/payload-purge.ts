import type { Db } from '../db/database.ts';
import type { Logger } from '../logger.ts';
import { purgeExpiredPayloads } from './oidc-payload-table.ts';

export const PURGE_INTERVAL_MS = 10 * 60 * 1000;

/**
 * Deletes expired oidc-provider rows every PURGE_INTERVAL_MS (lookups already ignore them;
 * this only keeps the table small). Unref'd so it never keeps the process alive. A failed
 * run (database briefly down) is logged and simply retried at the next tick.
 */
export function startPayloadPurge(db: Db, logger: Logger, intervalMs = PURGE_INTERVAL_MS): { stop(): void } {
  const timer = setInterval(() => {
    purgeExpiredPayloads(db, 60).then(
      (count) => { if (count) logger.debug({ count }, 'purged expired OIDC artifacts'); },
      (err: Error) => logger.warn({ err: { message: err.message } }, 'purging expired OIDC artifacts failed; retrying at the next tick'),
    );
  }, intervalMs);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}

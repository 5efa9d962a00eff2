import type { Db } from '../db/database.ts';
import { touchLastUsed } from './oauth-client-table.ts';

/** How stale a client's `lastUsedAt` may be: the table only rewrites it once this old anyway. */
export const LAST_USED_RESOLUTION_MS = 60_000;

/** Past this many remembered clients, forget the ones whose stamp is due again anyway. */
const REMEMBERED_CLIENTS = 10_000;

/**
 * Records that a client was used (`lastUsedAt`). touchLastUsed already writes at most once
 * a minute per client, but it still cost one round trip per token response; this process
 * remembers when it last stamped each client and skips the query inside that minute, so a
 * busy client costs one query a minute per process. The memory lives in this closure.
 */
export function clientUseRecorder(db: Db, now = () => Date.now()): (clientId: string) => Promise<void> {
  const stampedAt = new Map<string, number>();
  return async function recordClientUse(clientId) {
    const at = now();
    const last = stampedAt.get(clientId);
    if (last !== undefined && at - last < LAST_USED_RESOLUTION_MS) return;
    if (stampedAt.size >= REMEMBERED_CLIENTS) forgetDue(stampedAt, at);
    stampedAt.set(clientId, at);
    try {
      await touchLastUsed(db, clientId);
    } catch (err) {
      stampedAt.delete(clientId); // not stamped: try again on the next use
      throw err;
    }
  };
}

function forgetDue(stampedAt: Map<string, number>, at: number): void {
  for (const [clientId, last] of stampedAt) if (at - last >= LAST_USED_RESOLUTION_MS) stampedAt.delete(clientId);
}

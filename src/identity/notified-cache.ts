import type { Database } from '../db/database.ts';
import type { Logger } from '../logger.ts';

/** The channel migration 057's triggers notify with `<kind>:<key>` of each row changed or deleted. */
export const ROW_CHANGES_CHANNEL = 'token_context_changed';

/** An entry is read again after this at the latest, whatever was heard: a bound on a notification that never came. */
const ENTRY_TTL_MS = 30_000;

/**
 * How long an invalidation is remembered for the reads in flight when it came (see `read`).
 * A read that took longer than this is not kept: what invalidated it may be forgotten already.
 */
const IN_FLIGHT_MS = 5_000;

export type NotifiedCache<V> = {
  /**
   * The value kept for `id`, else `load`ed and kept. Served from memory only while the
   * database's notifications are flowing, so every change committed to a row it was read from
   * has dropped it within 0.8 s (the listener's bound, src/db/notifications.ts).
   */
  read(id: string, load: () => Promise<V>): Promise<V>;
  /** Drops what depends on `key` (`Grant:<id>`…): how notifications apply, and this process's own writes at once. */
  invalidate(key: string): void;
  stop(): Promise<void>;
};

export type NotifiedCacheSettings<V> = {
  /** How the log names it. */
  name: string;
  /** Least recently used go first past this; 0 keeps none (every read loads). */
  maxEntries: number;
  /**
   * The rows `value` was read from, as notifications name them (`Client:<client_id>`…);
   * undefined keeps nothing (a miss, or a read that is not whole).
   */
  dependencies(id: string, value: V): string[] | undefined;
  /** When the value stops being valid whatever happens to its rows (epoch ms), if it does. */
  expiresAt?(value: V): number;
  logger: Logger;
};

type Entry<V> = { value: V; keys: string[]; expiresAt: number };

/**
 * A per-process cache of database reads that the rows' change notifications (migration 057)
 * keep current across processes: bounded, and emptied whenever notifications may have been missed.
 */
export function startNotifiedCache<V>(database: Pick<Database, 'listen'>, settings: NotifiedCacheSettings<V>): NotifiedCache<V> {
  if (settings.maxEntries === 0) return { read: (_id, load) => load(), invalidate: () => {}, stop: async () => {} };
  /** By id, least recently used first (a Map iterates in insertion order). */
  const entries = new Map<string, Entry<V>>();
  /** Each key an entry was read from (`Account:<id>`…) → the ids of those entries. */
  const dependents = new Map<string, Set<string>>();
  /** Keys invalidated lately → when (`seq`, ms), oldest first: a read in flight must not keep what changed under it. */
  const invalidated = new Map<string, { seq: number; at: number }>();
  let seq = 0;
  /** The `seq` of the last time everything was dropped: a read started before it keeps nothing. */
  let resetSeq = 0;
  let listening = false;

  function evict(id: string): void {
    const entry = entries.get(id);
    if (!entry) return;
    entries.delete(id);
    for (const key of entry.keys) {
      const ids = dependents.get(key);
      ids?.delete(id);
      if (ids?.size === 0) dependents.delete(key);
    }
  }

  function invalidate(key: string): void {
    const now = Date.now();
    seq += 1;
    invalidated.delete(key); // re-inserted last, keeping the map oldest first
    invalidated.set(key, { seq, at: now });
    for (const [old, { at }] of invalidated) {
      if (now - at <= IN_FLIGHT_MS) break;
      invalidated.delete(old);
    }
    for (const id of dependents.get(key) ?? []) evict(id);
  }

  function reset(nowListening: boolean): void {
    seq += 1;
    resetSeq = seq;
    entries.clear();
    dependents.clear();
    invalidated.clear();
    listening = nowListening;
    if (!nowListening) settings.logger.info(`${settings.name}: emptied, and bypassed until change notifications flow again`);
  }

  function keep(id: string, value: V, started: { seq: number; at: number }): void {
    const now = Date.now();
    if (!listening || started.seq < resetSeq || now - started.at > IN_FLIGHT_MS) return;
    const keys = settings.dependencies(id, value);
    if (!keys || keys.some((key) => (invalidated.get(key)?.seq ?? 0) > started.seq)) return;
    evict(id);
    entries.set(id, { value: deepFreeze(value), keys, expiresAt: Math.min(now + ENTRY_TTL_MS, settings.expiresAt?.(value) ?? Infinity) });
    for (const key of keys) {
      const ids = dependents.get(key) ?? new Set<string>();
      dependents.set(key, ids.add(id));
    }
    if (entries.size > settings.maxEntries) evict(entries.keys().next().value!);
  }

  const subscription = database.listen(ROW_CHANGES_CHANNEL, { onMessage: invalidate, onState: reset });
  return {
    async read(id, load) {
      if (!listening) return load();
      const started = { seq, at: Date.now() };
      const entry = entries.get(id);
      if (entry && entry.expiresAt > started.at) {
        entries.delete(id); // most recently used now
        entries.set(id, entry);
        return entry.value;
      }
      evict(id);
      const value = await load();
      keep(id, value, started);
      return value;
    },
    invalidate,
    async stop() {
      listening = false; // requests still finishing read from the database
      await subscription.close();
    },
  };
}

/** Entries are shared by every request that reads them: none of them may change one for the others. */
function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}

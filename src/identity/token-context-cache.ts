import type { Database } from '../db/database.ts';
import type { Logger } from '../logger.ts';
import { foundKey } from './request-scope.ts';
import type { TokenContext } from './token-context-table.ts';

/** The channel migration 057's triggers notify with `<kind>:<key>` of each row changed or deleted. */
export const TOKEN_CONTEXT_CHANNEL = 'token_context_changed';

/** An entry is read again after this at the latest, whatever was heard: a bound on a notification that never came. */
const TOKEN_CONTEXT_TTL_MS = 30_000;

/**
 * How long an invalidation is remembered for the reads in flight when it came (see `read`).
 * A read that took longer than this is not kept: what invalidated it may be forgotten already.
 */
const IN_FLIGHT_MS = 5_000;

export type TokenContextCache = {
  /**
   * An access token's context from memory, else `load`ed and kept. Served from memory only
   * while the database's notifications are flowing, so every change committed to a row it was
   * read from has dropped it within 0.8 s (the listener's bound, src/db/notifications.ts).
   */
  read(tokenId: string, load: () => Promise<TokenContext>): Promise<TokenContext>;
  /** Drops what depends on `key` (`Grant:<id>`…): how notifications apply, and this process's own writes at once. */
  invalidate(key: string): void;
  stop(): Promise<void>;
};

type Entry = { context: TokenContext; keys: string[]; expiresAt: number };

/**
 * The per-process cache of access tokens' joined reads (token-context-table.ts), so a client
 * presenting one token again costs userinfo no round trip. Bounded (least recently used go
 * first, `maxEntries` of 0 keeps none) and emptied whenever notifications may have been missed.
 */
export function startTokenContextCache(database: Pick<Database, 'listen'>, options: { maxEntries: number; logger: Logger }): TokenContextCache {
  if (options.maxEntries === 0) return { read: (_tokenId, load) => load(), invalidate: () => {}, stop: async () => {} };
  /** By token id, least recently used first (a Map iterates in insertion order). */
  const entries = new Map<string, Entry>();
  /** Each key an entry was read from (`Account:<id>`…) → the token ids of those entries. */
  const dependents = new Map<string, Set<string>>();
  /** Keys invalidated lately → when (`seq`, ms), oldest first: a read in flight must not keep what changed under it. */
  const invalidated = new Map<string, { seq: number; at: number }>();
  let seq = 0;
  /** The `seq` of the last time everything was dropped: a read started before it keeps nothing. */
  let resetSeq = 0;
  let listening = false;

  function evict(tokenId: string): void {
    const entry = entries.get(tokenId);
    if (!entry) return;
    entries.delete(tokenId);
    for (const key of entry.keys) {
      const ids = dependents.get(key);
      ids?.delete(tokenId);
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
    for (const tokenId of dependents.get(key) ?? []) evict(tokenId);
  }

  function reset(nowListening: boolean): void {
    seq += 1;
    resetSeq = seq;
    entries.clear();
    dependents.clear();
    invalidated.clear();
    listening = nowListening;
    if (!nowListening) options.logger.info('token context cache: emptied, and bypassed until change notifications flow again');
  }

  function keep(tokenId: string, context: TokenContext, started: { seq: number; at: number }): void {
    const now = Date.now();
    if (!listening || started.seq < resetSeq || now - started.at > IN_FLIGHT_MS) return;
    const keys = dependencies(tokenId, context);
    if (!keys || keys.some((key) => (invalidated.get(key)?.seq ?? 0) > started.seq)) return;
    evict(tokenId);
    entries.set(tokenId, { context: deepFreeze(context), keys, expiresAt: Math.min(now + TOKEN_CONTEXT_TTL_MS, expiryOf(context)) });
    for (const key of keys) {
      const ids = dependents.get(key) ?? new Set<string>();
      dependents.set(key, ids.add(tokenId));
    }
    if (entries.size > options.maxEntries) evict(entries.keys().next().value!);
  }

  const subscription = database.listen(TOKEN_CONTEXT_CHANNEL, { onMessage: invalidate, onState: reset });
  return {
    async read(tokenId, load) {
      if (!listening) return load();
      const started = { seq, at: Date.now() };
      const entry = entries.get(tokenId);
      if (entry && entry.expiresAt > started.at) {
        entries.delete(tokenId); // most recently used now
        entries.set(tokenId, entry);
        return entry.context;
      }
      evict(tokenId);
      const context = await load();
      keep(tokenId, context, started);
      return context;
    },
    invalidate,
    async stop() {
      listening = false; // requests still finishing read from the database
      await subscription.close();
    },
  };
}

/**
 * The rows a context was read from, as notifications name them (the session only for a token
 * that expires with it); undefined unless all were found (a token that fails at userinfo is
 * simply read again, and a miss is never kept).
 */
function dependencies(tokenId: string, { token, grant, client, account, session }: TokenContext): string[] | undefined {
  if (!token || !grant?.payload || !client?.entry || !account?.entry || (session && !session.found?.payload)) return undefined;
  return [...new Set([
    foundKey('AccessToken', tokenId), foundKey('Grant', grant.id), foundKey('Client', client.entry.clientId),
    foundKey('Account', account.entry.id), foundKey('Tenant', account.entry.tenantId), foundKey('Tenant', client.entry.tenantId),
    ...(session ? [foundKey('Session', session.found!.id)] : []),
  ])];
}

/** When the token, its grant or its session expires (epoch seconds in their payloads), in ms. */
function expiryOf({ token, grant, session }: TokenContext): number {
  const ms = (exp: unknown) => (typeof exp === 'number' ? exp * 1000 : Infinity);
  return Math.min(ms(token?.exp), ms(grant?.payload?.exp), ms(session?.found?.payload?.exp));
}

/** Entries are shared by every request that presents the token: none of them may change one for the others. */
function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}

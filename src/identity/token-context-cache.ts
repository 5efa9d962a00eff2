import type { Database } from '../db/database.ts';
import type { Logger } from '../logger.ts';
import { startNotifiedCache, type NotifiedCache } from './notified-cache.ts';
import { foundKey } from './request-scope.ts';
import type { TokenContext } from './token-context-table.ts';

/** By access token id: a token's context from memory, else loaded and kept (notified-cache.ts has the bound). */
export type TokenContextCache = NotifiedCache<TokenContext>;

/**
 * The per-process cache of access tokens' joined reads (token-context-table.ts), so a client
 * presenting one token again costs userinfo no round trip. Bounded (least recently used go
 * first, `maxEntries` of 0 keeps none) and emptied whenever notifications may have been missed.
 */
export function startTokenContextCache(database: Pick<Database, 'listen'>, options: { maxEntries: number; logger: Logger }): TokenContextCache {
  return startNotifiedCache(database, { ...options, name: 'token context cache', dependencies, expiresAt: expiryOf });
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

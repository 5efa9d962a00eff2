import { setTimeout as sleep } from 'node:timers/promises';
import { errors, type KoaContextWithOIDC } from 'oidc-provider';
import type { Db } from '../db/database.ts';
import { unlessDatabaseDown } from './oauth-errors.ts';
import * as payloads from './oidc-payload-table.ts';
import type { RequestScopes } from './request-scope.ts';
import { RefreshTokenConsumedConcurrently, type GrantHandler } from './token-writes.ts';

/**
 * How long after a rotation the token it replaced may be presented once more. A client whose
 * refresh answer was lost (a dropped connection, an app killed mid-request) retries with the
 * token it still holds; two tabs refreshing at once send the same token twice. Either way the
 * client never saw the new token, and revoking the grant would sign the user out for nothing.
 */
export const REFRESH_RETRY_GRACE_SECONDS = 30;

/** How long the loser of two concurrent refreshes waits for the winner to finish its rotation. */
const ROTATION_WAIT_MS = 2000;
const ROTATION_POLL_MS = 20;

/** Requests answered from the current token of the family: these must not rotate it again. */
const retryAnswers = new WeakSet<object>();

/** oidc-provider's `rotateRefreshToken`: every use rotates, except the answer to a retry. */
export const rotatesRefreshToken = (ctx: KoaContextWithOIDC): boolean => !retryAnswers.has(ctx);

/**
 * Wraps oidc-provider's refresh_token grant with RFC 9700 §4.14.2 reuse detection and one
 * grace: the token a rotation replaced, presented again within REFRESH_RETRY_GRACE_SECONDS,
 * is answered once with the family's current refresh token (the one that rotation issued,
 * not rotated again) and a new access token. A second retry, a retry after the window, or
 * one after the new token was itself used is reuse and revokes the grant. Concurrent uses
 * thus never start a second chain: every answer carries the same refresh token.
 * `handler` commits its writes at once (token-writes.ts): the consume, which decides who wins,
 * also links the presented token to the one its rotation issued.
 */
export function withRefreshRetry(db: Db, scopes: RequestScopes, handler: GrantHandler): GrantHandler {
  return async function refreshTokenGrant(ctx) {
    const presented = String(ctx.oidc.params.refresh_token);
    try {
      await handler(ctx);
    } catch (err) {
      if (!(err instanceof RefreshTokenConsumedConcurrently)) throw err;
      // The winner changed the family: what this request read of it is out of date.
      scopes.current()?.found.clear();
      const current = await unlessDatabaseDown(() => currentTokenFor(db, presented));
      if (!current) {
        await unlessDatabaseDown(() => payloads.destroyGrantOf(db, 'RefreshToken', presented));
        throw new errors.InvalidGrant('refresh token already used');
      }
      ctx.oidc.params.refresh_token = current;
      retryAnswers.add(ctx);
      await handler(ctx);
    }
  };
}

/** The token the presented one was rotated to, when its one retry may be answered with it. */
async function currentTokenFor(db: Db, presented: string): Promise<string | undefined> {
  // A winner links the token it issued in the statement that consumes (token-writes.ts); a
  // process of an earlier version, in a rolling upgrade, links it a moment after its consume.
  const deadline = Date.now() + ROTATION_WAIT_MS;
  let rotation = await payloads.rotationOf(db, presented);
  while (rotation === undefined && Date.now() < deadline) {
    await sleep(ROTATION_POLL_MS);
    rotation = await payloads.rotationOf(db, presented);
  }
  return rotation ? payloads.claimRetry(db, presented, REFRESH_RETRY_GRACE_SECONDS) : undefined;
}

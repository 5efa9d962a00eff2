import { errors, type TokenEndpointGrantContext } from 'oidc-provider';
import type { Db } from '../db/database.ts';
import { unlessDatabaseDown } from './oauth-errors.ts';
import * as payloads from './oidc-payload-table.ts';
import type { HeldWrite, RequestScopes } from './request-scope.ts';

export type GrantHandler = (ctx: TokenEndpointGrantContext) => Promise<void>;

/** The refresh token lost the atomic consume to a concurrent request; the retry policy (refresh-retry.ts) decides what follows. */
export class RefreshTokenConsumedConcurrently extends Error {}

/**
 * A code or refresh token someone else consumed first. oidc-provider checks `consumed` before
 * it consumes, which two concurrent requests can both pass; the loser is a reuse: like a
 * replayed code it revokes the whole grant (RFC 6749 §4.1.2). A refresh token that lost is
 * left to the retry policy, which revokes the grant unless the loss is the one retry a
 * rotation allows.
 */
export async function consumeLost(db: Db, type: string, id: string): Promise<never> {
  if (type === 'RefreshToken') throw new RefreshTokenConsumedConcurrently();
  await unlessDatabaseDown(() => payloads.destroyGrantOf(db, type, id));
  throw new errors.InvalidGrant('grant request is invalid');
}

/**
 * Wraps a token grant handler (code exchange, refresh): while it runs the adapter holds back
 * the consume of the code or refresh token and the saves of the tokens it issues, and once
 * the handler has built its answer they are committed as one statement, before the answer
 * leaves. If that commit fails the client gets the error (503 while the database is down),
 * never a token that was not stored. Anything else the handler writes (a revocation on
 * reuse) goes straight to the database as before.
 */
export function committingWrites(db: Db, scopes: RequestScopes, handler: GrantHandler): GrantHandler {
  return async function grantWithOneCommit(ctx) {
    const scope = scopes.current();
    if (!scope) return handler(ctx);
    const held: HeldWrite[] = [];
    scope.held = held;
    try {
      await handler(ctx);
    } finally {
      scope.held = undefined;
    }
    await commit(db, held);
  };
}

async function commit(db: Db, held: HeldWrite[]): Promise<void> {
  const consumes = held.filter((w) => w.kind === 'consume');
  if (consumes.length > 1) throw new Error('a token grant consumes at most one code or refresh token');
  const [consumed] = consumes;
  // The last save of an artifact is what it is; one statement can't upsert a row twice.
  const saves = new Map<string, payloads.PayloadToSave>();
  for (const w of held) if (w.kind === 'upsert') saves.set(`${w.type}:${w.id}`, w);
  // A consumed refresh token's rotation is the refresh token this grant issues.
  const rotatedTo = consumed?.type === 'RefreshToken' ? [...saves.values()].find((s) => s.type === 'RefreshToken')?.id : undefined;
  const won = await unlessDatabaseDown(() => payloads.consumeAndSave(db, consumed && { ...consumed, rotatedTo }, [...saves.values()]));
  if (!won) await consumeLost(db, consumed.type, consumed.id);
}

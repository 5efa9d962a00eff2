import type { Middleware } from 'koa';
import { errors, type TokenEndpointGrantContext } from 'oidc-provider';
import type { Db } from '../db/database.ts';
import { TemporarilyUnavailable, unlessDatabaseDown } from './oauth-errors.ts';
import * as payloads from './oidc-payload-table.ts';
import type { HeldWrite, RequestScope, RequestScopes } from './request-scope.ts';
import { renderSignInUnavailable } from './views.ts';

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

/** Runs `work` while the adapter holds the request's writes, then commits them as one statement. */
async function withHeldWrites(db: Db, scope: RequestScope, work: () => Promise<void>): Promise<void> {
  const held: HeldWrite[] = [];
  scope.held = held;
  try {
    await work();
  } finally {
    scope.held = undefined;
  }
  await commit(db, held);
}

/**
 * Wraps a token grant handler (code exchange, refresh): while it runs the adapter holds back
 * the consume of the code or refresh token and the saves of the tokens it issues, and once
 * the handler has built its answer they are committed as one statement, before the answer
 * leaves. If that commit fails the client gets the error (503 while the database is down),
 * never a token that was not stored. A revocation on reuse goes straight to the database;
 * what the handler held before it threw (the reused token's own deletion, which that
 * revocation covers) is dropped.
 */
export function committingWrites(db: Db, scopes: RequestScopes, handler: GrantHandler): GrantHandler {
  return async function grantWithOneCommit(ctx) {
    const scope = scopes.current();
    if (!scope) return handler(ctx);
    await withHeldWrites(db, scope, () => handler(ctx));
  };
}

/**
 * A provider middleware for an authorization request resumed after a sign-in page
 * (`GET <authorization>/:uid`): it ends its interaction, saves the session and the code (or the
 * next interaction), all held and committed as one statement before the redirect leaves. If
 * that commit fails the browser gets the sign-in pages' "temporarily unavailable" page instead,
 * and nothing was stored: the interaction is still there, so reloading the page resumes it.
 */
export function committingResumes(db: Db, scopes: RequestScopes, authorizationPath: string): Middleware {
  const prefix = `${authorizationPath}/`;
  return async function resumeWithOneCommit(ctx, next) {
    const scope = scopes.current();
    if (!scope || ctx.method !== 'GET' || !ctx.path.startsWith(prefix)) return next();
    try {
      await withHeldWrites(db, scope, next);
    } catch (err) {
      if (!(err instanceof TemporarilyUnavailable)) throw err;
      ctx.res.removeHeader('Set-Cookie');
      ctx.remove('Location');
      await renderSignInUnavailable(ctx);
    }
  };
}

/** The writes as one statement: the last write of an artifact is what it is (one statement can't write a row twice). */
async function commit(db: Db, held: HeldWrite[]): Promise<void> {
  const consumes = held.filter((w) => w.kind === 'consume');
  if (consumes.length > 1) throw new Error('a request consumes at most one code or refresh token');
  const [consumed] = consumes;
  const last = new Map<string, HeldWrite>();
  for (const w of held) if (w.kind !== 'consume') last.set(`${w.type}:${w.id}`, w);
  const save = [...last.values()].filter((w) => w.kind === 'upsert');
  const destroy = [...last.values()].filter((w) => w.kind === 'destroy').map(({ type, id }) => ({ type, id }));
  // A consumed refresh token's rotation is the refresh token this grant issues.
  const rotatedTo = consumed?.type === 'RefreshToken' ? save.find((s) => s.type === 'RefreshToken')?.id : undefined;
  const won = await unlessDatabaseDown(() => payloads.commitPayloadWrites(db, { consume: consumed && { ...consumed, rotatedTo }, save, destroy }));
  if (!won) await consumeLost(db, consumed.type, consumed.id);
}

import type { Actor } from '../audit/actor.ts';
import { audit, auditFailure } from '../audit/audit-log.ts';
import type { Db } from '../db/database.ts';
import { apiError } from '../http/api-error.ts';
import { hashSecret, randomToken } from '../secrets.ts';
import type { TokenKind } from './dashboard-tokens.ts';
import { claimRetry, findRefreshToken, insertRefreshToken, markRotated, settleRotation } from './refresh-token-table.ts';
import type { RequestMeta } from '../http/request-meta.ts';
import { findSessionById, insertSession, lockLiveSession, revokeSession, type DashboardSession } from './session-table.ts';

const DAY = 24 * 60 * 60;

/**
 * Refresh lifetimes per kind. `refreshSeconds` is how long one refresh token stays usable
 * (idle timeout); `sessionSeconds` caps the whole family however often it rotates. The
 * platform console holds the widest powers, so its sessions are the shortest.
 */
export const SESSION_POLICY: Record<TokenKind, { refreshSeconds: number; sessionSeconds: number; prefix: string }> = {
  owner: { refreshSeconds: 14 * DAY, sessionSeconds: 30 * DAY, prefix: 'rn_ort_' },
  workspace: { refreshSeconds: 14 * DAY, sessionSeconds: 30 * DAY, prefix: 'rn_wrt_' },
  platform: { refreshSeconds: 8 * 60 * 60, sessionSeconds: DAY, prefix: 'rn_prt_' },
};

/**
 * How long a just-rotated refresh token may be presented once more: a client that never got
 * the answer to its refresh (a timeout, a lost connection) retries with the same token and
 * gets a fresh token set instead of losing the session. Short, since a stolen copy could use it too.
 */
export const REFRESH_RETRY_SECONDS = 30;

export type StartedSession<T = void> = { session: DashboardSession; refreshToken: string; subject: T };

/** Opens a new family with its first refresh token. */
export async function startSession(db: Db, s: { kind: TokenKind; subjectId: string; tenantId: string | null }): Promise<StartedSession> {
  return db.transaction(async (trx) => {
    const session = await insertSession(trx, { id: crypto.randomUUID(), ...s, lifetimeSeconds: SESSION_POLICY[s.kind].sessionSeconds });
    return { session, refreshToken: await addRefreshToken(trx, session, null), subject: undefined };
  });
}

const invalidRefresh = () => apiError('REFRESH_TOKEN_INVALID', 'The refresh token is not valid; sign in again');

/**
 * Exchanges a refresh token for the next one in its family. `loadSubject` runs in the same
 * transaction and throws when the account (or admin) may no longer hold the session, which
 * leaves the presented token unused. The token just rotated may be presented once more within
 * REFRESH_RETRY_SECONDS (its answer may have been lost); the two tokens then issued for it are
 * one chain, since using either makes the other unusable. Any other rotated token is reuse:
 * the family is revoked (and audited), since one of its holders is not the legitimate client.
 */
export async function rotateRefreshToken<T>(
  db: Db, kind: TokenKind, token: string, meta: RequestMeta,
  loadSubject: (trx: Db, session: DashboardSession) => Promise<T>,
): Promise<StartedSession<T>> {
  const tokenHash = hashSecret(token);
  const rotated = await db.transaction(async (trx) => {
    const record = await findRefreshToken(trx, tokenHash);
    // Refreshes of one family wait for each other, so a retry and a rotation never both extend it.
    const session = record && await lockLiveSession(trx, record.sessionId);
    if (!session || session.kind !== kind) return undefined;
    if (await markRotated(trx, tokenHash, REFRESH_RETRY_SECONDS)) {
      if (record.parentHash) await settleRotation(trx, record.parentHash, tokenHash);
    } else if (await claimRetry(trx, tokenHash)) {
      await audit(trx, sessionActor(session, meta), `${kind}.refresh_retried`, sessionTarget(session));
    } else {
      return undefined;
    }
    const subject = await loadSubject(trx, session);
    return { session, refreshToken: await addRefreshToken(trx, session, tokenHash), subject };
  });
  if (rotated) return rotated;
  await detectReuse(db, kind, tokenHash, meta);
  throw invalidRefresh();
}

/** Revokes the family of a rotated token presented again; the revocation must outlive the failed request. */
async function detectReuse(db: Db, kind: TokenKind, tokenHash: string, meta: RequestMeta): Promise<void> {
  const record = await findRefreshToken(db, tokenHash);
  if (!record?.rotated) return;
  const session = await findSessionById(db, record.sessionId);
  if (!session || session.kind !== kind) return;
  const revokedNow = await revokeSession(db, session.id, 'reuse');
  await auditFailure(db, sessionActor(session, meta), `${kind}.refresh_reused`, sessionTarget(session), { familyRevoked: revokedNow });
  throw apiError('REFRESH_TOKEN_REUSED', 'This refresh token was already used; the session has been revoked, sign in again');
}

/** The session a refresh token (used or not) belongs to, when it is of this kind. */
export async function sessionOfRefreshToken(db: Db, kind: TokenKind, token: string): Promise<DashboardSession | undefined> {
  const record = await findRefreshToken(db, hashSecret(token));
  const session = record && await findSessionById(db, record.sessionId);
  return session?.kind === kind ? session : undefined;
}

export async function findSessionOfKind(db: Db, kind: TokenKind, id: string): Promise<DashboardSession | undefined> {
  const session = await findSessionById(db, id);
  return session?.kind === kind ? session : undefined;
}

/** Ends a session (logout), auditing it once; ending an ended session is a no-op. */
export async function endSession(db: Db, session: DashboardSession, meta: RequestMeta): Promise<void> {
  if (!await revokeSession(db, session.id, 'logout')) return;
  await audit(db, sessionActor(session, meta), `${session.kind}.logout`, sessionTarget(session));
}

async function addRefreshToken(trx: Db, session: DashboardSession, parentHash: string | null): Promise<string> {
  const policy = SESSION_POLICY[session.kind];
  const refreshToken = randomToken(policy.prefix, 32);
  await insertRefreshToken(trx, { tokenHash: hashSecret(refreshToken), sessionId: session.id, parentHash, lifetimeSeconds: policy.refreshSeconds });
  return refreshToken;
}

/** A session's subject, acting through this request. */
const sessionActor = (session: DashboardSession, meta: RequestMeta): Actor => ({
  ...meta, tenantId: session.tenantId, type: session.kind === 'platform' ? 'platform_admin' : 'account', id: session.subjectId,
});

const sessionTarget = (session: DashboardSession) => ({ type: 'dashboard_session', id: session.id });

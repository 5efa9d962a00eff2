import type { Db } from '../db/database.ts';

/** A stored refresh token: only its hash, the family it belongs to, the token it replaced and its state. */
export type RefreshTokenRecord = { sessionId: string; parentHash: string | null; rotated: boolean };

export async function insertRefreshToken(db: Db, t: { tokenHash: string; sessionId: string; parentHash: string | null; lifetimeSeconds: number }): Promise<void> {
  await db('dashboard_refresh_tokens').insert({
    token_hash: t.tokenHash, session_id: t.sessionId, parent_hash: t.parentHash,
    expires_at: db.raw('now() + make_interval(secs => ?)', [t.lifetimeSeconds]),
  });
}

/**
 * Marks an unused token as rotated in one statement, so two concurrent refreshes with the
 * same token cannot both win, and opens its retry window; false when it was not usable.
 */
export async function markRotated(db: Db, tokenHash: string, retrySeconds: number): Promise<boolean> {
  const rows = await db('dashboard_refresh_tokens').where({ token_hash: tokenHash }).whereNull('rotated_at')
    .where('expires_at', '>', db.fn.now())
    .update({ rotated_at: db.fn.now(), retry_until: db.raw('now() + make_interval(secs => ?)', [retrySeconds]) }).returning('token_hash');
  return rows.length > 0;
}

/** Takes a rotated token's one retry while its window is open; false when there is none left. */
export async function claimRetry(db: Db, tokenHash: string): Promise<boolean> {
  const rows = await db('dashboard_refresh_tokens').where({ token_hash: tokenHash }).where('retry_until', '>', db.fn.now())
    .update({ retry_until: null }).returning('token_hash');
  return rows.length > 0;
}

/**
 * The chain moved on from `parentHash` through `usedHash`: the parent loses its retry, and any
 * other token issued for it (the answer to a retry, or the one a retry replaced) stops being usable.
 */
export async function settleRotation(db: Db, parentHash: string, usedHash: string): Promise<void> {
  await db('dashboard_refresh_tokens').where({ token_hash: parentHash }).whereNotNull('retry_until').update({ retry_until: null });
  await db('dashboard_refresh_tokens').where({ parent_hash: parentHash }).whereNot({ token_hash: usedHash }).whereNull('rotated_at')
    .update({ rotated_at: db.fn.now() });
}

export async function findRefreshToken(db: Db, tokenHash: string): Promise<RefreshTokenRecord | undefined> {
  const row = await db('dashboard_refresh_tokens').where({ token_hash: tokenHash })
    .select('session_id', 'parent_hash', 'rotated_at').first();
  return row && { sessionId: row.session_id, parentHash: row.parent_hash, rotated: row.rotated_at !== null };
}

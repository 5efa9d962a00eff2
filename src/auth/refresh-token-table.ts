import type { Db } from '../db/database.ts';

/** A stored refresh token: only its hash, the family it belongs to and its state. */
export type RefreshTokenRecord = { sessionId: string; rotated: boolean };

export async function insertRefreshToken(db: Db, t: { tokenHash: string; sessionId: string; lifetimeSeconds: number }): Promise<void> {
  await db('dashboard_refresh_tokens').insert({
    token_hash: t.tokenHash, session_id: t.sessionId,
    expires_at: db.raw('now() + make_interval(secs => ?)', [t.lifetimeSeconds]),
  });
}

/**
 * Marks an unused token as rotated in one statement, so two concurrent refreshes with the
 * same token cannot both win; returns its session id, or undefined when it was not usable.
 */
export async function markRotated(db: Db, tokenHash: string): Promise<string | undefined> {
  const rows = await db('dashboard_refresh_tokens').where({ token_hash: tokenHash }).whereNull('rotated_at')
    .where('expires_at', '>', db.fn.now()).update({ rotated_at: db.fn.now() }).returning('session_id');
  return rows[0]?.session_id;
}

export async function findRefreshToken(db: Db, tokenHash: string): Promise<RefreshTokenRecord | undefined> {
  const row = await db('dashboard_refresh_tokens').where({ token_hash: tokenHash })
    .select('session_id', 'rotated_at').first();
  return row && { sessionId: row.session_id, rotated: row.rotated_at !== null };
}

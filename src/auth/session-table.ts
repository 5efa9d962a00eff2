import type { Db } from '../db/database.ts';
import { iso } from '../db/rows.ts';
import type { TokenKind } from './dashboard-tokens.ts';

/** A dashboard session: one refresh-token family. */
export type DashboardSession = {
  id: string;
  kind: TokenKind;
  subjectId: string;
  tenantId: string | null;
  expiresAt: string;
  revokedAt: string | null;
};

type SessionRow = {
  id: string; kind: TokenKind; subject_id: string; tenant_id: string | null; created_at: Date; expires_at: Date;
  revoked_at: Date | null; revoked_reason: string | null;
};

const toSession = (r: SessionRow): DashboardSession => ({
  id: r.id, kind: r.kind, subjectId: r.subject_id, tenantId: r.tenant_id, expiresAt: iso(r.expires_at)!, revokedAt: iso(r.revoked_at),
});

export async function insertSession(db: Db, s: { id: string; kind: TokenKind; subjectId: string; tenantId: string | null; lifetimeSeconds: number }): Promise<DashboardSession> {
  const [row] = await db<SessionRow>('dashboard_sessions').insert({
    id: s.id, kind: s.kind, subject_id: s.subjectId, tenant_id: s.tenantId,
    expires_at: db.raw('now() + make_interval(secs => ?)', [s.lifetimeSeconds]) as unknown as Date,
  }).returning('*');
  return toSession(row);
}

export async function findSessionById(db: Db, id: string): Promise<DashboardSession | undefined> {
  const row = await db<SessionRow>('dashboard_sessions').where({ id }).first();
  return row && toSession(row);
}

/** A session still usable now: not revoked and inside its absolute lifetime. */
export async function findLiveSession(db: Db, id: string): Promise<DashboardSession | undefined> {
  const row = await db<SessionRow>('dashboard_sessions').where({ id }).whereNull('revoked_at')
    .where('expires_at', '>', db.fn.now()).first();
  return row && toSession(row);
}

/** The live session, locked until the transaction ends: refreshes of one family run one at a time. */
export async function lockLiveSession(db: Db, id: string): Promise<DashboardSession | undefined> {
  const row = await db<SessionRow>('dashboard_sessions').where({ id }).whereNull('revoked_at')
    .where('expires_at', '>', db.fn.now()).forUpdate().first();
  return row && toSession(row);
}

/** Revokes the session once; returns false when it was already revoked (or unknown). */
export async function revokeSession(db: Db, id: string, reason: string): Promise<boolean> {
  const rows = await db('dashboard_sessions').where({ id }).whereNull('revoked_at')
    .update({ revoked_at: db.fn.now(), revoked_reason: reason }).returning('id');
  return rows.length > 0;
}

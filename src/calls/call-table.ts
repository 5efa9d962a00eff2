import type { Db } from '../db/database.ts';
import { iso, isUuid, json } from '../db/rows.ts';
import type { CallParty, CallSession, CallStatus, CallType } from './call-session.ts';

type CallRow = {
  id: string; tenant_id: string; conversation_id: string; type: CallType; direction: 'inbound' | 'outbound'; status: CallStatus;
  started_by_type: CallParty['type']; started_by_id: string; answered_by_type: CallParty['type'] | null; answered_by_id: string | null;
  metadata: Record<string, unknown>; started_at: Date; ring_deadline: Date; answered_at: Date | null; ended_at: Date | null;
  end_reason: string | null;
};

export type StoredCall = CallSession & { tenantId: string; startedBy: CallParty; answeredBy: CallParty | null; ringDeadline: string };

const toCall = (r: CallRow): StoredCall => ({
  id: r.id,
  conversationId: r.conversation_id,
  type: r.type,
  direction: r.direction,
  status: r.status,
  startedAt: iso(r.started_at)!,
  ...(r.answered_at && { answeredAt: iso(r.answered_at)! }),
  ...(r.ended_at && { endedAt: iso(r.ended_at)! }),
  durationSeconds: r.answered_at && r.ended_at ? Math.round((r.ended_at.getTime() - r.answered_at.getTime()) / 1000) : null,
  endReason: r.end_reason,
  metadata: r.metadata,
  tenantId: r.tenant_id,
  startedBy: { type: r.started_by_type, id: r.started_by_id },
  answeredBy: r.answered_by_type && r.answered_by_id ? { type: r.answered_by_type, id: r.answered_by_id } : null,
  ringDeadline: iso(r.ring_deadline)!,
});

export type NewCall = {
  conversationId: string; type: CallType; direction: 'inbound' | 'outbound'; startedBy: CallParty; ringSeconds: number; metadata: Record<string, unknown>;
};

export async function insert(db: Db, tenantId: string, c: NewCall): Promise<StoredCall> {
  const [row] = await db<CallRow>('call_sessions').insert({
    id: crypto.randomUUID(), tenant_id: tenantId, conversation_id: c.conversationId, type: c.type, direction: c.direction,
    started_by_type: c.startedBy.type, started_by_id: c.startedBy.id, metadata: json(c.metadata) as never,
    ring_deadline: db.raw(`now() + make_interval(secs => ?)`, [c.ringSeconds]) as never,
  }).returning('*');
  return toCall(row);
}

export async function find(db: Db, tenantId: string, id: string): Promise<StoredCall | undefined> {
  if (!isUuid(id)) return undefined;
  const row = await db<CallRow>('call_sessions').where({ tenant_id: tenantId, id }).first();
  return row && toCall(row);
}

/** The conversation's call that is ringing or running, if any. */
export async function liveOf(db: Db, tenantId: string, conversationId: string): Promise<StoredCall | undefined> {
  const row = await db<CallRow>('call_sessions').where({ tenant_id: tenantId, conversation_id: conversationId }).whereIn('status', ['started', 'answered']).first();
  return row && toCall(row);
}

/** Answers a ringing call; undefined when it no longer rings (answered by someone else, ended, or past its deadline). */
export async function answer(db: Db, tenantId: string, id: string, by: CallParty): Promise<StoredCall | undefined> {
  const [row] = await db<CallRow>('call_sessions')
    .where({ tenant_id: tenantId, id, status: 'started' }).where('ring_deadline', '>', db.fn.now())
    .update({ status: 'answered', answered_at: db.fn.now() as never, answered_by_type: by.type, answered_by_id: by.id })
    .returning('*');
  return row && toCall(row);
}

/** Ends a live call as `ended` or `failed`; undefined when it was not live. */
export async function end(db: Db, tenantId: string, id: string, status: 'ended' | 'failed', reason: string | null): Promise<StoredCall | undefined> {
  const [row] = await db<CallRow>('call_sessions')
    .where({ tenant_id: tenantId, id }).whereIn('status', ['started', 'answered'])
    .update({ status, ended_at: db.fn.now() as never, end_reason: reason })
    .returning('*');
  return row && toCall(row);
}

/**
 * Marks calls that rang past their deadline as missed: one tenant's call by id, one
 * conversation's, or (for the sweeper) up to `limit` of all. SKIP LOCKED lets several
 * processes sweep at once without waiting on each other or missing a call twice.
 */
export async function missOverdue(db: Db, scope: { tenantId: string; id?: string; conversationId?: string } | { limit: number }): Promise<StoredCall[]> {
  const overdue = db('call_sessions').select('id').where({ status: 'started' }).where('ring_deadline', '<=', db.fn.now())
    .forUpdate().skipLocked();
  if ('limit' in scope) overdue.limit(scope.limit);
  else {
    overdue.where({ tenant_id: scope.tenantId });
    if (scope.id) overdue.where({ id: scope.id });
    if (scope.conversationId) overdue.where({ conversation_id: scope.conversationId });
  }
  const rows = await db<CallRow>('call_sessions').whereIn('id', overdue)
    .update({ status: 'missed', ended_at: db.fn.now() as never, end_reason: 'ring_timeout' }).returning('*');
  return rows.map(toCall);
}

/** The answered call this account is on now, if any. */
export async function answeredCallOf(db: Db, tenantId: string, accountId: string): Promise<StoredCall | undefined> {
  const row = await db<CallRow>('call_sessions').where({ tenant_id: tenantId, status: 'answered' })
    .where((q) => q.where({ answered_by_type: 'account', answered_by_id: accountId }).orWhere({ started_by_type: 'account', started_by_id: accountId }))
    .orderBy('answered_at', 'desc').first();
  return row && toCall(row);
}

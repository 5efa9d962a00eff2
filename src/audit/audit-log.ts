import type { Db } from '../db/database.ts';
import { json } from '../db/rows.ts';
import type { Actor, ActorType } from './actor.ts';

/** What an audit row is about, e.g. `{ type: 'oauth_client', id }`. */
export type AuditTarget = { type: string; id: string | null };

/** Never secrets: callers pass identifiers and reasons only. */
export type AuditDetails = Record<string, unknown>;

/**
 * Records a successful action. Pass the transaction that makes the change, so the change and
 * its record commit or roll back together.
 */
export function audit(db: Db, actor: Actor, action: string, target?: AuditTarget, details?: AuditDetails): Promise<void> {
  return insert(db, 'success', actor, action, target, details);
}

/** Records a refused or failed attempt (a wrong password, a reused token). */
export function auditFailure(db: Db, actor: Actor, action: string, target?: AuditTarget, details?: AuditDetails): Promise<void> {
  return insert(db, 'failure', actor, action, target, details);
}

async function insert(db: Db, outcome: 'success' | 'failure', actor: Actor, action: string, target?: AuditTarget, details?: AuditDetails) {
  await db('audit_log').insert({
    action,
    outcome,
    tenant_id: actor.tenantId,
    actor_type: actor.type,
    actor_id: actor.id,
    target_type: target?.type ?? null,
    target_id: target?.id ?? null,
    ip: actor.ip ?? null,
    user_agent: actor.userAgent?.slice(0, 500) ?? null,
    request_id: actor.requestId ?? null,
    details: json(details ?? {}),
  });
}

export type AuditRecord = {
  id: string; at: string; action: string; outcome: 'success' | 'failure';
  tenantId: string | null; actorType: ActorType | null; actorId: string | null;
  targetType: string | null; targetId: string | null; ip: string | null; userAgent: string | null;
  requestId: string | null; details: AuditDetails;
};

/** Newest first; used by operators and tests to read what happened. */
export async function listAudit(db: Db, filter: { tenantId?: string; action?: string; limit?: number }): Promise<AuditRecord[]> {
  const query = db('audit_log').orderBy('id', 'desc').limit(filter.limit ?? 50);
  if (filter.tenantId) query.where('tenant_id', filter.tenantId);
  if (filter.action) query.where('action', filter.action);
  const rows = await query;
  return rows.map((r) => ({
    id: String(r.id), at: new Date(r.at).toISOString(), action: r.action, outcome: r.outcome,
    tenantId: r.tenant_id, actorType: r.actor_type, actorId: r.actor_id, targetType: r.target_type,
    targetId: r.target_id, ip: r.ip, userAgent: r.user_agent, requestId: r.request_id, details: r.details,
  }));
}

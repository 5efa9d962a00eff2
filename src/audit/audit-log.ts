import type { Db } from '../db/database.ts';
import { json } from '../db/rows.ts';

export type AuditEntry = {
  action: string;
  outcome: 'success' | 'failure';
  tenantId?: string | null;
  actorType?: 'account' | 'platform_admin' | 'oauth_client' | 'operator' | 'anonymous';
  actorId?: string | null;
  targetType?: string;
  targetId?: string | null;
  ip?: string;
  userAgent?: string;
  /** Never secrets: callers pass identifiers and reasons only. */
  details?: Record<string, unknown>;
};

export async function audit(db: Db, entry: AuditEntry): Promise<void> {
  await db('audit_log').insert({
    action: entry.action,
    outcome: entry.outcome,
    tenant_id: entry.tenantId ?? null,
    actor_type: entry.actorType ?? null,
    actor_id: entry.actorId ?? null,
    target_type: entry.targetType ?? null,
    target_id: entry.targetId ?? null,
    ip: entry.ip ?? null,
    user_agent: entry.userAgent?.slice(0, 500) ?? null,
    details: json(entry.details ?? {}),
  });
}

export type AuditRecord = AuditEntry & { id: string; at: string };

/** Newest first; used by operators and tests to read what happened. */
export async function listAudit(db: Db, filter: { tenantId?: string; action?: string; limit?: number }): Promise<AuditRecord[]> {
  const query = db('audit_log').orderBy('id', 'desc').limit(filter.limit ?? 50);
  if (filter.tenantId) query.where('tenant_id', filter.tenantId);
  if (filter.action) query.where('action', filter.action);
  const rows = await query;
  return rows.map((r) => ({
    id: String(r.id), at: new Date(r.at).toISOString(), action: r.action, outcome: r.outcome,
    tenantId: r.tenant_id, actorType: r.actor_type, actorId: r.actor_id, targetType: r.target_type,
    targetId: r.target_id, ip: r.ip, userAgent: r.user_agent, details: r.details,
  }));
}

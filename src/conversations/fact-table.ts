import type { Db } from '../db/database.ts';

/**
 * The facts reports count, each recorded once when it happens. `first_*` facts are unique per
 * conversation (a second insert is a no-op), so "first" stays first whatever happens later.
 */
export type FactKind =
  | 'conversation_created' | 'first_visitor_message' | 'first_agent_reply' | 'assigned' | 'resolved' | 'reopened' | 'rating'
  | 'call_started' | 'call_answered' | 'call_ended' | 'call_missed';

export type Fact = { kind: FactKind; conversationId: string; agentId?: string | null; departmentId?: string | null; value?: number | null };

/** Records the fact; returns false when a `first_*` fact was already there. */
export async function insert(db: Db, tenantId: string, fact: Fact): Promise<boolean> {
  const { rows } = await db.raw<{ rows: unknown[] }>(
    `INSERT INTO conversation_facts (tenant_id, conversation_id, kind, agent_id, department_id, value)
     VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING RETURNING id`,
    [tenantId, fact.conversationId, fact.kind, fact.agentId ?? null, fact.departmentId ?? null, fact.value ?? null]);
  return rows.length > 0;
}

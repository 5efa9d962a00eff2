import type { Db } from '../db/database.ts';
import { iso } from '../db/rows.ts';

/** One change of who (or which team) a conversation is with, as the contract's `Assignment` shows it. */
export type Assignment = {
  assignmentId: string; conversationId: string; clientId: string; assignedAgentId: string | null; assignedDepartmentId: string | null;
  assignedByAgentId: string | null; reason: string | null; createdAt: string;
};

type AssignmentRow = {
  id: string; tenant_id: string; conversation_id: string; assigned_agent_id: string | null; assigned_department_id: string | null;
  assigned_by_agent_id: string | null; reason: string | null; created_at: Date;
};

const toAssignment = (r: AssignmentRow): Assignment => ({
  assignmentId: r.id, conversationId: r.conversation_id, clientId: r.tenant_id, assignedAgentId: r.assigned_agent_id,
  assignedDepartmentId: r.assigned_department_id, assignedByAgentId: r.assigned_by_agent_id, reason: r.reason, createdAt: iso(r.created_at)!,
});

export type NewAssignment = Omit<Assignment, 'assignmentId' | 'clientId' | 'createdAt'>;

export async function insert(db: Db, tenantId: string, a: NewAssignment): Promise<Assignment> {
  const [row] = await db<AssignmentRow>('conversation_assignments').insert({
    id: crypto.randomUUID(), tenant_id: tenantId, conversation_id: a.conversationId, assigned_agent_id: a.assignedAgentId,
    assigned_department_id: a.assignedDepartmentId, assigned_by_agent_id: a.assignedByAgentId, reason: a.reason,
  }).returning('*');
  return toAssignment(row);
}

export async function latestOf(db: Db, tenantId: string, conversationId: string): Promise<Assignment | undefined> {
  const row = await db<AssignmentRow>('conversation_assignments').where({ tenant_id: tenantId, conversation_id: conversationId })
    .orderBy('created_at', 'desc').first();
  return row && toAssignment(row);
}

import type { Db } from '../db/database.ts';
import { iso, isUuid, json } from '../db/rows.ts';
import type { Conversation, ConversationStatus } from './conversation.ts';

export type ConversationRow = {
  id: string; tenant_id: string; number: string; visitor_id: string | null; contact_id: string | null;
  department_id: string | null; assigned_agent_id: string | null; channel: string; status: ConversationStatus;
  priority: string; subject: string | null; metadata: Record<string, unknown>; last_seq: string;
  last_message_at: Date | null; created_at: Date; updated_at: Date;
};

/** A conversation with what services need beside the contract's fields. */
export type StoredConversation = Conversation & { tenantId: string; lastSeq: number };

export const toConversation = (r: ConversationRow): StoredConversation => ({
  conversationId: r.id,
  conversationNumber: String(r.number),
  ticketId: `T-${String(r.number).padStart(6, '0')}`,
  ...(r.visitor_id !== null && { visitorId: r.visitor_id }),
  ...(r.contact_id !== null && { contactId: r.contact_id }),
  ...(r.department_id !== null && { departmentId: r.department_id }),
  ...(r.assigned_agent_id !== null && { assignedAgentId: r.assigned_agent_id }),
  channel: r.channel,
  status: r.status,
  priority: r.priority,
  ...(r.subject !== null && { subject: r.subject }),
  ...(r.last_message_at !== null && { lastMessageAt: iso(r.last_message_at)! }),
  createdAt: iso(r.created_at)!,
  updatedAt: iso(r.updated_at)!,
  tenantId: r.tenant_id,
  lastSeq: Number(r.last_seq),
});

export type NewConversation = {
  id: string; visitorId: string; contactId: string | null; channel: string; subject: string | null; metadata: Record<string, unknown>;
};

/** Takes the tenant's next conversation number; the counter row stays locked until the transaction ends. */
async function nextNumber(db: Db, tenantId: string): Promise<number> {
  const { rows } = await db.raw<{ rows: { last_number: string }[] }>(
    `INSERT INTO conversation_counters (tenant_id, last_number) VALUES (?, 1)
     ON CONFLICT (tenant_id) DO UPDATE SET last_number = conversation_counters.last_number + 1
     RETURNING last_number`, [tenantId]);
  return Number(rows[0].last_number);
}

export async function insert(db: Db, tenantId: string, c: NewConversation): Promise<StoredConversation> {
  const number = await nextNumber(db, tenantId);
  const [row] = await db<ConversationRow>('conversations').insert({
    id: c.id, tenant_id: tenantId, number: String(number), visitor_id: c.visitorId, contact_id: c.contactId, channel: c.channel,
    subject: c.subject, metadata: json(c.metadata) as never,
  }).returning('*');
  return toConversation(row);
}

export async function find(db: Db, tenantId: string, id: string, options: { forUpdate?: boolean } = {}): Promise<StoredConversation | undefined> {
  if (!isUuid(id)) return undefined;
  const query = db<ConversationRow>('conversations').where({ tenant_id: tenantId, id });
  if (options.forUpdate) query.forUpdate();
  const row = await query.first();
  return row && toConversation(row);
}

/** The visitor's newest conversation still waiting for an answer (open or pending). */
export async function newestOpenOf(db: Db, tenantId: string, visitorId: string): Promise<StoredConversation | undefined> {
  const row = await db<ConversationRow>('conversations')
    .where({ tenant_id: tenantId, visitor_id: visitorId }).whereIn('status', ['open', 'pending'])
    .orderBy('created_at', 'desc').first();
  return row && toConversation(row);
}

/** Where the inbox continues: the last row's activity time and id (exclusive). */
export type InboxKey = { activityAt: string; id: string };

export type InboxFilter = {
  /** Null: every conversation of the tenant (supervisors); else what this agent may see. */
  agent: { accountId: string; departmentId: string | null } | null;
  status?: string; departmentId?: string; after?: InboxKey; limit: number;
};

const ACTIVITY = 'coalesce(last_message_at, created_at)';

/**
 * The inbox, newest activity first, paged on (activity, id) so a page never repeats or skips
 * a row that did not change; the visibility rule is the one `canSee` applies to one row.
 */
export async function listInbox(db: Db, tenantId: string, f: InboxFilter): Promise<{ conversation: StoredConversation; key: InboxKey }[]> {
  const query = db<ConversationRow>('conversations').where({ tenant_id: tenantId })
    // As text: a cursor must carry the microseconds PostgreSQL keeps, which a JS Date would drop.
    .select('*', db.raw(`(${ACTIVITY})::text as activity_at`))
    .orderByRaw(`${ACTIVITY} desc, id desc`).limit(f.limit);
  if (f.status) query.where({ status: f.status as ConversationStatus });
  if (f.departmentId) query.where({ department_id: f.departmentId });
  if (f.after) query.whereRaw(`(${ACTIVITY}, id) < (?::timestamptz, ?::uuid)`, [f.after.activityAt, f.after.id]);
  const agent = f.agent;
  if (agent) {
    query.where((q) => {
      q.where({ assigned_agent_id: agent.accountId }).orWhere((u) => {
        u.whereNull('assigned_agent_id');
        if (agent.departmentId) u.where((d) => d.whereNull('department_id').orWhere({ department_id: agent.departmentId }));
      });
    });
  }
  const rows = await query as (ConversationRow & { activity_at: string })[];
  return rows.map((row) => ({ conversation: toConversation(row), key: { activityAt: row.activity_at, id: row.id } }));
}

/** What an assignment changes; `expected` is the assignee the change was decided on. */
export type AssignmentChange = { agentId: string | null; departmentId?: string | null; expected: string | null };

/**
 * Moves the conversation only if its assignee is still the one the caller saw (and it is not
 * closed): one conditional update, so of concurrent changes exactly one applies.
 */
export async function reassign(db: Db, tenantId: string, id: string, change: AssignmentChange): Promise<StoredConversation | undefined> {
  const query = db<ConversationRow>('conversations').where({ tenant_id: tenantId, id }).whereNot({ status: 'closed' });
  if (change.expected === null) query.whereNull('assigned_agent_id');
  else query.where({ assigned_agent_id: change.expected });
  const [row] = await query.update({
    assigned_agent_id: change.agentId, ...(change.departmentId !== undefined && { department_id: change.departmentId }),
    updated_at: db.fn.now() as never,
  }).returning('*');
  return row && toConversation(row);
}

/** Closes it unless it is closed already (then undefined). */
export async function close(db: Db, tenantId: string, id: string, by: string): Promise<StoredConversation | undefined> {
  const [row] = await db<ConversationRow>('conversations').where({ tenant_id: tenantId, id }).whereNot({ status: 'closed' })
    .update({ status: 'closed', closed_at: db.fn.now() as never, closed_by: by, updated_at: db.fn.now() as never } as never).returning('*');
  return row && toConversation(row);
}

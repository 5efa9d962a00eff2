import type { TenantActor } from '../audit/actor.ts';
import { audit } from '../audit/audit-log.ts';
import { findAccountInTenant } from '../accounts/accounts.ts';
import type { Db } from '../db/database.ts';
import { isUuid } from '../db/rows.ts';
import { apiError } from '../http/api-error.ts';
import { findDepartment } from '../tenants/departments.ts';
import { emitEvent } from '../webhooks/outbox.ts';
import { markAttachmentRemoved, type AttachmentDeps } from './attachments.ts';
import * as assignments from './assignment-table.ts';
import { supervises, type AgentParticipant, type Conversation, type Message } from './conversation.ts';
import { canSee, conversationFor, conversationView } from './conversations.ts';
import * as conversations from './conversation-table.ts';
import * as facts from './fact-table.ts';
import { messageView } from './messages.ts';
import * as messages from './message-table.ts';

export type { Assignment } from './assignment-table.ts';

/** A timestamptz as PostgreSQL writes it: what an inbox cursor carries. */
const PG_TIME = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(\.\d{1,6})?[+-]\d{2}(:\d{2})?$/;

const encode = (key: object) => Buffer.from(JSON.stringify(key)).toString('base64url');
function decode<T>(cursor: string | undefined, valid: (v: any) => boolean): T | undefined {
  if (!cursor) return undefined;
  try {
    const value = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (valid(value)) return value as T;
  } catch { /* answered below */ }
  throw apiError('VALIDATION_FAILED', 'The cursor is not one this API gave out', { details: ['query.cursor is invalid'] });
}

export type InboxQuery = { status?: string; departmentId?: string; limit?: number; cursor?: string };

/** The agent's inbox (what it may see), newest activity first; `nextCursor` continues after the last row. */
export async function listInbox(db: Db, agent: AgentParticipant, q: InboxQuery): Promise<{ conversations: Conversation[]; nextCursor?: string }> {
  const limit = q.limit ?? 50;
  const after = decode<conversations.InboxKey>(q.cursor, (v) => PG_TIME.test(String(v?.activityAt)) && isUuid(String(v?.id)));
  // A department id that is no id names no department: an empty inbox, as for any unknown one.
  if (q.departmentId !== undefined && !isUuid(q.departmentId)) return { conversations: [] };
  const rows = await conversations.listInbox(db, agent.tenantId, {
    agent: supervises(agent) ? null : agent, status: q.status, departmentId: q.departmentId, after, limit: limit + 1,
  });
  const page = rows.slice(0, limit);
  return {
    conversations: page.map((r) => conversationView(r.conversation)),
    ...(rows.length > limit && { nextCursor: encode(page.at(-1)!.key) }),
  };
}

export async function getInboxConversation(db: Db, agent: AgentParticipant, id: string): Promise<Conversation> {
  return conversationView(await conversationFor(db, agent, id));
}

/** A page of messages, newest first, before the message `before` (exclusive); `nextCursor` is the id to pass as `before` next. */
export async function listInboxMessages(db: Db, agent: AgentParticipant, conversationId: string, q: { limit?: number; before?: string }) {
  const conversation = await conversationFor(db, agent, conversationId);
  const limit = q.limit ?? 50;
  let beforeSeq: number | null = null;
  if (q.before) {
    const anchor = await messages.find(db, agent.tenantId, conversation.conversationId, q.before);
    if (!anchor) throw apiError('VALIDATION_FAILED', 'query.before names no message of this conversation', { details: ['query.before is invalid'] });
    beforeSeq = anchor.seq;
  }
  const rows = await messages.listBefore(db, agent.tenantId, conversation.conversationId, beforeSeq, limit + 1);
  const page = rows.slice(0, limit);
  return { messages: page.map(messageView), ...(rows.length > limit && { nextCursor: page.at(-1)!.messageId }) };
}

export type AssignInput = { assignedAgentId?: string | null; assignedDepartmentId?: string | null; reason?: string };

/**
 * Accept (no assignee named), assign or transfer to another active agent, or send back to a
 * team queue (`assignedDepartmentId`). Agents accept what is unassigned and move what is
 * theirs; supervisors and up move anything. The change is one conditional update on the
 * assignee the decision was made on, so of concurrent accepts exactly one wins (409 for the
 * others) and the conversation never moves twice for them.
 */
export async function assignConversation(db: Db, actor: TenantActor, agent: AgentParticipant, conversationId: string, input: AssignInput) {
  return db.transaction(async (trx) => {
    const current = await conversations.find(trx, agent.tenantId, conversationId);
    // Taken by someone else since the agent saw it in its queue: a lost race (409), not a secret (404).
    const queued = current && { ...current, assignedAgentId: undefined };
    if (!current || !canSee(agent, queued!)) throw apiError('NOT_FOUND', 'Conversation not found');
    if (!canSee(agent, current)) throw apiError('CONFLICT', 'This conversation is already assigned to another agent');
    const department = input.assignedDepartmentId ?? undefined;
    // A department, or an explicit null assignee, sends it back to a queue; no assignee named accepts it.
    const toQueue = department !== undefined || input.assignedAgentId === null;
    const target = toQueue ? null : input.assignedAgentId ?? agent.accountId;
    const accepting = target === agent.accountId;
    const expected = current.assignedAgentId ?? null;
    if (current.status === 'closed') throw apiError('CONFLICT', 'This conversation is closed');
    if (accepting && expected === agent.accountId) return { assignment: await unchanged(trx, agent, current), conversation: conversationView(current) };
    if (!supervises(agent) && !(accepting && expected === null) && expected !== agent.accountId) {
      throw expected === null
        ? apiError('FORBIDDEN', 'Only a supervisor assigns an unassigned conversation to someone else; accept it yourself')
        : apiError('CONFLICT', 'This conversation is already assigned to another agent');
    }
    if (target && target !== agent.accountId) await requireAgent(trx, agent.tenantId, target);
    if (department && !await findDepartment(trx, agent.tenantId, department)) throw apiError('NOT_FOUND', 'No such department in this tenant');
    if (toQueue && expected === null && !department) throw apiError('CONFLICT', 'This conversation is already in its queue');
    const moved = await conversations.reassign(trx, agent.tenantId, current.conversationId, {
      agentId: target, expected, ...(department && { departmentId: department }),
    });
    if (!moved) throw apiError('CONFLICT', 'Someone else changed this conversation\'s assignment first');
    const assignment = await assignments.insert(trx, agent.tenantId, {
      conversationId: moved.conversationId, assignedAgentId: target, assignedDepartmentId: moved.departmentId ?? null,
      assignedByAgentId: agent.accountId, reason: input.reason?.trim() || null,
    });
    if (target) await facts.insert(trx, agent.tenantId, { kind: 'assigned', conversationId: moved.conversationId, agentId: target, departmentId: moved.departmentId ?? null });
    const view = conversationView(moved);
    await emitEvent(trx, actor, 'conversation.assigned', { conversation: view, assignment });
    return { assignment, conversation: view };
  });
}

/** The latest assignment of a conversation already with this agent: every assignee came with a history row (`reassign` writes both). */
async function unchanged(db: Db, agent: AgentParticipant, c: conversations.StoredConversation): Promise<assignments.Assignment> {
  return (await assignments.latestOf(db, agent.tenantId, c.conversationId))!;
}

async function requireAgent(db: Db, tenantId: string, accountId: string): Promise<void> {
  const account = isUuid(accountId) ? await findAccountInTenant(db, accountId) : undefined;
  if (!account || account.tenantId !== tenantId || !account.active) throw apiError('NOT_FOUND', 'No active agent with this id in this tenant');
}

/** Closes the conversation (again: it is returned as it is); records who closed it and the resolution fact. */
export async function closeConversation(db: Db, actor: TenantActor, agent: AgentParticipant, conversationId: string): Promise<Conversation> {
  return db.transaction(async (trx) => {
    const current = await conversationFor(trx, agent, conversationId, { forUpdate: true });
    if (current.assignedAgentId && current.assignedAgentId !== agent.accountId && !supervises(agent)) {
      throw apiError('FORBIDDEN', 'This conversation is assigned to another agent; a supervisor may close it');
    }
    const closed = await conversations.close(trx, agent.tenantId, current.conversationId, agent.accountId);
    if (!closed) return conversationView(current);
    await facts.insert(trx, agent.tenantId, {
      kind: 'resolved', conversationId: closed.conversationId, agentId: agent.accountId, departmentId: closed.departmentId ?? null,
      value: (Date.now() - Date.parse(closed.createdAt)) / 1000,
    });
    const view = conversationView(closed);
    await emitEvent(trx, actor, 'conversation.closed', { conversation: view, closedBy: agent.accountId });
    return view;
  });
}

/**
 * Removes an attachment from a conversation: its message is soft-deleted (the reason and the
 * agent kept in the audit log) and the stored file removed, so it can no longer be downloaded.
 */
export async function removeAttachment(files: AttachmentDeps, actor: TenantActor, agent: AgentParticipant, conversationId: string, messageId: string, reason?: string) {
  const removed = await files.db.transaction(async (trx) => {
    const conversation = await conversationFor(trx, agent, conversationId);
    const message = await messages.find(trx, agent.tenantId, conversation.conversationId, messageId, { forUpdate: true });
    if (!message || message.messageType !== 'attachment' || !message.attachmentId) throw apiError('NOT_FOUND', 'No attachment message with this id');
    const { attachment, storageKey } = await markAttachmentRemoved(trx, agent.tenantId, message.attachmentId);
    const deleted = message.deletedAt ? message : await messages.softDelete(trx, agent.tenantId, message.messageId);
    await audit(trx, actor, 'attachment.removed', { type: 'attachment', id: message.attachmentId }, {
      conversationId: conversation.conversationId, messageId: message.messageId, reason: reason?.trim() || null,
    });
    const view: Message = messageView(deleted);
    if (!message.deletedAt) await emitEvent(trx, actor, 'message.deleted', { conversationId, message: { messageId: view.messageId, deletedAt: view.deletedAt } });
    return { storageKey, answer: { message: view, attachment, deleted: true as const } };
  });
  // Once the removal is committed: a rollback must not leave a stored row without its file.
  if (removed.storageKey) await files.store.remove(removed.storageKey);
  return removed.answer;
}

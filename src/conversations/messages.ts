import { isDeepStrictEqual } from 'node:util';
import type { Knex } from 'knex';
import type { TenantActor } from '../audit/actor.ts';
import type { Db } from '../db/database.ts';
import { apiError } from '../http/api-error.ts';
import { emitEvent } from '../webhooks/outbox.ts';
import { LIMITS, senderOf, supervises, type ConversationStatus, type Message, type MessageType, type Participant, type Sender } from './conversation.ts';
import { conversationFor, conversationView } from './conversations.ts';
import * as conversations from './conversation-table.ts';
import * as facts from './fact-table.ts';
import * as table from './message-table.ts';
import * as sends from './send-table.ts';

/** The contract's view: the stored message without what only services need. */
export const messageView = ({ seq: _q, senderId: _i, sentAtDate: _d, ...view }: table.StoredMessage): Message => view;

export type OutgoingMessage = {
  body: string; messageType?: MessageType; metadata?: Record<string, unknown>; clientMessageId?: string; attachmentId?: string;
};

export type SendOutcome = { message: Message; replayed: boolean };

/**
 * Sends a message. With a `clientMessageId` it is idempotent: the conversation row is locked
 * first, so concurrent retries run one after another and every one after the first finds the
 * original and returns it; the same id with different content is a 409. A message to a
 * resolved or pending conversation reopens it; a closed conversation takes none.
 */
export async function sendMessage(db: Db, actor: TenantActor, who: Participant, conversationId: string, out: OutgoingMessage): Promise<SendOutcome> {
  return db.transaction((trx) => writeMessage(trx, actor, who, conversationId, out));
}

/** The send inside the caller's transaction (an upload writes its attachment with it). */
export async function writeMessage(trx: Knex.Transaction, actor: TenantActor, who: Participant, conversationId: string, out: OutgoingMessage): Promise<SendOutcome> {
  return appendMessage(trx, actor, who, conversationId, senderOf(who), out);
}

/**
 * An AI reply (sender type `ai`, no sender id) to the visitor's conversation, in the caller's
 * transaction (the AI area meters the reply with it). The visitor must be able to see it.
 */
export async function writeAiReply(trx: Knex.Transaction, actor: TenantActor, visitor: Participant & { kind: 'visitor' }, conversationId: string, out: OutgoingMessage): Promise<Message> {
  return (await appendMessage(trx, actor, visitor, conversationId, { type: 'ai', id: null }, out)).message;
}

/** The conversation's latest live text messages, oldest first (an AI reply's context). */
export async function recentMessages(db: Db, who: Participant, conversationId: string, limit: number): Promise<Message[]> {
  const conversation = await conversationFor(db, who, conversationId);
  return (await table.listRecentText(db, who.tenantId, conversation.conversationId, limit)).map(messageView);
}

/**
 * The send itself: the conversation is locked first, so concurrent retries run one after
 * another; then one statement finds a retried clientMessageId's message or writes the new one
 * (with the conversation's move and its first-message fact).
 */
async function appendMessage(
  trx: Knex.Transaction, actor: TenantActor, who: Participant, conversationId: string, sender: Sender, out: OutgoingMessage,
): Promise<SendOutcome> {
  const conversation = await conversationFor(trx, who, conversationId, { forUpdate: true });
  // A conversation assigned to another agent takes replies from supervisors and up only.
  if (who.kind === 'agent' && conversation.assignedAgentId && conversation.assignedAgentId !== who.accountId && !supervises(who)) {
    throw apiError('FORBIDDEN', 'This conversation is assigned to another agent; a supervisor may reply');
  }
  const messageType = out.messageType ?? 'text';
  const metadata = out.metadata ?? {};
  const rating = messageType === 'rating' ? Number(metadata.score) : null;
  // A retry of what was sent before the conversation closed or was rated still answers the original.
  const refusal = conversation.status === 'closed' ? closed()
    : rating !== null && await table.hasRating(trx, conversation.conversationId) ? apiError('CONFLICT', 'This conversation has already been rated')
      : undefined;
  const appended = await sends.append(trx, actor.tenantId, conversation.conversationId, statusAfter(conversation.status, sender), {
    id: crypto.randomUUID(), sender, senderContactId: sender.type === 'visitor' ? conversation.contactId ?? null : null,
    messageType, body: out.body, metadata, clientMessageId: out.clientMessageId ?? null, attachmentId: out.attachmentId ?? null, rating,
  }, { write: !refusal });
  const { earlier, written } = appended;
  if (earlier) {
    const same = earlier.body === out.body && earlier.messageType === messageType && isDeepStrictEqual(earlier.metadata, metadata);
    if (!same) throw apiError('CONFLICT', 'This clientMessageId was already used for a different message');
    return { message: messageView(earlier), replayed: true };
  }
  if (!written) throw refusal!;
  const { conversation: advanced, message } = written;
  await recordFacts(trx, actor.tenantId, advanced, conversation.status, message);
  const view = messageView(message);
  await emitEvent(trx, actor, 'message.created', { conversation: conversationView(advanced), message: view });
  return { message: view, replayed: false };
}

/** A visitor's message reopens what was resolved and answers what was pending; others' messages move nothing but a resolution. */
function statusAfter(status: ConversationStatus, sender: Sender): ConversationStatus {
  if (status === 'resolved') return 'open';
  if (status === 'pending' && sender.type === 'visitor') return 'open';
  return status;
}

/** The facts a message records beside its first-message fact (which `append` writes): a reopening, a rating. */
async function recordFacts(trx: Knex.Transaction, tenantId: string, c: conversations.StoredConversation, before: ConversationStatus, m: table.StoredMessage) {
  const base = { conversationId: c.conversationId, departmentId: c.departmentId ?? null };
  if (before === 'resolved') await facts.insert(trx, tenantId, { ...base, kind: 'reopened' });
  if (m.rating !== undefined) await facts.insert(trx, tenantId, { ...base, kind: 'rating', agentId: c.assignedAgentId ?? null, value: m.rating });
}

export type MessageEdit = { body?: string; metadata?: Record<string, unknown> };

/** Edits one's own text message within the edit window. */
export async function editMessage(db: Db, actor: TenantActor, who: Participant, conversationId: string, messageId: string, edit: MessageEdit): Promise<Message> {
  return db.transaction(async (trx) => {
    const { message } = await ownMessage(trx, who, conversationId, messageId);
    if (message.messageType !== 'text') throw apiError('CONFLICT', `A ${message.messageType} message cannot be edited`);
    const edited = await table.update(trx, actor.tenantId, message.messageId, { body: edit.body ?? message.body, metadata: edit.metadata ?? message.metadata });
    const view = messageView(edited);
    await emitEvent(trx, actor, 'message.updated', { conversationId, message: view });
    return view;
  });
}

/** Deletes one's own message within the edit window: body and metadata go, the envelope and `deletedAt` stay. */
export async function deleteMessage(db: Db, actor: TenantActor, who: Participant, conversationId: string, messageId: string): Promise<Message> {
  return db.transaction(async (trx) => {
    const { message } = await ownMessage(trx, who, conversationId, messageId);
    if (message.messageType === 'rating') throw apiError('CONFLICT', 'A rating cannot be deleted');
    const deleted = await table.softDelete(trx, actor.tenantId, message.messageId);
    const view = messageView(deleted);
    await emitEvent(trx, actor, 'message.deleted', { conversationId, message: { messageId: view.messageId, deletedAt: view.deletedAt } });
    return view;
  });
}

/** The participant's own, live message, still within the edit window, in a conversation that is not closed. */
async function ownMessage(trx: Knex.Transaction, who: Participant, conversationId: string, messageId: string) {
  const conversation = await conversationFor(trx, who, conversationId);
  const message = await table.find(trx, who.tenantId, conversation.conversationId, messageId, { forUpdate: true });
  if (!message || message.deletedAt) throw apiError('NOT_FOUND', 'Message not found');
  const sender = senderOf(who);
  if (message.senderType !== sender.type || message.senderId !== sender.id) throw apiError('FORBIDDEN', 'Only its author can change a message');
  if (conversation.status === 'closed') throw closed();
  if (Date.now() - message.sentAtDate.getTime() > LIMITS.editWindowSeconds * 1000) {
    throw apiError('FORBIDDEN', `Messages can be changed for ${LIMITS.editWindowSeconds / 60} minutes after sending`);
  }
  return { conversation, message };
}

/** A message of the conversation the participant may see (for receipts and attachments). */
export async function messageFor(db: Db, who: Participant, conversationId: string, messageId: string): Promise<table.StoredMessage> {
  const conversation = await conversationFor(db, who, conversationId);
  const message = await table.find(db, who.tenantId, conversation.conversationId, messageId);
  if (!message) throw apiError('NOT_FOUND', 'Message not found');
  return message;
}

const closed = () => apiError('CONFLICT', 'This conversation is closed; start a new one');

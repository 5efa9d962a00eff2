import type { Db } from '../db/database.ts';
import { iso, isUuid, json } from '../db/rows.ts';
import type { Message, MessageType, Sender, SenderType } from './conversation.ts';

export type MessageRow = {
  id: string; tenant_id: string; conversation_id: string; seq: string; sender_type: SenderType; sender_id: string | null;
  sender_contact_id: string | null; message_type: MessageType; body: string; metadata: Record<string, unknown>;
  client_message_id: string | null; attachment_id: string | null; rating: number | null;
  created_at: Date; edited_at: Date | null; deleted_at: Date | null;
};

/** A message with what services need beside the contract's fields. */
export type StoredMessage = Message & { seq: number; senderId: string | null; sentAtDate: Date };

export const toMessage = (r: MessageRow): StoredMessage => ({
  messageId: r.id,
  conversationId: r.conversation_id,
  senderType: r.sender_type,
  ...(r.sender_type === 'agent' && r.sender_id !== null && { senderAgentId: r.sender_id }),
  ...(r.sender_contact_id !== null && { senderContactId: r.sender_contact_id }),
  body: r.body,
  messageType: r.message_type,
  metadata: r.metadata,
  ...(r.client_message_id !== null && { clientMessageId: r.client_message_id }),
  ...(r.attachment_id !== null && { attachmentId: r.attachment_id }),
  ...(r.rating !== null && { rating: r.rating }),
  sentAt: iso(r.created_at)!,
  ...(r.edited_at !== null && { editedAt: iso(r.edited_at)! }),
  ...(r.deleted_at !== null && { deletedAt: iso(r.deleted_at)! }),
  seq: Number(r.seq),
  senderId: r.sender_id,
  sentAtDate: r.created_at,
});

export type NewMessage = {
  id: string; seq: number; sender: Sender; senderContactId: string | null; messageType: MessageType; body: string;
  metadata: Record<string, unknown>; clientMessageId: string | null; attachmentId: string | null; rating: number | null;
};

export async function find(db: Db, tenantId: string, conversationId: string, id: string, options: { forUpdate?: boolean } = {}): Promise<StoredMessage | undefined> {
  if (!isUuid(id)) return undefined;
  const query = db<MessageRow>('messages').where({ tenant_id: tenantId, conversation_id: conversationId, id });
  if (options.forUpdate) query.forUpdate();
  const row = await query.first();
  return row && toMessage(row);
}

/** The latest live text messages of a conversation, oldest first. */
export async function listRecentText(db: Db, tenantId: string, conversationId: string, limit: number): Promise<StoredMessage[]> {
  if (limit <= 0) return [];
  const rows = await db<MessageRow>('messages').where({ tenant_id: tenantId, conversation_id: conversationId, message_type: 'text' })
    .whereNull('deleted_at').orderBy('seq', 'desc').limit(limit);
  return rows.reverse().map(toMessage);
}

/** Whether the conversation already has a rating message. */
export async function hasRating(db: Db, conversationId: string): Promise<boolean> {
  return Boolean(await db('messages').where({ conversation_id: conversationId, message_type: 'rating' }).whereNull('deleted_at').first('id'));
}

export async function update(db: Db, tenantId: string, id: string, changes: { body: string; metadata: Record<string, unknown> }): Promise<StoredMessage> {
  const [row] = await db<MessageRow>('messages').where({ tenant_id: tenantId, id })
    .update({ body: changes.body, metadata: json(changes.metadata) as never, edited_at: db.fn.now() as never }).returning('*');
  return toMessage(row);
}

/** The soft delete: the envelope stays (its place in the thread, deletedAt); body and metadata go. */
export async function softDelete(db: Db, tenantId: string, id: string): Promise<StoredMessage> {
  const [row] = await db<MessageRow>('messages').where({ tenant_id: tenantId, id })
    .update({ body: '', metadata: json({}) as never, deleted_at: db.fn.now() as never }).returning('*');
  return toMessage(row);
}

/** A page of the conversation's messages before `beforeSeq` (newest first), one more than asked to tell if there are more. */
export async function listBefore(db: Db, tenantId: string, conversationId: string, beforeSeq: number | null, limit: number): Promise<StoredMessage[]> {
  const query = db<MessageRow>('messages').where({ tenant_id: tenantId, conversation_id: conversationId }).orderBy('seq', 'desc').limit(limit);
  if (beforeSeq !== null) query.where('seq', '<', String(beforeSeq));
  return (await query).map(toMessage);
}

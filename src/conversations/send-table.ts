import type { Db } from '../db/database.ts';
import { json } from '../db/rows.ts';
import { toConversation, type ConversationRow, type StoredConversation } from './conversation-table.ts';
import type { ConversationStatus } from './conversation.ts';
import { toMessage, type MessageRow, type NewMessage, type StoredMessage } from './message-table.ts';

/*
 * The SQL of a send in one statement, run once the caller holds the conversation's row lock:
 * the sender's earlier message under the same clientMessageId (a retry), else the new
 * message, the conversation's next sequence number and its first-message fact. It must be a
 * statement of its own after the lock: a statement that waited for a lock still reads with the
 * snapshot it started with, and would miss the message of the retry it waited for.
 */

/** The retried message, or the new one with the conversation after it; neither when writing was not allowed. */
export type Appended = { earlier?: StoredMessage; written?: { conversation: StoredConversation; message: StoredMessage } };

/**
 * Appends the message unless the sender already sent one under its clientMessageId (then
 * that one is answered and nothing is written): the conversation's sequence number and
 * `lastMessageAt` move, its status becomes `status`, and a visitor's or agent's first message
 * is recorded as the conversation's first-message fact (a no-op when it already is).
 */
export async function append(
  db: Db, tenantId: string, conversationId: string, status: ConversationStatus, m: Omit<NewMessage, 'seq'>, options: { write: boolean },
): Promise<Appended> {
  const { rows } = await db.raw<{ rows: { earlier: MessageRow | null; conversation: ConversationRow | null; message: MessageRow | null }[] }>(`
    with earlier as (
      select * from messages
       where :clientMessageId::text is not null and conversation_id = :conversationId and sender_type = :senderType
         and sender_id is not distinct from :senderId::uuid and client_message_id = :clientMessageId
    ), c as (
      update conversations
         set last_seq = last_seq + 1, last_message_at = now(), updated_at = now(), status = :status,
             resolved_at = case when :status = 'open' then null else resolved_at end
       where tenant_id = :tenantId and id = :conversationId and :write and not exists (select 1 from earlier)
      returning *
    ), m as (
      insert into messages (id, tenant_id, conversation_id, seq, sender_type, sender_id, sender_contact_id, message_type, body,
                            metadata, client_message_id, attachment_id, rating)
      select :id::uuid, :tenantId::uuid, c.id, c.last_seq, :senderType, :senderId::uuid, :senderContactId::uuid, :messageType, :body,
             :metadata::jsonb, :clientMessageId, :attachmentId::uuid, :rating::smallint
        from c
      returning *
    ), first as (
      insert into conversation_facts (tenant_id, conversation_id, kind, agent_id, department_id, value)
      select c.tenant_id, c.id,
             case when :senderType = 'visitor' then 'first_visitor_message' else 'first_agent_reply' end,
             case when :senderType = 'agent' then :senderId::uuid end, c.department_id,
             case when :senderType = 'agent' then greatest(0, extract(epoch from now() - c.created_at)) end
        from c where :senderType in ('visitor', 'agent')
      on conflict do nothing
    )
    select (select row_to_json(earlier) from earlier) as earlier,
           (select row_to_json(c) from c) as conversation, (select row_to_json(m) from m) as message`,
  {
    status, tenantId, conversationId, id: m.id, senderType: m.sender.type, senderId: m.sender.id, senderContactId: m.senderContactId,
    messageType: m.messageType, body: m.body, metadata: json(m.metadata), clientMessageId: m.clientMessageId, attachmentId: m.attachmentId,
    rating: m.rating, write: options.write,
  } as never);
  const { earlier, conversation, message } = rows[0];
  if (earlier) return { earlier: toMessage(revived(earlier)) };
  return conversation && message ? { written: { conversation: toConversation(conversation), message: toMessage(revived(message)) } } : {};
}

/** A message row read through row_to_json carries its times as text: back to the Dates the row type has. */
function revived(row: MessageRow): MessageRow {
  const date = (value: Date | string | null) => (value === null ? null : new Date(value));
  return { ...row, created_at: date(row.created_at)!, edited_at: date(row.edited_at), deleted_at: date(row.deleted_at) };
}

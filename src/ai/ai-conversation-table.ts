import type { Db } from '../db/database.ts';
import { isUuid, json } from '../db/rows.ts';

/** Owns ai_conversations: a visitor's AI conversation, linked to the chat conversation its messages live in. */

export type AiConversation = { aiConversationId: string; conversationId: string; visitorId: string };

type Row = { id: string; tenant_id: string; visitor_id: string; conversation_id: string; metadata: unknown };
const toAiConversation = (r: Row): AiConversation => ({ aiConversationId: r.id, conversationId: r.conversation_id, visitorId: r.visitor_id });

export async function insert(db: Db, tenantId: string, c: AiConversation & { metadata: Record<string, unknown> }): Promise<AiConversation> {
  const [row] = await db<Row>('ai_conversations').insert({
    id: c.aiConversationId, tenant_id: tenantId, visitor_id: c.visitorId, conversation_id: c.conversationId, metadata: json(c.metadata) as never,
  }).onConflict('conversation_id').ignore().returning('*');
  return row ? toAiConversation(row) : (await findByConversation(db, tenantId, c.conversationId))!;
}

export async function find(db: Db, tenantId: string, visitorId: string, id: string): Promise<AiConversation | undefined> {
  if (!isUuid(id)) return undefined;
  const row = await db<Row>('ai_conversations').where({ tenant_id: tenantId, visitor_id: visitorId, id }).first();
  return row && toAiConversation(row);
}

export async function findByConversation(db: Db, tenantId: string, conversationId: string): Promise<AiConversation | undefined> {
  if (!isUuid(conversationId)) return undefined;
  const row = await db<Row>('ai_conversations').where({ tenant_id: tenantId, conversation_id: conversationId }).first();
  return row && toAiConversation(row);
}

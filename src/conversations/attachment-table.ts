import type { Db } from '../db/database.ts';
import { iso, isUuid, json } from '../db/rows.ts';
import type { Sender } from './conversation.ts';

type AttachmentRow = {
  id: string; tenant_id: string; conversation_id: string; uploader_type: string; uploader_id: string; filename: string;
  declared_type: string | null; declared_size: string | null; content_type: string | null; size: string | null;
  storage_key: string | null; message_id: string | null; metadata: Record<string, unknown>;
  created_at: Date; stored_at: Date | null; deleted_at: Date | null;
};

export type Attachment = {
  attachmentId: string;
  conversationId: string;
  filename: string;
  /** What the uploader declared, until the bytes arrive; then the type read from them. */
  contentType: string | null;
  size: number | null;
  status: 'pending' | 'stored' | 'deleted';
  messageId?: string;
  metadata: Record<string, unknown>;
  createdAt: string;
  storedAt?: string;
};

export type StoredAttachment = Attachment & { tenantId: string; uploader: Sender; storageKey: string | null };

const toAttachment = (r: AttachmentRow): StoredAttachment => ({
  attachmentId: r.id,
  conversationId: r.conversation_id,
  filename: r.filename,
  contentType: r.content_type ?? r.declared_type,
  size: r.size !== null ? Number(r.size) : r.declared_size !== null ? Number(r.declared_size) : null,
  status: r.deleted_at ? 'deleted' : r.stored_at ? 'stored' : 'pending',
  ...(r.message_id !== null && { messageId: r.message_id }),
  metadata: r.metadata,
  createdAt: iso(r.created_at)!,
  ...(r.stored_at !== null && { storedAt: iso(r.stored_at)! }),
  tenantId: r.tenant_id,
  uploader: { type: r.uploader_type as Sender['type'], id: r.uploader_id },
  storageKey: r.storage_key,
});

export type Declaration = { filename: string; contentType: string | null; size: number | null; metadata: Record<string, unknown> };

export async function insert(db: Db, tenantId: string, conversationId: string, uploader: Sender, d: Declaration & { id: string }): Promise<StoredAttachment> {
  const [row] = await db<AttachmentRow>('conversation_attachments').insert({
    id: d.id, tenant_id: tenantId, conversation_id: conversationId, uploader_type: uploader.type, uploader_id: uploader.id!,
    filename: d.filename, declared_type: d.contentType, declared_size: d.size === null ? null : String(d.size), metadata: json(d.metadata) as never,
  }).returning('*');
  return toAttachment(row);
}

export async function find(db: Db, tenantId: string, id: string, options: { forUpdate?: boolean } = {}): Promise<StoredAttachment | undefined> {
  if (!isUuid(id)) return undefined;
  const query = db<AttachmentRow>('conversation_attachments').where({ tenant_id: tenantId, id });
  if (options.forUpdate) query.forUpdate();
  const row = await query.first();
  return row && toAttachment(row);
}

export type StoredBytes = { contentType: string; size: number; storageKey: string; filename: string; messageId: string };

export async function markStored(db: Db, tenantId: string, id: string, s: StoredBytes): Promise<StoredAttachment> {
  const [row] = await db<AttachmentRow>('conversation_attachments').where({ tenant_id: tenantId, id })
    .update({
      content_type: s.contentType, size: String(s.size), storage_key: s.storageKey, filename: s.filename, message_id: s.messageId,
      stored_at: db.fn.now() as never,
    }).returning('*');
  return toAttachment(row);
}

export async function markDeleted(db: Db, tenantId: string, id: string): Promise<StoredAttachment | undefined> {
  if (!isUuid(id)) return undefined;
  const [row] = await db<AttachmentRow>('conversation_attachments').where({ tenant_id: tenantId, id })
    .update({ deleted_at: db.raw('coalesce(deleted_at, now())') as never }).returning('*');
  return row && toAttachment(row);
}

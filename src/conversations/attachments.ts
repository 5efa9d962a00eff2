import type { TenantActor } from '../audit/actor.ts';
import type { Db } from '../db/database.ts';
import { apiError } from '../http/api-error.ts';
import { keepHead, multipartFile, type MultipartBody } from '../http/multipart-file.ts';
import path from 'node:path';
import type { AppDeps } from '../deps.ts';
import { filesystemStore, type AttachmentStore } from './attachment-store.ts';
import * as table from './attachment-table.ts';
import { ALLOWED_TYPES, detectType, safeFilename } from './attachment-types.ts';
import { senderOf, type Message, type Participant } from './conversation.ts';
import { conversationFor } from './conversations.ts';
import { writeMessage } from './messages.ts';

export type Attachment = table.Attachment;
export type AttachmentDeps = { db: Db; store: AttachmentStore; maxBytes: number };

/** Attachments as configured: files under `DATA_DIR/attachments`, the configured size cap. */
export const attachmentDepsOf = ({ db, config }: Pick<AppDeps, 'db' | 'config'>): AttachmentDeps => ({
  db, store: filesystemStore(path.join(config.dataDir, 'attachments')), maxBytes: config.chat.attachmentMaxBytes,
});

export const attachmentView = ({ tenantId: _t, uploader: _u, storageKey: _k, ...view }: table.StoredAttachment): Attachment => view;

export type Declaration = { filename?: string; contentType?: string; size?: number; metadata?: Record<string, unknown> };

/** The rules an upload is held to, shown with every declaration so a client can check before it sends. */
const limitsOf = (maxBytes: number) => ({ maxBytes, allowedTypes: ALLOWED_TYPES });

/** Announces an upload: checks what is declared against the limits and answers where to send the bytes. */
export async function declareAttachment(deps: AttachmentDeps, who: Participant, conversationId: string, d: Declaration) {
  if (d.size !== undefined && d.size > deps.maxBytes) throw tooLarge(deps.maxBytes);
  if (d.contentType !== undefined && !ALLOWED_TYPES.includes(d.contentType.toLowerCase())) throw unsupported();
  const conversation = await conversationFor(deps.db, who, conversationId);
  if (conversation.status === 'closed') throw closed();
  const attachment = await table.insert(deps.db, who.tenantId, conversation.conversationId, senderOf(who), {
    id: crypto.randomUUID(), filename: d.filename?.trim() || 'attachment', contentType: d.contentType?.toLowerCase() ?? null,
    size: d.size ?? null, metadata: d.metadata ?? {},
  });
  const uploadPath = `/api/chat/visitor/conversations/${conversation.conversationId}/attachments/upload?attachmentId=${attachment.attachmentId}`;
  return { attachment: attachmentView(attachment), upload: { method: 'POST', path: uploadPath, field: 'file', ...limitsOf(deps.maxBytes) } };
}

export type Upload = MultipartBody & { attachmentId?: string };

/**
 * Receives one file (multipart field `file`), streamed to the store: past the size cap the
 * upload stops with 413 (nothing more is read or kept); a type the bytes do not show to be
 * allowed is a 415. A stored file becomes an `attachment` message of the conversation.
 */
export async function uploadAttachment(deps: AttachmentDeps, actor: TenantActor, who: Participant, conversationId: string, upload: Upload) {
  const conversation = await conversationFor(deps.db, who, conversationId);
  if (conversation.status === 'closed') throw closed();
  const declared = upload.attachmentId ? await pendingDeclaration(deps.db, who, conversation.conversationId, upload.attachmentId) : undefined;
  const id = declared?.attachmentId ?? crypto.randomUUID();
  const key = `${who.tenantId}/${id}`;
  const file = await multipartFile(upload, deps.maxBytes, () => tooLarge(deps.maxBytes));
  const sniffed = keepHead(file.stream);
  const size = await deps.store.write(key, sniffed.stream).catch((err) => {
    throw file.truncated() ? tooLarge(deps.maxBytes) : err;
  });
  if (file.truncated()) {
    await deps.store.remove(key);
    throw tooLarge(deps.maxBytes);
  }
  const type = await detectType(sniffed.head(), file.filename);
  if (!type) {
    await deps.store.remove(key);
    throw unsupported();
  }
  const filename = safeFilename(file.filename || declared?.filename || 'attachment', type);
  try {
    return await deps.db.transaction(async (trx) => {
      if (!declared) {
        await table.insert(trx, who.tenantId, conversation.conversationId, senderOf(who), { id, filename, contentType: type.contentType, size, metadata: {} });
      }
      const { message } = await writeMessage(trx, actor, who, conversation.conversationId, {
        body: filename, messageType: 'attachment', attachmentId: id, metadata: { attachmentId: id, filename, contentType: type.contentType, size },
      });
      const stored = await table.markStored(trx, who.tenantId, id, { contentType: type.contentType, size, storageKey: key, filename, messageId: message.messageId });
      return { attachment: attachmentView(stored), message: message as Message };
    });
  } catch (err) {
    await deps.store.remove(key);
    throw err;
  }
}

async function pendingDeclaration(db: Db, who: Participant, conversationId: string, id: string): Promise<table.StoredAttachment> {
  const found = await table.find(db, who.tenantId, id);
  const uploader = senderOf(who);
  if (!found || found.conversationId !== conversationId || found.uploader.type !== uploader.type || found.uploader.id !== uploader.id) {
    throw apiError('NOT_FOUND', 'Attachment not found');
  }
  if (found.status !== 'pending') throw apiError('CONFLICT', 'This attachment has already been uploaded');
  return found;
}

/** An attachment's bytes for a participant of its conversation, with what the download headers need. */
export async function openAttachment(deps: AttachmentDeps, who: Participant, attachmentId: string) {
  const attachment = await table.find(deps.db, who.tenantId, attachmentId);
  if (!attachment || attachment.status !== 'stored' || !attachment.storageKey) throw apiError('NOT_FOUND', 'Attachment not found');
  await conversationFor(deps.db, who, attachment.conversationId);
  const bytes = await deps.store.read(attachment.storageKey);
  if (!bytes) throw apiError('NOT_FOUND', 'Attachment not found');
  return { attachment: attachmentView(attachment), ...bytes };
}

/** Marks the attachment removed (downloads stop at once) and answers where its bytes are, for removal after commit. */
export async function markAttachmentRemoved(db: Db, tenantId: string, attachmentId: string): Promise<{ attachment: Attachment; storageKey: string | null }> {
  const removed = await table.markDeleted(db, tenantId, attachmentId);
  if (!removed) throw apiError('NOT_FOUND', 'Attachment not found');
  return { attachment: attachmentView(removed), storageKey: removed.storageKey };
}

const closed = () => apiError('CONFLICT', 'This conversation is closed; start a new one');
const tooLarge = (maxBytes: number) => apiError('PAYLOAD_TOO_LARGE', `Attachments are limited to ${maxBytes} bytes`);
const unsupported = () => apiError('UNSUPPORTED_MEDIA_TYPE', `This file type is not allowed; allowed: ${ALLOWED_TYPES.join(', ')}`);

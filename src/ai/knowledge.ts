import path from 'node:path';
import type { TenantActor } from '../audit/actor.ts';
import { audit } from '../audit/audit-log.ts';
import type { AiSettings, Config } from '../config.ts';
import { filesystemStore, type AttachmentStore } from '../conversations/attachment-store.ts';
import type { Db } from '../db/database.ts';
import { apiError } from '../http/api-error.ts';
import { keepHead, multipartFile, type MultipartBody } from '../http/multipart-file.ts';
import { urlTargetRefusal } from '../net/ssrf-guard.ts';
import * as chunks from './chunk-table.ts';
import { KNOWLEDGE_TYPES } from './extract.ts';
import { detectKnowledgeType, titleOfFilename } from './knowledge-types.ts';
import * as items from './knowledge-table.ts';

export type { KnowledgeItem } from './knowledge-table.ts';

/** What the knowledge base is built from: the database, where uploaded files are kept, and the ingest limits. */
export type KnowledgeDeps = { db: Db; store: AttachmentStore; settings: AiSettings };

/** Uploaded files live under `DATA_DIR/knowledge/<tenant>/<item>`, through the attachments' storage interface. */
export const knowledgeDepsOf = (db: Db, config: Pick<Config, 'dataDir' | 'ai'>): KnowledgeDeps =>
  ({ db, store: filesystemStore(path.join(config.dataDir, 'knowledge')), settings: config.ai });

export const itemView = ({ tenantId: _t, storageKey: _k, attempts: _a, ...view }: items.StoredItem): items.KnowledgeItem => view;

const notFound = () => apiError('NOT_FOUND', 'Knowledge item not found');

/**
 * Takes one document (multipart field `file`), streamed to storage: past the size cap the
 * upload stops with 413 and nothing is kept; a type its bytes do not show to be text,
 * Markdown, HTML or PDF is a 415. The item is queued for the ingest worker and answered at once.
 */
export async function uploadAdminKnowledgeDocument(deps: KnowledgeDeps, actor: TenantActor, upload: MultipartBody): Promise<items.KnowledgeItem> {
  const id = crypto.randomUUID();
  const key = `${actor.tenantId}/${id}`;
  const max = deps.settings.uploadMaxBytes;
  const tooLarge = () => apiError('PAYLOAD_TOO_LARGE', `Knowledge documents are limited to ${max} bytes`);
  const file = await multipartFile(upload, max, tooLarge);
  const sniffed = keepHead(file.stream);
  const size = await deps.store.write(key, sniffed.stream).catch((err) => {
    throw file.truncated() ? tooLarge() : err;
  });
  if (file.truncated()) {
    await deps.store.remove(key);
    throw tooLarge();
  }
  const type = await detectKnowledgeType(sniffed.head(), file.filename);
  if (!type) {
    await deps.store.remove(key);
    throw apiError('UNSUPPORTED_MEDIA_TYPE', `Knowledge documents must be ${KNOWLEDGE_TYPES.join(', ')} (judged from the file's bytes)`);
  }
  try {
    return await deps.db.transaction(async (trx) => {
      const item = await items.insert(trx, actor.tenantId, {
        id, sourceType: 'upload', title: titleOfFilename(file.filename), filename: file.filename.split(/[\\/]/).pop()?.slice(0, 255) || undefined,
        contentType: type, size, storageKey: key,
      });
      await audit(trx, actor, 'knowledge.uploaded', { type: 'knowledge_item', id }, { filename: item.filename ?? null, contentType: type, size });
      return itemView(item);
    });
  } catch (err) {
    await deps.store.remove(key);
    throw err;
  }
}

/**
 * Queues a URL. It is checked against the SSRF guard now (and again on every fetch and
 * redirect). The same URL again in the tenant answers its existing item, unchanged.
 */
export async function ingestAdminKnowledgeUrl(deps: KnowledgeDeps, actor: TenantActor, rawUrl: string): Promise<{ item: items.KnowledgeItem; created: boolean }> {
  const url = URL.parse(rawUrl);
  if (!url || !['http:', 'https:'].includes(url.protocol) || url.username || url.password) {
    throw apiError('VALIDATION_FAILED', 'The URL is invalid', { details: ['body.url must be an http(s) URL without credentials'] });
  }
  url.hash = '';
  const refusal = await urlTargetRefusal(url, deps.settings.allowedPrivateHosts);
  if (refusal) throw apiError('VALIDATION_FAILED', 'This URL cannot be fetched', { details: [`body.url: ${refusal}`] });
  return deps.db.transaction(async (trx) => {
    const { item, created } = await items.insertUrl(trx, actor.tenantId, { id: crypto.randomUUID(), sourceType: 'url', title: url.href.slice(0, 200), url: url.href });
    if (created) await audit(trx, actor, 'knowledge.url_added', { type: 'knowledge_item', id: item.knowledgeItemId }, { url: url.href });
    return { item: itemView(item), created };
  });
}

/** Queues the item to be read and chunked again; its current chunks stay searchable until the new ones replace them. */
export async function reindexAdminKnowledge(db: Db, actor: TenantActor, id: string): Promise<items.KnowledgeItem> {
  return db.transaction(async (trx) => {
    const item = await items.find(trx, actor.tenantId, id, { forUpdate: true });
    if (!item) throw notFound();
    const queued = await items.requeue(trx, actor.tenantId, item.knowledgeItemId);
    await audit(trx, actor, 'knowledge.reindexed', { type: 'knowledge_item', id: item.knowledgeItemId });
    return itemView(queued);
  });
}

/** Deletes the item, its chunks and its file. */
export async function deleteAdminKnowledge(deps: KnowledgeDeps, actor: TenantActor, id: string): Promise<items.KnowledgeItem> {
  const deleted = await deps.db.transaction(async (trx) => {
    const item = await items.find(trx, actor.tenantId, id, { forUpdate: true });
    if (!item) throw notFound();
    await chunks.removeChunks(trx, actor.tenantId, item.knowledgeItemId);
    await items.remove(trx, actor.tenantId, item.knowledgeItemId);
    await audit(trx, actor, 'knowledge.deleted', { type: 'knowledge_item', id: item.knowledgeItemId }, { title: item.title });
    return item;
  });
  if (deleted.storageKey) await deps.store.remove(deleted.storageKey);
  return itemView(deleted);
}

/** One item of the tenant's knowledge base, with its ingest status (what an admin view or a launch check reads). */
export async function knowledgeItemOf(db: Db, tenantId: string, id: string): Promise<items.KnowledgeItem | undefined> {
  const item = await items.find(db, tenantId, id);
  return item && itemView(item);
}

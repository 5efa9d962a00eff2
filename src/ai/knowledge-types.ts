import { fileTypeFromBuffer } from 'file-type';
import { utf8TextOf } from '../conversations/attachment-types.ts';
import type { KnowledgeType } from './extract.ts';

const extensionOf = (filename: string) => /\.([A-Za-z0-9]{1,10})$/.exec(filename)?.[1]?.toLowerCase() ?? '';

const MARKUP = /^<(!doctype html|html|head|body|article|main|section|div|p|h[1-6])[\s>]/i;

/**
 * A knowledge document's type, judged from its first bytes: PDF by its signature; text must
 * be UTF-8, and is HTML when it starts with HTML markup, Markdown when named `.md`/`.markdown`,
 * plain text otherwise. Anything else (images, archives, Office files, executables) is refused.
 */
export async function detectKnowledgeType(head: Buffer, filename: string): Promise<KnowledgeType | undefined> {
  const found = await fileTypeFromBuffer(head);
  if (found) return found.mime === 'application/pdf' ? 'application/pdf' : undefined;
  const text = utf8TextOf(head);
  if (text === undefined) return undefined;
  if (MARKUP.test(text.trimStart())) return 'text/html';
  return ['md', 'markdown'].includes(extensionOf(filename)) ? 'text/markdown' : 'text/plain';
}

/** A fetched page's type: the bytes decide as for uploads, the server's Content-Type only tells HTML from text. */
export async function detectFetchedType(body: Buffer, contentType: string | undefined): Promise<KnowledgeType | undefined> {
  const type = await detectKnowledgeType(body.subarray(0, 4100), '');
  if (type === 'text/plain' && /^text\/html|^application\/xhtml/i.test(contentType ?? '')) return 'text/html';
  return type;
}

/** A title from a file name: no directories, no extension. */
export const titleOfFilename = (filename: string) =>
  filename.split(/[\\/]/).pop()!.replace(/\.[^.]*$/, '').replace(/[\u0000-\u001f\u007f]+/g, '').trim().slice(0, 200) || 'Untitled document';

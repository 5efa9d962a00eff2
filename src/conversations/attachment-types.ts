import { fileTypeFromBuffer } from 'file-type';

/** Types judged from the bytes' signature. Never SVG or HTML: a browser would run their scripts. */
const SIGNED = new Set([
  'image/png', 'image/jpeg', 'image/gif', 'image/webp', 'image/heic', 'image/avif', 'application/pdf',
  'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  'application/vnd.openxmlformats-officedocument.presentationml.presentation',
  'application/vnd.oasis.opendocument.text', 'application/vnd.oasis.opendocument.spreadsheet',
  'application/vnd.oasis.opendocument.presentation',
]);

/** Legacy Office files share one container signature (CFB); the extension says which they are. */
const LEGACY_OFFICE: Record<string, string> = { doc: 'application/msword', xls: 'application/vnd.ms-excel', ppt: 'application/vnd.ms-powerpoint' };

/** Text has no signature: allowed by extension, when the bytes are UTF-8 text and not markup. */
const TEXT: Record<string, string> = { txt: 'text/plain', log: 'text/plain', md: 'text/plain', csv: 'text/csv' };

export const ALLOWED_TYPES: readonly string[] = [...SIGNED, ...Object.values(LEGACY_OFFICE), 'text/plain', 'text/csv'];

export type DetectedType = { contentType: string; ext: string };

const extensionOf = (filename: string) => /\.([A-Za-z0-9]{1,10})$/.exec(filename)?.[1]?.toLowerCase() ?? '';

/** The file's type from its first bytes (and, for text and legacy Office, its name), or undefined when it is not allowed. */
export async function detectType(head: Buffer, filename: string): Promise<DetectedType | undefined> {
  const ext = extensionOf(filename);
  const found = await fileTypeFromBuffer(head);
  if (found) {
    if (SIGNED.has(found.mime)) return { contentType: found.mime, ext: found.ext };
    if (found.mime === 'application/x-cfb' && LEGACY_OFFICE[ext]) return { contentType: LEGACY_OFFICE[ext], ext };
    return undefined;
  }
  return TEXT[ext] && isPlainText(head) ? { contentType: TEXT[ext], ext } : undefined;
}

function isPlainText(head: Buffer): boolean {
  const text = utf8TextOf(head);
  return text !== undefined && !text.trimStart().startsWith('<');
}

/** The first bytes of a file as text when they are UTF-8 without NUL (byte order mark dropped), else undefined. */
export function utf8TextOf(head: Buffer): string | undefined {
  if (head.includes(0)) return undefined;
  try {
    // `stream`: a character cut off at the end of what was read is not an error.
    return new TextDecoder('utf-8', { fatal: true }).decode(head, { stream: true }).replace(/^\uFEFF/, '');
  } catch {
    return undefined;
  }
}

/**
 * A name safe to store and to offer back: no directories, no control or reserved characters,
 * at most 150 characters, and the extension of the type the bytes really are.
 */
export function safeFilename(name: string, type: DetectedType): string {
  const base = name.split(/[\\/]/).pop() ?? '';
  const stem = base.replace(/\.[^.]*$/, '')
    .replace(/[\u0000-\u001f\u007f"*:<>?|]+/g, '')
    .replace(/\s+/g, ' ').trim().replace(/^\.+/, '').slice(0, 150) || 'attachment';
  return `${stem}.${type.ext}`;
}

/**
 * Splits a document's text into search chunks along its structure: a heading line (Markdown
 * `#`…`######`, which HTML and PDF extraction produce too) starts a section; a section's
 * paragraphs (blank-line separated) are packed into chunks of about TARGET characters, and
 * each chunk after the first repeats the end of the one before (OVERLAP) so a passage cut at
 * a boundary is still found whole. A paragraph longer than MAX is cut at sentence ends.
 */

export const CHUNK_LIMITS = Object.freeze({ target: 900, max: 1500, overlap: 150 });

export type TextChunk = { heading: string; body: string };

type Section = { heading: string; paragraphs: string[] };

const HEADING = /^#{1,6}\s+(.+?)\s*#*$/;

function sectionsOf(text: string): Section[] {
  const sections: Section[] = [{ heading: '', paragraphs: [] }];
  let paragraph: string[] = [];
  const flush = () => {
    const joined = paragraph.join(' ').replace(/\s+/g, ' ').trim();
    if (joined) sections.at(-1)!.paragraphs.push(joined);
    paragraph = [];
  };
  for (const line of text.replace(/\r\n?/g, '\n').split('\n')) {
    const heading = HEADING.exec(line.trim());
    if (heading) {
      flush();
      sections.push({ heading: heading[1].trim(), paragraphs: [] });
    } else if (!line.trim()) {
      flush();
    } else {
      paragraph.push(line.trim());
    }
  }
  flush();
  return sections.filter((s) => s.paragraphs.length || s.heading);
}

/** A paragraph too long for one chunk, cut at sentence ends (or spaces, or anywhere, when a sentence is longer still). */
function pieces(paragraph: string): string[] {
  if (paragraph.length <= CHUNK_LIMITS.max) return [paragraph];
  const out: string[] = [];
  let current = '';
  for (const sentence of paragraph.split(/(?<=[.!?])\s+/)) {
    for (const part of sentence.length > CHUNK_LIMITS.max ? sentence.match(new RegExp(`.{1,${CHUNK_LIMITS.target}}(\\s|$)|.{1,${CHUNK_LIMITS.target}}`, 'g'))! : [sentence]) {
      if (current && current.length + part.length + 1 > CHUNK_LIMITS.target) {
        out.push(current);
        current = '';
      }
      current = current ? `${current} ${part.trim()}` : part.trim();
    }
  }
  if (current) out.push(current);
  return out;
}

/** The end of a chunk, from a word boundary, carried into the next one. */
function tail(body: string): string {
  if (body.length <= CHUNK_LIMITS.overlap) return body;
  const cut = body.slice(-CHUNK_LIMITS.overlap);
  return cut.slice(cut.indexOf(' ') + 1);
}

export function chunkText(text: string): TextChunk[] {
  const chunks: TextChunk[] = [];
  for (const section of sectionsOf(text)) {
    let body = '';
    let fresh = false;
    const emit = () => {
      if (fresh) chunks.push({ heading: section.heading, body });
      body = tail(body);
      fresh = false;
    };
    for (const piece of section.paragraphs.flatMap(pieces)) {
      if (fresh && body.length + piece.length + 2 > CHUNK_LIMITS.target) emit();
      body = body ? `${body}\n\n${piece}` : piece;
      fresh = true;
    }
    if (fresh) chunks.push({ heading: section.heading, body });
    else if (!section.paragraphs.length && section.heading) chunks.push({ heading: section.heading, body: section.heading });
  }
  return chunks;
}

import { Readability } from '@mozilla/readability';
import { parseHTML } from 'linkedom';
import { extractText, getDocumentProxy } from 'unpdf';

/** The content types knowledge is read from; each has its extraction below. */
export const KNOWLEDGE_TYPES = ['text/plain', 'text/markdown', 'text/html', 'application/pdf'] as const;
export type KnowledgeType = (typeof KNOWLEDGE_TYPES)[number];

export type Extracted = { title?: string; text: string };

/** Why a document gave no text: the item fails with this reason. */
export class ExtractionError extends Error {}

/** The readable text of a document, with headings as Markdown `#` lines so chunking can follow them. */
export async function extractDocument(type: KnowledgeType, bytes: Buffer): Promise<Extracted> {
  const extracted = type === 'application/pdf' ? await fromPdf(bytes)
    : type === 'text/html' ? fromHtml(bytes.toString('utf8'))
    : { text: bytes.toString('utf8').replace(/^\uFEFF/, '') };
  if (!extracted.text.trim()) {
    throw new ExtractionError(type === 'application/pdf'
      ? 'The PDF has no text layer (a scan or images only); run it through OCR and upload the result'
      : 'The document has no readable text');
  }
  return extracted;
}

async function fromPdf(bytes: Buffer): Promise<Extracted> {
  let pdf, text: string[];
  try {
    pdf = await getDocumentProxy(new Uint8Array(bytes));
    ({ text } = await extractText(pdf, { mergePages: false }));
  } catch (err) {
    throw new ExtractionError(`The PDF could not be read: ${(err as Error).message}`);
  }
  const info = (await pdf.getMetadata().catch(() => undefined))?.info as { Title?: string } | undefined;
  // A page is a paragraph break at least; PDF text has no headings to keep.
  return { title: info?.Title?.trim() || undefined, text: text.map((page) => page.trim()).filter(Boolean).join('\n\n') };
}

const BLOCKS = 'h1,h2,h3,h4,h5,h6,p,li,pre,blockquote,td,th,dt,dd';

/** The little of linkedom's DOM read here (the project compiles without the DOM library's types). */
type HtmlNode = {
  tagName: string; textContent: string | null; innerHTML: string; parentElement: HtmlNode | null;
  closest(selector: string): HtmlNode | null; querySelector(selector: string): HtmlNode | null; querySelectorAll(selector: string): Iterable<HtmlNode>;
};
const documentOf = (html: string) => (parseHTML(html) as unknown as { document: HtmlNode & { body: HtmlNode | null } }).document;

/** The readable part of a page (Readability drops navigation, footers, ads), as headings and paragraphs. */
export function fromHtml(html: string): Extracted {
  const document = documentOf(html);
  const title = document.querySelector('title')?.textContent?.trim() || undefined;
  const body = document.body?.innerHTML ?? '';
  const article = new Readability(document as never).parse();
  const content = documentOf(`<!doctype html><html><body>${article?.content ?? body}</body></html>`);
  const lines: string[] = [];
  for (const el of content.querySelectorAll(BLOCKS)) {
    // Nested blocks (a p inside an li) are read once, by the outer one.
    if (el.parentElement?.closest(BLOCKS)) continue;
    const text = (el.textContent ?? '').replace(/\s+/g, ' ').trim();
    if (!text) continue;
    const level = /^H([1-6])$/.exec(el.tagName)?.[1];
    lines.push(level ? `${'#'.repeat(Number(level))} ${text}` : text);
  }
  const text = lines.length ? lines.join('\n\n') : (article?.textContent ?? content.body?.textContent ?? '').trim();
  return { title: article?.title?.trim() || title, text };
}

import type { Db } from '../db/database.ts';
import { searchChunks, type ChunkHit } from './chunk-table.ts';

export type { ChunkHit } from './chunk-table.ts';

/** Search limits: the contract's default and the most one search returns; queries longer than this are refused. */
export const SEARCH_LIMITS = Object.freeze({ defaultResults: 5, maxResults: 20, queryChars: 500 });

/**
 * Below this score (ts_rank_cd normalised to 0–1, see searchChunks) a passage does not
 * answer a question: the AI says it found nothing and recommends a person. One word of the
 * question found once in a passage's text scores 0.29 and does not count; the word in the
 * passage's heading (0.5), or two occurrences of the question's words (0.44 and up), do.
 */
export const RELEVANCE_THRESHOLD = 0.3;

/** The words of free text, as a websearch query matching any of them (`a or b or c`). */
const anyWordOf = (text: string) => (text.match(/[\p{L}\p{N}]+/gu) ?? []).join(' or ');

/**
 * The tenant's passages for a query. First as written, in web search syntax (all words,
 * "quoted phrases", -excluded); when that finds nothing, as any of its words, so a question
 * asked in a sentence still finds the passages that share its terms.
 */
export async function retrieve(db: Db, tenantId: string, query: string, limit: number): Promise<ChunkHit[]> {
  const words = anyWordOf(query);
  if (!words) return [];
  const strict = await searchChunks(db, tenantId, { match: query, rank: words }, limit);
  return strict.length ? strict : searchChunks(db, tenantId, { match: words, rank: words }, limit);
}

export function searchResult(hit: ChunkHit) {
  return {
    knowledgeItemId: hit.itemId, title: hit.title, snippet: hit.snippet, score: Math.round(hit.score * 10_000) / 10_000,
    ...(hit.heading && { heading: hit.heading }), ...(hit.url && { sourceUrl: hit.url }),
  };
}

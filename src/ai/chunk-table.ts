import type { Db } from '../db/database.ts';

/** Owns knowledge_chunks: the searchable passages of ready knowledge items (a generated tsvector, GIN-indexed). */

export type NewChunk = { heading: string; body: string };

/** Replaces the item's chunks (a reindex writes all of them again). */
export async function replaceChunks(db: Db, tenantId: string, itemId: string, chunks: NewChunk[]): Promise<void> {
  await removeChunks(db, tenantId, itemId);
  // Batches keep each insert's parameter count well below PostgreSQL's limit.
  for (let i = 0; i < chunks.length; i += 500) {
    await db('knowledge_chunks').insert(chunks.slice(i, i + 500).map((c, j) => ({
      tenant_id: tenantId, item_id: itemId, position: i + j, heading: c.heading, body: c.body,
    })));
  }
}

export async function removeChunks(db: Db, tenantId: string, itemId: string): Promise<void> {
  await db('knowledge_chunks').where({ tenant_id: tenantId, item_id: itemId }).delete();
}

export type ChunkHit = {
  itemId: string; title: string; url: string | null; heading: string; body: string; snippet: string; score: number;
};

/**
 * The tenant's best chunks matching `match` (web search syntax, `websearch_to_tsquery`,
 * which never fails on user text), ranked by cover density against `rank` (the query's
 * words, any of them) normalised to 0–1 (`ts_rank_cd` with 32: rank / (rank + 1)). Ranking
 * by any word keeps scores comparable whichever query matched. Snippets (`ts_headline`,
 * matches wrapped in `**`) are made only for the rows returned, since they are the costly part.
 */
export async function searchChunks(db: Db, tenantId: string, query: { match: string; rank: string }, limit: number): Promise<ChunkHit[]> {
  const { rows } = await db.raw<{ rows: Array<ChunkHit & { item_id: string; score: string | number }> }>(`
    select best.item_id, i.title, i.url, best.heading, best.body, best.score,
           ts_headline('english', best.body, best.q,
             'StartSel=**, StopSel=**, MaxWords=35, MinWords=12, MaxFragments=2, FragmentDelimiter=" … "') as snippet
      from (select c.item_id, c.heading, c.body, r as q, ts_rank_cd(c.search, r, 32) as score
              from knowledge_chunks c, websearch_to_tsquery('english', ?) q, websearch_to_tsquery('english', ?) r
             where c.tenant_id = ? and c.search @@ q
             order by score desc, c.id
             limit ?) best
      join knowledge_items i on i.id = best.item_id and i.tenant_id = ?
     order by best.score desc`, [query.match, query.rank, tenantId, limit, tenantId]);
  return rows.map((r) => ({
    itemId: r.item_id, title: r.title, url: r.url, heading: r.heading, body: r.body, snippet: r.snippet, score: Number(r.score),
  }));
}

import type { Readable } from 'node:stream';
import type { Knex } from 'knex';
import type { Logger } from '../logger.ts';
import { chunkText } from './chunking.ts';
import * as chunks from './chunk-table.ts';
import { ExtractionError, extractDocument, type Extracted, type KnowledgeType } from './extract.ts';
import type { KnowledgeDeps } from './knowledge.ts';
import { detectFetchedType } from './knowledge-types.ts';
import * as items from './knowledge-table.ts';
import { fetchPage } from './url-fetch.ts';

export type IngestWorker = { stop(): Promise<void> };

/** How long a claim lasts: a fetch's whole budget and a large PDF's parse fit in it many times over. */
const LEASE_MS = 120_000;
/** Items read at once, per process (PDF parsing is CPU-bound; the poll takes the rest later). */
const CONCURRENCY = 2;
/** Claims that end with no outcome (the process died each time) before the item fails for good. */
const MAX_ATTEMPTS = 3;

/**
 * The ingest worker every server process runs. Each round claims queued items (and items
 * whose claim ran out because their process died) with `SKIP LOCKED`, reads and chunks them
 * with no transaction open, then records the outcome while the claim is still its own. On
 * stop it aborts what is in flight and gives those claims back to the queue.
 */
export function startIngestWorker(deps: KnowledgeDeps & { db: Knex; logger: Logger }): IngestWorker {
  const shutdown = new AbortController();
  const inFlight = new Set<Promise<void>>();
  let timer: NodeJS.Timeout | undefined;
  let round: Promise<void> | undefined;

  async function claimAndIngest() {
    const capacity = CONCURRENCY - inFlight.size;
    if (capacity <= 0) return;
    let claimed: items.Claim[];
    try {
      claimed = await items.claim(deps.db, { limit: capacity, leaseMs: LEASE_MS });
    } catch (err) {
      deps.logger.warn({ err: { message: (err as Error).message } }, 'knowledge ingest round failed; retrying at the next poll');
      return;
    }
    for (const claim of claimed) {
      const work = ingest(deps, claim, shutdown.signal).finally(() => inFlight.delete(work));
      inFlight.add(work);
    }
  }

  const tick = () => {
    round ??= claimAndIngest().finally(() => {
      round = undefined;
    });
  };
  timer = setInterval(tick, deps.settings.ingestPollIntervalMs);
  timer.unref();
  tick();

  return {
    stop: async () => {
      clearInterval(timer);
      timer = undefined;
      await round;
      shutdown.abort();
      await Promise.allSettled([...inFlight]);
    },
  };
}

async function ingest(deps: KnowledgeDeps & { db: Knex; logger: Logger }, claim: items.Claim, signal: AbortSignal): Promise<void> {
  const { item } = claim;
  try {
    if (item.attempts > MAX_ATTEMPTS) throw new ExtractionError(`Ingest did not finish after ${MAX_ATTEMPTS} attempts`);
    const extracted = await read(deps, item, signal);
    const pieces = chunkText(extracted.text);
    await deps.db.transaction(async (trx) => {
      if (!await items.lockClaimed(trx, claim)) return; // deleted, reindexed or taken over meanwhile
      await chunks.replaceChunks(trx, item.tenantId, item.knowledgeItemId, pieces);
      const title = item.sourceType === 'url' && extracted.title ? extracted.title.slice(0, 200) : item.title;
      await items.markReady(trx, item.tenantId, item.knowledgeItemId, { title, chunkCount: pieces.length });
    });
  } catch (err) {
    if (signal.aborted) {
      await items.release(deps.db, claim).catch(() => undefined);
      return;
    }
    if (!(err instanceof ExtractionError)) {
      // Not the document's fault (the database blinked): the claim runs out and the item is tried again.
      deps.logger.warn({ err: { message: (err as Error).message }, knowledgeItemId: item.knowledgeItemId }, 'knowledge ingest failed; it will be retried');
      return;
    }
    await deps.db.transaction(async (trx) => {
      if (!await items.lockClaimed(trx, claim)) return;
      await chunks.removeChunks(trx, item.tenantId, item.knowledgeItemId);
      await items.markFailed(trx, item.tenantId, item.knowledgeItemId, err.message);
    });
  }
}

async function read(deps: KnowledgeDeps, item: items.StoredItem, signal: AbortSignal): Promise<Extracted> {
  if (item.sourceType === 'url') {
    const page = await fetchPage(item.url!, deps.settings, signal);
    const type = await detectFetchedType(page.body, page.contentType);
    if (!type) throw new ExtractionError(`The page is not text, HTML or PDF (${page.contentType ?? 'no content type'})`);
    return extractDocument(type, page.body);
  }
  const stored = item.storageKey ? await deps.store.read(item.storageKey) : undefined;
  if (!stored) throw new ExtractionError('The uploaded file is missing from storage');
  return extractDocument(item.contentType as KnowledgeType, await bytesOf(stored.stream));
}

async function bytesOf(stream: Readable): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const part of stream) parts.push(part as Buffer);
  return Buffer.concat(parts);
}

/**
 * `npm run bench:ai-knowledge`: knowledge search latency over real HTTP
 * (`POST /api/ai/visitor/knowledge/search`) with BENCH_TENANTS tenants (10) of BENCH_CHUNKS
 * chunks each (20,000), seeded with generate_series from a fixed vocabulary on a throwaway
 * PostgreSQL database (BENCH_DATABASE_URL); p50 and p99 of BENCH_REQUESTS sequential searches
 * in one tenant. Then ingest throughput: BENCH_PAGES web pages served locally and one PDF of
 * BENCH_PDF_PAGES pages, from queued to ready, in pages per second.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import knex from 'knex';
import { knowledgeItemOf } from '../src/ai/knowledge.ts';
import { loadConfig } from '../src/config.ts';
import { createLogger } from '../src/logger.ts';
import { startServer } from '../src/server.ts';
import { adminTokenOf, knowledgeAdmin, pdfOf } from '../test/ai/ai-support.ts';
import { createSeeder } from '../test/support/seed.ts';
import { freePort, type TestApp } from '../test/support/test-app.ts';
import { withThrowawayDatabase } from './throwaway-database.ts';

const TENANTS = Number(process.env.BENCH_TENANTS ?? 10);
const CHUNKS = Number(process.env.BENCH_CHUNKS ?? 20_000);
const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 500);
const PAGES = Number(process.env.BENCH_PAGES ?? 50);
const PDF_PAGES = Number(process.env.BENCH_PDF_PAGES ?? 100);
const serverUrl = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

/** A support-centre vocabulary: chunks are 80 of these words, drawn at random. */
const WORDS = `account address airport allergy apartment appointment arrival baggage balance battery billing booking branch broken
cancel card charge checkout coupon courier credit customs damaged deadline delivery deposit device discount download driver
email engine exchange expiry fabric fee flight food fragile gift guarantee helmet holiday hotel install insurance invoice
kitchen label laptop leather license locker login luggage membership message mobile network order package parcel password
payment pharmacy phone pickup plan policy premium printer privacy receipt refund register rental repair reservation return
router schedule screen seat security shipping shoes size software subscription support tablet tax ticket tracking transfer
upgrade voucher warranty wallet weather website window wireless`.split(/\s+/);

const pick = () => WORDS[Math.floor(Math.random() * WORDS.length)];
const percentile = (sorted: number[], p: number) => Number(sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))].toFixed(1));

async function main() {
  await withThrowawayDatabase(serverUrl, async (url) => {
    const config = loadConfig({
      NODE_ENV: 'development', PORT: String(await freePort()), DATABASE_URL: url, LOG_LEVEL: 'warn',
      KNOWLEDGE_ALLOWED_PRIVATE_HOSTS: '127.0.0.1', KNOWLEDGE_POLL_INTERVAL_MS: '50',
    });
    const server = await startServer(config, createLogger(config));
    const site = createServer((req, res) => {
      const n = Number(req.url?.slice(1));
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end(`<html><head><title>Page ${n}</title></head><body><article><h1>Topic ${n}</h1>${
        Array.from({ length: 12 }, (_, i) => `<h2>Part ${i}</h2><p>${Array.from({ length: 60 }, pick).join(' ')}.</p>`).join('')}</article></body></html>`);
    });
    await new Promise<void>((resolve) => site.listen(0, '127.0.0.1', resolve));
    try {
      const seed = createSeeder(server.deps);
      const tenants = [];
      for (let i = 0; i < TENANTS; i++) tenants.push(await seed.tenant({ plan: 'professional' }));
      // Seeding runs statements far longer than a request may take: its own connection, without the app's query bound.
      const db = knex({ client: 'pg', connection: url, pool: { min: 0, max: 1 } });
      let t = performance.now();
      for (const tenant of tenants) {
        const itemId = crypto.randomUUID();
        await db('knowledge_items').insert({ id: itemId, tenant_id: tenant.id, source_type: 'upload', title: 'Bench corpus', status: 'ready', chunk_count: CHUNKS });
        await db.raw(`insert into knowledge_chunks (tenant_id, item_id, position, heading, body)
          select ?, ?, g, 'Section ' || g, body
            from generate_series(1, ?) g, (select ?::text[] as w) v,
            lateral (select string_agg(w[1 + floor(random() * array_length(w, 1))::int + 0 * k], ' ') as body
                       from generate_series(1, 80) k where g > 0) b`, [tenant.id, itemId, CHUNKS, WORDS]);
      }
      await db.raw('analyze knowledge_chunks');
      await db.destroy();
      const seeded = (performance.now() - t) / 1000;

      const session = await fetch(`${server.url}/api/sdk/session`, {
        method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ slug: tenants[0].slug }),
      });
      const token = ((await session.json()) as { data: { sessionToken: string } }).data.sessionToken;
      const latencies: number[] = [];
      let results = 0;
      for (let i = 0; i < REQUESTS + 20; i++) {
        const query = i % 2 ? `How do I ${pick()} my ${pick()}?` : `${pick()} ${pick()}`;
        t = performance.now();
        const res = await fetch(`${server.url}/api/ai/visitor/knowledge/search`, {
          method: 'POST', headers: { 'content-type': 'application/json', 'x-ringnity-sdk-session': token }, body: JSON.stringify({ query, limit: 5 }),
        });
        const body = await res.text();
        if (res.status !== 200) throw new Error(`search answered ${res.status}: ${body.slice(0, 200)}`);
        if (i >= 20) {
          latencies.push(performance.now() - t); // the first 20 warm the caches and the JIT
          results += (JSON.parse(body) as { data: { results: unknown[] } }).data.results.length;
        }
      }
      latencies.sort((a, b) => a - b);

      // Ingest: pages from a local site and one long PDF, queued at once, timed until all are ready.
      const http = { request: (p: string, init?: RequestInit & { json?: unknown }) => request(server.url, p, init) };
      const admin = knowledgeAdmin(http, await adminTokenOf({ ...http, seed } as unknown as TestApp, tenants[1]));
      const siteUrl = `http://127.0.0.1:${(site.address() as AddressInfo).port}`;
      t = performance.now();
      const ids: string[] = [];
      for (let i = 0; i < PAGES; i++) ids.push((await admin.url(`${siteUrl}/${i}`)).body.data.knowledgeItemId);
      const pdf = pdfOf(Array.from({ length: PDF_PAGES }, (_, p) => Array.from({ length: 30 }, () => Array.from({ length: 10 }, pick).join(' ') + ` ${p}`)));
      ids.push((await admin.upload('bench.pdf', pdf)).body.data.knowledgeItemId);
      for (const id of ids) {
        for (;;) {
          const item = await knowledgeItemOf(server.deps.db, tenants[1].id, id);
          if (item?.status === 'failed') throw new Error(`ingest failed: ${item.failureReason}`);
          if (item?.status === 'ready') break;
          await new Promise((resolve) => setTimeout(resolve, 20));
        }
      }
      const ingestSeconds = (performance.now() - t) / 1000;
      console.log(JSON.stringify({
        tenants: TENANTS, chunksPerTenant: CHUNKS, seededSeconds: Number(seeded.toFixed(1)), searches: latencies.length,
        meanResults: Number((results / latencies.length).toFixed(2)), p50ms: percentile(latencies, 0.5), p99ms: percentile(latencies, 0.99),
        ingest: { webPages: PAGES, pdfPages: PDF_PAGES, seconds: Number(ingestSeconds.toFixed(2)), pagesPerSecond: Number(((PAGES + PDF_PAGES) / ingestSeconds).toFixed(1)) },
        node: process.version, cpus: os.cpus().length, loadavg: os.loadavg().map((l) => Number(l.toFixed(2))),
      }, null, 2));
    } finally {
      site.close();
      await server.stop();
    }
  });
}

async function request(base: string, p: string, init: RequestInit & { json?: unknown } = {}) {
  const headers = new Headers(init.headers);
  if (init.json !== undefined) headers.set('content-type', 'application/json');
  const res = await fetch(base + p, { ...init, headers, body: init.json !== undefined ? JSON.stringify(init.json) : init.body });
  const text = await res.text();
  return { status: res.status, headers: res.headers, text, body: text ? JSON.parse(text) : undefined };
}

await main();

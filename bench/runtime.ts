/**
 * `npm run bench:runtime`: the public runtime entry points every page view of a customer site
 * hits, beside discovery in the same run: bootstrap (one cached, indexed read) and session
 * creation (a visitor row, a rate-limit counter and a signed token), at peak and at half the
 * peak rate. PostgreSQL from BENCH_DATABASE_URL (a throwaway database), BENCH_SECONDS per scenario.
 */
import os from 'node:os';
import { load, loadAtRate, type LoadResult } from './load.ts';
import { startServerUnderTest } from './server-under-test.ts';
import { withThrowawayDatabase } from './throwaway-database.ts';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 3);
const CONNECTIONS = 10;
const serverUrl = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

async function main() {
  await withThrowawayDatabase(serverUrl, async (url) => {
    const server = await startServerUnderTest('serve-ringnity.ts', { BENCH_DATABASE_URL: url });
    try {
      report(await measure(server.url, server.tenantSlug!));
    } finally {
      await server.stop();
    }
  });
}

async function measure(base: string, slug: string): Promise<LoadResult[]> {
  const opts = { seconds: SECONDS, connections: CONNECTIONS, init: async () => undefined };
  const request = (path: string, init?: RequestInit) => async () => {
    const res = await fetch(base + path, init);
    await res.arrayBuffer();
    return { ok: res.ok };
  };
  const discovery = request('/.well-known/openid-configuration');
  const bootstrap = request(`/api/sdk/bootstrap?slug=${slug}`);
  const session = request('/api/sdk/session', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ slug }) });
  await load('warm-up', { ...opts, seconds: 1 }, discovery);
  const results: LoadResult[] = [
    await load('discovery', opts, discovery),
    await load('bootstrapRuntime', opts, bootstrap),
    await load('createRuntimeSession (peak)', opts, session),
  ];
  const halfOf = (r: LoadResult) => Math.max(1, Math.floor(r.perSecond / 2));
  results.push(await loadAtRate('createRuntimeSession (half peak, open loop)', { seconds: SECONDS, perSecond: halfOf(results[2]) }, session));
  results.push(await loadAtRate('bootstrapRuntime (half peak, open loop)', { seconds: SECONDS, perSecond: halfOf(results[1]) }, bootstrap));
  return results;
}

function report(results: LoadResult[]) {
  console.log(`\n${SECONDS}s per scenario, ${CONNECTIONS} concurrent connections (closed loop) unless open loop, Node ${process.version}`);
  console.log(`${os.cpus().length} CPUs (${os.cpus()[0]?.model}), 1-minute load average at the end ${os.loadavg()[0].toFixed(2)}\n`);
  console.log('| scenario | req/s | p99 ms | non-2xx | vs discovery |');
  console.log('|---|---|---|---|---|');
  for (const r of results) {
    console.log(`| ${r.name} | ${r.perSecond.toFixed(0)} | ${r.p99ms.toFixed(1)} | ${r.non2xx} | ${(100 * r.perSecond / results[0].perSecond).toFixed(0)}% |`);
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});

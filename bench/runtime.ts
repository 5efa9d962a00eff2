/**
 * `npm run bench:runtime`: the public runtime entry points every page view of a customer site
 * hits, beside discovery in the same run: bootstrap (one cached, indexed read) and session
 * creation (a visitor row, a rate-limit counter and a signed token), at peak and at half the
 * peak rate. PostgreSQL from BENCH_DATABASE_URL (a throwaway database), BENCH_SECONDS per scenario.
 */
import os from 'node:os';
import knex from 'knex';
import { load, loadAtRate, type LoadResult } from './load.ts';
import { startServerUnderTest } from './server-under-test.ts';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 3);
const CONNECTIONS = 10;
const serverUrl = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

async function main() {
  const name = `ringnity_bench_${Date.now()}`;
  const admin = knex({ client: 'pg', connection: serverUrl, pool: { min: 0, max: 1 } });
  await admin.raw(`CREATE DATABASE ${name}`);
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  const server = await startServerUnderTest('serve-ringnity.ts', { BENCH_DATABASE_URL: url.toString() });
  try {
    const opts = { seconds: SECONDS, connections: CONNECTIONS, init: async () => undefined };
    const request = (path: string, init?: RequestInit) => async () => {
      const res = await fetch(server.url + path, init);
      await res.arrayBuffer();
      return { ok: res.ok };
    };
    const discovery = request('/.well-known/openid-configuration');
    const bootstrap = request(`/api/sdk/bootstrap?slug=${server.tenantSlug}`);
    const session = request('/api/sdk/session', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ slug: server.tenantSlug }) });
    await load('warm-up', { ...opts, seconds: 1 }, discovery);
    const results: LoadResult[] = [
      await load('discovery', opts, discovery),
      await load('bootstrapRuntime', opts, bootstrap),
      await load('createRuntimeSession (peak)', opts, session),
    ];
    const peak = results[2].perSecond;
    results.push(await loadAtRate('createRuntimeSession (half peak, open loop)', { seconds: SECONDS, perSecond: Math.max(1, Math.floor(peak / 2)) }, session));
    results.push(await loadAtRate('bootstrapRuntime (half peak, open loop)', { seconds: SECONDS, perSecond: Math.max(1, Math.floor(results[1].perSecond / 2)) }, bootstrap));
    report(results);
  } finally {
    await server.stop();
    await admin.raw(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.destroy();
  }
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

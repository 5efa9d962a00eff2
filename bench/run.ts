/**
 * `npm run bench`: Login with Ringnity throughput against PostgreSQL, next to a bare
 * oidc-provider with its in-memory adapter. Each server under test runs in its own child
 * process (bench/serve-*.ts) while this process generates the load, one scenario at a time,
 * ours then bare for each scenario, so both sides of a ratio see the same background load.
 * BENCH_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/postgres) names the server;
 * a throwaway database is created and dropped. BENCH_SECONDS sets the time per scenario.
 * BENCH_ONLY=ringnity|bare runs one side; BENCH_NODE_ARGS passes flags to the children (e.g. --cpu-prof).
 * Each scenario then runs open loop at half the peak it reached, for the p99 a client sees there.
 * Each peak also reports the server's CPU per request and, for ours, PostgreSQL's CPU (when it
 * runs on this machine) and the WAL it wrote per request (the whole PostgreSQL server's:
 * nothing else should use it meanwhile).
 */
import os from 'node:os';
import argon2 from 'argon2';
import { loadConfig } from '../src/config.ts';
import { load, type LoadResult, type Meters } from './load.ts';
import { chatScenarios } from './chat-scenarios.ts';
import { prepareScenarios, SCENARIO_NAMES } from './scenarios.ts';
import { startServerUnderTest, type ServerUnderTest } from './server-under-test.ts';
import { withThrowawayDatabase } from './throwaway-database.ts';
import { postgresCpuSeconds } from './process-cpu.ts';
import { walPosition } from './wal-position.ts';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 3);
const CONNECTIONS = 10;
const ONLY = process.env.BENCH_ONLY;
const NODE_ARGS = process.env.BENCH_NODE_ARGS?.split(' ').filter(Boolean) ?? [];
const serverUrl = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

async function main() {
  const opts = { seconds: SECONDS, connections: CONNECTIONS };
  const servers: ServerUnderTest[] = [];
  const start = async (entry: string, env: Record<string, string>, meters: Meters) => {
    const server = await startServerUnderTest(entry, env, NODE_ARGS);
    servers.push(server);
    const withCpu = server.cpuSeconds ? { ...meters, cpuSeconds: server.cpuSeconds } : meters;
    return { server, scenarios: await prepareScenarios(server, { ...opts, meters: withCpu }) };
  };
  await withThrowawayDatabase(serverUrl, async (url) => {
    const wal = walPosition(url);
    try {
      const postgresCpu = postgresCpuSeconds();
      const database: Meters = { walBytes: wal.read, ...(postgresCpu && { postgresCpuSeconds: postgresCpu }) };
      const ours = ONLY === 'bare' ? undefined : await start('serve-ringnity.ts', { BENCH_DATABASE_URL: url }, database);
      const bare = ONLY === 'ringnity' ? undefined : await start('serve-bare.ts', {}, {});
      const results = { ours: [] as LoadResult[], bare: [] as LoadResult[] };
      const halfPeak = { ours: [] as LoadResult[], bare: [] as LoadResult[] };
      // An idle server costs nothing, so both stay up and each scenario runs on ours, then on bare,
      // at its peak, then at half of it (before later scenarios crowd the bare server's bounded
      // in-memory store, which would drop the access token userinfo uses).
      for (let i = 0; i < SCENARIO_NAMES.length; i++) {
        if (ours) results.ours.push(await ours.scenarios[i].peak());
        if (bare) results.bare.push(await bare.scenarios[i].peak());
        if (ours) halfPeak.ours.push(await ours.scenarios[i].atRate(half(results.ours[i])));
        if (bare) halfPeak.bare.push(await bare.scenarios[i].atRate(half(results.bare[i])));
      }
      // Visitor chat has no bare counterpart: it is measured on ours, against userinfo of the same run.
      const chat = ours && await chatScenarios(ours.server, { ...opts, meters: database });
      await Promise.all(servers.map((s) => s.stop()));
      // Measured with no server running, so the bound is the machine's, not what is left over.
      const hashesPerSecond = await argon2Bound(loadConfig({ NODE_ENV: 'development' }).argon2);
      report(ours && results.ours, bare && results.bare, hashesPerSecond);
      reportHalfPeak(ours && halfPeak.ours, bare && halfPeak.bare);
      if (chat) reportChat(chat, results.ours[SCENARIO_NAMES.indexOf('userinfo')]);
    } finally {
      await Promise.all(servers.map((s) => s.stop()));
      await wal.close();
    }
  });
}

/** argon2id verifications per second on this machine with the configured parameters (libuv pool). */
async function argon2Bound(params: { memoryCost: number; timeCost: number; parallelism: number }): Promise<number> {
  const hash = await argon2.hash('bench-password-123', { type: argon2.argon2id, ...params });
  const result = await load('argon2', { seconds: SECONDS, connections: 8, init: async () => undefined }, async () => ({ ok: await argon2.verify(hash, 'bench-password-123') }));
  return result.perSecond;
}

const cpuCell = (r: LoadResult | undefined, meter = 'cpuSeconds') => (r?.perRequest[meter] === undefined ? '-' : (1e6 * r.perRequest[meter]).toFixed(0));
const walCell = (r: LoadResult | undefined) => r?.perRequest.walBytes?.toFixed(0) ?? '-';
const cells = (r: LoadResult | undefined) => (r ? [r.perSecond.toFixed(0), r.p99ms.toFixed(1), String(r.non2xx)] : ['-', '-', '-']);

function report(ours: LoadResult[] | undefined, bare: LoadResult[] | undefined, hashesPerSecond: number) {
  console.log(`\n${SECONDS}s per scenario, ${CONNECTIONS} concurrent connections, each server in its own process, Node ${process.version}`);
  // Anything else running on the machine shifts both columns; the load average makes that visible.
  console.log(`${os.cpus().length} CPUs (${os.cpus()[0]?.model}), 1-minute load average at the end ${os.loadavg()[0].toFixed(2)}\n`);
  console.log('| scenario | ringnity req/s | p99 ms | non-2xx | bare req/s | p99 ms | non-2xx | ratio | server CPU µs/req, ringnity / bare | PostgreSQL CPU µs/req | WAL bytes/req |');
  console.log('|---|---|---|---|---|---|---|---|---|---|---|');
  SCENARIO_NAMES.forEach((name, i) => {
    const [o, b] = [ours?.[i], bare?.[i]];
    const ratio = o && b ? `${(100 * o.perSecond / b.perSecond).toFixed(0)}%` : '-';
    console.log(`| ${name} | ${[...cells(o), ...cells(b), ratio, `${cpuCell(o)} / ${cpuCell(b)}`, cpuCell(o, 'postgresCpuSeconds'), walCell(o)].join(' | ')} |`);
  });
  const logins = ours?.[SCENARIO_NAMES.length - 1];
  const share = logins ? `; login flows reached ${(100 * logins.perSecond / hashesPerSecond).toFixed(0)}% of it` : '';
  console.log(`\nargon2id bound: ${hashesPerSecond.toFixed(1)} verifications/s${share}.`);
}

const half = (peak: LoadResult) => Math.max(1, Math.floor(peak.perSecond / 2));

function reportHalfPeak(ours: LoadResult[] | undefined, bare: LoadResult[] | undefined) {
  console.log('\nOpen loop at half of each side\'s peak:\n');
  console.log('| scenario | ringnity req/s | p99 ms | non-2xx | bare req/s | p99 ms | non-2xx |');
  console.log('|---|---|---|---|---|---|---|');
  SCENARIO_NAMES.forEach((name, i) => console.log(`| ${name} | ${[...cells(ours?.[i]), ...cells(bare?.[i])].join(' | ')} |`));
}

function reportChat(chat: LoadResult[], userinfo: LoadResult) {
  console.log('\n| visitor chat | req/s | p99 ms | non-2xx | vs userinfo | PostgreSQL CPU µs/req | WAL bytes/req |');
  console.log('|---|---|---|---|---|---|---|');
  for (const r of chat) console.log(`| ${r.name} | ${r.perSecond.toFixed(0)} | ${r.p99ms.toFixed(1)} | ${r.non2xx} | ${(100 * r.perSecond / userinfo.perSecond).toFixed(0)}% | ${cpuCell(r, 'postgresCpuSeconds')} | ${walCell(r)} |`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});

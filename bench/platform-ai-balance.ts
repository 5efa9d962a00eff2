/**
 * `npm run bench:ai-balance`: the latency of `GET /api/platform/ai-balance` (getPlatformAiBalance)
 * over real HTTP with BENCH_TENANTS tenants (10,000) and BENCH_USAGE_ROWS AI usage rows this
 * month (1,000,000), seeded with generate_series on a throwaway PostgreSQL database
 * (BENCH_DATABASE_URL). Prints p50 and p95 of BENCH_REQUESTS sequential requests.
 */
import os from 'node:os';
import knex from 'knex';
import { loadConfig } from '../src/config.ts';
import { createLogger } from '../src/logger.ts';
import { startServer } from '../src/server.ts';
import { createSeeder } from '../test/support/seed.ts';
import { freePort } from '../test/support/test-app.ts';
import { withThrowawayDatabase } from './throwaway-database.ts';

const TENANTS = Number(process.env.BENCH_TENANTS ?? 10_000);
const USAGE_ROWS = Number(process.env.BENCH_USAGE_ROWS ?? 1_000_000);
const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 30);
const serverUrl = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

async function main() {
  await withThrowawayDatabase(serverUrl, async (url) => {
    const config = loadConfig({ NODE_ENV: 'development', PORT: String(await freePort()), DATABASE_URL: url, LOG_LEVEL: 'warn' });
    const server = await startServer(config, createLogger(config));
    try {
      // Seeding runs statements far longer than a request may take: its own connection, without the app's query bound.
      const db = knex({ client: 'pg', connection: url, pool: { min: 0, max: 1 } });
      let t = performance.now();
      await db.raw(`insert into tenants (id, slug, name, email, public_key, plan_id)
        select gen_random_uuid(), 'bench-' || i, 'Bench tenant ' || i, 'owner-' || i || '@bench.test', 'rn_pk_bench_' || i,
          (select id from plans order by sort_order offset (i % 3) limit 1)
        from generate_series(1, ?) as i`, [TENANTS]);
      await db.raw(`insert into ai_balances (tenant_id, balance_cents, total_top_up_cents)
        select id, b, b from (select id, (random() * 5000)::int as b from tenants) t`);
      // A month of usage spread over the part of the month that has passed, round-robin over the tenants.
      await db.raw(`with t as (select array_agg(id order by id) as ids, count(*)::int as n from tenants),
          m as (select date_trunc('month', now() at time zone 'utc') at time zone 'utc' as start)
        insert into ai_usage (tenant_id, occurred_at, replies, voice_seconds, input_tokens, output_tokens, charge_cents)
        select t.ids[1 + i % t.n], m.start + random() * (now() - m.start), case when i % 10 = 0 then 0 else 1 end,
          case when i % 10 = 0 then (random() * 300)::int else 0 end, 2500 + (random() * 1000)::int, 800 + (random() * 400)::int, 0
        from generate_series(1, ?) as i, t, m`, [USAGE_ROWS]);
      // The month totals the app keeps beside the rows (recordAiUsage adds each row to them), derived here in one pass.
      await db.raw(`insert into ai_usage_months (tenant_id, month, replies, voice_seconds, voice_events, input_tokens, output_tokens, charged_cents)
        select tenant_id, (date_trunc('month', occurred_at at time zone 'utc'))::date, sum(replies), sum(voice_seconds),
          count(*) filter (where voice_seconds > 0), sum(input_tokens), sum(output_tokens), sum(charge_cents)
        from ai_usage group by 1, 2`);
      await db.raw('analyze');
      await db.destroy();
      const seeded = (performance.now() - t) / 1000;

      const admin = await createSeeder(server.deps).platformAdmin('platform_support');
      const login = await fetch(`${server.url}/api/platform/auth/login`, {
        method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: admin.email, password: admin.password }),
      });
      const { data } = await login.json() as { data: { accessToken: string } };
      const headers = { authorization: `Bearer ${data.accessToken}` };

      const latencies: number[] = [];
      let bytes = 0;
      let tenants = 0;
      for (let i = 0; i < REQUESTS + 2; i++) {
        t = performance.now();
        const res = await fetch(`${server.url}/api/platform/ai-balance`, { headers });
        const body = await res.text();
        if (res.status !== 200) throw new Error(`getPlatformAiBalance answered ${res.status}: ${body.slice(0, 200)}`);
        if (i >= 2) latencies.push(performance.now() - t); // the first two warm the caches and the JIT
        bytes = body.length;
        tenants = (JSON.parse(body) as { data: { tenants: unknown[] } }).data.tenants.length;
      }
      latencies.sort((a, b) => a - b);
      const pct = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * p))].toFixed(1);
      console.log(JSON.stringify({
        tenants, usageRows: USAGE_ROWS, seededSeconds: Number(seeded.toFixed(1)), requests: latencies.length,
        p50ms: Number(pct(0.5)), p95ms: Number(pct(0.95)), responseBytes: bytes,
        node: process.version, cpus: os.cpus().length, loadavg: os.loadavg().map((l) => Number(l.toFixed(2))),
      }, null, 2));
    } finally {
      await server.stop();
    }
  });
}

await main();

/**
 * `npm run bench:reports`: report reads at volume on PostgreSQL. Seeds two tenants (the second
 * only to share the tables, as production does), each with BENCH_CONVERSATIONS conversations
 * (100,000), BENCH_MESSAGES_PER_CONVERSATION messages each (10, so 1,000,000), BENCH_CALLS
 * calls (50,000) and their facts over the last 90 days, with generate_series on a throwaway
 * database (BENCH_DATABASE_URL). Then times summary, timeseries and CSV export over real HTTP
 * for `30days` and a 366-day custom range (BENCH_REQUESTS each, sequential), and the server's
 * memory across the exports.
 */
import os from 'node:os';
import knex from 'knex';
import { loadConfig } from '../src/config.ts';
import { createLogger } from '../src/logger.ts';
import { startServer } from '../src/server.ts';
import { operatorIn } from '../src/audit/actor.ts';
import { setTenantTimezone } from '../src/tenants/tenants.ts';
import { createSeeder } from '../test/support/seed.ts';
import { freePort } from '../test/support/test-app.ts';
import { withThrowawayDatabase } from './throwaway-database.ts';

const CONVERSATIONS = Number(process.env.BENCH_CONVERSATIONS ?? 100_000);
const MESSAGES_PER_CONVERSATION = Number(process.env.BENCH_MESSAGES_PER_CONVERSATION ?? 10);
const CALLS = Number(process.env.BENCH_CALLS ?? 50_000);
const AGENTS = 20;
const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 10);
const serverUrl = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

/** One tenant's 90 days: conversations, their messages, calls and facts, all in SQL. */
async function seedTenant(db: knex.Knex, tenantId: string) {
  await db.raw(`insert into accounts (id, tenant_id, role, username, name, password_hash)
    select gen_random_uuid(), ?, 'agent', 'agent-' || i, 'Agent ' || i, 'x' from generate_series(1, ?) i`, [tenantId, AGENTS]);
  await db.raw(`create temp table bench_agents as select row_number() over (order by id) as n, id from accounts where tenant_id = ? and role = 'agent'`, [tenantId]);
  await db.raw(`insert into conversations (id, tenant_id, number, status, created_at, updated_at, last_seq, assigned_agent_id)
    select gen_random_uuid(), ?, i, case when i % 5 < 3 then 'closed' else 'open' end, t, t, ?, (select id from bench_agents where n = 1 + i % ?)
    from (select i, now() - random() * interval '90 days' as t from generate_series(1, ?) i) s`, [tenantId, MESSAGES_PER_CONVERSATION, AGENTS, CONVERSATIONS]);
  await db.raw(`insert into messages (id, tenant_id, conversation_id, seq, sender_type, sender_id, message_type, body, created_at)
    select gen_random_uuid(), c.tenant_id, c.id, s, case when s % 2 = 1 then 'visitor' else 'agent' end,
      case when s % 2 = 1 then null else c.assigned_agent_id end, 'text', 'hello', c.created_at + s * interval '1 minute'
    from conversations c, generate_series(1, ?) s where c.tenant_id = ?`, [MESSAGES_PER_CONVERSATION, tenantId]);
  // Facts as the services record them: every creation, most assignments, 60 % resolved, some reopened, 30 % rated.
  await db.raw(`insert into conversation_facts (tenant_id, conversation_id, kind, occurred_at, agent_id, value)
    select tenant_id, id, 'conversation_created', created_at, null::uuid, null::numeric from conversations where tenant_id = :t
    union all select tenant_id, id, 'assigned', created_at + interval '2 minutes', assigned_agent_id, null from conversations where tenant_id = :t and number % 10 < 8
    union all select tenant_id, id, 'resolved', created_at + interval '30 minutes', assigned_agent_id, 1800 from conversations where tenant_id = :t and number % 5 < 3
    union all select tenant_id, id, 'reopened', created_at + interval '2 days', null, null from conversations where tenant_id = :t and number % 20 = 0
    union all select tenant_id, id, 'rating', created_at + interval '31 minutes', assigned_agent_id, 1 + number % 5 from conversations where tenant_id = :t and number % 10 < 3`,
  { t: tenantId });
  await db.raw(`insert into call_sessions (id, tenant_id, conversation_id, type, direction, status, started_by_type, started_by_id,
      answered_by_type, answered_by_id, started_at, ring_deadline, answered_at, ended_at)
    select gen_random_uuid(), c.tenant_id, c.id, 'audio', case when c.number % 10 = 0 then 'outbound' else 'inbound' end,
      case when c.number % 10 < 7 then 'ended' else 'missed' end, 'visitor', gen_random_uuid(),
      case when c.number % 10 < 7 then 'account' end, case when c.number % 10 < 7 then c.assigned_agent_id end,
      c.created_at + interval '5 minutes', c.created_at + interval '5 minutes 45 seconds',
      case when c.number % 10 < 7 then c.created_at + interval '5 minutes 10 seconds' end,
      case when c.number % 10 < 7 then c.created_at + interval '5 minutes 10 seconds' + (30 + c.number % 600) * interval '1 second' end
    from conversations c where c.tenant_id = ? and c.number <= ?`, [tenantId, CALLS]);
  await db.raw('drop table bench_agents');
}

type Timing = { p50ms: number; p95ms: number; maxms: number };

async function time(url: string, headers: Record<string, string>): Promise<Timing & { bytes: number }> {
  const latencies: number[] = [];
  let bytes = 0;
  for (let i = 0; i < REQUESTS + 2; i++) {
    const t = performance.now();
    const res = await fetch(url, { headers });
    const body = await res.text();
    if (res.status !== 200) throw new Error(`${url} answered ${res.status}: ${body.slice(0, 200)}`);
    if (i >= 2) latencies.push(performance.now() - t); // the first two warm caches and the JIT
    bytes = body.length;
  }
  latencies.sort((a, b) => a - b);
  const at = (p: number) => Number(latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * p))].toFixed(1));
  return { p50ms: at(0.5), p95ms: at(0.95), maxms: at(1), bytes };
}

async function main() {
  await withThrowawayDatabase(serverUrl, async (url) => {
    const config = loadConfig({
      NODE_ENV: 'development', PORT: String(await freePort()), DATABASE_URL: url, LOG_LEVEL: 'warn', REPORTS_PER_TENANT_PER_MINUTE: '100000',
      // Measure slow answers rather than have the default 2 s bound cut them off.
      DATABASE_QUERY_TIMEOUT_MS: '20000',
    });
    const server = await startServer(config, createLogger(config));
    try {
      const seeder = createSeeder(server.deps);
      const [tenant, neighbour] = [await seeder.tenant({ plan: 'enterprise' }), await seeder.tenant({ plan: 'enterprise' })];
      await setTenantTimezone(server.deps.db, operatorIn(tenant.id), tenant.id, 'America/New_York');
      // Seeding runs statements far longer than a request may take: its own connection, without the app's query bound.
      const db = knex({ client: 'pg', connection: url, pool: { min: 1, max: 1 } });
      let t = performance.now();
      for (const id of [tenant.id, neighbour.id]) await seedTenant(db, id);
      // As autovacuum leaves a table that has settled: statistics, and the visibility map index-only scans need.
      await db.raw('vacuum analyze');
      const counts = await db.raw(`select (select count(*) from conversations)::int as conversations, (select count(*) from messages)::int as messages,
        (select count(*) from call_sessions)::int as calls, (select count(*) from conversation_facts)::int as facts`);
      await db.destroy();
      const seeded = (performance.now() - t) / 1000;

      const key = await seeder.serverKey(tenant.id, ['server:reports:read']);
      const headers = { authorization: `Bearer ${key.secret}` };
      const today = new Date().toISOString().slice(0, 10);
      const yearAgo = new Date(Date.now() - 365 * 86_400_000).toISOString().slice(0, 10);
      const ranges = { '30days': 'period=30days', '366days': `period=custom&startDate=${yearAgo}&endDate=${today}` };
      const results: Record<string, Record<string, Timing>> = {};
      const rss: number[] = [];
      for (const [name, query] of Object.entries(ranges)) {
        results[name] = {};
        for (const [op, path] of [['summary', 'summary'], ['timeseries', 'timeseries'], ['exportCsv', 'export']] as const) {
          const csv = op === 'exportCsv' ? '&format=csv' : '';
          if (op === 'exportCsv') rss.push(process.memoryUsage().rss);
          results[name][op] = await time(`${server.url}/api/server/reports/${path}?${query}${csv}`, headers);
          if (op === 'exportCsv') rss.push(process.memoryUsage().rss);
        }
      }
      t = performance.now();
      console.log(JSON.stringify({
        perTenant: { conversations: CONVERSATIONS, messages: CONVERSATIONS * MESSAGES_PER_CONVERSATION, calls: CALLS }, tenants: 2,
        rows: counts.rows[0], seededSeconds: Number(seeded.toFixed(1)), requestsEach: REQUESTS, results,
        serverRssMb: rss.map((b) => Math.round(b / 1048576)),
        node: process.version, cpus: os.cpus().length, loadavg: os.loadavg().map((l) => Number(l.toFixed(2))),
      }, null, 2));
    } finally {
      await server.stop();
    }
  });
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});

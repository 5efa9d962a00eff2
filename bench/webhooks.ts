/**
 * `npm run bench:webhooks`: end-to-end webhook deliveries per second from one process to a fast
 * local receiver, and what the outbox write adds to an API call that emits an event (contact
 * upserts with and without a subscribed endpoint). The app runs in this process on a throwaway
 * PostgreSQL database (BENCH_DATABASE_URL); the receiver is a bare node:http server.
 */
import { createServer } from 'node:http';
import os from 'node:os';
import { operatorIn } from '../src/audit/actor.ts';
import { loadConfig } from '../src/config.ts';
import { createLogger } from '../src/logger.ts';
import { startServer } from '../src/server.ts';
import { emitEvent } from '../src/webhooks/outbox.ts';
import { createSeeder } from '../test/support/seed.ts';
import { freePort } from '../test/support/test-app.ts';
import { load } from './load.ts';
import { withThrowawayDatabase } from './throwaway-database.ts';

const EVENTS = Number(process.env.BENCH_EVENTS ?? 3000);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 3);
const serverUrl = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

async function main() {
  let received = 0;
  const receiver = createServer((req, res) => req.resume().on('end', () => { received++; res.end(); }));
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  const receiverUrl = `http://127.0.0.1:${(receiver.address() as { port: number }).port}/hooks`;

  await withThrowawayDatabase(serverUrl, async (url) => {
    const config = loadConfig({
      NODE_ENV: 'development', PORT: String(await freePort()), DATABASE_URL: url, LOG_LEVEL: 'warn',
      WEBHOOK_ALLOWED_PRIVATE_HOSTS: '127.0.0.1', WEBHOOK_CONCURRENCY: '50',
    });
    const server = await startServer(config, createLogger(config));
    try {
      const seed = createSeeder(server.deps);
      const { db } = server.deps;
      const quiet = await seed.tenant();
      const busy = await seed.tenant();
      const quietKey = await seed.serverKey(quiet.id, ['server:contacts:write']);
      const busyKey = await seed.serverKey(busy.id, ['server:contacts:write', 'server:webhook:write']);
      const hook = await fetch(`${server.url}/api/server/webhooks`, {
        method: 'POST', headers: { authorization: `Bearer ${busyKey.secret}`, 'content-type': 'application/json' },
        body: JSON.stringify({ url: receiverUrl, events: ['contact.created', 'contact.updated'] }),
      });
      if (hook.status !== 201) throw new Error(`webhook not created: ${hook.status} ${await hook.text()}`);

      // Deliveries: EVENTS events committed in batches, then the time until the receiver has them all.
      const started = performance.now();
      for (let i = 0; i < EVENTS; i += 100) {
        await db.transaction(async (trx) => {
          for (let j = i; j < Math.min(EVENTS, i + 100); j++) await emitEvent(trx, operatorIn(busy.id), 'contact.created', { contact: { id: String(j) } });
        });
      }
      while (received < EVENTS) await new Promise((resolve) => setTimeout(resolve, 5));
      const perSecond = EVENTS / ((performance.now() - started) / 1000);

      // The emitting call: one connection, so p50 is the call's own latency.
      const upsert = (key: string) => {
        let n = 0;
        return async () => {
          const res = await fetch(`${server.url}/api/server/contacts`, {
            method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
            body: JSON.stringify({ externalId: `c-${n++}`, name: 'Bench', phone: `+1415555${String(n % 10000).padStart(4, '0')}` }),
          });
          await res.arrayBuffer();
          return { ok: res.ok };
        };
      };
      const p50 = async (name: string, key: string) => {
        const latencies: number[] = [];
        const step = upsert(key);
        await load(name, { seconds: SECONDS, connections: 1, init: async () => undefined }, async () => {
          const t = performance.now();
          const r = await step();
          latencies.push(performance.now() - t);
          return r;
        });
        latencies.sort((a, b) => a - b);
        return latencies[Math.floor(latencies.length / 2)];
      };
      const without = await p50('upsert, no endpoint', quietKey.secret);
      const withHook = await p50('upsert, one endpoint', busyKey.secret);

      console.log(`\nNode ${process.version}, ${os.cpus().length} CPUs (${os.cpus()[0]?.model}), 1-minute load average ${os.loadavg()[0].toFixed(2)}\n`);
      console.log('| measure | value |');
      console.log('|---|---|');
      console.log(`| deliveries/s, ${EVENTS} events, one process, 50 concurrent sends | ${perSecond.toFixed(0)} |`);
      console.log(`| contact upsert p50, no subscribed endpoint | ${without.toFixed(2)} ms |`);
      console.log(`| contact upsert p50, one subscribed endpoint (event + delivery rows) | ${withHook.toFixed(2)} ms |`);
      console.log(`| added by the outbox write | ${(withHook - without).toFixed(2)} ms |`);
    } finally {
      await server.stop();
      receiver.close();
    }
  });
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});

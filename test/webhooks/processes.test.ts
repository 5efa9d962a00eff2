import { expect } from 'chai';
import knex, { type Knex } from 'knex';
import { operatorIn } from '../../src/audit/actor.ts';
import { openDatabase, type Database } from '../../src/db/database.ts';
import { migrate } from '../../src/db/migrate.ts';
import { createTenant } from '../../src/tenants/tenants.ts';
import { startDeliveryWorker } from '../../src/webhooks/delivery-worker.ts';
import { emitEvent } from '../../src/webhooks/outbox.ts';
import { createWebhook } from '../../src/webhooks/webhooks.ts';
import { runEntry, waitForOutput } from '../support/spawn.ts';
import { testEnv, useTestApp } from '../support/test-app.ts';
import { startReceiver, waitUntil, type Receiver } from '../support/webhook-receiver.ts';

/**
 * Real server processes on their own PostgreSQL database (so the test app's worker stays out
 * of it): the outbox survives a SIGKILL, and processes sharing a database never send an
 * attempt twice. PGlite is one process per database, so these run on PostgreSQL only.
 */
describe('webhook delivery across processes (PostgreSQL)', function () {
  this.timeout(30_000);
  const app = useTestApp();
  const name = `ringnity_wh_${Date.now()}_${process.pid}`;
  let admin: Knex | undefined;
  let database: Database;
  let databaseUrl: string;
  let tenantId: string;
  let receiver: Receiver;
  const children: ReturnType<typeof runEntry>[] = [];

  function spawnServer() {
    const child = runEntry('src/main.ts', [], testEnv({ DATABASE_URL: databaseUrl, LOG_LEVEL: 'info', WEBHOOK_TIMEOUT_MS: '500', WEBHOOK_CONCURRENCY: '4' }));
    children.push(child);
    return waitForOutput(child, '"msg":"listening"').then(() => child);
  }

  const emit = (count: number) => database.db.transaction(async (trx) => {
    const ids: string[] = [];
    for (let i = 0; i < count; i++) ids.push((await emitEvent(trx, operatorIn(tenantId), 'contact.created', { contact: { id: `c-${i}` } })).deliveries[0].deliveryId);
    return ids;
  });
  const attempts = (deliveryIds: string[]) => database.db('webhook_deliveries').whereIn('delivery_id', deliveryIds);
  const allDelivered = (deliveryIds: string[]) => async () => {
    const rows = await attempts(deliveryIds);
    return rows.length === deliveryIds.length && rows.every((r) => r.status === 'delivered') ? rows : undefined;
  };
  const idsReceived = () => receiver.requests.map((r) => String(r.headers['webhook-id']));

  before(async function () {
    const serverUrl = process.env.TEST_DATABASE_URL;
    if (!serverUrl) this.skip();
    admin = knex({ client: 'pg', connection: serverUrl, pool: { min: 0, max: 1 } });
    await admin.raw(`CREATE DATABASE ${name}`);
    const url = new URL(serverUrl!);
    url.pathname = `/${name}`;
    databaseUrl = url.toString();
    database = await openDatabase({ databaseUrl, dataDir: '' });
    await migrate(database.db);
    const { tenant } = await createTenant(database.db, app.deps.config.argon2, {
      slug: `wh-${Date.now()}`, name: 'Webhooks', ownerEmail: `wh-${Date.now()}@example.com`, ownerPassword: 'correct-horse-battery',
    });
    tenantId = tenant.id;
    receiver = await startReceiver(() => ({ delayMs: 50 }));
    await createWebhook(database.db, operatorIn(tenantId), { url: receiver.url, events: ['contact.created'] }, {
      requireHttps: false, allowPrivate: app.deps.config.webhooks.allowedPrivateHosts,
    });
  });

  after(async () => {
    for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await Promise.all(children.map((c) => c.finished));
    await receiver?.close();
    await database?.close();
    await admin?.raw(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin?.destroy();
  });

  it('delivers each attempt exactly once from two processes, and a stopping one finishes its sends first', async () => {
    const [first, second] = await Promise.all([spawnServer(), spawnServer()]);
    const ids = await emit(40);
    await receiver.waitFor(10);
    second.kill('SIGTERM'); // mid-way, with sends in flight
    expect((await second.finished).code).to.equal(0);
    const left = await database.db('webhook_deliveries').where('claimed_by', 'like', `%/${second.pid}/%`).whereNot({ status: 'delivered' });
    expect(left, 'the stopped process recorded every send it had started').to.deep.equal([]);

    const rows = (await waitUntil(allDelivered(ids), 10_000, 'all 40 delivered'))!;
    expect(new Set(rows.map((r) => r.claimed_by.split('/')[1])), 'both processes delivered').to.have.keys(String(first.pid), String(second.pid));
    expect(rows.every((r) => r.attempt === 1)).to.equal(true);
    const received = idsReceived();
    expect(received).to.have.length(40);
    expect(new Set(received)).to.have.keys(...ids);
  });

  it("sends the attempts a killed process had claimed again after a restart, and what was queued meanwhile", async () => {
    const [running] = children.filter((c) => c.exitCode === null);
    receiver.requests.length = 0;
    receiver.answer(() => ({ hang: true }));
    const inFlight = await emit(3);
    await receiver.waitFor(3);
    running.kill('SIGKILL');
    await running.finished;
    const queuedWhileDown = await emit(1);
    receiver.answer(() => ({}));

    const restarted = await spawnServer();
    const rows = (await waitUntil(allDelivered([...inFlight, ...queuedWhileDown]), 10_000, 'every delivery sent after the restart'))!;
    expect(rows.every((r) => r.claimed_by.includes(`/${restarted.pid}/`))).to.equal(true);
    const received = idsReceived();
    // At least once: the killed process's sends may have arrived, so receivers de-duplicate by webhook-id.
    for (const id of inFlight) expect(received.filter((r) => r === id), id).to.have.length(2);
    expect(received.filter((r) => r === queuedWhileDown[0])).to.have.length(1);
    restarted.kill('SIGTERM');
    expect((await restarted.finished).code).to.equal(0);
  });

  it('never hands one attempt to two workers that claim at the same instant', async () => {
    // Two connection pools are two processes to PostgreSQL; a local commit wakes both workers at once.
    const pools = await Promise.all([0, 1].map(() => openDatabase({ databaseUrl, dataDir: '' })));
    const settings = { ...app.deps.config.webhooks, concurrency: 1, pollIntervalMs: 60_000 };
    const workers = pools.map((p) => startDeliveryWorker({ db: p.db, logger: app.deps.logger, settings }));
    try {
      receiver.requests.length = 0;
      const ids: string[] = [];
      // One at a time, so both workers are idle, and race for it, at every commit.
      for (let i = 0; i < 20; i++) {
        ids.push(...await emit(1));
        await waitUntil(allDelivered(ids), 5000, `delivery ${i + 1} sent`);
      }
    } finally {
      await Promise.all(workers.map((w) => w.stop()));
      await Promise.all(pools.map((p) => p.close()));
    }
    expect(idsReceived()).to.have.length(20);
  });
});

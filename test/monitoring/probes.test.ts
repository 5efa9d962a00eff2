import { expect } from 'chai';
import { loadConfig } from '../../src/config.ts';
import { createLogger } from '../../src/logger.ts';
import { startServer, type RunningServer } from '../../src/server.ts';
import { CHECK_TIMEOUT_MS } from '../../src/monitoring/readiness.ts';
import { startDatabaseProxy, type DatabaseProxy } from '../support/database-proxy.ts';
import { request, testEnv, useTestApp } from '../support/test-app.ts';

describe('health and readiness probes', function () {
  this.timeout(30_000);
  const app = useTestApp();

  it('answers /healthz with 200 {"status":"ok"}, never cached', async () => {
    const res = await app.request('/healthz');
    expect(res.status).to.equal(200);
    expect(res.body).to.deep.equal({ status: 'ok' });
    expect(res.headers.get('cache-control')).to.equal('no-store');
  });

  it('answers /readyz with 200 and every check passed', async () => {
    const res = await app.request('/readyz');
    expect(res.status, res.text).to.equal(200);
    expect(res.body).to.deep.equal({ status: 'ok', checks: { database: 'ok', migrations: 'ok', signingKeys: 'ok' } });
    expect(res.headers.get('retry-after')).to.equal(null);
  });

  it('answers /readyz with 503 naming the migrations while one is pending', async () => {
    const { db } = app.deps;
    // The newest migration "not applied yet": as a process sees a deploy whose migrations have not run.
    const newest = await db('knex_migrations').orderBy('id', 'desc').first();
    await db('knex_migrations').where({ id: newest.id }).del();
    try {
      const res = await app.request('/readyz');
      expect(res.status, res.text).to.equal(503);
      expect(res.headers.get('retry-after')).to.match(/^\d+$/);
      expect(res.body).to.deep.equal({ status: 'unavailable', failing: ['migrations'], checks: { database: 'ok', migrations: 'failed', signingKeys: 'ok' } });
    } finally {
      await db('knex_migrations').insert(newest);
    }
    expect((await app.request('/readyz')).status).to.equal(200);
  });

  it('gives up on a check that hangs (a locked table) after the check timeout', async function () {
    // PGlite has one connection: a transaction holding the lock would block the probe's own queries outright.
    if (!app.databaseUrl) this.skip();
    const trx = await app.deps.db.transaction();
    try {
      await trx.raw('LOCK TABLE knex_migrations IN ACCESS EXCLUSIVE MODE');
      const started = Date.now();
      const res = await app.request('/readyz');
      expect(Date.now() - started).to.be.within(CHECK_TIMEOUT_MS - 100, CHECK_TIMEOUT_MS + 1_000);
      expect(res.status, res.text).to.equal(503);
      expect(res.body).to.deep.equal({ status: 'unavailable', failing: ['migrations'], checks: { database: 'ok', migrations: 'timeout', signingKeys: 'ok' } });
    } finally {
      await trx.rollback();
    }
  });

  describe('with the database cut off', () => {
    let proxy: DatabaseProxy | undefined;
    let running: RunningServer | undefined;
    const probe = (path: string) => request(running!.url, path);

    before(async function () {
      // The outage is a cut TCP connection; an embedded PGlite has no connection to cut.
      if (!app.databaseUrl) this.skip();
      proxy = await startDatabaseProxy(app.databaseUrl);
      const config = loadConfig(testEnv({ ISSUER: app.deps.config.issuer, DATABASE_URL: proxy.url }));
      running = await startServer(config, createLogger(config));
    });
    after(async () => {
      await proxy?.restore();
      await running?.stop();
      await proxy?.close();
    });

    it('answers /readyz 503 naming the database within a few seconds of a silent database, while /healthz stays 200', async () => {
      expect((await probe('/readyz')).status).to.equal(200);
      await proxy!.cut('stall');

      const started = Date.now();
      const res = await probe('/readyz');
      expect(Date.now() - started, 'bounded by the check timeout').to.be.below(CHECK_TIMEOUT_MS + 1_500);
      expect(res.status, res.text).to.equal(503);
      expect(res.headers.get('retry-after')).to.match(/^\d+$/);
      expect(res.body.status).to.equal('unavailable');
      expect(res.body.failing).to.include('database');

      const health = await probe('/healthz');
      expect(health.status).to.equal(200);
    });

    it('answers /readyz 503 at once when the database refuses connections, and 200 again once it is back', async () => {
      await proxy!.cut('refuse');
      const res = await probe('/readyz');
      expect(res.status, res.text).to.equal(503);
      expect(res.body.checks.database).to.equal('failed');

      await proxy!.restore();
      const back = await probe('/readyz');
      expect(back.status, back.text).to.equal(200);
    });
  });
});

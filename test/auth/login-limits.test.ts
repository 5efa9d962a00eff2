import { randomBytes } from 'node:crypto';
import { expect } from 'chai';
import { THROTTLE_POLICY } from '../../src/accounts/login-throttle.ts';
import { expectContract } from '../support/contract.ts';
import { useTestApp } from '../support/test-app.ts';
import { startSiblingApp } from '../support/sibling-app.ts';
import { throttleRowKey, type ThrottleKey } from '../../src/accounts/login-throttle.ts';

/** Brute-force limits on every password login, counted in the database. */
describe('login rate limits', () => {
  const app = useTestApp();
  const MAX = THROTTLE_POLICY.account.maxFailures;

  /** Each test's failures come from its own client IP, so the per-IP counter starts clean. */
  let ipCounter = 0;
  const freshIp = () => { ipCounter++; return `10.77.${Math.floor(ipCounter / 250)}.${(ipCounter % 250) + 1}`; };

  // Per-IP counting needs a distinct client address per test: only a trusted proxy supplies one.
  let proxied: Awaited<ReturnType<typeof startSiblingApp>>;
  before(async () => { proxied = await startSiblingApp(app, { TRUST_PROXY: 'true' }); });
  after(() => proxied.stop());

  const post = (path: string, json: unknown, ip: string) => proxied.request(path, { method: 'POST', json, headers: { 'x-forwarded-for': ip } });

  async function unlock(k: ThrottleKey) {
    await app.deps.db('login_throttle').where({ key: throttleRowKey(k) }).update({ locked_until: app.deps.db.raw("now() - interval '1 second'"), window_started_at: app.deps.db.raw("now() - interval '1 day'") });
  }

  it('locks an owner account after repeated failures with 429 and Retry-After, even for the right password', async () => {
    const tenant = await app.seed.tenant();
    const ip = freshIp();
    for (let i = 0; i < MAX; i++) {
      const res = await post('/api/auth/owner-login', { email: tenant.ownerEmail, password: `wrong-password-${i}` }, ip);
      expect(res.status).to.equal(401);
    }
    const locked = await post('/api/auth/owner-login', { email: tenant.ownerEmail, password: tenant.password }, freshIp());
    expect(locked.status).to.equal(429);
    expect(locked.body.code).to.equal('RATE_LIMITED');
    expect(Number(locked.headers.get('retry-after'))).to.be.greaterThan(0);
    expectContract(locked, 'loginOwner');

    // Once the lock has run out, the right password works and clears the count.
    await unlock({ kind: 'account', id: `owner:${tenant.ownerEmail}` });
    expect((await post('/api/auth/owner-login', { email: tenant.ownerEmail, password: tenant.password }, freshIp())).status).to.equal(200);
    const row = await app.deps.db('login_throttle').where({ key: throttleRowKey({ kind: 'account', id: `owner:${tenant.ownerEmail}` }) }).first();
    expect(row).to.equal(undefined);
  });

  it('starts the count again after a right password', async () => {
    const tenant = await app.seed.tenant();
    const login = (password: string) => post('/api/auth/owner-login', { email: tenant.ownerEmail, password }, freshIp());
    for (let round = 0; round < 2; round++) {
      for (let i = 0; i < MAX - 1; i++) expect((await login(`wrong-password-${i}`)).status).to.equal(401);
      expect((await login(tenant.password)).status, `round ${round}: still open`).to.equal(200);
    }
  });

  it('locks a client IP that guesses across many accounts', async () => {
    const ip = freshIp();
    const tenant = await app.seed.tenant();
    const agent = await app.seed.account(tenant.id);
    for (let i = 0; i < THROTTLE_POLICY.ip.maxFailures; i++) {
      await post('/api/auth/workspace-login', { username: `guess-${i}`, password: 'wrong-password', slug: tenant.slug }, ip);
    }
    const res = await post('/api/auth/workspace-login', { username: agent.username, password: agent.password, slug: tenant.slug }, ip);
    expect(res.status).to.equal(429);
    expectContract(res, 'loginWorkspace');
    // Another address is not affected.
    expect((await post('/api/auth/workspace-login', { username: agent.username, password: agent.password, slug: tenant.slug }, freshIp())).status).to.equal(200);
    await unlock({ kind: 'ip', id: ip });
  });

  it('answers a huge login name with the usual 401, never a 500', async () => {
    const tenant = await app.seed.tenant();
    const long = randomBytes(6_000).toString('hex'); // random, so PostgreSQL can't compress it under the index limit
    const cases: Array<[string, string, Record<string, unknown>]> = [
      ['/api/auth/workspace-login', 'loginWorkspace', { username: long, password: 'whatever-password', slug: tenant.slug }],
      ['/api/auth/owner-login', 'loginOwner', { email: `${'a'.repeat(60)}@${'b'.repeat(60)}.${'c'.repeat(60)}.example.com`, password: long }],
      ['/api/platform/auth/login', 'loginPlatformAdmin', { email: `${'a'.repeat(60)}@example.com`, password: long }],
    ];
    for (const [path, operationId, json] of cases) {
      const res = await post(path, json, freshIp());
      expect(res.status, path).to.equal(401);
      expectContract(res, operationId);
    }
  });

  it('limits workspace and platform logins per account too', async () => {
    const tenant = await app.seed.tenant();
    const agent = await app.seed.account(tenant.id);
    const admin = await app.seed.platformAdmin();
    for (let i = 0; i < MAX; i++) {
      await post('/api/auth/workspace-login', { username: agent.username, password: 'wrong-password', slug: tenant.slug }, freshIp());
      await post('/api/platform/auth/login', { email: admin.email, password: 'wrong-password' }, freshIp());
    }
    const workspace = await post('/api/auth/workspace-login', { username: agent.username, password: agent.password, slug: tenant.slug }, freshIp());
    expect(workspace.status).to.equal(429);
    const platform = await post('/api/platform/auth/login', { email: admin.email, password: admin.password }, freshIp());
    expect(platform.status).to.equal(429);
    expectContract(platform, 'loginPlatformAdmin');
  });
});

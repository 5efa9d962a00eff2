import { expect } from 'chai';
import { OPERATOR, operatorIn } from '../../src/audit/actor.ts';
import { setAccountActive } from '../../src/accounts/accounts.ts';
import { listAudit } from '../../src/audit/audit-log.ts';
import { setTenantActive } from '../../src/tenants/tenants.ts';
import { expectContract } from '../support/contract.ts';
import { endRefreshRetryWindow } from '../support/dashboard-sessions.ts';
import { useTestApp } from '../support/test-app.ts';
import { startSiblingApp } from '../support/sibling-app.ts';

/** The ownerRefreshToken cookie from a response's Set-Cookie header. */
export function ownerCookie(res: { headers: Headers }): { value: string; attributes: string } | undefined {
  const header = res.headers.getSetCookie().find((c) => c.startsWith('ownerRefreshToken='));
  if (!header) return undefined;
  const [pair, ...attributes] = header.split(';');
  return { value: decodeURIComponent(pair.slice('ownerRefreshToken='.length)), attributes: attributes.join(';').toLowerCase() };
}

describe('owner sessions', () => {
  const app = useTestApp();

  const login = async (email: string, password: string, headers: Record<string, string> = {}) =>
    app.request('/api/auth/owner-login', { method: 'POST', json: { email, password }, headers });

  it('signs an owner in with email and password and describes the tenant', async () => {
    const tenant = await app.seed.tenant();
    const res = await login(tenant.ownerEmail, tenant.password);
    expect(res.status).to.equal(200);
    expectContract(res, 'loginOwner');
    const data = res.body.data;
    expect(data.client).to.include({ id: tenant.id, slug: tenant.slug, isActive: true, apiKey: tenant.publicKey });
    expect(data.admin).to.deep.equal({ agentId: tenant.owner.id, username: tenant.owner.username, name: tenant.owner.name });
    expect(data.subscription).to.deep.equal({ planName: 'Starter', planSlug: 'starter', status: 'active' });
    expect(data.expiresIn).to.equal(900);
    expect(data.sessionToken).to.equal(data.accessToken);
    expect(data.dashboardUrl).to.equal(`http://${tenant.slug}.localhost:8192`);
    expect(data.refreshToken).to.match(/^rn_ort_/);
  });

  it('sets the refresh token as an httpOnly, SameSite=Lax cookie on a narrow path', async () => {
    const tenant = await app.seed.tenant();
    const res = await login(tenant.ownerEmail, tenant.password);
    const cookie = ownerCookie(res)!;
    expect(cookie.value).to.equal(res.body.data.refreshToken);
    expect(cookie.attributes).to.include('httponly').and.include('samesite=lax').and.include('path=/api/auth');
    expect(cookie.attributes).not.to.include('secure'); // plain http here
  });

  it('marks the cookie Secure when served over https (behind a trusted proxy)', async () => {
    const tenant = await app.seed.tenant();
    const behindProxy = await startSiblingApp(app, { TRUST_PROXY: 'true' });
    try {
      const res = await behindProxy.request('/api/auth/owner-login', {
        method: 'POST', json: { email: tenant.ownerEmail, password: tenant.password }, headers: { 'x-forwarded-proto': 'https' },
      });
      expect(res.status).to.equal(200);
      expect(ownerCookie(res)!.attributes).to.include('secure').and.include('httponly');
    } finally {
      await behindProxy.stop();
    }
    // Without a trusted proxy the same header is ignored.
    const direct = await startSiblingApp(app, { TRUST_PROXY: 'false' });
    try {
      const res = await direct.request('/api/auth/owner-login', {
        method: 'POST', json: { email: tenant.ownerEmail, password: tenant.password }, headers: { 'x-forwarded-proto': 'https' },
      });
      expect(res.status).to.equal(200);
      expect(ownerCookie(res)!.attributes).not.to.include('secure');
    } finally {
      await direct.stop();
    }
  });

  it('reads the owner session with the access token', async () => {
    const tenant = await app.seed.tenant();
    const { accessToken } = (await login(tenant.ownerEmail, tenant.password)).body.data;
    const res = await app.request('/api/auth/owner-me', { headers: { authorization: `Bearer ${accessToken}` } });
    expect(res.status).to.equal(200);
    expectContract(res, 'getOwnerSession');
    expect(res.body.data.client.id).to.equal(tenant.id);
    expect(res.body.data).not.to.have.property('accessToken');
  });

  it('answers 401 at owner-me without a token', async () => {
    const res = await app.request('/api/auth/owner-me');
    expect(res.status).to.equal(401);
    expect(res.body.code).to.equal('UNAUTHORIZED');
    expect(res.headers.get('www-authenticate')).to.equal('Bearer');
    expectContract(res, 'getOwnerSession');
  });

  it('gives an unknown email and a wrong password the same error', async () => {
    const tenant = await app.seed.tenant();
    const wrong = await login(tenant.ownerEmail, 'not-the-password');
    const unknown = await login(`nobody-${tenant.slug}@example.com`, 'not-the-password');
    for (const res of [wrong, unknown]) {
      expect(res.status).to.equal(401);
      expectContract(res, 'loginOwner');
    }
    expect(wrong.body).to.deep.equal(unknown.body);
  });

  it('answers 400 envelopes for bad and missing bodies', async () => {
    const missing = await app.request('/api/auth/owner-login', { method: 'POST' });
    expect(missing.status).to.equal(400);
    expectContract(missing, 'loginOwner');
    const bad = await app.request('/api/auth/owner-login', { method: 'POST', json: { email: 'not-an-email', password: 1 } });
    expect(bad.status).to.equal(400);
    expect(bad.body.code).to.equal('VALIDATION_FAILED');
    expectContract(bad, 'loginOwner');
    const broken = await app.request('/api/auth/owner-login', { method: 'POST', body: '{"email":', headers: { 'content-type': 'application/json' } });
    expect(broken.status).to.equal(400);
    expectContract(broken, 'loginOwner');
  });

  it('refreshes with the cookie, rotating it', async () => {
    const tenant = await app.seed.tenant();
    const first = ownerCookie(await login(tenant.ownerEmail, tenant.password))!.value;
    const res = await app.request('/api/auth/owner-refresh', { method: 'POST', headers: { cookie: `ownerRefreshToken=${first}` } });
    expect(res.status).to.equal(200);
    expectContract(res, 'refreshOwnerSession');
    expect(res.body.data.refreshToken).to.not.equal(first);
    expect(res.body.data.sessionToken).to.equal(res.body.data.accessToken);
    expect(ownerCookie(res)!.value).to.equal(res.body.data.refreshToken);
    const me = await app.request('/api/auth/owner-me', { headers: { authorization: `Bearer ${res.body.data.accessToken}` } });
    expect(me.status).to.equal(200);
  });

  it('refreshes with a body refresh token', async () => {
    const tenant = await app.seed.tenant();
    const { refreshToken } = (await login(tenant.ownerEmail, tenant.password)).body.data;
    const res = await app.request('/api/auth/owner-refresh', { method: 'POST', json: { refreshToken } });
    expect(res.status).to.equal(200);
    expectContract(res, 'refreshOwnerSession');
  });

  it('asks for a refresh token when neither cookie nor body has one', async () => {
    const res = await app.request('/api/auth/owner-refresh', { method: 'POST' });
    expect(res.status).to.equal(400);
    expect(res.body.code).to.equal('VALIDATION_FAILED');
    expectContract(res, 'refreshOwnerSession');
  });

  it('revokes the whole family when a rotated refresh token is presented again after its retry window, and audits it', async () => {
    const tenant = await app.seed.tenant();
    const first = (await login(tenant.ownerEmail, tenant.password)).body.data.refreshToken;
    const second = (await app.request('/api/auth/owner-refresh', { method: 'POST', json: { refreshToken: first } })).body.data;
    await endRefreshRetryWindow(app, first);

    const reuse = await app.request('/api/auth/owner-refresh', { method: 'POST', json: { refreshToken: first } });
    expect(reuse.status).to.equal(401);
    expect(reuse.body.code).to.equal('REFRESH_TOKEN_REUSED');
    expectContract(reuse, 'refreshOwnerSession');

    // The newest token of the family and its access token are dead too.
    const next = await app.request('/api/auth/owner-refresh', { method: 'POST', json: { refreshToken: second.refreshToken } });
    expect(next.status).to.equal(401);
    expect(next.body.code).to.equal('REFRESH_TOKEN_INVALID');
    const me = await app.request('/api/auth/owner-me', { headers: { authorization: `Bearer ${second.accessToken}` } });
    expect(me.status).to.equal(401);
    expect(me.body.code).to.equal('TOKEN_REVOKED');

    const [entry] = await listAudit(app.deps.db, { tenantId: tenant.id, action: 'owner.refresh_reused' });
    expect(entry).to.include({ outcome: 'failure', actorId: tenant.owner.id });
    expect(JSON.stringify(entry)).not.to.include(first);
  });

  describe('a retried refresh (its answer was lost)', () => {
    const refresh = (refreshToken: string) => app.request('/api/auth/owner-refresh', { method: 'POST', json: { refreshToken } });

    it('answers the just-rotated token once more within REFRESH_RETRY_SECONDS with a working token set, and audits it', async () => {
      const tenant = await app.seed.tenant();
      const first = (await login(tenant.ownerEmail, tenant.password)).body.data.refreshToken;
      const lost = await refresh(first);
      expect(lost.status).to.equal(200);

      const retry = await refresh(first);
      expect(retry.status, retry.text).to.equal(200);
      expectContract(retry, 'refreshOwnerSession');
      expect(retry.body.data.refreshToken).to.not.equal(lost.body.data.refreshToken);
      const me = await app.request('/api/auth/owner-me', { headers: { authorization: `Bearer ${retry.body.data.accessToken}` } });
      expect(me.status).to.equal(200);
      const next = await refresh(retry.body.data.refreshToken);
      expect(next.status, 'the session goes on from the retry').to.equal(200);
      const [entry] = await listAudit(app.deps.db, { tenantId: tenant.id, action: 'owner.refresh_retried' });
      expect(entry).to.include({ outcome: 'success', actorId: tenant.owner.id });
    });

    it('answers only one retry per rotation: a third use is reuse and revokes the session', async () => {
      const tenant = await app.seed.tenant();
      const first = (await login(tenant.ownerEmail, tenant.password)).body.data.refreshToken;
      await refresh(first);
      const retry = (await refresh(first)).body.data;
      const third = await refresh(first);
      expect(third.status).to.equal(401);
      expect(third.body.code).to.equal('REFRESH_TOKEN_REUSED');
      expect((await refresh(retry.refreshToken)).body.code).to.equal('REFRESH_TOKEN_INVALID');
    });

    it('keeps one chain: once one of the two tokens issued for a rotation is used, the other is reuse', async () => {
      const tenant = await app.seed.tenant();
      const first = (await login(tenant.ownerEmail, tenant.password)).body.data.refreshToken;
      const a = (await refresh(first)).body.data.refreshToken;
      const b = (await refresh(first)).body.data.refreshToken;
      expect((await refresh(b)).status).to.equal(200);
      const stale = await refresh(a);
      expect(stale.status).to.equal(401);
      expect(stale.body.code).to.equal('REFRESH_TOKEN_REUSED');
    });

    it('offers no retry to a token the family has moved on from', async () => {
      const tenant = await app.seed.tenant();
      const first = (await login(tenant.ownerEmail, tenant.password)).body.data.refreshToken;
      const second = (await refresh(first)).body.data.refreshToken;
      expect((await refresh(second)).status).to.equal(200);
      const old = await refresh(first);
      expect(old.status).to.equal(401);
      expect(old.body.code).to.equal('REFRESH_TOKEN_REUSED');
    });
  });

  it('rejects an unknown refresh token', async () => {
    const res = await app.request('/api/auth/owner-refresh', { method: 'POST', json: { refreshToken: 'rn_ort_nonsense' } });
    expect(res.status).to.equal(401);
    expect(res.body.code).to.equal('REFRESH_TOKEN_INVALID');
    expectContract(res, 'refreshOwnerSession');
  });

  it('logs out: revokes the family, clears the cookie, and is idempotent', async () => {
    const tenant = await app.seed.tenant();
    const session = (await login(tenant.ownerEmail, tenant.password)).body.data;
    const cookie = { cookie: `ownerRefreshToken=${session.refreshToken}` };

    const res = await app.request('/api/auth/owner-logout', { method: 'POST', headers: cookie });
    expect(res.status).to.equal(200);
    expectContract(res, 'logoutOwner');
    const cleared = ownerCookie(res)!;
    expect(cleared.value).to.equal('');
    expect(cleared.attributes).to.include('path=/api/auth');

    const again = await app.request('/api/auth/owner-logout', { method: 'POST', headers: cookie });
    expect(again.status).to.equal(200);
    expectContract(again, 'logoutOwner');
    const bare = await app.request('/api/auth/owner-logout', { method: 'POST' });
    expect(bare.status).to.equal(200);

    const refresh = await app.request('/api/auth/owner-refresh', { method: 'POST', headers: cookie });
    expect(refresh.status).to.equal(401);
    expect(ownerCookie(refresh)?.value, 'a dead cookie is dropped').to.equal('');
    const me = await app.request('/api/auth/owner-me', { headers: { authorization: `Bearer ${session.accessToken}` } });
    expect(me.status).to.equal(401);
    expect((await listAudit(app.deps.db, { tenantId: tenant.id, action: 'owner.logout' })).length).to.equal(1);
  });

  it('logs out the session of a bearer access token', async () => {
    const tenant = await app.seed.tenant();
    const session = (await login(tenant.ownerEmail, tenant.password)).body.data;
    const res = await app.request('/api/auth/owner-logout', { method: 'POST', headers: { authorization: `Bearer ${session.accessToken}` } });
    expect(res.status).to.equal(200);
    const refresh = await app.request('/api/auth/owner-refresh', { method: 'POST', json: { refreshToken: session.refreshToken } });
    expect(refresh.status).to.equal(401);
  });

  it('refuses login and refresh for a disabled account or tenant', async () => {
    const tenant = await app.seed.tenant();
    const { refreshToken } = (await login(tenant.ownerEmail, tenant.password)).body.data;

    await setAccountActive(app.deps.db, operatorIn(tenant.id), tenant.owner.id, false);
    const disabled = await login(tenant.ownerEmail, tenant.password);
    expect(disabled.status).to.equal(403);
    expect(disabled.body.code).to.equal('ACCOUNT_DISABLED');
    expectContract(disabled, 'loginOwner');
    const refresh = await app.request('/api/auth/owner-refresh', { method: 'POST', json: { refreshToken } });
    expect(refresh.status).to.equal(403);
    expectContract(refresh, 'refreshOwnerSession');

    await setAccountActive(app.deps.db, operatorIn(tenant.id), tenant.owner.id, true);
    await setTenantActive(app.deps.db, OPERATOR, tenant.id, false);
    const suspended = await login(tenant.ownerEmail, tenant.password);
    expect(suspended.status).to.equal(403);
    expect(suspended.body.code).to.equal('TENANT_DISABLED');
    expect((await app.request('/api/auth/owner-refresh', { method: 'POST', json: { refreshToken } })).status).to.equal(403);

    // The refused refresh did not consume the token: once re-enabled, it still works.
    await setTenantActive(app.deps.db, OPERATOR, tenant.id, true);
    expect((await app.request('/api/auth/owner-refresh', { method: 'POST', json: { refreshToken } })).status).to.equal(200);
  });

  it('audits login success and failure with IP and user agent, never the password', async () => {
    const tenant = await app.seed.tenant();
    await login(tenant.ownerEmail, 'wrong-password-123', { 'user-agent': 'audit-test/1.0' });
    await login(tenant.ownerEmail, tenant.password, { 'user-agent': 'audit-test/1.0' });
    const entries = await listAudit(app.deps.db, { tenantId: tenant.id, action: 'owner.login' });
    expect(entries.map((e) => e.outcome)).to.deep.equal(['success', 'failure']);
    for (const e of entries) {
      expect(e.userAgent).to.equal('audit-test/1.0');
      expect(e.ip).to.be.a('string').and.not.empty;
      expect(JSON.stringify(e)).not.to.include('wrong-password-123').and.not.include(tenant.password);
    }
  });
});

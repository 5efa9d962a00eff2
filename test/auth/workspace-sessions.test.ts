import http from 'node:http';
import { expect } from 'chai';
import { OPERATOR, operatorIn } from '../../src/audit/actor.ts';
import { setAccountActive } from '../../src/accounts/accounts.ts';
import { setTenantActive } from '../../src/tenants/tenants.ts';
import { expectContract } from '../support/contract.ts';
import { endRefreshRetryWindow } from '../support/dashboard-sessions.ts';
import { useTestApp, type TestResponse } from '../support/test-app.ts';

describe('workspace sessions', () => {
  const app = useTestApp();

  const login = (json: unknown, headers: Record<string, string> = {}) =>
    app.request('/api/auth/workspace-login', { method: 'POST', json, headers });
  const ownerLogin = async (tenant: { ownerEmail: string; password: string }) =>
    (await app.request('/api/auth/owner-login', { method: 'POST', json: { email: tenant.ownerEmail, password: tenant.password } })).body.data;
  const entryToken = (accessToken: string) =>
    app.request('/api/auth/workspace-entry-token', { method: 'POST', headers: { authorization: `Bearer ${accessToken}` } });

  /** fetch drops a Host header, so requests that pick the tenant by host go through node:http. */
  function postWithHost(host: string, path: string, json: unknown): Promise<TestResponse> {
    const url = new URL(app.url);
    const body = JSON.stringify(json);
    return new Promise((resolve, reject) => {
      const req = http.request({ hostname: url.hostname, port: url.port, path, method: 'POST', headers: { host, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } }, (res) => {
        let text = '';
        res.setEncoding('utf8').on('data', (c) => { text += c; }).on('end', () => {
          resolve({ status: res.statusCode!, headers: new Headers(res.headers as Record<string, string>), body: JSON.parse(text), text });
        });
      });
      req.on('error', reject);
      req.end(body);
    });
  }

  it('signs a workspace user in, the tenant named by the host', async () => {
    const tenant = await app.seed.tenant();
    const agent = await app.seed.account(tenant.id, { role: 'supervisor' });
    const res = await postWithHost(`${tenant.slug}.localhost:8192`, '/api/auth/workspace-login', { username: agent.username, password: agent.password });
    expect(res.status).to.equal(200);
    expectContract(res, 'loginWorkspace');
    const data = res.body.data;
    expect(data.token).to.equal(data.accessToken);
    expect(data.expiresIn).to.equal(900);
    expect(data.agent).to.include({ agentId: agent.id, role: 'supervisor', isOwner: false, isAdmin: false, clientId: tenant.id, clientSlug: tenant.slug });
    expect(data).to.include({ agentId: agent.id, username: agent.username, name: agent.name });
  });

  it('takes the tenant from the host over the body and header', async () => {
    const [mine, other] = [await app.seed.tenant(), await app.seed.tenant()];
    const agent = await app.seed.account(mine.id);
    const res = await postWithHost(`${mine.slug}.localhost:8192`, '/api/auth/workspace-login', { username: agent.username, password: agent.password, slug: other.slug });
    expect(res.status).to.equal(200);
    expect(res.body.data.agent.clientId).to.equal(mine.id);
  });

  it('takes the tenant from a body slug, else the X-Ringnity-Tenant header', async () => {
    const tenant = await app.seed.tenant();
    const agent = await app.seed.account(tenant.id, { role: 'admin' });
    const byBody = await login({ username: agent.username, password: agent.password, slug: tenant.slug });
    expect(byBody.status).to.equal(200);
    expectContract(byBody, 'loginWorkspace');
    expect(byBody.body.data.agent).to.include({ isAdmin: true, isOwner: false, role: 'admin' });
    const byHeader = await login({ username: agent.username, password: agent.password }, { 'x-ringnity-tenant': tenant.slug });
    expect(byHeader.status).to.equal(200);
    expect(byHeader.body.data.agent.clientSlug).to.equal(tenant.slug);
  });

  it('asks which workspace when nothing names the tenant', async () => {
    const res = await login({ username: 'someone', password: 'whatever-password' });
    expect(res.status).to.equal(400);
    expect(res.body.code).to.equal('VALIDATION_FAILED');
    expectContract(res, 'loginWorkspace');
  });

  it("does not let a user of one tenant sign in to another", async () => {
    const [mine, other] = [await app.seed.tenant(), await app.seed.tenant()];
    const agent = await app.seed.account(mine.id);
    const res = await login({ username: agent.username, password: agent.password, slug: other.slug });
    expect(res.status).to.equal(401);
    expect(res.body.code).to.equal('INVALID_CREDENTIALS');
    const unknownTenant = await login({ username: agent.username, password: agent.password, slug: 'no-such-tenant-xyz' });
    expect(unknownTenant.body).to.deep.equal(res.body);
    expectContract(res, 'loginWorkspace');
  });

  it('answers 400 envelopes for bad and missing bodies', async () => {
    const missing = await app.request('/api/auth/workspace-login', { method: 'POST', headers: { 'x-ringnity-tenant': 'x' } });
    expect(missing.status).to.equal(400);
    expectContract(missing, 'loginWorkspace');
    const bad = await login({ username: 5 });
    expect(bad.status).to.equal(400);
    expect(bad.body.details).to.be.an('array').that.is.not.empty;
    expectContract(bad, 'loginWorkspace');
    const refresh = await app.request('/api/auth/workspace-refresh', { method: 'POST', json: {} });
    expect(refresh.status).to.equal(400);
    expectContract(refresh, 'refreshWorkspaceSession');
  });

  it('refreshes with rotation and revokes the family on reuse', async () => {
    const tenant = await app.seed.tenant();
    const agent = await app.seed.account(tenant.id);
    const first = (await login({ username: agent.username, password: agent.password, slug: tenant.slug })).body.data;
    const res = await app.request('/api/auth/workspace-refresh', { method: 'POST', json: { refreshToken: first.refreshToken } });
    expect(res.status).to.equal(200);
    expectContract(res, 'refreshWorkspaceSession');
    expect(res.body.data.refreshToken).to.not.equal(first.refreshToken);
    await endRefreshRetryWindow(app, first.refreshToken);

    const reuse = await app.request('/api/auth/workspace-refresh', { method: 'POST', json: { refreshToken: first.refreshToken } });
    expect(reuse.status).to.equal(401);
    expect(reuse.body.code).to.equal('REFRESH_TOKEN_REUSED');
    expectContract(reuse, 'refreshWorkspaceSession');
    const after = await app.request('/api/auth/workspace-refresh', { method: 'POST', json: { refreshToken: res.body.data.refreshToken } });
    expect(after.status).to.equal(401);
  });

  it('lets concurrent refreshes with the same token extend the family once: one rotation and its one retry', async () => {
    const tenant = await app.seed.tenant();
    const agent = await app.seed.account(tenant.id);
    const { refreshToken } = (await login({ username: agent.username, password: agent.password, slug: tenant.slug })).body.data;
    const attempts = await Promise.all(Array.from({ length: 4 }, () =>
      app.request('/api/auth/workspace-refresh', { method: 'POST', json: { refreshToken } })));
    expect(attempts.filter((r) => r.status === 200), 'the rotation and its retry').to.have.length(2);
    for (const loser of attempts.filter((r) => r.status !== 200)) expect(loser.status).to.equal(401);
    // The uses past the retry were reuse: no token of the family lives on, so no second chain exists.
    for (const winner of attempts.filter((r) => r.status === 200)) {
      const next = await app.request('/api/auth/workspace-refresh', { method: 'POST', json: { refreshToken: winner.body.data.refreshToken } });
      expect(next.status).to.equal(401);
    }
  });

  it('lets two parallel refreshes with the same token both answer, as one chain', async () => {
    const tenant = await app.seed.tenant();
    const agent = await app.seed.account(tenant.id);
    const { refreshToken } = (await login({ username: agent.username, password: agent.password, slug: tenant.slug })).body.data;
    const refresh = (token: string) => app.request('/api/auth/workspace-refresh', { method: 'POST', json: { refreshToken: token } });
    const [a, b] = await Promise.all([refresh(refreshToken), refresh(refreshToken)]);
    expect([a.status, b.status]).to.deep.equal([200, 200]);
    expect((await refresh(b.body.data.refreshToken)).status).to.equal(200);
    expect((await refresh(a.body.data.refreshToken)).body.code, 'the other answer ends with the chain moving on').to.equal('REFRESH_TOKEN_REUSED');
  });

  it('opens the workspace once for an entry token sent concurrently', async () => {
    const tenant = await app.seed.tenant();
    const { accessToken } = await ownerLogin(tenant);
    const { autoLoginToken } = (await entryToken(accessToken)).body.data;
    const path = `/api/auth/workspace-auto-login?token=${encodeURIComponent(autoLoginToken)}`;
    const attempts = await Promise.all(Array.from({ length: 4 }, () => app.request(path)));
    expect(attempts.filter((r) => r.status === 200), 'an entry token works once').to.have.length(1);
    for (const loser of attempts.filter((r) => r.status !== 200)) expect(loser.body.code).to.equal('ENTRY_TOKEN_INVALID');
  });

  it('does not refresh an owner session at the workspace endpoint', async () => {
    const tenant = await app.seed.tenant();
    const owner = await ownerLogin(tenant);
    const res = await app.request('/api/auth/workspace-refresh', { method: 'POST', json: { refreshToken: owner.refreshToken } });
    expect(res.status).to.equal(401);
    expect(res.body.code).to.equal('REFRESH_TOKEN_INVALID');
    // …and the owner token survived the attempt.
    expect((await app.request('/api/auth/owner-refresh', { method: 'POST', json: { refreshToken: owner.refreshToken } })).status).to.equal(200);
  });

  it('logs out idempotently, by refresh token or bearer token', async () => {
    const tenant = await app.seed.tenant();
    const agent = await app.seed.account(tenant.id);
    const first = (await login({ username: agent.username, password: agent.password, slug: tenant.slug })).body.data;
    for (let i = 0; i < 2; i++) {
      const res = await app.request('/api/auth/workspace-logout', { method: 'POST', json: { refreshToken: first.refreshToken } });
      expect(res.status).to.equal(200);
      expectContract(res, 'logoutWorkspace');
    }
    expect((await app.request('/api/auth/workspace-refresh', { method: 'POST', json: { refreshToken: first.refreshToken } })).status).to.equal(401);

    const second = (await login({ username: agent.username, password: agent.password, slug: tenant.slug })).body.data;
    const byBearer = await app.request('/api/auth/workspace-logout', { method: 'POST', headers: { authorization: `Bearer ${second.accessToken}` } });
    expect(byBearer.status).to.equal(200);
    expectContract(byBearer, 'logoutWorkspace');
    expect((await app.request('/api/auth/workspace-refresh', { method: 'POST', json: { refreshToken: second.refreshToken } })).status).to.equal(401);
  });

  it('refuses login and refresh for a disabled account or tenant', async () => {
    const tenant = await app.seed.tenant();
    const agent = await app.seed.account(tenant.id);
    const creds = { username: agent.username, password: agent.password, slug: tenant.slug };
    const { refreshToken } = (await login(creds)).body.data;
    await setAccountActive(app.deps.db, operatorIn(tenant.id), agent.id, false);
    const disabled = await login(creds);
    expect(disabled.status).to.equal(403);
    expect(disabled.body.code).to.equal('ACCOUNT_DISABLED');
    expectContract(disabled, 'loginWorkspace');
    expect((await app.request('/api/auth/workspace-refresh', { method: 'POST', json: { refreshToken } })).body.code).to.equal('ACCOUNT_DISABLED');
    await setAccountActive(app.deps.db, operatorIn(tenant.id), agent.id, true);
    await setTenantActive(app.deps.db, OPERATOR, tenant.id, false);
    expect((await login(creds)).body.code).to.equal('TENANT_DISABLED');
    expect((await app.request('/api/auth/workspace-refresh', { method: 'POST', json: { refreshToken } })).body.code).to.equal('TENANT_DISABLED');
  });

  describe('entry from the owner dashboard', () => {
    it('opens the workspace once through a one-time entry token', async () => {
      const tenant = await app.seed.tenant();
      const owner = await ownerLogin(tenant);
      const entry = await entryToken(owner.accessToken);
      expect(entry.status).to.equal(200);
      expectContract(entry, 'createWorkspaceEntryToken');
      expect(entry.body.data.dashboardUrl).to.equal(`http://${tenant.slug}.localhost:8192`);
      expect(entry.body.data.expiresIn).to.equal(60);

      const path = `/api/auth/workspace-auto-login?token=${encodeURIComponent(entry.body.data.autoLoginToken)}`;
      const res = await app.request(path);
      expect(res.status).to.equal(200);
      expectContract(res, 'autoLoginWorkspace');
      expect(res.body.data.agent).to.include({ agentId: tenant.owner.id, isOwner: true, isAdmin: true, role: 'owner', clientId: tenant.id });

      const again = await app.request(path);
      expect(again.status).to.equal(401);
      expect(again.body.code).to.equal('ENTRY_TOKEN_INVALID');
      expectContract(again, 'autoLoginWorkspace');

      // The workspace session it opened refreshes and logs out like any other.
      const refreshed = await app.request('/api/auth/workspace-refresh', { method: 'POST', json: { refreshToken: res.body.data.refreshToken } });
      expect(refreshed.status).to.equal(200);
      const out = await app.request('/api/auth/workspace-logout', { method: 'POST', json: { refreshToken: refreshed.body.data.refreshToken } });
      expect(out.status).to.equal(200);
      expect((await app.request('/api/auth/workspace-refresh', { method: 'POST', json: { refreshToken: refreshed.body.data.refreshToken } })).status).to.equal(401);
    });

    it('refuses an expired entry token', async () => {
      const tenant = await app.seed.tenant();
      const owner = await ownerLogin(tenant);
      const { autoLoginToken } = (await entryToken(owner.accessToken)).body.data;
      // Let the token age past its 60 s without waiting: move its expiry into the past.
      await app.deps.db('workspace_entry_tokens').where({ account_id: tenant.owner.id }).update({ expires_at: app.deps.db.raw("now() - interval '1 second'") });
      const res = await app.request(`/api/auth/workspace-auto-login?token=${encodeURIComponent(autoLoginToken)}`);
      expect(res.status).to.equal(401);
      expect(res.body.code).to.equal('ENTRY_TOKEN_INVALID');
      expectContract(res, 'autoLoginWorkspace');
    });

    it('needs the token query parameter and an owner token', async () => {
      const missing = await app.request('/api/auth/workspace-auto-login');
      expect(missing.status).to.equal(400);
      expectContract(missing, 'autoLoginWorkspace');
      const noOwner = await app.request('/api/auth/workspace-entry-token', { method: 'POST' });
      expect(noOwner.status).to.equal(401);
      expectContract(noOwner, 'createWorkspaceEntryToken');
    });
  });
});

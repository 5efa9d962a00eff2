import { expect } from 'chai';
import { listAudit } from '../../src/audit/audit-log.ts';
import { expectContract } from '../support/contract.ts';
import { endRefreshRetryWindow } from '../support/dashboard-sessions.ts';
import { useTestApp } from '../support/test-app.ts';

describe('platform admin sessions', () => {
  const app = useTestApp();
  const login = (json: unknown) => app.request('/api/platform/auth/login', { method: 'POST', json });
  const refresh = (refreshToken: string) => app.request('/api/platform/auth/refresh', { method: 'POST', json: { refreshToken } });

  it('signs a platform admin in and refreshes the session', async () => {
    const admin = await app.seed.platformAdmin('platform_owner');
    const res = await login({ email: admin.email, password: admin.password });
    expect(res.status).to.equal(200);
    expectContract(res, 'loginPlatformAdmin');
    expect(res.body.data).to.include({ adminId: admin.id, email: admin.email, name: admin.name, role: 'platform_owner', expiresIn: 900 });

    const next = await refresh(res.body.data.refreshToken);
    expect(next.status).to.equal(200);
    expectContract(next, 'refreshPlatformAdminSession');
    expect(next.body.data.adminId).to.equal(admin.id);
    expect(next.body.data.refreshToken).to.not.equal(res.body.data.refreshToken);
  });

  it('revokes the family when a rotated refresh token comes back', async () => {
    const admin = await app.seed.platformAdmin();
    const first = (await login({ email: admin.email, password: admin.password })).body.data.refreshToken;
    const second = (await refresh(first)).body.data.refreshToken;
    await endRefreshRetryWindow(app, first);
    const reuse = await refresh(first);
    expect(reuse.status).to.equal(401);
    expect(reuse.body.code).to.equal('REFRESH_TOKEN_REUSED');
    expectContract(reuse, 'refreshPlatformAdminSession');
    expect((await refresh(second)).status).to.equal(401);
    const [entry] = await listAudit(app.deps.db, { action: 'platform.refresh_reused' });
    expect(entry.actorId).to.equal(admin.id);
  });

  it('refuses a wrong password, a disabled admin and an owner refresh token', async () => {
    const admin = await app.seed.platformAdmin();
    const wrong = await login({ email: admin.email, password: 'wrong-password-123' });
    expect(wrong.status).to.equal(401);
    expect(wrong.body.code).to.equal('INVALID_CREDENTIALS');
    expectContract(wrong, 'loginPlatformAdmin');

    const { refreshToken } = (await login({ email: admin.email, password: admin.password })).body.data;
    await app.deps.db('platform_admins').where({ id: admin.id }).update({ active: false });
    const disabled = await login({ email: admin.email, password: admin.password });
    expect(disabled.status).to.equal(403);
    expect(disabled.body.code).to.equal('ACCOUNT_DISABLED');
    expectContract(disabled, 'loginPlatformAdmin');
    expect((await refresh(refreshToken)).status).to.equal(403);

    const tenant = await app.seed.tenant();
    const owner = (await app.request('/api/auth/owner-login', { method: 'POST', json: { email: tenant.ownerEmail, password: tenant.password } })).body.data;
    const foreign = await refresh(owner.refreshToken);
    expect(foreign.status).to.equal(401);
    expect(foreign.body.code).to.equal('REFRESH_TOKEN_INVALID');
  });

  it('answers 400 envelopes for bad and missing bodies', async () => {
    const missing = await app.request('/api/platform/auth/login', { method: 'POST' });
    expect(missing.status).to.equal(400);
    expectContract(missing, 'loginPlatformAdmin');
    const bad = await app.request('/api/platform/auth/refresh', { method: 'POST', json: {} });
    expect(bad.status).to.equal(400);
    expect(bad.body.details).to.deep.equal(['body.refreshToken is required']);
    expectContract(bad, 'refreshPlatformAdminSession');
  });
});

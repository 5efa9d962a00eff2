import { expect } from 'chai';
import { useTestApp } from '../support/test-app.ts';
import { expectContract } from '../support/contract.ts';
import { ownerAuth, workspaceAuth } from '../support/dashboard-sessions.ts';
import { sdkClient } from '../support/sdk.ts';
import { startSiblingApp } from '../support/sibling-app.ts';

describe('developer settings', () => {
  const app = useTestApp();

  async function owned(plan?: string) {
    const tenant = await app.seed.tenant({ plan });
    return { tenant, headers: await ownerAuth(app, tenant) };
  }

  it('shows the tenant, its public key, allowed domains and service capabilities', async () => {
    const { tenant, headers } = await owned('professional');
    const res = await app.request('/api/sdk/developer', { headers });
    expect(res.status).to.equal(200);
    expectContract(res, 'getDeveloperSettings');
    expect(res.body.data.tenant.clientId).to.equal(tenant.id);
    expect(res.body.data.publicKey).to.equal(tenant.publicKey);
    expect(res.body.data.allowedDomains).to.deep.equal([]);
    const status = Object.fromEntries(res.body.data.services.map((s: any) => [s.key, s.status]));
    expect(status).to.deep.equal({
      chat: 'available', voice_call: 'available', video_call: 'available',
      ai_chat: 'ai_not_ready', ai_voice: 'not_in_plan', ai_video: 'not_in_plan',
    });
  });

  it('replaces allowed domains, normalised and de-duplicated', async () => {
    const { headers } = await owned('professional');
    const owner = sdkClient(app, { dashboardToken: headers.authorization.replace('Bearer ', '') });
    const res = await owner.PUT('/sdk/developer/allowed-domains', {
      body: { allowedDomains: ['https://Shop.Example.com:8443/path', 'shop.example.com', '*.example.org', 'a.example.org'] },
    });
    expect(res.response.status).to.equal(200);
    expect(res.data!.data!.allowedDomains).to.have.members(['shop.example.com', '*.example.org']);
    const read = await owner.GET('/sdk/developer');
    expect(read.data!.data!.allowedDomains).to.have.members(['shop.example.com', '*.example.org']);
  });

  it('refuses invalid domains naming each, and changes nothing', async () => {
    const { headers } = await owned();
    await app.request('/api/sdk/developer/allowed-domains', { method: 'PUT', headers, json: { allowedDomains: ['keep.example.com'] } });
    const res = await app.request('/api/sdk/developer/allowed-domains', {
      method: 'PUT', headers, json: { allowedDomains: ['ok.example.com', '10.0.0.1', 'localhost'] },
    });
    expect(res.status).to.equal(400);
    expect(res.body.code).to.equal('VALIDATION_FAILED');
    expect(res.body.details).to.have.length(2);
    expectContract(res, 'updateDeveloperAllowedDomains');
    const read = await app.request('/api/sdk/developer', { headers });
    expect(read.body.data.allowedDomains).to.deep.equal(['keep.example.com']);
  });

  it("refuses more domains than the plan's quota with 409 QUOTA_EXCEEDED, changing nothing", async () => {
    const { headers } = await owned('starter'); // starter allows 2
    const res = await app.request('/api/sdk/developer/allowed-domains', {
      method: 'PUT', headers, json: { allowedDomains: ['a.example.com', 'b.example.com', 'c.example.com'] },
    });
    expect(res.status).to.equal(409);
    expect(res.body.code).to.equal('QUOTA_EXCEEDED');
    expectContract(res, 'updateDeveloperAllowedDomains');
    const read = await app.request('/api/sdk/developer', { headers });
    expect(read.body.data.allowedDomains).to.deep.equal([]);
  });

  it('reports readiness for an origin, a slug and a service', async () => {
    const { tenant, headers } = await owned('starter');
    await app.request('/api/sdk/developer/allowed-domains', { method: 'PUT', headers, json: { allowedDomains: ['*.shop.test'] } });
    const res = await app.request('/api/sdk/developer/test', {
      method: 'POST', headers, json: { origin: 'https://www.shop.test', slug: tenant.slug, service: 'voice_call' },
    });
    expect(res.status).to.equal(200);
    expectContract(res, 'testDeveloperSdkSettings');
    expect(res.body.data.origin).to.include({ allowed: true, domain: 'www.shop.test' });
    expect(res.body.data.tenant.slugMatches).to.equal(true);
    expect(res.body.data.services).to.have.length(1);
    expect(res.body.data.services[0]).to.include({ key: 'voice_call', status: 'not_in_plan', allowed: false });

    const elsewhere = await app.request('/api/sdk/developer/test', { method: 'POST', headers, json: { origin: 'https://evil.test', slug: 'other' } });
    expect(elsewhere.body.data.origin).to.include({ allowed: false });
    expect(elsewhere.body.data.tenant.slugMatches).to.equal(false);
    expectContract(elsewhere, 'testDeveloperSdkSettings');
  });

  it('lets a workspace admin manage, and lets an agent read but not change', async () => {
    const tenant = await app.seed.tenant();
    const admin = await app.seed.account(tenant.id, { role: 'admin' });
    const agent = await app.seed.account(tenant.id, { role: 'agent' });
    const adminHeaders = await workspaceAuth(app, tenant, admin);
    const agentHeaders = await workspaceAuth(app, tenant, agent);

    const byAdmin = await app.request('/api/sdk/developer/allowed-domains', { method: 'PUT', headers: adminHeaders, json: { allowedDomains: ['admin.example.com'] } });
    expect(byAdmin.status).to.equal(200);

    const read = await app.request('/api/sdk/developer', { headers: agentHeaders });
    expect(read.status).to.equal(200);
    const write = await app.request('/api/sdk/developer/allowed-domains', { method: 'PUT', headers: agentHeaders, json: { allowedDomains: [] } });
    expect(write.status).to.equal(403);
    expect(write.body.code).to.equal('FORBIDDEN');
    expectContract(write, 'updateDeveloperAllowedDomains');
    const list = await app.request('/api/sdk/developer/oauth-clients', { headers: agentHeaders });
    expect(list.status).to.equal(403);
    expectContract(list, 'listOAuthClients');
  });

  it('requires a dashboard token', async () => {
    const res = await app.request('/api/sdk/developer');
    expect(res.status).to.equal(401);
    expectContract(res, 'getDeveloperSettings');
  });

  it('writes domain changes to the audit log with the actor', async () => {
    const { tenant, headers } = await owned();
    await app.request('/api/sdk/developer/allowed-domains', { method: 'PUT', headers, json: { allowedDomains: ['audit.example.com'] } });
    const entry = await app.deps.db('audit_log').where({ tenant_id: tenant.id, action: 'allowed_domains.updated' }).first();
    expect(entry).to.include({ actor_type: 'account', actor_id: tenant.owner.id, outcome: 'success' });
  });

  it('shows AI voice as this deployment offers it: not configured without a realtime provider, else ready', async () => {
    const tenant = await app.seed.tenant({ plan: 'enterprise' });
    const headers = await ownerAuth(app, tenant);
    const voiceOf = (res: { body: { data: { services: { key: string; status: string }[] } } }) => res.body.data.services.find((s) => s.key === 'ai_voice')!.status;
    expect(voiceOf(await app.request('/api/sdk/developer', { headers }))).to.equal('not_configured');
    const sibling = await startSiblingApp(app, { AI_REALTIME_URL: 'http://127.0.0.1:9/realtime' });
    try {
      expect(voiceOf(await sibling.request('/api/sdk/developer', { headers }))).to.equal('available');
    } finally {
      await sibling.stop();
    }
  });
});

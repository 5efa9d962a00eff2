import { expect } from 'chai';
import { operatorIn } from '../../src/audit/actor.ts';
import { addAllowedDomainWithinQuota } from '../../src/tenants/allowed-domains.ts';
import { createDepartment } from '../../src/tenants/departments.ts';
import { agentTokenOf, SESSION_HEADER, visitorOf } from '../conversations/chat-support.ts';
import { expectContract } from '../support/contract.ts';
import { useTestApp } from '../support/test-app.ts';
import { adminSdk, adminTokenOf } from './report-support.ts';

const OPERATIONS = [
  ['tenant', 'getAdminTenant'], ['readiness', 'getAdminReadiness'], ['domains', 'getAdminDomains'], ['services', 'getAdminServices'],
  ['subscription', 'getAdminSubscription'], ['ai-readiness', 'getAdminAiReadiness'], ['staff-summary', 'getAdminStaffSummary'],
  ['reports/summary', 'getAdminReportSummary'], ['reports/timeseries', 'getAdminReportTimeseries'], ['reports/export', 'exportAdminReport'],
] as const;

describe('Admin SDK', () => {
  const app = useTestApp();

  async function workspace(plan = 'professional') {
    const tenant = await app.seed.tenant({ plan });
    const admin = await app.seed.account(tenant.id, { role: 'admin' });
    return { tenant, admin, get: adminSdk(app, await adminTokenOf(app, tenant.id, admin.id)) };
  }

  it('answers every read to an admin token, within the contract', async () => {
    const { get } = await workspace();
    for (const [path, operationId] of OPERATIONS) {
      const res = await get(path);
      expect(res.status, `${path}: ${res.text}`).to.equal(200);
      expectContract(res, operationId);
    }
  });

  it('refuses agent and visitor tokens, and requests without one', async () => {
    const { tenant } = await workspace();
    const agent = await app.seed.account(tenant.id, { role: 'agent' });
    const agentToken = await agentTokenOf(app, tenant.id, agent.id);
    const { token: visitorToken } = await visitorOf(app, tenant.slug);
    for (const [path] of OPERATIONS) {
      for (const token of [agentToken, visitorToken]) {
        const res = await app.request(`/api/admin-sdk/${path}`, { headers: { [SESSION_HEADER]: token } });
        expect(res.status, path).to.equal(401);
        expect(res.body.code).to.equal('TOKEN_WRONG_KIND');
      }
      expect((await app.request(`/api/admin-sdk/${path}`)).status).to.equal(401);
    }
  });

  it('names the tenant and the admin, and lists allowed domains and services', async () => {
    const { tenant, admin, get } = await workspace();
    await addAllowedDomainWithinQuota(app.deps.db, tenant, 'shop.example.com');
    const identity = (await get('tenant')).body.data;
    expect(identity.tenant).to.include({ clientId: tenant.id, slug: tenant.slug, timezone: 'UTC' });
    expect(identity.admin).to.include({ id: admin.id, username: admin.username, role: 'admin' });
    expect((await get('domains')).body.data.allowedDomains).to.deep.equal(['shop.example.com']);
    const { services, capabilities } = (await get('services')).body.data;
    expect(services.map((s: { key: string }) => s.key)).to.deep.equal(['chat', 'voice_call', 'video_call', 'ai_chat', 'ai_voice', 'ai_video']);
    expect(capabilities.chat).to.deep.equal({ status: 'available', allowed: true, adminEnabled: true });
    expect(capabilities.ai_voice.status).to.equal('not_in_plan');
    const readiness = (await get('readiness')).body.data;
    expect(readiness.reports).to.deep.equal({ available: true });
    expect(readiness.services).to.have.length(6);
  });

  it('shows the plan, its features and every quota against current use', async () => {
    const { tenant, get } = await workspace('starter');
    await app.seed.account(tenant.id, { role: 'agent' });
    await addAllowedDomainWithinQuota(app.deps.db, tenant, 'a.example.com');
    const { subscription } = (await get('subscription')).body.data;
    expect(subscription.plan).to.include({ slug: 'starter' });
    expect(subscription.features).to.deep.equal(['chat']);
    const quota = (key: string) => subscription.quotas.find((q: { key: string }) => q.key === key);
    expect(quota('agents')).to.include({ limit: 3, used: 2, remaining: 1 });
    expect(quota('allowed_domains')).to.include({ limit: 2, used: 1, remaining: 1 });
    expect(quota('ai_chat_replies')).to.include({ used: 0 });
  });

  it('says whether AI can be used, and why not', async () => {
    const starter = await workspace('starter');
    const refused = (await starter.get('ai-readiness')).body.data;
    expect(refused.canUseAiFeature).to.equal(false);
    expect(refused.ai).to.include({ canUseAi: false, mode: 'human_only' });
    expect(refused.ai.reason).to.match(/plan does not include AI chat/);
    expect(refused.ai.knowledge).to.deep.equal({ ready: false });
    expect(refused.ai.balance).to.include({ balanceCents: 0, alertLevel: 'empty' });

    const professional = await workspace('professional');
    const notReady = (await professional.get('ai-readiness')).body.data;
    expect(notReady.ai.services.ai_chat).to.equal('ai_not_ready');
    expect(notReady.ai.reason).to.match(/knowledge/i);
  });

  it('sums up staff by role, who is online, and departments with their members', async () => {
    const { tenant, get } = await workspace();
    const support = await createDepartment(app.deps.db, operatorIn(tenant.id), 'Support');
    const online = await app.seed.account(tenant.id, { role: 'agent', departmentId: support.id });
    await app.seed.account(tenant.id, { role: 'supervisor', departmentId: support.id });
    await app.request('/api/agent-sdk/presence', { method: 'PATCH', headers: { [SESSION_HEADER]: await agentTokenOf(app, tenant.id, online.id) }, json: { status: 'available' } });
    const staff = (await get('staff-summary')).body.data;
    expect(staff.accounts).to.deep.include({ total: 4, active: 4, byRole: { owner: 1, admin: 1, supervisor: 1, agent: 1 } });
    expect(staff.presence).to.deep.equal({ onlineNow: 1, availableNow: 1 });
    expect(staff.departments).to.deep.equal([{ id: support.id, name: 'Support', members: 2 }]);
  });
});

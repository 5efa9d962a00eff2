import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import { listAudit } from '../../src/audit/audit-log.ts';
import { ownerAuth, platformAuth, workspaceAuth } from '../support/dashboard-sessions.ts';
import { PASSWORD, unique } from '../support/seed.ts';
import { useTestApp } from '../support/test-app.ts';

describe('platform plan contracts', () => {
  const app = useTestApp();
  const PATH = '/api/platform/plan-contracts';
  const as = async (role: string) => platformAuth(app, await app.seed.platformAdmin(role));
  const read = async (headers: Record<string, string>) => (await app.request(PATH, { headers })).body.data;
  const put = (headers: Record<string, string>, json: unknown) => app.request(PATH, { method: 'PUT', headers, json });

  /** The current catalog with one more plan, a copy of professional under a fresh slug. */
  async function withNewPlan(headers: Record<string, string>, quotas: Record<string, unknown> = {}) {
    const catalog = await read(headers);
    const base = catalog.plans.find((p: any) => p.slug === 'professional');
    const plan = { ...structuredClone(base), planId: randomUUID(), slug: `test-${unique()}`, name: 'Test plan', sortOrder: 900 };
    for (const q of Object.values<any>(plan.quotas)) delete q.planId;
    for (const f of Object.values<any>(plan.features)) delete f.planId;
    Object.assign(plan.quotas, quotas);
    return { catalog: { ...catalog, plans: [...catalog.plans, plan] }, plan };
  }

  it('reads the seeded feature keys, quota keys and per-plan matrix, with its version', async () => {
    const res = await app.request(PATH, { headers: await as('platform_support') });
    expect(res.status).to.equal(200);
    const { featureKeys, quotaKeys, plans, version } = res.body.data;
    expect(featureKeys.map((k: any) => k.featureKey)).to.include.members(['chat', 'ai_chat', 'ai_video']);
    expect(quotaKeys.map((k: any) => k.quotaKey)).to.include.members(['agents', 'allowed_domains', 'ai_chat_replies', 'ai_voice_minutes']);
    const starter = plans.find((p: any) => p.slug === 'starter');
    expect(starter.features.chat.enabled).to.equal(true);
    expect(starter.quotas.agents).to.include({ valueType: 'number', limitValue: 3 });
    expect(plans.find((p: any) => p.slug === 'enterprise').quotas.agents).to.include({ valueType: 'unlimited', limitValue: null });
    expect(version).to.be.a('number');
  });

  it('lets support read but not write, and refuses dashboard tokens', async () => {
    const support = await as('platform_support');
    const catalog = await read(support);
    const refused = await put(support, catalog);
    expect(refused.status).to.equal(403);
    expect(refused.body.code).to.equal('FORBIDDEN');

    const tenant = await app.seed.tenant();
    const owner = await app.request(PATH, { headers: await ownerAuth(app, tenant) });
    expect(owner.status).to.equal(401);
    const admin = await app.seed.account(tenant.id, { role: 'admin' });
    const workspace = await app.request(PATH, { headers: await workspaceAuth(app, tenant, { username: admin.username, password: PASSWORD }) });
    expect(workspace.status).to.equal(401);
    expect((await app.request(PATH)).status).to.equal(401);
  });

  it('lists every problem of an invalid catalog and changes nothing', async () => {
    const headers = await as('platform_admin');
    const { catalog, plan } = await withNewPlan(headers);
    const before = catalog.version;
    plan.features = { chat: { enabled: false }, teleport: { enabled: true } };
    plan.quotas.agents = { valueType: 'number' };
    plan.quotas.allowed_domains = { valueType: 'unlimited', limitValue: 5 };
    plan.quotas.warp_drives = { valueType: 'number', limitValue: 1 };
    delete plan.quotas.ai_voice_minutes;
    catalog.plans.push({ ...structuredClone(plan), planId: randomUUID(), features: {} });
    catalog.quotaKeys = catalog.quotaKeys.filter((k: any) => k.quotaKey !== 'agents').concat(catalog.quotaKeys[1]);

    const res = await put(headers, catalog);
    expect(res.status).to.equal(400);
    expect(res.body.code).to.equal('VALIDATION_FAILED');
    const at = `plans[${catalog.plans.length - 2}] (${plan.slug})`;
    expect(res.body.details).to.include.members([
      'quotaKeys: "allowed_domains" is listed more than once',
      'quotaKeys must keep "agents": the platform enforces it',
      `plans: slug "${plan.slug}" is used by more than one plan`,
      `${at}.features.teleport is not a feature key of the catalog`,
      `${at}.quotas.agents is not a quota key of the catalog`,
      `${at}.quotas.agents.limitValue must be an integer of 0 or more for valueType "number"`,
      `${at}.quotas.allowed_domains.limitValue must be null for valueType "unlimited"`,
      `${at}.quotas.warp_drives is not a quota key of the catalog`,
      `${at}.quotas.ai_voice_minutes is missing: every plan needs a value for every quota key`,
      `plans[${catalog.plans.length - 1}] (${plan.slug}) has no features: enable at least one`,
    ]);
    expect((await read(headers)).version).to.equal(before);
    expect((await read(headers)).plans.map((p: any) => p.slug)).not.to.include(plan.slug);
  });

  it('refuses an unknown value type through the schema', async () => {
    const headers = await as('platform_admin');
    const { catalog, plan } = await withNewPlan(headers, { agents: { valueType: 'plenty' } });
    const res = await put(headers, catalog);
    expect(res.status).to.equal(400);
    expect(res.body.details.join(' ')).to.include(`body.plans.${catalog.plans.indexOf(plan)}.quotas.agents.valueType`);
  });

  it('replaces the catalog in one audited, versioned step and refuses a stale version', async () => {
    const headers = await as('platform_owner');
    const { catalog, plan } = await withNewPlan(headers, { agents: { valueType: 'custom', limitValue: null, config: { note: 'by contract' } } });
    const res = await put(headers, catalog);
    expect(res.status).to.equal(200);
    expect(res.body.data.version).to.equal(catalog.version + 1);
    const stored = res.body.data.plans.find((p: any) => p.slug === plan.slug);
    expect(stored.quotas.agents).to.include({ valueType: 'custom', limitValue: null });
    expect(stored.quotas.agents.config).to.deep.equal({ note: 'by contract' });

    const [entry] = await listAudit(app.deps.db, { action: 'plan_contracts.updated', limit: 1 });
    expect((entry.details.before as any).plans.map((p: any) => p.slug)).not.to.include(plan.slug);
    expect((entry.details.after as any).plans.map((p: any) => p.slug)).to.include(plan.slug);

    const stale = await put(headers, catalog); // still carries the version it was read at
    expect(stale.status).to.equal(409);
    expect(stale.body.code).to.equal('CONFLICT');
  });

  it('refuses to remove a plan that tenants are on', async () => {
    const headers = await as('platform_admin');
    const { catalog, plan } = await withNewPlan(headers);
    await put(headers, catalog);
    await app.seed.tenant({ plan: plan.slug });
    const current = await read(headers);
    const res = await put(headers, { ...current, plans: current.plans.filter((p: any) => p.slug !== plan.slug) });
    expect(res.status).to.equal(409);
    expect((await read(headers)).plans.map((p: any) => p.slug)).to.include(plan.slug);
  });

  it('applies a lowered quota at once: existing agents stay, the next one is refused', async () => {
    const headers = await as('platform_admin');
    const { catalog, plan } = await withNewPlan(headers);
    await put(headers, catalog);
    const tenant = await app.seed.tenant({ plan: plan.slug });
    const kept = [await app.seed.account(tenant.id), await app.seed.account(tenant.id)];

    const current = await read(headers);
    current.plans.find((p: any) => p.slug === plan.slug).quotas.agents = { valueType: 'number', limitValue: 1 };
    expect((await put(headers, current)).status).to.equal(200);

    const refused = await app.seed.account(tenant.id).then(() => undefined, (err) => err);
    expect(refused?.code).to.equal('QUOTA_EXCEEDED');
    for (const account of kept) {
      const login = await app.request('/api/auth/workspace-login', { method: 'POST', json: { username: account.username, password: PASSWORD, slug: tenant.slug } });
      expect(login.status, 'the agents over the quota keep their accounts').to.equal(200);
    }
  });

  it('applies a removed feature at once to the services a tenant is offered', async () => {
    const headers = await as('platform_admin');
    const { catalog, plan } = await withNewPlan(headers);
    await put(headers, catalog);
    const tenant = await app.seed.tenant({ plan: plan.slug });
    const status = async () => (await app.request(`/api/sdk/bootstrap?slug=${tenant.slug}`)).body.data.services
      .find((s: any) => s.key === 'voice_call').status;
    expect(await status()).to.not.equal('not_in_plan');

    const current = await read(headers);
    current.plans.find((p: any) => p.slug === plan.slug).features.voice_call = { enabled: false };
    await put(headers, current);
    expect(await status()).to.equal('not_in_plan');
  });
});

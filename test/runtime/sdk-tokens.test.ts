import { expect } from 'chai';
import { decodeJwt } from 'jose';
import { operatorIn } from '../../src/audit/actor.ts';
import { setAccountActive } from '../../src/accounts/accounts.ts';
import { listAudit } from '../../src/audit/audit-log.ts';
import { signRuntimeToken } from '../../src/runtime/runtime-tokens.ts';
import { AGENT_SCOPES_BY_ROLE, ADMIN_SCOPES_BY_ROLE } from '../../src/runtime/runtime-scopes.ts';
import { expectContract } from '../support/contract.ts';
import { useTestApp } from '../support/test-app.ts';

const DEVICE = { platform: 'android', provider: 'fcm', token: `fcm-${'a'.repeat(140)}`, deviceId: 'device-1', audience: 'agent' };

describe('Server API: runtime tokens for agents, admins and visitors', () => {
  const app = useTestApp();

  async function backend() {
    const tenant = await app.seed.tenant({ plan: 'enterprise' });
    const key = await app.seed.serverKey(tenant.id, ['server:agent-token:write', 'server:admin-token:write', 'server:visitor-context:write', 'server:tenant:read']);
    const post = (path: string, json: object) => app.request(`/api/server/${path}`, { method: 'POST', headers: { authorization: `Bearer ${key.secret}` }, json });
    return { tenant, key, post };
  }
  const register = (token: string, json: object = DEVICE) =>
    app.request('/api/sdk/devices/push-token', { method: 'POST', headers: { 'x-ringnity-sdk-session': token }, json });

  it('mints an agent token by id or username with the role\'s scopes, capped in lifetime, and audits it', async () => {
    const { tenant, post } = await backend();
    const agent = await app.seed.account(tenant.id, { role: 'agent' });
    const byId = await post('sdk-token/agent', { agentId: agent.id, expiresIn: 86_400 });
    expect(byId.status, byId.text).to.equal(201);
    expectContract(byId, 'createAgentToken');
    expect(byId.body.data).to.include({ tokenType: 'Bearer', expiresIn: 3600 });
    expect(byId.body.data.scopes).to.deep.equal([...AGENT_SCOPES_BY_ROLE.agent]);
    const claims = decodeJwt(byId.body.data.token);
    expect(claims).to.include({ kind: 'agent', tid: tenant.id, sub: agent.id });
    expect(claims.exp! - claims.iat!).to.equal(3600);

    const byName = await post('sdk-token/agent', { username: agent.username.toUpperCase(), scopes: ['agent:profile:read'] });
    expect(byName.status).to.equal(201);
    expect(byName.body.data.scopes).to.deep.equal(['agent:profile:read']);
    const [issued] = await listAudit(app.deps.db, { tenantId: tenant.id, action: 'sdk_token.agent_issued' });
    expect(issued).to.include({ targetId: agent.id, actorType: 'server_api_key' });
    expect(JSON.stringify(issued)).to.not.include(byName.body.data.token);
  });

  it('refuses unknown accounts (404), scopes beyond the role (403) and contradicting fields (400), creating nothing', async () => {
    const { tenant, post } = await backend();
    const other = await app.seed.tenant();
    const agent = await app.seed.account(tenant.id, { role: 'agent' });
    const outsider = await app.seed.account(other.id, { role: 'admin' });
    const before = await app.deps.db('accounts').count({ n: '*' }).first();
    const cases: Array<[string, object, number, string]> = [
      ['sdk-token/agent', { agentId: crypto.randomUUID() }, 404, 'NOT_FOUND'],
      ['sdk-token/agent', { agentId: 'not-a-uuid' }, 404, 'NOT_FOUND'],
      ['sdk-token/agent', { username: 'nobody-here' }, 404, 'NOT_FOUND'],
      ['sdk-token/agent', { agentId: outsider.id }, 404, 'NOT_FOUND'],
      ['sdk-token/agent', {}, 400, 'VALIDATION_FAILED'],
      ['sdk-token/agent', { agentId: agent.id, scopes: ['agent:conversations:assign'] }, 403, 'FORBIDDEN'],
      ['sdk-token/agent', { agentId: agent.id, scopes: ['admin:reports:read'] }, 403, 'FORBIDDEN'],
      ['sdk-token/agent', { agentId: agent.id, scopes: ['everything'] }, 400, 'VALIDATION_FAILED'],
      ['sdk-token/agent', { agentId: agent.id, name: 'Somebody Else' }, 400, 'VALIDATION_FAILED'],
      ['sdk-token/agent', { agentId: agent.id, departmentId: crypto.randomUUID() }, 400, 'VALIDATION_FAILED'],
      ['sdk-token/admin', { adminActorId: agent.id }, 403, 'FORBIDDEN'],
      ['sdk-token/admin', { adminActorId: tenant.owner.id, role: 'admin' }, 400, 'VALIDATION_FAILED'],
      ['visitor-context-token', { visitor: { name: 'No identifier' } }, 400, 'VALIDATION_FAILED'],
    ];
    for (const [path, body, status, code] of cases) {
      const res = await post(path, body);
      expect(res.status, `${path} ${JSON.stringify(body)}: ${res.text}`).to.equal(status);
      expect(res.body.code).to.equal(code);
    }
    expect(await app.deps.db('accounts').count({ n: '*' }).first()).to.deep.equal(before);
  });

  it('mints admin tokens for owners and admins', async () => {
    const { tenant, post } = await backend();
    const admin = await app.seed.account(tenant.id, { role: 'admin' });
    for (const body of [{ adminActorId: admin.id, role: 'admin' }, { username: tenant.owner.username }]) {
      const res = await post('sdk-token/admin', body);
      expect(res.status, res.text).to.equal(201);
      expectContract(res, 'createAdminToken');
      expect(res.body.data.scopes).to.deep.equal([...ADMIN_SCOPES_BY_ROLE.admin!]);
      expect(decodeJwt(res.body.data.token).kind).to.equal('admin');
    }
  });

  it('stops a disabled agent\'s token at once, and works again when re-enabled', async () => {
    const { tenant, post } = await backend();
    const agent = await app.seed.account(tenant.id, { role: 'agent' });
    const { token } = (await post('sdk-token/agent', { agentId: agent.id })).body.data;
    expect((await register(token)).status).to.equal(201);
    await setAccountActive(app.deps.db, operatorIn(tenant.id), agent.id, false);
    const refused = await register(token);
    expect(refused.status).to.equal(401);
    expect(refused.body.code).to.equal('TOKEN_REVOKED');
    await setAccountActive(app.deps.db, operatorIn(tenant.id), agent.id, true);
    expect((await register(token)).status).to.equal(201);
  });

  it('refuses an expired runtime token, a token of another origin and a forged one', async () => {
    const { tenant } = await backend();
    const agent = await app.seed.account(tenant.id, { role: 'agent' });
    const { keys, config } = app.deps;
    const expired = (await signRuntimeToken(keys, config.issuer, { kind: 'agent', tenantId: tenant.id, subject: agent.id, scopes: ['devices:write'] }, -5)).token;
    const res = await register(expired);
    expect(res.status).to.equal(401);
    expect(res.body.code).to.equal('TOKEN_EXPIRED');
    expectContract(res, 'registerDevicePushToken');

    const session = await app.request('/api/sdk/session', { method: 'POST', json: { slug: tenant.slug } });
    const visitorToken = session.body.data.sessionToken as string;
    const [header, payload] = visitorToken.split('.');
    const forged = `${header}.${payload}.${'A'.repeat(342)}`;
    expect((await register(forged, { ...DEVICE, audience: 'visitor' })).body.code).to.equal('TOKEN_INVALID');

    const bound = (await signRuntimeToken(keys, config.issuer, {
      kind: 'visitor', tenantId: tenant.id, subject: crypto.randomUUID(), scopes: ['devices:write'], origin: 'https://shop.example.com', verified: false,
    }, 300)).token;
    const elsewhere = await app.request('/api/sdk/devices/push-token', {
      method: 'POST', headers: { 'x-ringnity-sdk-session': bound, origin: 'https://evil.example' }, json: { ...DEVICE, audience: 'visitor' },
    });
    expect(elsewhere.status).to.equal(403);
    expect(elsewhere.body.code).to.equal('SDK_ORIGIN_NOT_ALLOWED');
  });

  it('reports the tenant\'s SDK readiness', async () => {
    const { key } = await backend();
    const res = await app.request('/api/server/tenant/sdk-readiness', { headers: { authorization: `Bearer ${key.secret}` } });
    expect(res.status).to.equal(200);
    expectContract(res, 'getSdkReadiness');
    expect(res.body.data.services.find((s: { key: string }) => s.key === 'chat').status).to.equal('available');
  });
});

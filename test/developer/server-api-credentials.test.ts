import { expect } from 'chai';
import { useTestApp } from '../support/test-app.ts';
import { expectContract, expectErrorEnvelope } from '../support/contract.ts';
import { ownerAuth } from '../support/dashboard-sessions.ts';

describe('Server API credentials (dashboard)', () => {
  const app = useTestApp();
  const base = '/api/sdk/developer/server-api-credentials';
  const key = (secret: string) => ({ headers: { authorization: `Bearer ${secret}` } });

  async function owned() {
    const tenant = await app.seed.tenant();
    return { tenant, headers: await ownerAuth(app, tenant) };
  }

  it('creates a key whose secret is shown once and works at /server/health at once', async () => {
    const { headers } = await owned();
    const res = await app.request(base, { method: 'POST', headers, json: { name: 'WordPress backend', environment: 'test', scopes: ['server:health'] } });
    expect(res.status).to.equal(201);
    expectContract(res, 'createServerApiCredential');
    const { credential, secret } = res.body.data;
    expect(secret).to.match(/^rn_sk_test_/);
    expect(credential).to.include({ name: 'WordPress backend', environment: 'test', isActive: true });
    expect(credential.secretPreview).to.not.equal(secret);

    expect((await app.request('/api/server/health', key(secret))).status).to.equal(200);

    const list = await app.request(base, { headers });
    expectContract(list, 'listServerApiCredentials');
    expect(list.body.data.credentials.map((c: any) => c.id)).to.deep.equal([credential.id]);
    expect(list.text).to.not.include(secret);
  });

  it('defaults to a live key', async () => {
    const { headers } = await owned();
    const res = await app.request(base, { method: 'POST', headers, json: { name: 'prod', scopes: ['server:health'] } });
    expect(res.body.data.secret).to.match(/^rn_sk_live_/);
  });

  it('refuses unknown scopes and empty names, creating nothing', async () => {
    const { headers } = await owned();
    const bad = await app.request(base, { method: 'POST', headers, json: { name: 'x', scopes: ['server:everything'] } });
    expect(bad.status).to.equal(400);
    expectContract(bad, 'createServerApiCredential');
    const blank = await app.request(base, { method: 'POST', headers, json: { name: '  ', scopes: ['server:health'] } });
    expect(blank.status).to.equal(400);
    const list = await app.request(base, { headers });
    expect(list.body.data.credentials).to.deep.equal([]);
  });

  it('updates scopes, and the key is judged by them at once', async () => {
    const { headers } = await owned();
    const created = await app.request(base, { method: 'POST', headers, json: { name: 'k', scopes: ['server:health'] } });
    const { credential, secret } = created.body.data;
    expect((await app.request('/api/server/tenant', key(secret))).status).to.equal(403);
    const res = await app.request(`${base}/${credential.id}`, { method: 'PATCH', headers, json: { scopes: ['server:health', 'server:tenant:read'], name: 'renamed' } });
    expect(res.status).to.equal(200);
    expectContract(res, 'updateServerApiCredential');
    expect(res.body.data.credential).to.include({ name: 'renamed' });
    expect((await app.request('/api/server/tenant', key(secret))).status).to.equal(200);
  });

  it('keeps a key in its environment: the secret says live or test', async () => {
    const { headers } = await owned();
    const { credential } = (await app.request(base, { method: 'POST', headers, json: { name: 'k', environment: 'live', scopes: ['server:health'] } })).body.data;
    const res = await app.request(`${base}/${credential.id}`, { method: 'PATCH', headers, json: { environment: 'test' } });
    expect(res.status).to.equal(400);
    expect(res.body.code).to.equal('VALIDATION_FAILED');
    expectContract(res, 'updateServerApiCredential');
    const same = await app.request(`${base}/${credential.id}`, { method: 'PATCH', headers, json: { environment: 'live', name: 'kept' } });
    expect(same.status).to.equal(200);
    expect(same.body.data.credential).to.include({ environment: 'live', name: 'kept' });
  });

  it('disables a key with DELETE; the key stops working at once', async () => {
    const { headers } = await owned();
    const { credential, secret } = (await app.request(base, { method: 'POST', headers, json: { name: 'k', scopes: ['server:health'] } })).body.data;
    const res = await app.request(`${base}/${credential.id}`, { method: 'DELETE', headers });
    expect(res.status).to.equal(200);
    expectContract(res, 'disableServerApiCredential');
    expect(res.body.data.credential.isActive).to.equal(false);
    const health = await app.request('/api/server/health', key(secret));
    expect(health.status).to.equal(401);
    expect(health.body.code).to.equal('SERVER_API_KEY_INVALID');
    expectContract(health, 'getServerApiHealth');
  });

  it('rotates a key: the new secret is shown once, the old one dies at once', async () => {
    const { headers } = await owned();
    const { credential, secret } = (await app.request(base, { method: 'POST', headers, json: { name: 'k', scopes: ['server:health'] } })).body.data;
    const res = await app.request(`${base}/${credential.id}/rotate`, { method: 'POST', headers });
    expect(res.status).to.equal(200);
    expectContract(res, 'rotateServerApiCredential');
    expect(res.body.data.secret).to.not.equal(secret);
    expect((await app.request('/api/server/health', key(secret))).status).to.equal(401);
    expect((await app.request('/api/server/health', key(res.body.data.secret))).status).to.equal(200);
  });

  it("answers 404 for another tenant's credential and leaves it alone", async () => {
    const mine = await owned();
    const theirs = await owned();
    const { credential, secret } = (await app.request(base, { method: 'POST', headers: theirs.headers, json: { name: 'k', scopes: ['server:health'] } })).body.data;
    for (const [method, path] of [['PATCH', `${base}/${credential.id}`], ['DELETE', `${base}/${credential.id}`], ['POST', `${base}/${credential.id}/rotate`], ['DELETE', `${base}/not-a-uuid`]]) {
      const res = await app.request(path, { method, headers: mine.headers, json: method === 'PATCH' ? { name: 'hijacked' } : undefined });
      expect(res.status, `${method} ${path}`).to.equal(404);
      expect(res.body.code).to.equal('NOT_FOUND');
      expectErrorEnvelope(res);
    }
    expect((await app.request('/api/server/health', key(secret))).status).to.equal(200);
  });

  it('audits create, rotate and disable without the secret', async () => {
    const { tenant, headers } = await owned();
    const { credential, secret } = (await app.request(base, { method: 'POST', headers, json: { name: 'k', scopes: ['server:health'] } })).body.data;
    await app.request(`${base}/${credential.id}/rotate`, { method: 'POST', headers });
    await app.request(`${base}/${credential.id}`, { method: 'DELETE', headers });
    const entries = await app.deps.db('audit_log').where({ tenant_id: tenant.id, target_id: credential.id }).orderBy('id');
    expect(entries.map((e) => e.action)).to.deep.equal(['server_api_credential.created', 'server_api_credential.rotated', 'server_api_credential.disabled']);
    expect(JSON.stringify(entries)).to.not.include(secret);
  });
});

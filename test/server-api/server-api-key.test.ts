import { operatorIn } from '../../src/audit/actor.ts';
import { expect } from 'chai';
import { useTestApp } from '../support/test-app.ts';
import { expectContract } from '../support/contract.ts';
import { sdkClient } from '../support/sdk.ts';
import {
  createServerApiCredential, disableServerApiCredential, rotateServerApiCredential, updateServerApiCredential,
} from '../../src/server-api/credentials.ts';

describe('Server API key guard', () => {
  const app = useTestApp();
  const bearer = (key: string) => ({ headers: { authorization: `Bearer ${key}` } });

  async function keyFor(scopes: Parameters<typeof createServerApiCredential>[2]['scopes']) {
    const tenant = await app.seed.tenant();
    const { credential, secret } = await createServerApiCredential(app.deps.db, operatorIn(tenant.id), { name: 'backend', scopes });
    return { tenant, credential, secret };
  }

  it('lets a key with server:health check its health', async () => {
    const { secret } = await keyFor(['server:health']);
    expect(secret).to.match(/^rn_sk_live_[\w-]{32}$/);
    const { response, data } = await sdkClient(app, { serverApiKey: secret }).GET('/server/health');
    expect(response.status).to.equal(200);
    expect(data).to.include({ success: true });
  });

  it("shows the key's own tenant at /server/tenant", async () => {
    const { tenant, secret } = await keyFor(['server:tenant:read']);
    const { response, data } = await sdkClient(app, { serverApiKey: secret }).GET('/server/tenant');
    expect(response.status).to.equal(200);
    expect((data!.data as { tenant: object }).tenant).to.include({ clientId: tenant.id, slug: tenant.slug, isActive: true });
  });

  it('answers 403 SERVER_API_SCOPE_DENIED for a key without the scope', async () => {
    const { secret } = await keyFor(['server:health']);
    const res = await app.request('/api/server/tenant', bearer(secret));
    expect(res.status).to.equal(403);
    expect(res.body.code).to.equal('SERVER_API_SCOPE_DENIED');
    expectContract(res, 'getServerTenant');
  });

  for (const [what, header] of [
    ['no Authorization header', undefined],
    ['a malformed key', 'Bearer rn_sk_live_short'],
    ['an unknown well-formed key', `Bearer rn_sk_live_${'A'.repeat(32)}`],
    ['a Basic scheme', 'Basic cm5fc2s6eA=='],
  ] as const) {
    it(`answers 401 SERVER_API_KEY_INVALID for ${what}`, async () => {
      const res = await app.request('/api/server/health', header ? { headers: { authorization: header } } : {});
      expect(res.status).to.equal(401);
      expect(res.body.code).to.equal('SERVER_API_KEY_INVALID');
      expectContract(res, 'getServerApiHealth');
    });
  }

  it('refuses the old secret after a rotation and accepts the new one', async () => {
    const { tenant, credential, secret } = await keyFor(['server:health']);
    const rotated = await rotateServerApiCredential(app.deps.db, operatorIn(tenant.id), credential.id);
    expect((await app.request('/api/server/health', bearer(secret))).status).to.equal(401);
    expect((await app.request('/api/server/health', bearer(rotated.secret))).status).to.equal(200);
  });

  it('refuses a disabled key, and accepts it again once re-enabled', async () => {
    const { tenant, credential, secret } = await keyFor(['server:health']);
    await disableServerApiCredential(app.deps.db, operatorIn(tenant.id), credential.id);
    expect((await app.request('/api/server/health', bearer(secret))).status).to.equal(401);
    await updateServerApiCredential(app.deps.db, operatorIn(tenant.id), credential.id, { isActive: true });
    expect((await app.request('/api/server/health', bearer(secret))).status).to.equal(200);
  });

  it('records lastUsedAt on use, at most once a minute', async () => {
    const { tenant, credential, secret } = await keyFor(['server:health']);
    expect(credential.lastUsedAt).to.equal(null);
    await app.request('/api/server/health', bearer(secret));
    const first = await app.deps.db('server_api_credentials').where({ id: credential.id }).first();
    expect(first.last_used_at).to.be.instanceOf(Date);
    await app.request('/api/server/health', bearer(secret));
    const second = await app.deps.db('server_api_credentials').where({ id: credential.id }).first();
    expect(second.last_used_at.getTime()).to.equal(first.last_used_at.getTime());
    expect(tenant.id).to.equal(first.tenant_id);
  });

  it('stores only a hash of the secret', async () => {
    const { credential, secret } = await keyFor(['server:health']);
    const row = await app.deps.db('server_api_credentials').where({ id: credential.id }).first();
    expect(JSON.stringify(row)).to.not.include(secret);
    expect(row.secret_preview).to.equal(`${secret.slice(0, 11)}…${secret.slice(-4)}`);
  });
});

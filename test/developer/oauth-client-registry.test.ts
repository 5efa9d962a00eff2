import { expect } from 'chai';
import { useTestApp } from '../support/test-app.ts';
import { expectContract } from '../support/contract.ts';
import { ownerAuth } from '../support/dashboard-sessions.ts';
import { Browser } from '../support/browser.ts';
import { CALLBACK, authorizationRequest, codeFlow, relyingParty, tokenEndpoint } from '../support/oidc-helpers.ts';

describe('OAuth client registry (dashboard)', () => {
  const app = useTestApp();
  const base = '/api/sdk/developer/oauth-clients';

  async function owned() {
    const tenant = await app.seed.tenant();
    const account = await app.seed.account(tenant.id, { role: 'agent' });
    return { tenant, account, headers: await ownerAuth(app, tenant) };
  }

  async function create(headers: Record<string, string>, json: Record<string, unknown>) {
    const res = await app.request(base, { method: 'POST', headers, json });
    expectContract(res, 'createOAuthClient');
    return res;
  }

  it('lists clients with the scope catalog, the scope choices and the discovery URL', async () => {
    const { headers } = await owned();
    await create(headers, { name: 'Portal', redirectUris: [CALLBACK] });
    const res = await app.request(base, { headers });
    expect(res.status).to.equal(200);
    expectContract(res, 'listOAuthClients');
    const data = res.body.data;
    expect(data.oauthClients).to.have.length(1);
    expect(data.scopeCatalog).to.have.length(62);
    expect(data.availableScopes).to.include.members(['openid', 'profile', 'email', 'tenant.read', 'roles.read']);
    expect(data.availableScopes).to.not.include('billing.write');
    expect(data.clientTypes).to.have.members(['confidential', 'public']);
    expect(data.discoveryUrl).to.equal(`${app.url}/.well-known/openid-configuration`);
  });

  it('creates a confidential client whose secret is shown once and which signs a user in at once', async () => {
    const { account, headers } = await owned();
    const res = await create(headers, { name: 'WordPress', redirectUris: [CALLBACK], allowedScopes: ['openid', 'profile', 'email'], requirePkce: false });
    expect(res.status).to.equal(201);
    const { oauthClient, clientSecret, warning } = res.body.data;
    expect(oauthClient.clientId).to.match(/^rn_oauth_[\w-]{24,}$/);
    expect(oauthClient).to.include({ type: 'confidential', status: 'active', requirePkce: false });
    expect(clientSecret).to.be.a('string');
    expect(warning).to.match(/only once/);

    const list = await app.request(base, { headers });
    expect(list.text).to.not.include(clientSecret);

    const config = await relyingParty(app, { ...oauthClient, clientSecret }, 'post');
    const { tokens } = await codeFlow(app, config, account, { pkce: false });
    expect(tokens.access_token).to.be.a('string');
  });

  it('creates a public client with PKCE forced on and no secret', async () => {
    const { headers } = await owned();
    const res = await create(headers, { name: 'Mobile', type: 'public', redirectUris: ['com.example.app:/callback'], requirePkce: false });
    expect(res.status).to.equal(201);
    expect(res.body.data.clientSecret).to.equal(undefined);
    expect(res.body.data.oauthClient).to.include({ type: 'public', requirePkce: true });
  });

  const invalid: Array<[string, Record<string, unknown>, RegExp]> = [
    ['a name over 120 characters', { name: 'x'.repeat(121), redirectUris: [CALLBACK] }, /name/],
    ['a relative redirect URI', { name: 'A', redirectUris: ['/callback'] }, /redirect|uri/i],
    ['a redirect URI with a fragment', { name: 'A', redirectUris: ['https://app.example.com/cb#x'] }, /fragment/],
    ['plain http off loopback', { name: 'A', redirectUris: ['http://app.example.com/cb'] }, /https/],
    ['a custom scheme for a confidential client', { name: 'A', redirectUris: ['com.example.app:/callback'] }, /public/],
    ['a planned scope', { name: 'A', redirectUris: [CALLBACK], allowedScopes: ['openid', 'billing.write'] }, /billing\.write/],
  ];
  for (const [what, json, message] of invalid) {
    it(`refuses ${what} with 400 naming the problem, creating nothing`, async () => {
      const { headers } = await owned();
      const res = await create(headers, json);
      expect(res.status).to.equal(400);
      expect(res.body.code).to.equal('VALIDATION_FAILED');
      expect(JSON.stringify(res.body.details ?? res.body.message)).to.match(message);
      const list = await app.request(base, { headers });
      expect(list.body.data.oauthClients).to.deep.equal([]);
    });
  }

  it('applies a new redirect URI list at once: the old URI is refused', async () => {
    const { headers } = await owned();
    const { oauthClient, clientSecret } = (await create(headers, { name: 'A', redirectUris: [CALLBACK] })).body.data;
    const next = 'http://127.0.0.1:9999/next';
    const res = await app.request(`${base}/${oauthClient.id}`, { method: 'PATCH', headers, json: { redirectUris: [next], name: 'Renamed' } });
    expect(res.status).to.equal(200);
    expectContract(res, 'updateOAuthClient');
    expect(res.body.data.oauthClient).to.include({ name: 'Renamed' });
    expect(res.body.data.oauthClient.redirectUris).to.deep.equal([next]);

    const config = await relyingParty(app, { ...oauthClient, clientSecret });
    const request = await authorizationRequest(config, { redirectUri: CALLBACK });
    const step = await new Browser(app.url).follow(request.url.href);
    expect(step.url.startsWith(CALLBACK), 'no redirect to an unregistered URI').to.equal(false);
    expect(step.res.status).to.equal(400);
  });

  it('rotates a secret: the old one gets invalid_client at once', async () => {
    const { account, headers } = await owned();
    const { oauthClient, clientSecret } = (await create(headers, { name: 'A', redirectUris: [CALLBACK] })).body.data;
    const res = await app.request(`${base}/${oauthClient.id}/rotate-secret`, { method: 'POST', headers });
    expect(res.status).to.equal(200);
    expectContract(res, 'rotateOAuthClientSecret');
    const fresh = res.body.data.clientSecret;
    expect(fresh).to.not.equal(clientSecret);

    const stale = await tokenEndpoint(app, { grant_type: 'authorization_code', code: 'x', redirect_uri: CALLBACK }, { id: oauthClient.clientId, secret: clientSecret });
    expect(stale.status).to.equal(401);
    expect(stale.body.error).to.equal('invalid_client');

    const config = await relyingParty(app, { ...oauthClient, clientSecret: fresh });
    const { tokens } = await codeFlow(app, config, account);
    expect(tokens.access_token).to.be.a('string');
  });

  it('refuses to rotate the secret of a public client', async () => {
    const { headers } = await owned();
    const { oauthClient } = (await create(headers, { name: 'M', type: 'public', redirectUris: [CALLBACK] })).body.data;
    const res = await app.request(`${base}/${oauthClient.id}/rotate-secret`, { method: 'POST', headers });
    expect(res.status).to.equal(400);
    expectContract(res, 'rotateOAuthClientSecret');
  });

  it("revokes a client: its tokens die, refresh fails and authorize is refused", async () => {
    const { account, headers } = await owned();
    const { oauthClient, clientSecret } = (await create(headers, {
      name: 'A', redirectUris: [CALLBACK], allowedScopes: ['openid', 'profile', 'offline_access'],
    })).body.data;
    const config = await relyingParty(app, { ...oauthClient, clientSecret });
    const { tokens } = await codeFlow(app, config, account, { scope: 'openid profile offline_access', extra: { prompt: 'consent' } });
    expect(tokens.refresh_token).to.be.a('string');

    const res = await app.request(`${base}/${oauthClient.id}`, { method: 'DELETE', headers });
    expect(res.status).to.equal(200);
    expectContract(res, 'revokeOAuthClient');
    expect(res.body.data.oauthClient.status).to.equal('revoked');
    expect(res.body.data.oauthClient.revokedAt).to.be.a('string');

    const userinfo = await app.request('/oauth/userinfo', { headers: { authorization: `Bearer ${tokens.access_token}` } });
    expect(userinfo.status).to.equal(401);
    const refresh = await tokenEndpoint(app, { grant_type: 'refresh_token', refresh_token: tokens.refresh_token! }, { id: oauthClient.clientId, secret: clientSecret });
    expect(refresh.status).to.equal(401);
    expect(refresh.body.error).to.equal('invalid_client');
    const request = await authorizationRequest(config);
    const step = await new Browser(app.url).follow(request.url.href);
    expect(step.url.startsWith(CALLBACK)).to.equal(false);
    expect(step.res.status).to.equal(400);
  });

  it('revokes through PATCH status too, and can re-activate a client (old tokens stay dead)', async () => {
    const { account, headers } = await owned();
    const { oauthClient, clientSecret } = (await create(headers, { name: 'A', redirectUris: [CALLBACK] })).body.data;
    const config = await relyingParty(app, { ...oauthClient, clientSecret });
    const { tokens } = await codeFlow(app, config, account);

    const revoked = await app.request(`${base}/${oauthClient.id}`, { method: 'PATCH', headers, json: { status: 'revoked' } });
    expect(revoked.status).to.equal(200);
    expectContract(revoked, 'updateOAuthClient');
    expect(revoked.body.data.oauthClient.revokedAt).to.be.a('string');
    expect((await app.request('/oauth/userinfo', { headers: { authorization: `Bearer ${tokens.access_token}` } })).status).to.equal(401);

    const active = await app.request(`${base}/${oauthClient.id}`, { method: 'PATCH', headers, json: { status: 'active' } });
    expect(active.status).to.equal(200);
    expect(active.body.data.oauthClient).to.include({ status: 'active', revokedAt: null });
    expect((await app.request('/oauth/userinfo', { headers: { authorization: `Bearer ${tokens.access_token}` } })).status).to.equal(401);
    const again = await codeFlow(app, config, account);
    expect(again.tokens.access_token).to.be.a('string');
  });

  it('deletes only a revoked client: an active one gets 409', async () => {
    const { headers } = await owned();
    const { oauthClient } = (await create(headers, { name: 'A', redirectUris: [CALLBACK] })).body.data;
    const active = await app.request(`${base}/${oauthClient.id}/revoked`, { method: 'DELETE', headers });
    expect(active.status).to.equal(409);
    expect(active.body.code).to.equal('CONFLICT');
    expectContract(active, 'deleteRevokedOAuthClient');

    await app.request(`${base}/${oauthClient.id}`, { method: 'DELETE', headers });
    const res = await app.request(`${base}/${oauthClient.id}/revoked`, { method: 'DELETE', headers });
    expect(res.status).to.equal(200);
    expectContract(res, 'deleteRevokedOAuthClient');
    expect(res.body.data).to.deep.equal({ oauthClientId: oauthClient.id, deleted: true });
    const list = await app.request(base, { headers });
    expect(list.body.data.oauthClients).to.deep.equal([]);
  });

  it("answers 404 for another tenant's client and changes nothing", async () => {
    const mine = await owned();
    const theirs = await owned();
    const { oauthClient } = (await create(theirs.headers, { name: 'Theirs', redirectUris: [CALLBACK] })).body.data;
    for (const [method, path] of [
      ['PATCH', `${base}/${oauthClient.id}`], ['DELETE', `${base}/${oauthClient.id}`],
      ['POST', `${base}/${oauthClient.id}/rotate-secret`], ['DELETE', `${base}/${oauthClient.id}/revoked`],
      ['PATCH', `${base}/not-a-uuid`],
    ]) {
      const res = await app.request(path, { method, headers: mine.headers, json: method === 'PATCH' ? { name: 'hijack' } : undefined });
      expect(res.status, `${method} ${path}`).to.equal(404);
      expect(res.body.code).to.equal('NOT_FOUND');
    }
    const list = await app.request(base, { headers: theirs.headers });
    expect(list.body.data.oauthClients[0]).to.include({ name: 'Theirs', status: 'active' });
  });

  it("creates the client in the caller's tenant, whatever the body says, with fresh credentials", async () => {
    const mine = await owned();
    const theirs = await owned();
    const res = await create(mine.headers, {
      name: 'Sneaky', redirectUris: [CALLBACK], tenantId: theirs.tenant.id,
      fixedCredentials: { clientId: 'rn_oauth_chosen00000000000000000000', clientSecret: 'chosen' },
    });
    expect(res.status).to.equal(201);
    expect(res.body.data.oauthClient.clientId).to.not.equal('rn_oauth_chosen00000000000000000000');
    expect(res.body.data.clientSecret).to.not.equal('chosen');
    expect((await app.request(base, { headers: theirs.headers })).body.data.oauthClients).to.deep.equal([]);
    expect((await app.request(base, { headers: mine.headers })).body.data.oauthClients).to.have.length(1);
  });

  it('audits the lifecycle without secrets', async () => {
    const { tenant, headers } = await owned();
    const { oauthClient, clientSecret } = (await create(headers, { name: 'A', redirectUris: [CALLBACK] })).body.data;
    await app.request(`${base}/${oauthClient.id}/rotate-secret`, { method: 'POST', headers });
    await app.request(`${base}/${oauthClient.id}`, { method: 'DELETE', headers });
    await app.request(`${base}/${oauthClient.id}/revoked`, { method: 'DELETE', headers });
    const entries = await app.deps.db('audit_log').where({ tenant_id: tenant.id, target_id: oauthClient.id }).orderBy('id');
    expect(entries.map((e) => e.action)).to.deep.equal(['oauth_client.created', 'oauth_client.secret_rotated', 'oauth_client.revoked', 'oauth_client.deleted']);
    expect(JSON.stringify(entries)).to.not.include(clientSecret);
  });

});

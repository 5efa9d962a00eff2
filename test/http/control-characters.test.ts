import { expect } from 'chai';
import { ownerAuth } from '../support/dashboard-sessions.ts';
import { formPost } from '../support/oidc-helpers.ts';
import { useTestApp } from '../support/test-app.ts';

const NUL = 'a\u0000b';

/**
 * U+0000 (and the other control characters) in input is the sender's mistake: a 400 in the
 * area's error format, never the 500 PostgreSQL's refusal would become.
 */
describe('control characters in input', () => {
  const app = useTestApp();

  it('answers 400 VALIDATION_FAILED at /api operations, naming the field, and changes nothing', async () => {
    const tenant = await app.seed.tenant();
    const headers = await ownerAuth(app, tenant);
    const client = await app.seed.oauthClient(tenant.id);
    const key = await app.seed.serverKey(tenant.id, ['server:health']);
    const cases: Array<[string, string, object, object?]> = [
      ['/api/auth/workspace-login', 'POST', { slug: NUL, username: 'maria', password: 'x'.repeat(12) }],
      ['/api/auth/workspace-login', 'POST', { slug: tenant.slug, username: NUL, password: 'x'.repeat(12) }],
      ['/api/sdk/developer/oauth-clients', 'POST', { name: NUL, redirectUris: ['https://a.example/cb'] }, headers],
      [`/api/sdk/developer/oauth-clients/${client.id}`, 'PATCH', { name: NUL }, headers],
      ['/api/sdk/developer/server-api-credentials', 'POST', { name: NUL, scopes: ['server:health'] }, headers],
      [`/api/sdk/developer/server-api-credentials/${key.id}`, 'PATCH', { name: 'ok\u001bname' }, headers],
    ];
    for (const [path, method, json, auth] of cases) {
      const res = await app.request(path, { method, json, headers: auth as Record<string, string> | undefined });
      expect(res.status, `${method} ${path}: ${res.text}`).to.equal(400);
      expect(res.body.code).to.equal('VALIDATION_FAILED');
      expect(res.body.details.join(' ')).to.match(/must not contain control characters/);
    }
    const names = (await app.deps.db('oauth_clients').where({ tenant_id: tenant.id })).map((c) => c.name);
    expect(names).to.deep.equal([client.name]);
  });

  it('answers 400 at the OAuth endpoints, in the OAuth error format', async () => {
    const tenant = await app.seed.tenant();
    const client = await app.seed.oauthClient(tenant.id, { type: 'confidential', allowedScopes: ['openid', 'offline_access'] });
    const basic = { id: client.clientId, secret: client.clientSecret! };
    const query = await app.request(`/oauth/authorize?client_id=${encodeURIComponent(NUL)}&response_type=code&scope=openid`);
    expect(query.status).to.equal(400);
    expect(query.body.error).to.equal('invalid_request');
    const hint = await app.request(`/oauth/authorize?client_id=${client.clientId}&response_type=code&scope=openid&login_hint=${encodeURIComponent(NUL)}`);
    expect(hint.status).to.equal(400);

    // In form bodies (parsed by the provider) such a value is simply none this server issued.
    const forms: Array<[string, Record<string, string>, typeof basic | undefined, number, string | undefined]> = [
      ['/oauth/token', { grant_type: 'authorization_code', code: NUL, redirect_uri: 'http://127.0.0.1:9999/callback' }, basic, 400, 'invalid_grant'],
      ['/oauth/token', { grant_type: 'refresh_token', refresh_token: NUL }, basic, 400, 'invalid_grant'],
      ['/oauth/token', { grant_type: 'refresh_token', refresh_token: 'x', client_id: NUL, client_secret: 'y' }, undefined, 401, 'invalid_client'],
      ['/oauth/revoke', { token: NUL }, basic, 200, undefined], // RFC 7009: an unknown token is no error
      ['/oauth/introspect', { token: NUL }, basic, 200, undefined],
      ['/oauth/userinfo', { access_token: NUL }, undefined, 401, 'invalid_token'],
    ];
    for (const [path, form, auth, status, error] of forms) {
      const res = await formPost(app, path, form, auth);
      expect(res.status, `${path} ${JSON.stringify(form)}: ${res.text}`).to.equal(status);
      expect(res.body.error, `${path} ${JSON.stringify(form)}: ${res.text}`).to.equal(error);
    }
  });
});

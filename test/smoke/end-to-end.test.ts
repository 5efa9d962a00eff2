import { expect } from 'chai';
import { useTestApp } from '../support/test-app.ts';
import { expectContract } from '../support/contract.ts';
import { ownerAuth } from '../support/dashboard-sessions.ts';
import { CALLBACK, codeFlow, relyingParty } from '../support/oidc-helpers.ts';

/**
 * One pass through the product on whatever backend the run uses (CI runs this file on
 * embedded PGlite): an owner signs in, registers an OAuth client and a Server API key,
 * and a user signs in to the client with code + PKCE.
 */
describe('smoke: owner to signed-in user', () => {
  const app = useTestApp();

  it('registers a client from the dashboard and signs a user in through it', async () => {
    const tenant = await app.seed.tenant();
    const user = await app.seed.account(tenant.id);
    const headers = await ownerAuth(app, tenant);

    const created = await app.request('/api/sdk/developer/oauth-clients', {
      method: 'POST', headers, json: { name: 'Portal', type: 'public', redirectUris: [CALLBACK], allowedScopes: ['openid', 'profile', 'tenant.read'] },
    });
    expect(created.status).to.equal(201);
    expectContract(created, 'createOAuthClient');

    const config = await relyingParty(app, created.body.data.oauthClient);
    const { tokens } = await codeFlow(app, config, user, { scope: 'openid profile tenant.read' });
    const userinfo = await app.request('/oauth/userinfo', { headers: { authorization: `Bearer ${tokens.access_token}` } });
    expect(userinfo.status).to.equal(200);
    expectContract(userinfo, 'getRingnityOAuthUserInfo');
    expect(userinfo.body).to.include({ sub: user.id, tenant_id: tenant.id, tenant_slug: tenant.slug, name: user.name });

    const key = await app.request('/api/sdk/developer/server-api-credentials', { method: 'POST', headers, json: { name: 'backend', scopes: ['server:tenant:read'] } });
    const serverTenant = await app.request('/api/server/tenant', { headers: { authorization: `Bearer ${key.body.data.secret}` } });
    expect(serverTenant.status).to.equal(200);
    expect(serverTenant.body.data.tenant.slug).to.equal(tenant.slug);
  });
});

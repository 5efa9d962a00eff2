import { expect } from 'chai';
import { useTestApp } from '../support/test-app.ts';
import { oidc } from '../support/oidc-helpers.ts';

describe('Login with Ringnity: authorization server metadata', () => {
  const app = useTestApp();

  it('publishes the discovery document at the RFC 8414 address too, for OAuth-only clients', async () => {
    const [openid, oauth] = await Promise.all([
      app.request('/.well-known/openid-configuration'),
      app.request('/.well-known/oauth-authorization-server'),
    ]);
    expect(oauth.status).to.equal(200);
    expect(oauth.headers.get('content-type')).to.match(/^application\/json/);
    expect(oauth.headers.get('cache-control')).to.equal('public, max-age=300');
    expect(oauth.body).to.deep.equal(openid.body);
    expect(oauth.body.issuer).to.equal(app.url);
    expect(oauth.body.scopes_supported).to.not.include('billing.write');
  });

  it('advertises no DPoP, which is not offered', async () => {
    const res = await app.request('/.well-known/openid-configuration');
    expect(res.body).to.not.have.property('dpop_signing_alg_values_supported');
  });

  it('lets a stock OAuth 2.0 client configure itself from it', async () => {
    const tenant = await app.seed.tenant();
    const client = await app.seed.oauthClient(tenant.id, { type: 'public', allowedScopes: ['openid'] });
    const config = await oidc.discovery(new URL(app.url), client.clientId, undefined, oidc.None(), {
      algorithm: 'oauth2', execute: [oidc.allowInsecureRequests],
    });
    expect(config.serverMetadata().token_endpoint).to.equal(`${app.url}/oauth/token`);
    expect(config.serverMetadata().authorization_endpoint).to.equal(`${app.url}/oauth/authorize`);
  });
});

import { expect } from 'chai';
import { useTestApp } from '../support/test-app.ts';
import { createHash } from 'node:crypto';
import { Browser, formFields } from '../support/browser.ts';
import { CALLBACK, authorizationRequest, oidc, relyingParty } from '../support/oidc-helpers.ts';

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

  it('lists only the response modes the code flow offers: query and form_post', async () => {
    const res = await app.request('/.well-known/openid-configuration');
    expect(res.body.response_modes_supported).to.have.members(['query', 'form_post']);
  });

  it('answers response_mode=form_post with a self-submitting form to the client that the page CSP lets run', async () => {
    const tenant = await app.seed.tenant();
    const user = await app.seed.account(tenant.id);
    const client = await app.seed.oauthClient(tenant.id, { allowedScopes: ['openid'] });
    const config = await relyingParty(app, client);
    const request = await authorizationRequest(config, { scope: 'openid', extra: { response_mode: 'form_post' } });
    const browser = new Browser(app.url);
    const login = await browser.follow(request.url.href);
    const consent = await browser.submit(login.res.html, login.url, '/login', { login: user.username, password: user.password });
    const answer = await browser.submit(consent.res.html, consent.url, '/confirm');
    expect(answer.res.status).to.equal(200);
    const form = formFields(answer.res.html, '/callback');
    expect(form.action).to.equal(CALLBACK);
    expect(form.fields.state).to.equal(request.state);

    const script = /<script>([\s\S]*?)<\/script>/.exec(answer.res.html)![1];
    const hash = createHash('sha256').update(script).digest('base64');
    expect(answer.res.headers.get('content-security-policy')).to.include(`script-src 'self' 'sha256-${hash}'`);

    const tokens = await oidc.authorizationCodeGrant(config, new URL(`${CALLBACK}?${new URLSearchParams(form.fields)}`), {
      pkceCodeVerifier: request.verifier, expectedState: request.state, expectedNonce: request.nonce,
    });
    expect(tokens.claims()!.sub).to.equal(user.id);
  });
});

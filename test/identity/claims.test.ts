import { expect } from 'chai';
import { useTestApp } from '../support/test-app.ts';
import { Browser } from '../support/browser.ts';
import { authorizationRequest, codeFlow, oidc, relyingParty, signIn } from '../support/oidc-helpers.ts';

const PROFILE_CLAIMS = ['name', 'preferred_username', 'zoneinfo', 'updated_at'];

describe('Login with Ringnity: standard claims', () => {
  const app = useTestApp();

  async function signedIn(scope: string) {
    const tenant = await app.seed.tenant();
    // A tenant's time zone is set in its settings; the seed creates tenants at the default UTC.
    await app.deps.db('tenants').where({ id: tenant.id }).update({ timezone: 'Europe/Berlin' });
    const user = await app.seed.account(tenant.id);
    const client = await app.seed.oauthClient(tenant.id, { allowedScopes: ['openid', 'profile', 'email', 'tenant.read', 'roles.read'] });
    const config = await relyingParty(app, client);
    const { tokens } = await codeFlow(app, config, user, { scope });
    const userinfo = await oidc.fetchUserInfo(config, tokens.access_token, user.id);
    return { user, tokens, idToken: tokens.claims()!, userinfo };
  }

  it('releases preferred_username, zoneinfo and updated_at with name under profile, in userinfo and the ID token', async () => {
    const { user, idToken, userinfo } = await signedIn('openid profile');
    for (const claims of [userinfo, idToken]) {
      expect(claims).to.include({ name: user.name, preferred_username: user.username, zoneinfo: 'Europe/Berlin' });
      expect(claims.updated_at).to.be.a('number');
      expect(Math.abs((claims.updated_at as number) - Date.now() / 1000)).to.be.lessThan(600);
      // Accounts have one display name; it is not split into given and family names by guessing.
      expect(claims).to.not.have.any.keys('given_name', 'family_name');
    }
    expect(Object.keys(userinfo).sort()).to.deep.equal(['sub', ...PROFILE_CLAIMS].sort());
  });

  it('releases none of the profile claims without the profile scope', async () => {
    const { idToken, userinfo } = await signedIn('openid email');
    for (const claims of [userinfo, idToken]) expect(claims).to.not.have.any.keys(...PROFILE_CLAIMS);
    expect(userinfo).to.have.property('email');
  });

  it('lists in discovery exactly the claims the identity scopes release', async () => {
    const { userinfo } = await signedIn('openid profile email tenant.read roles.read');
    const discovery = await app.request('/.well-known/openid-configuration');
    // The user claims of the scopes, plus the ID token's own: iss always, auth_time on max_age or
    // prompt=login, sid when a client asks for it with the claims parameter.
    expect(discovery.body.claims_supported).to.have.members([...Object.keys(userinfo), 'iss', 'auth_time', 'sid']);
  });

  describe('the claims request parameter', () => {
    async function requesting(claims: Record<string, unknown>, allowedScopes: string[]) {
      const tenant = await app.seed.tenant();
      const user = await app.seed.account(tenant.id);
      const client = await app.seed.oauthClient(tenant.id, { allowedScopes });
      const config = await relyingParty(app, client);
      const request = await authorizationRequest(config, { scope: 'openid', extra: { claims: JSON.stringify(claims) } });
      return { user, config, request };
    }

    it('is advertised in discovery', async () => {
      const discovery = await app.request('/.well-known/openid-configuration');
      expect(discovery.body.claims_parameter_supported).to.equal(true);
    });

    it('shows a requested essential claim on the consent page and releases it in userinfo', async () => {
      const { user, config, request } = await requesting({ userinfo: { name: { essential: true } } }, ['openid', 'profile']);
      const browser = new Browser(app.url);
      const login = await browser.follow(request.url.href);
      const consent = await browser.submit(login.res.html, login.url, '/login', { login: user.username, password: user.password });
      expect(consent.res.html).to.include('<code>name</code>');
      expect(consent.res.html).to.match(/Required by/);
      const callback = await browser.submit(consent.res.html, consent.url, '/confirm');
      const tokens = await oidc.authorizationCodeGrant(config, new URL(callback.url), {
        pkceCodeVerifier: request.verifier, expectedState: request.state, expectedNonce: request.nonce,
      });
      const userinfo = await oidc.fetchUserInfo(config, tokens.access_token, user.id);
      expect(userinfo).to.deep.equal({ sub: user.id, name: user.name });
    });

    it("releases no claim the client's scopes do not allow, even when asked for by name", async () => {
      const { user, config, request } = await requesting({ userinfo: { email: { essential: true }, name: null } }, ['openid', 'profile']);
      const callback = await signIn(new Browser(app.url), request.url, user.username, user.password);
      const tokens = await oidc.authorizationCodeGrant(config, new URL(callback), {
        pkceCodeVerifier: request.verifier, expectedState: request.state, expectedNonce: request.nonce,
      });
      const userinfo = await oidc.fetchUserInfo(config, tokens.access_token, user.id);
      expect(userinfo).to.deep.equal({ sub: user.id, name: user.name });
    });
  });
});

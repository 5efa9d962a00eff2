import { expect } from 'chai';
import * as jose from 'jose';
import { expectContract } from '../support/contract.ts';
import { useTestApp } from '../support/test-app.ts';
import { Browser } from '../support/browser.ts';
import { CALLBACK, authorizationRequest, codeFlow, formPost, oidc, relyingParty, signIn, tokenEndpoint } from '../support/oidc-helpers.ts';

describe('Login with Ringnity: flows', () => {
  const app = useTestApp();

  it('publishes discovery per the contract, with the renamed routes and only available scopes', async () => {
    const res = await app.request('/.well-known/openid-configuration');
    expect(res.status).to.equal(200);
    expectContract(res, 'getOpenIdConfiguration');
    const d = res.body;
    expect(d.issuer).to.equal(app.url);
    expect(d.authorization_endpoint).to.equal(`${app.url}/oauth/authorize`);
    expect(d.token_endpoint).to.equal(`${app.url}/oauth/token`);
    expect(d.userinfo_endpoint).to.equal(`${app.url}/oauth/userinfo`);
    expect(d.jwks_uri).to.equal(`${app.url}/oauth/jwks.json`);
    expect(d.revocation_endpoint).to.equal(`${app.url}/oauth/revoke`);
    expect(d.introspection_endpoint).to.equal(`${app.url}/oauth/introspect`);
    expect(d.end_session_endpoint).to.equal(`${app.url}/oauth/logout`);
    expect(d.code_challenge_methods_supported).to.deep.equal(['S256']);
    expect(d.token_endpoint_auth_methods_supported).to.have.members(['client_secret_basic', 'client_secret_post', 'none']);
    expect(d.id_token_signing_alg_values_supported).to.deep.equal(['RS256']);
    expect(d.scopes_supported).to.include.members(['openid', 'profile', 'email', 'tenant.read', 'roles.read', 'developer.read', 'sdk.keys.read']);
    expect(d.scopes_supported).to.not.include('billing.write');
    expect(d.claims_supported).to.include.members(['sub', 'name', 'email', 'email_verified', 'tenant_id', 'tenant_slug', 'roles']);
  });

  it('answers authorize with a 302 redirect, as the contract says, to the login page and back to the client', async () => {
    const tenant = await app.seed.tenant();
    const user = await app.seed.account(tenant.id);
    const client = await app.seed.oauthClient(tenant.id, { allowedScopes: ['openid'] });
    const config = await relyingParty(app, client);
    const first = await authorizationRequest(config, { scope: 'openid' });
    const toLogin = await app.request(first.url.pathname + first.url.search);
    expect(toLogin.status).to.equal(302);
    expect(toLogin.headers.get('location')).to.match(/^\/interaction\//);

    const { browser } = await codeFlow(app, config, user, { scope: 'openid' });
    const silent = await authorizationRequest(config, { scope: 'openid', prompt: 'none' });
    const back = await browser.fetch(silent.url.href);
    expect(back.status).to.equal(302);
    expect(back.headers.get('location')).to.match(new RegExp(`^${CALLBACK}\\?code=`));
  });

  it('publishes the signing keys as a JWKS', async () => {
    const res = await app.request('/oauth/jwks.json');
    expect(res.status).to.equal(200);
    expectContract(res, 'getRingnityOAuthJwks');
    expect(res.body.keys[0]).to.include({ kty: 'RSA', alg: 'RS256', use: 'sig' });
    expect(res.body.keys[0]).to.not.have.property('d');
  });

  it('signs a user in with code + PKCE for a public client, then userinfo, refresh and revoke', async () => {
    const tenant = await app.seed.tenant();
    const user = await app.seed.account(tenant.id, { role: 'admin' });
    const client = await app.seed.oauthClient(tenant.id, {
      type: 'public', allowedScopes: ['openid', 'profile', 'email', 'tenant.read', 'roles.read', 'offline_access'],
    });
    expect(client.clientSecret).to.equal(undefined);
    const config = await relyingParty(app, client);
    const { tokens } = await codeFlow(app, config, user, { scope: 'openid profile email tenant.read roles.read offline_access', prompt: 'consent' });

    expect(tokens.token_type.toLowerCase()).to.equal('bearer');
    expect(tokens.expires_in).to.equal(900);
    expect(tokens.refresh_token).to.be.a('string');
    const claims = tokens.claims()!;
    expect(claims.sub).to.equal(user.id);
    expect(claims).to.include({ name: user.name, email: user.email, tenant_id: tenant.id, tenant_slug: tenant.slug });
    expect(claims.roles).to.deep.equal(['admin']);
    const header = jose.decodeProtectedHeader(tokens.id_token!);
    expect(header.alg).to.equal('RS256');

    const info = await oidc.fetchUserInfo(config, tokens.access_token, user.id);
    expect(info).to.include({ sub: user.id, name: user.name, email: user.email, email_verified: false, tenant_id: tenant.id, tenant_slug: tenant.slug });
    expect(info.roles).to.deep.equal(['admin']);

    const refreshed = await oidc.refreshTokenGrant(config, tokens.refresh_token!);
    expect(refreshed.refresh_token).to.be.a('string').and.not.equal(tokens.refresh_token);
    await oidc.tokenRevocation(config, refreshed.refresh_token!);
    const after = await tokenEndpoint(app, { grant_type: 'refresh_token', refresh_token: refreshed.refresh_token!, client_id: client.clientId });
    expect(after.status).to.equal(400);
    expect(after.body.error).to.equal('invalid_grant');
    expectContract(after, 'exchangeRingnityOAuthToken');
  });

  it('answers token, userinfo and revoke per the contract (raw HTTP, confidential client with client_secret_basic)', async () => {
    const tenant = await app.seed.tenant();
    const user = await app.seed.account(tenant.id);
    const client = await app.seed.oauthClient(tenant.id, { allowedScopes: ['openid', 'profile', 'email', 'offline_access'] });
    const config = await relyingParty(app, client, 'basic');
    const request = await authorizationRequest(config, { scope: 'openid profile email offline_access', prompt: 'consent' });
    const callback = new URL(await signIn(new Browser(app.url), request.url, user.username, user.password));
    expect(callback.searchParams.get('state')).to.equal(request.state);
    expect(callback.searchParams.get('iss')).to.equal(app.url);

    const token = await tokenEndpoint(app, {
      grant_type: 'authorization_code', code: callback.searchParams.get('code')!, redirect_uri: CALLBACK, code_verifier: request.verifier!,
    }, { id: client.clientId, secret: client.clientSecret! });
    expect(token.status).to.equal(200);
    expectContract(token, 'exchangeRingnityOAuthToken');
    expect(token.body.expires_in).to.equal(900);
    expect(token.headers.get('cache-control')).to.equal('no-store');

    const infoGet = await app.request('/oauth/userinfo', { headers: { authorization: `Bearer ${token.body.access_token}` } });
    expect(infoGet.status).to.equal(200);
    expectContract(infoGet, 'getRingnityOAuthUserInfo');
    const infoPost = await app.request('/oauth/userinfo', {
      method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `access_token=${token.body.access_token}`,
    });
    expect(infoPost.status).to.equal(200);
    expect(infoPost.body).to.deep.equal(infoGet.body);

    const revoke = await app.request('/oauth/revoke', {
      method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token: token.body.access_token, token_type_hint: 'access_token', client_id: client.clientId, client_secret: client.clientSecret! }).toString(),
    });
    expect(revoke.status).to.equal(200);
    expect(revoke.body).to.deep.equal({ success: true });
    expectContract(revoke, 'revokeRingnityOAuthToken');
    const dead = await app.request('/oauth/userinfo', { headers: { authorization: `Bearer ${token.body.access_token}` } });
    expect(dead.status).to.equal(401);
    expectContract(dead, 'getRingnityOAuthUserInfo');

    const unknown = await app.request('/oauth/revoke', {
      method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token: 'no-such-token', client_id: client.clientId, client_secret: client.clientSecret! }).toString(),
    });
    expect(unknown.status).to.equal(200);
    expectContract(unknown, 'revokeRingnityOAuthToken');
  });

  for (const pkce of [true, false]) {
    it(`lets a WordPress-style confidential client use client_secret_post ${pkce ? 'with' : 'without'} PKCE`, async () => {
      const tenant = await app.seed.tenant();
      const user = await app.seed.account(tenant.id);
      const client = await app.seed.oauthClient(tenant.id, { requirePkce: pkce, allowedScopes: ['openid', 'profile', 'email', 'developer.read'] });
      const config = await relyingParty(app, client, 'post');
      const { tokens } = await codeFlow(app, config, user, { pkce, scope: 'openid profile email developer.read' });
      expect(tokens.claims()!.sub).to.equal(user.id);
      expect(tokens.scope!.split(' ')).to.have.members(['openid', 'profile', 'email', 'developer.read']);
      expect(tokens.refresh_token).to.equal(undefined); // no offline_access
    });
  }

  it('releases claims per granted scope only', async () => {
    const tenant = await app.seed.tenant();
    const user = await app.seed.account(tenant.id);
    const client = await app.seed.oauthClient(tenant.id, { type: 'public', allowedScopes: ['openid', 'email'] });
    const config = await relyingParty(app, client);
    const { tokens } = await codeFlow(app, config, user, { scope: 'openid email' });
    const info = await oidc.fetchUserInfo(config, tokens.access_token, user.id);
    expect(Object.keys(info).sort()).to.deep.equal(['email', 'email_verified', 'sub']);
  });

  it('remembers consent per client and account, also in a new browser', async () => {
    const tenant = await app.seed.tenant();
    const user = await app.seed.account(tenant.id);
    const client = await app.seed.oauthClient(tenant.id, { allowedScopes: ['openid', 'profile'] });
    const config = await relyingParty(app, client);
    await codeFlow(app, config, user, { scope: 'openid profile' });

    const request = await authorizationRequest(config, { scope: 'openid profile' });
    const browser = new Browser(app.url);
    const login = await browser.follow(request.url.href);
    expect(login.res.html).to.include('/login"');
    const after = await browser.submit(login.res.html, login.url, '/login', { login: user.username, password: user.password });
    expect(after.url.startsWith(CALLBACK), 'no consent page the second time').to.equal(true);
  });

  it('honours prompt=none: login_required without a session, a code with one, consent_required for new scopes', async () => {
    const tenant = await app.seed.tenant();
    const user = await app.seed.account(tenant.id);
    const client = await app.seed.oauthClient(tenant.id, { allowedScopes: ['openid', 'profile'] });
    const config = await relyingParty(app, client);

    const anonymous = await authorizationRequest(config, { prompt: 'none', scope: 'openid' });
    const first = await new Browser(app.url).follow(anonymous.url.href);
    expect(new URL(first.url).searchParams.get('error')).to.equal('login_required');

    const { browser } = await codeFlow(app, config, user, { scope: 'openid' });
    const silent = await authorizationRequest(config, { prompt: 'none', scope: 'openid' });
    const second = await browser.follow(silent.url.href);
    expect(new URL(second.url).searchParams.get('code')).to.be.a('string');

    const more = await authorizationRequest(config, { prompt: 'none', scope: 'openid profile' });
    const third = await browser.follow(more.url.href);
    expect(new URL(third.url).searchParams.get('error')).to.equal('consent_required');
  });

  it('asks a native app user for consent every time (RFC 8252 §8.6), so prompt=none gets interaction_required', async () => {
    const tenant = await app.seed.tenant();
    const user = await app.seed.account(tenant.id);
    const client = await app.seed.oauthClient(tenant.id, { type: 'public', allowedScopes: ['openid'] });
    const config = await relyingParty(app, client);
    const { browser } = await codeFlow(app, config, user, { scope: 'openid' });
    const silent = await authorizationRequest(config, { prompt: 'none', scope: 'openid' });
    const res = await browser.follow(silent.url.href);
    expect(new URL(res.url).searchParams.get('error')).to.equal('interaction_required');
  });

  it('honours prompt=login and max_age by asking for the password again, and login_hint by prefilling', async () => {
    const tenant = await app.seed.tenant();
    const user = await app.seed.account(tenant.id);
    const client = await app.seed.oauthClient(tenant.id, { type: 'public', allowedScopes: ['openid'] });
    const config = await relyingParty(app, client);
    const { browser } = await codeFlow(app, config, user, { scope: 'openid' });

    for (const extra of [{ prompt: 'login' }, { max_age: '0' }] as Record<string, string>[]) {
      const again = await authorizationRequest(config, { scope: 'openid', extra });
      const page = await browser.follow(again.url.href);
      expect(page.res.status).to.equal(200);
      expect(page.res.html).to.include('/login"');
    }
    const hinted = await authorizationRequest(config, { scope: 'openid', extra: { login_hint: user.username } });
    const page = await new Browser(app.url).follow(hinted.url.href);
    expect(page.res.html).to.include(`value="${user.username}"`);
  });

  it('accepts an email address as the login name and carries the nonce into the ID token', async () => {
    const tenant = await app.seed.tenant();
    const client = await app.seed.oauthClient(tenant.id, { type: 'public', allowedScopes: ['openid', 'email'] });
    const config = await relyingParty(app, client);
    const request = await authorizationRequest(config, { scope: 'openid email' });
    const callback = await signIn(new Browser(app.url), request.url, tenant.ownerEmail, tenant.password);
    const tokens = await oidc.authorizationCodeGrant(config, new URL(callback), {
      pkceCodeVerifier: request.verifier, expectedState: request.state, expectedNonce: request.nonce,
    });
    expect(tokens.claims()!.nonce).to.equal(request.nonce);
    expect(tokens.claims()!.email).to.equal(tenant.ownerEmail);
  });

  it('issues a refreshed ID token without the nonce of the original request (OIDC Core §12.2)', async () => {
    const tenant = await app.seed.tenant();
    const user = await app.seed.account(tenant.id);
    const client = await app.seed.oauthClient(tenant.id, { type: 'public', allowedScopes: ['openid', 'offline_access'] });
    const config = await relyingParty(app, client);
    const { tokens, request } = await codeFlow(app, config, user, { scope: 'openid offline_access', prompt: 'consent' });
    expect(tokens.claims()!.nonce).to.equal(request.nonce);

    const refreshed = await oidc.refreshTokenGrant(config, tokens.refresh_token!);
    const claims = refreshed.claims()!;
    expect(claims.sub).to.equal(user.id);
    expect(claims).to.not.have.property('nonce');
    // A second refresh (from the rotated token) as well.
    expect((await oidc.refreshTokenGrant(config, refreshed.refresh_token!)).claims()).to.not.have.property('nonce');
  });

  it('introspects tokens for confidential clients only', async () => {
    const tenant = await app.seed.tenant();
    const user = await app.seed.account(tenant.id);
    const client = await app.seed.oauthClient(tenant.id, { allowedScopes: ['openid', 'profile'] });
    const config = await relyingParty(app, client, 'basic');
    const { tokens } = await codeFlow(app, config, user, { scope: 'openid profile' });
    const result = await oidc.tokenIntrospection(config, tokens.access_token);
    expect(result.active).to.equal(true);
    expect(result.sub).to.equal(user.id);
    expect(result.client_id).to.equal(client.clientId);
    const raw = await formPost(app, '/oauth/introspect', { token: tokens.access_token }, { id: client.clientId, secret: client.clientSecret! });
    expect(raw.status).to.equal(200);
    expectContract(raw, 'introspectRingnityOAuthToken');
    const unknown = await formPost(app, '/oauth/introspect', { token: 'not-a-token' }, { id: client.clientId, secret: client.clientSecret! });
    expect(unknown.body).to.deep.equal({ active: false });
    expectContract(unknown, 'introspectRingnityOAuthToken');

    const publicClient = await app.seed.oauthClient(tenant.id, { type: 'public', allowedScopes: ['openid'] });
    const res = await app.request('/oauth/introspect', {
      method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token: tokens.access_token, client_id: publicClient.clientId }).toString(),
    });
    expect(res.status).to.equal(400);
    expect(res.body.error).to.equal('invalid_client');
    expectContract(res, 'introspectRingnityOAuthToken');
  });
});

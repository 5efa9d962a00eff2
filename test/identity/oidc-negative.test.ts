import { operatorIn } from '../../src/audit/actor.ts';
import { expect } from 'chai';
import { expectContract } from '../support/contract.ts';
import { useTestApp } from '../support/test-app.ts';
import { listAudit } from '../../src/audit/audit-log.ts';
import { revokeOAuthClient } from '../../src/oauth-clients/oauth-clients.ts';
import { Browser } from '../support/browser.ts';
import { CALLBACK, authorizationRequest, codeFlow, oidc, relyingParty, signIn, tokenEndpoint } from '../support/oidc-helpers.ts';

describe('Login with Ringnity: refusals', () => {
  const app = useTestApp();

  async function setup(options: Parameters<typeof app.seed.oauthClient>[1] = {}) {
    const tenant = await app.seed.tenant();
    const user = await app.seed.account(tenant.id);
    const client = await app.seed.oauthClient(tenant.id, { allowedScopes: ['openid', 'profile', 'email', 'offline_access'], ...options });
    const config = await relyingParty(app, client);
    return { tenant, user, client, config };
  }

  /** Authorize + sign in, returning the code without exchanging it. */
  async function code(s: Awaited<ReturnType<typeof setup>>, scope = 'openid profile', extra: Parameters<typeof authorizationRequest>[1] = {}) {
    const request = await authorizationRequest(s.config, { scope, ...extra });
    const callback = new URL(await signIn(new Browser(app.url), request.url, s.user.username, s.user.password));
    return { code: callback.searchParams.get('code')!, verifier: request.verifier! };
  }

  const basic = (s: { client: { clientId: string; clientSecret?: string } }) => ({ id: s.client.clientId, secret: s.client.clientSecret! });

  /** Moves a rotated refresh token's rotation out of the retry grace window. */
  const rotatedLongAgo = (refreshToken: string) =>
    app.deps.db('oidc_payloads').where({ type: 'RefreshToken', id: refreshToken }).update({ consumed_at: new Date(Date.now() - 60_000) });

  it('never redirects to an unregistered redirect_uri: shows an error page instead', async () => {
    const s = await setup();
    const request = await authorizationRequest(s.config, { redirectUri: 'https://evil.example/callback' });
    const res = await new Browser(app.url).fetch(request.url.href);
    expect(res.status).to.equal(400);
    expect(res.headers.get('location')).to.equal(null);
    expect(res.headers.get('content-type')).to.match(/text\/html/);
    expect(res.html).to.include('redirect_uri');
    expect(res.html).to.include('Sign-in problem');
    expect(res.html).to.include('Error code: invalid_request'); // RFC 6749 §4.1.2.1, not a library-made code

    const json = await app.request(request.url.pathname + request.url.search, { headers: { accept: 'application/json' } });
    expect(json.body.error).to.equal('invalid_request');
    expect(json.body.error_description).to.match(/redirect_uri/);
    expect(json.status).to.equal(400);
    expectContract(json, 'authorizeWithRingnity');
  });

  it('refuses PKCE plain and a missing code_challenge for a PKCE client', async () => {
    const s = await setup({ type: 'public', allowedScopes: ['openid'] });
    for (const extra of [{ code_challenge: 'a'.repeat(43), code_challenge_method: 'plain' }]) {
      const request = await authorizationRequest(s.config, { scope: 'openid', pkce: false, extra });
      const res = await new Browser(app.url).follow(request.url.href);
      expect(new URL(res.url).searchParams.get('error')).to.equal('invalid_request');
    }
    const missing = await authorizationRequest(s.config, { scope: 'openid', pkce: false });
    const res = await new Browser(app.url).follow(missing.url.href);
    expect(new URL(res.url).searchParams.get('error')).to.equal('invalid_request');
    expect(new URL(res.url).searchParams.get('error_description')).to.match(/PKCE/);
  });

  it('requires PKCE from a confidential client registered with requirePkce, and not from one without', async () => {
    const strict = await setup({ requirePkce: true });
    const missing = await authorizationRequest(strict.config, { pkce: false });
    const res = await new Browser(app.url).follow(missing.url.href);
    expect(new URL(res.url).searchParams.get('error')).to.equal('invalid_request');
    expect(new URL(res.url).searchParams.get('error_description')).to.match(/PKCE/);

    const lax = await setup({ requirePkce: false });
    const plain = await authorizationRequest(lax.config, { pkce: false });
    const callback = await signIn(new Browser(app.url), plain.url, lax.user.username, lax.user.password);
    expect(new URL(callback).searchParams.get('code')).to.be.a('string');
  });

  it('refuses a missing or wrong code_verifier, and a replayed code revokes what it issued', async () => {
    const s = await setup();
    const first = await code(s);
    const missing = await tokenEndpoint(app, { grant_type: 'authorization_code', code: first.code, redirect_uri: CALLBACK }, basic(s));
    expect(missing.status).to.equal(400);
    expectContract(missing, 'exchangeRingnityOAuthToken');

    const second = await code(s);
    const wrong = await tokenEndpoint(app, { grant_type: 'authorization_code', code: second.code, redirect_uri: CALLBACK, code_verifier: 'x'.repeat(43) }, basic(s));
    expect(wrong.status).to.equal(400);
    expect(wrong.body.error).to.equal('invalid_grant');
    expectContract(wrong, 'exchangeRingnityOAuthToken');

    const third = await code(s);
    const form = { grant_type: 'authorization_code', code: third.code, redirect_uri: CALLBACK, code_verifier: third.verifier };
    const ok = await tokenEndpoint(app, form, basic(s));
    expect(ok.status).to.equal(200);
    const replay = await tokenEndpoint(app, form, basic(s));
    expect(replay.status).to.equal(400);
    expect(replay.body.error).to.equal('invalid_grant');
    expectContract(replay, 'exchangeRingnityOAuthToken');
    const info = await app.request('/oauth/userinfo', { headers: { authorization: `Bearer ${ok.body.access_token}` } });
    expect(info.status, 'the access token from the replayed code is revoked').to.equal(401);
  });

  it('refuses a wrong client secret and an unknown client with invalid_client', async () => {
    const s = await setup();
    const c = await code(s);
    const form = { grant_type: 'authorization_code', code: c.code, redirect_uri: CALLBACK, code_verifier: c.verifier };
    const wrong = await tokenEndpoint(app, form, { id: s.client.clientId, secret: 'rn_oauth_secret_wrong' });
    expect(wrong.status).to.equal(401);
    expect(wrong.body.error).to.equal('invalid_client');
    expectContract(wrong, 'exchangeRingnityOAuthToken');
    const hashAsSecret = await tokenEndpoint(app, { ...form, client_id: s.client.clientId, client_secret: 'x' });
    expect(hashAsSecret.body.error).to.equal('invalid_client');
    const unknown = await tokenEndpoint(app, form, { id: 'rn_oauth_nobodyknowsthisclient00', secret: 'x' });
    expect(unknown.status).to.equal(401);
    expectContract(unknown, 'exchangeRingnityOAuthToken');
  });

  it('rotates refresh tokens and revokes the grant when a rotated one is presented again', async () => {
    const s = await setup();
    const { tokens } = await codeFlow(app, s.config, s.user, { scope: 'openid profile offline_access', prompt: 'consent' });
    const second = await tokenEndpoint(app, { grant_type: 'refresh_token', refresh_token: tokens.refresh_token! }, basic(s));
    expect(second.status).to.equal(200);
    expectContract(second, 'exchangeRingnityOAuthToken');
    expect(second.body.refresh_token).to.not.equal(tokens.refresh_token);
    await rotatedLongAgo(tokens.refresh_token!);

    const reuse = await tokenEndpoint(app, { grant_type: 'refresh_token', refresh_token: tokens.refresh_token! }, basic(s));
    expect(reuse.status).to.equal(400);
    expect(reuse.body.error).to.equal('invalid_grant');
    expectContract(reuse, 'exchangeRingnityOAuthToken');
    const newest = await tokenEndpoint(app, { grant_type: 'refresh_token', refresh_token: second.body.refresh_token }, basic(s));
    expect(newest.status, 'the whole grant is revoked').to.equal(400);
    const info = await app.request('/oauth/userinfo', { headers: { authorization: `Bearer ${second.body.access_token}` } });
    expect(info.status).to.equal(401);
  });

  it('lets only one of several concurrent uses of a refresh token rotate it, and treats more than one retry as reuse', async () => {
    const s = await setup();
    const { tokens } = await codeFlow(app, s.config, s.user, { scope: 'openid profile offline_access', prompt: 'consent' });
    const attempts = await Promise.all(Array.from({ length: 4 }, () =>
      tokenEndpoint(app, { grant_type: 'refresh_token', refresh_token: tokens.refresh_token! }, basic(s))));
    const winners = attempts.filter((r) => r.status === 200);
    // The rotation, and at most its one retry (answered with the same refresh token): one chain only.
    expect(winners.length, 'one rotation and at most one retry may succeed').to.be.within(1, 2);
    expect(new Set(winners.map((w) => w.body.refresh_token)).size, 'never two live chains').to.equal(1);
    for (const loser of attempts.filter((r) => r.status !== 200)) {
      expect(loser.status).to.equal(400);
      expect(loser.body.error).to.equal('invalid_grant');
      expectContract(loser, 'exchangeRingnityOAuthToken');
    }
    const next = await tokenEndpoint(app, { grant_type: 'refresh_token', refresh_token: winners[0].body.refresh_token }, basic(s));
    expect(next.status, 'reuse revokes the whole grant, the winner\'s tokens included').to.equal(400);
  });

  it('redeems an authorization code once even when it is sent concurrently', async () => {
    const s = await setup();
    const { code: authCode, verifier } = await code(s);
    const form = { grant_type: 'authorization_code', code: authCode, redirect_uri: CALLBACK, code_verifier: verifier! };
    const attempts = await Promise.all(Array.from({ length: 4 }, () => tokenEndpoint(app, form, basic(s))));
    const winners = attempts.filter((r) => r.status === 200);
    expect(winners, 'exactly one redemption may succeed').to.have.length(1);
    for (const loser of attempts.filter((r) => r.status !== 200)) expect(loser.body.error).to.equal('invalid_grant');
    const info = await app.request('/oauth/userinfo', { headers: { authorization: `Bearer ${winners[0].body.access_token}` } });
    expect(info.status, 'a code used twice revokes what it issued (RFC 6749 §4.1.2)').to.equal(401);
  });

  it('issues no refresh token to a client not allowed offline_access', async () => {
    const s = await setup({ allowedScopes: ['openid', 'profile'] });
    const { tokens } = await codeFlow(app, s.config, s.user, { scope: 'openid offline_access', prompt: 'consent' });
    expect(tokens.access_token).to.be.a('string');
    expect(tokens.refresh_token).to.equal(undefined);
    expect(tokens.scope).to.equal('openid');
  });

  it("refuses an account of another tenant with access_denied", async () => {
    const s = await setup();
    const other = await app.seed.tenant();
    const request = await authorizationRequest(s.config);
    const browser = new Browser(app.url);
    const page = await browser.follow(request.url.href);
    const result = await browser.submit(page.res.html, page.url, '/login', { login: other.ownerEmail, password: other.password });
    const callback = new URL(result.url);
    expect(callback.origin + callback.pathname).to.equal(CALLBACK);
    expect(callback.searchParams.get('error')).to.equal('access_denied');
    expect(callback.searchParams.get('state')).to.equal(request.state);
  });

  it('refuses planned scopes and scopes outside allowedScopes with invalid_scope', async () => {
    const s = await setup({ allowedScopes: ['openid', 'profile'] });
    for (const scope of ['openid billing.write', 'openid tenant.read']) {
      const request = await authorizationRequest(s.config, { scope });
      const res = await new Browser(app.url).follow(request.url.href);
      expect(new URL(res.url).searchParams.get('error'), scope).to.equal('invalid_scope');
    }
  });

  it('refuses a revoked client everywhere, and its tokens stop working', async () => {
    const s = await setup();
    const { tokens } = await codeFlow(app, s.config, s.user, { scope: 'openid profile offline_access', prompt: 'consent' });
    await revokeOAuthClient(app.deps.db, operatorIn(s.tenant.id), s.client.id);

    const refresh = await tokenEndpoint(app, { grant_type: 'refresh_token', refresh_token: tokens.refresh_token! }, basic(s));
    expect(refresh.status).to.equal(401);
    expect(refresh.body.error).to.equal('invalid_client');
    expectContract(refresh, 'exchangeRingnityOAuthToken');
    const info = await app.request('/oauth/userinfo', { headers: { authorization: `Bearer ${tokens.access_token}` } });
    expect(info.status).to.equal(401);
    const request = await authorizationRequest(s.config);
    const page = await new Browser(app.url).fetch(request.url.href);
    expect(page.status).to.equal(400);
    expect(page.headers.get('location')).to.equal(null);
  });

  it('answers an expired access token with 401', async () => {
    const s = await setup();
    const { tokens } = await codeFlow(app, s.config, s.user);
    await app.deps.db('oidc_payloads').where({ type: 'AccessToken' }).whereRaw("payload->>'clientId' = ?", [s.client.clientId])
      .update({ expires_at: new Date(Date.now() - 1000) });
    const info = await app.request('/oauth/userinfo', { headers: { authorization: `Bearer ${tokens.access_token}` } });
    expect(info.status).to.equal(401);
    expect(info.body.error).to.equal('invalid_token');
    expectContract(info, 'getRingnityOAuthUserInfo');
  });

  it('refuses unsupported grant types and malformed token requests with OAuthError JSON', async () => {
    const s = await setup();
    const grant = await tokenEndpoint(app, { grant_type: 'password', username: 'a', password: 'b' }, basic(s));
    expect(grant.status).to.equal(400);
    expect(grant.body.error).to.equal('unsupported_grant_type');
    expectContract(grant, 'exchangeRingnityOAuthToken');
    for (const body of ['', 'grant_type=authorization_code', '%%%not-a-form', '{"grant_type":"refresh_token"}']) {
      const res = await app.request('/oauth/token', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body });
      expect(res.status, body).to.be.within(400, 401);
      expectContract(res, 'exchangeRingnityOAuthToken');
    }
    const json = await app.request('/oauth/token', { method: 'POST', json: { grant_type: 'refresh_token' } });
    expect(json.status).to.equal(400);
    expectContract(json, 'exchangeRingnityOAuthToken');
  });

  it('shows the same message for an unknown account and a wrong password, and locks after too many failures', async () => {
    const s = await setup();
    const request = await authorizationRequest(s.config);
    const browser = new Browser(app.url, { 'x-forwarded-for': '203.0.113.9' });
    const page = await browser.follow(request.url.href);
    const wrong = await browser.submit(page.res.html, page.url, '/login', { login: s.user.username, password: 'wrong-password-1' });
    const unknown = await browser.submit(page.res.html, page.url, '/login', { login: 'nobody-here', password: 'wrong-password-1' });
    expect(wrong.res.status).to.equal(401);
    expect(unknown.res.status).to.equal(401);
    const message = (html: string) => /role="alert">([^<]*)</.exec(html)![1];
    expect(message(wrong.res.html)).to.equal(message(unknown.res.html));

    let last = wrong;
    for (let i = 0; i < 5; i++) last = await browser.submit(page.res.html, page.url, '/login', { login: s.user.username, password: 'wrong-password-1' });
    expect(last.res.status).to.equal(429);
    expect(last.res.html).to.match(/Too many sign-in attempts/);
    const locked = await browser.submit(page.res.html, page.url, '/login', { login: s.user.username, password: s.user.password });
    expect(locked.res.status, 'even the right password waits').to.equal(429);
    const entries = await listAudit(app.deps.db, { tenantId: s.tenant.id, action: 'oidc.login' });
    expect(entries.some((e) => e.outcome === 'failure')).to.equal(true);
  });

  it('refuses a login form without the per-interaction token (CSRF)', async () => {
    const s = await setup();
    const request = await authorizationRequest(s.config);
    const browser = new Browser(app.url);
    const page = await browser.follow(request.url.href);
    const res = await browser.submit(page.res.html, page.url, '/login', { login: s.user.username, password: s.user.password, csrf: 'forged' });
    expect(res.res.status).to.equal(403);
    const noCookie = new Browser(app.url);
    const res2 = await noCookie.submit(page.res.html, page.url, '/login', { login: s.user.username, password: s.user.password });
    expect(res2.res.status).to.equal(400);
  });

  it('sends access_denied to the client when the user cancels consent', async () => {
    const s = await setup();
    const request = await authorizationRequest(s.config);
    const browser = new Browser(app.url);
    const page = await browser.follow(request.url.href);
    const consent = await browser.submit(page.res.html, page.url, '/login', { login: s.user.username, password: s.user.password });
    expect(consent.res.html).to.include('Allow');
    expect(consent.res.html).to.include('Read your name');
    const cancelled = await browser.submit(consent.res.html, consent.url, '/abort');
    expect(new URL(cancelled.url).searchParams.get('error')).to.equal('access_denied');
  });

  it('answers CORS at the token endpoint only for the origins of registered redirect URIs, never at authorize', async () => {
    const s = await setup({ type: 'public', redirectUris: ['https://portal.example.com/cb'], allowedScopes: ['openid'] });
    const form = new URLSearchParams({ grant_type: 'refresh_token', refresh_token: 'x', client_id: s.client.clientId }).toString();
    const headers = (origin: string) => ({ origin, 'content-type': 'application/x-www-form-urlencoded' });
    const allowed = await app.request('/oauth/token', { method: 'POST', headers: headers('https://portal.example.com'), body: form });
    expect(allowed.headers.get('access-control-allow-origin')).to.equal('https://portal.example.com');
    const refused = await app.request('/oauth/token', { method: 'POST', headers: headers('https://evil.example'), body: form });
    expect(refused.headers.get('access-control-allow-origin')).to.equal(null);
    expect(refused.status).to.equal(400);
    expectContract(refused, 'exchangeRingnityOAuthToken');
    const authorize = await app.request('/oauth/authorize?client_id=x', { headers: { origin: 'https://portal.example.com' } });
    expect(authorize.headers.get('access-control-allow-origin')).to.equal(null);
  });

  it('accepts any loopback port and custom schemes for native apps (RFC 8252)', async () => {
    const tenant = await app.seed.tenant();
    const user = await app.seed.account(tenant.id);
    const client = await app.seed.oauthClient(tenant.id, {
      type: 'public', redirectUris: ['http://127.0.0.1/callback', 'com.example.app:/oauth'], allowedScopes: ['openid'],
    });
    const config = await relyingParty(app, client);
    const loopback = await authorizationRequest(config, { scope: 'openid', redirectUri: 'http://127.0.0.1:9999/callback' });
    const callback = await signIn(new Browser(app.url), loopback.url, user.username, user.password);
    expect(new URL(callback).searchParams.get('code')).to.be.a('string');
    const tokens = await oidc.authorizationCodeGrant(config, new URL(callback), {
      pkceCodeVerifier: loopback.verifier, expectedState: loopback.state, expectedNonce: loopback.nonce,
    }, { redirect_uri: 'http://127.0.0.1:9999/callback' });
    expect(tokens.access_token).to.be.a('string');

    const custom = await authorizationRequest(config, { scope: 'openid', redirectUri: 'com.example.app:/oauth' });
    const page = await new Browser(app.url).fetch(custom.url.href);
    expect(page.status).to.equal(302);
    expect(page.headers.get('location')).to.match(/^\/interaction\//);
  });
});

import { expect } from 'chai';
import { useTestApp } from '../support/test-app.ts';
import { expectContract } from '../support/contract.ts';
import { authorizationRequest, codeFlow, oidc, relyingParty } from '../support/oidc-helpers.ts';

describe('Login with Ringnity: RP-initiated logout', () => {
  const app = useTestApp();

  it('asks before signing out, then ends the session so prompt=none needs a login again', async () => {
    const tenant = await app.seed.tenant();
    const user = await app.seed.account(tenant.id);
    const client = await app.seed.oauthClient(tenant.id, { allowedScopes: ['openid', 'profile'] });
    const config = await relyingParty(app, client);
    const { browser, tokens } = await codeFlow(app, config, user, { scope: 'openid profile' });

    const silent = async () => {
      const request = await authorizationRequest(config, { scope: 'openid profile', prompt: 'none' });
      return new URL((await browser.follow(request.url.href)).url).searchParams;
    };
    expect((await silent()).get('code'), 'signed in before logout').to.be.a('string');

    const ask = await browser.fetch(`${app.url}/oauth/logout?id_token_hint=${tokens.id_token}&client_id=${client.clientId}`);
    expect(ask.status).to.equal(200);
    expectContract({ status: ask.status, body: ask.html, headers: ask.headers }, 'startRingnityLogout');
    expect(ask.html).to.include('Sign out?');

    const confirm = await browser.submit(ask.html, `${app.url}/oauth/logout`, '/confirm', { logout: 'yes' });
    expect(confirm.url).to.equal(`${app.url}/oauth/logout/success`);
    expect(confirm.res.status).to.equal(200);
    expectContract({ status: confirm.res.status, body: confirm.res.html, headers: confirm.res.headers }, 'showRingnityLogoutSuccess');

    expect((await silent()).get('error')).to.equal('login_required');
  });

  it('accepts the logout request as a form POST too, then ends the session the same way', async () => {
    const tenant = await app.seed.tenant();
    const user = await app.seed.account(tenant.id);
    const client = await app.seed.oauthClient(tenant.id, { allowedScopes: ['openid'] });
    const config = await relyingParty(app, client);
    const { browser, tokens } = await codeFlow(app, config, user, { scope: 'openid' });

    const ask = await browser.fetch(`${app.url}/oauth/logout`, {
      method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ id_token_hint: tokens.id_token!, client_id: client.clientId }),
    });
    expect(ask.status).to.equal(200);
    expectContract({ status: ask.status, body: ask.html, headers: ask.headers }, 'startRingnityLogoutWithForm');
    expect(ask.html).to.include('Sign out?');

    const confirm = await browser.submit(ask.html, `${app.url}/oauth/logout`, '/confirm', { logout: 'yes' });
    expect(confirm.url).to.equal(`${app.url}/oauth/logout/success`);
    const silent = await authorizationRequest(config, { scope: 'openid', prompt: 'none' });
    expect(new URL((await browser.follow(silent.url.href)).url).searchParams.get('error')).to.equal('login_required');
  });

  it('shows a logout error on a page titled for signing out', async () => {
    const res = await fetch(`${app.url}/oauth/logout?id_token_hint=not-a-token`, { headers: { accept: 'text/html' } });
    expect(res.status).to.equal(400);
    const html = await res.text();
    expect(html).to.include('Sign-out problem');
    expect(html).to.not.include('Sign-in problem');
  });

  it("signs out and lands back on the client at a registered post-logout redirect URI, with the client's state", async () => {
    const tenant = await app.seed.tenant();
    const user = await app.seed.account(tenant.id);
    const back = 'https://shop.example.com/signed-out';
    const client = await app.seed.oauthClient(tenant.id, { allowedScopes: ['openid'], postLogoutRedirectUris: [back] });
    const config = await relyingParty(app, client);
    const { browser, tokens } = await codeFlow(app, config, user, { scope: 'openid' });

    const logoutUrl = oidc.buildEndSessionUrl(config, { id_token_hint: tokens.id_token!, post_logout_redirect_uri: back, state: 'bye-1' });
    const ask = await browser.fetch(logoutUrl.href);
    expect(ask.status).to.equal(200);
    expect(ask.html).to.include('Sign out?');
    const done = await browser.submit(ask.html, `${app.url}/oauth/logout`, '/confirm', { logout: 'yes' });
    expect(done.url).to.equal(`${back}?state=bye-1`);

    const silent = await authorizationRequest(config, { scope: 'openid', prompt: 'none' });
    expect(new URL((await browser.follow(silent.url.href)).url).searchParams.get('error')).to.equal('login_required');
  });

  it('refuses a post-logout redirect URI the client did not register', async () => {
    const tenant = await app.seed.tenant();
    const user = await app.seed.account(tenant.id);
    const client = await app.seed.oauthClient(tenant.id, { allowedScopes: ['openid'], postLogoutRedirectUris: ['https://shop.example.com/signed-out'] });
    const config = await relyingParty(app, client);
    const { browser, tokens } = await codeFlow(app, config, user, { scope: 'openid' });
    const res = await browser.fetch(oidc.buildEndSessionUrl(config, { id_token_hint: tokens.id_token!, post_logout_redirect_uri: 'https://evil.example/out' }).href);
    expect(res.status).to.equal(400);
    expect(res.headers.get('location')).to.equal(null);
    expect(res.html).to.include('post_logout_redirect_uri');
  });
});

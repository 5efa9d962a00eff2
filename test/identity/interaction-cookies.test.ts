import { expect } from 'chai';
import { clientAddress, useTestApp } from '../support/test-app.ts';
import { Browser } from '../support/browser.ts';
import { authorizationRequest, relyingParty } from '../support/oidc-helpers.ts';

describe('Login with Ringnity: interaction cookies', () => {
  const app = useTestApp();

  async function startAuthorization(headers: Record<string, string>) {
    const tenant = await app.seed.tenant();
    const client = await app.seed.oauthClient(tenant.id, { allowedScopes: ['openid'] });
    const request = await authorizationRequest(await relyingParty(app, client), { scope: 'openid' });
    const res = await app.request(request.url.pathname + request.url.search, { headers });
    expect(res.status).to.equal(302);
    return res.headers.getSetCookie().filter((c) => c.startsWith('rn_interaction'));
  }

  it('are HttpOnly and SameSite=Lax, so they survive the top-level redirect back from a client site', async () => {
    const cookies = await startAuthorization({});
    expect(cookies.length).to.be.greaterThan(0);
    for (const cookie of cookies) {
      expect(cookie.toLowerCase()).to.include('httponly').and.include('samesite=lax');
      expect(cookie.toLowerCase(), 'plain http here').to.not.include('secure');
    }
  });

  it('are Secure behind a TLS-terminating proxy (TRUST_PROXY, X-Forwarded-Proto: https)', async () => {
    const cookies = await startAuthorization({ 'x-forwarded-proto': 'https' });
    expect(cookies.length).to.be.greaterThan(0);
    for (const cookie of cookies) expect(cookie.toLowerCase()).to.include('secure');
  });

  it('stay SameSite=Lax when the authorization request is a form POST', async () => {
    const tenant = await app.seed.tenant();
    const client = await app.seed.oauthClient(tenant.id, { allowedScopes: ['openid'] });
    const request = await authorizationRequest(await relyingParty(app, client), { scope: 'openid' });
    const res = await app.request(request.url.pathname, {
      method: 'POST', body: request.url.searchParams, headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(res.status).to.equal(303);
    const cookies = res.headers.getSetCookie().filter((c) => c.startsWith('rn_interaction'));
    expect(cookies.length).to.be.greaterThan(0);
    for (const cookie of cookies) expect(cookie.toLowerCase()).to.include('httponly').and.include('samesite=lax');
  });

  /** Signs in and returns the Set-Cookie lines of the session cookie (and its signature). */
  async function sessionCookies(headers: Record<string, string>) {
    const tenant = await app.seed.tenant();
    const user = await app.seed.account(tenant.id);
    const client = await app.seed.oauthClient(tenant.id, { allowedScopes: ['openid'] });
    const request = await authorizationRequest(await relyingParty(app, client), { scope: 'openid' });
    const browser = new Browser(app.url, { 'x-forwarded-for': clientAddress(), ...headers });
    const login = await browser.follow(request.url.href);
    const resume = await browser.submit(login.res.html, login.url, '/login', { login: user.username, password: user.password });
    // Behind the "proxy" the provider sends the browser to the https issuer URL; this test is the proxy.
    if (resume.url.startsWith('https:')) await browser.follow(resume.url.replace(/^https:/, 'http:'));
    const cookies = browser.setCookieLines.filter((c) => c.startsWith('rn_session'));
    expect(cookies.length).to.be.greaterThan(0);
    return cookies.map((c) => c.toLowerCase());
  }

  it('make the session cookie SameSite=None; Secure over https, so a cross-site form POST to authorize or logout carries it', async () => {
    for (const cookie of await sessionCookies({ 'x-forwarded-proto': 'https' })) {
      expect(cookie).to.include('httponly').and.include('samesite=none').and.include('secure');
    }
  });

  it('keep the session cookie SameSite=Lax over plain http, where browsers drop SameSite=None without Secure', async () => {
    for (const cookie of await sessionCookies({})) {
      expect(cookie).to.include('httponly').and.include('samesite=lax').and.not.include('samesite=none');
      expect(cookie).to.not.include('secure');
    }
  });
});

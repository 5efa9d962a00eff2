import { expect } from 'chai';
import { useTestApp } from '../support/test-app.ts';
import { CALLBACK, authorizationRequest, codeFlow, relyingParty } from '../support/oidc-helpers.ts';

// OIDC Core §3.1.2.1: the authorization endpoint MUST support GET and POST (form-encoded).
describe('Login with Ringnity: authorization request methods', () => {
  const app = useTestApp();

  async function setUp() {
    const tenant = await app.seed.tenant();
    const user = await app.seed.account(tenant.id);
    const client = await app.seed.oauthClient(tenant.id, { allowedScopes: ['openid', 'profile'] });
    return { user, client, config: await relyingParty(app, client) };
  }

  const postForm = (url: URL, browser?: { fetch: (u: string, i: RequestInit) => Promise<Response> }) => {
    const init = { method: 'POST', body: url.searchParams, headers: { 'content-type': 'application/x-www-form-urlencoded' } };
    return browser ? browser.fetch(url.origin + url.pathname, init) : fetch(url.origin + url.pathname, { ...init, redirect: 'manual' });
  };

  it('answers a form POST to authorize with a 303 to the login page, as it answers a GET with a 302', async () => {
    const { config } = await setUp();
    const request = await authorizationRequest(config, { scope: 'openid' });
    const get = await fetch(request.url, { redirect: 'manual' });
    expect(get.status).to.equal(302);
    expect(get.headers.get('location')).to.match(/^\/interaction\//);
    const post = await postForm(request.url);
    expect(post.status).to.equal(303);
    expect(post.headers.get('location')).to.match(/^\/interaction\//);
  });

  for (const method of ['GET', 'POST'] as const) {
    it(`completes the code flow when the authorization request is a ${method}`, async () => {
      const { user, config } = await setUp();
      const { tokens } = await codeFlow(app, config, user, { scope: 'openid profile', method });
      expect(tokens.claims()!.sub).to.equal(user.id);
      expect(tokens.claims()!.name).to.equal(user.name);
    });
  }

  it('finds the session on a POSTed prompt=none request and redirects back with a code', async () => {
    const { user, config } = await setUp();
    const { browser } = await codeFlow(app, config, user, { scope: 'openid' });
    const silent = await authorizationRequest(config, { scope: 'openid', prompt: 'none' });
    const back = await postForm(silent.url, browser);
    expect(back.status).to.equal(303);
    expect(back.headers.get('location')).to.match(new RegExp(`^${CALLBACK}\\?code=`));
  });

  it('answers a POSTed request with an unknown client as invalid_client, without redirecting', async () => {
    const { config } = await setUp();
    const request = await authorizationRequest(config, { scope: 'openid' });
    request.url.searchParams.set('client_id', 'no-such-client');
    const res = await postForm(request.url);
    expect(res.status).to.equal(400);
    expect(await res.text()).to.include('invalid_client');
  });
});

import { expect } from 'chai';
import { Browser } from '../support/browser.ts';
import { authorizationRequest, relyingParty, signIn, tokenEndpoint } from '../support/oidc-helpers.ts';
import { countQueries, queriesOf } from '../support/query-count.ts';
import { startSiblingApp, type SiblingApp } from '../support/sibling-app.ts';
import { useTestApp } from '../support/test-app.ts';

/**
 * The database round trips of the OIDC hot path, pinned per endpoint (docs/benchmarks.md,
 * "Round trips per request"): on a small machine each one costs about as much as the bare
 * provider's whole request, so a change that adds one must change this test too.
 */
describe('Login with Ringnity: database round trips per request', () => {
  const app = useTestApp();

  /** Signed in with offline_access by default; without it, the code and tokens expire with the browser session. */
  async function signedIn(scope = 'openid profile email offline_access') {
    const tenant = await app.seed.tenant();
    const user = await app.seed.account(tenant.id);
    const client = await app.seed.oauthClient(tenant.id, { allowedScopes: ['openid', 'profile', 'email', 'offline_access'] });
    const config = await relyingParty(app, client);
    const request = await authorizationRequest(config, { scope, prompt: 'consent' });
    const callback = await signIn(new Browser(app.url), request.url, user.username, user.password);
    const code = new URL(callback).searchParams.get('code')!;
    const auth = { id: client.clientId, secret: client.clientSecret! };
    return { user, client, auth, code, verifier: request.verifier! };
  }

  const userinfo = (accessToken: string) => app.request('/oauth/userinfo', { headers: { authorization: `Bearer ${accessToken}` } });
  const expectQueries = (queries: string[], n: number, what: string) =>
    expect(queries, `${what}: ${queries.length} queries\n  ${queries.join('\n  ')}`).to.have.length(n);

  it('exchanges a code in 2 round trips, and a third for the first use of a client (its last-use stamp)', async () => {
    const s = await signedIn();
    const { result, queries } = await queriesOf(app, () => tokenEndpoint(app, {
      grant_type: 'authorization_code', code: s.code, redirect_uri: 'http://127.0.0.1:9999/callback', code_verifier: s.verifier,
    }, s.auth));
    expect(result.status).to.equal(200);
    expectQueries(queries, 3, 'code exchange');
  });

  it('answers userinfo in 1 round trip, and in none when the same process sees the token again', async () => {
    const s = await signedIn();
    const tokens = await tokenEndpoint(app, { grant_type: 'authorization_code', code: s.code, redirect_uri: 'http://127.0.0.1:9999/callback', code_verifier: s.verifier }, s.auth);
    const first = await queriesOf(app, () => userinfo(tokens.body.access_token));
    expect(first.result.status).to.equal(200);
    expect(first.result.body.sub).to.equal(s.user.id);
    expectQueries(first.queries, 1, 'userinfo');
    const again = await queriesOf(app, () => userinfo(tokens.body.access_token));
    expect(again.result.status).to.equal(200);
    expect(again.result.body).to.deep.equal(first.result.body);
    expectQueries(again.queries, 0, 'userinfo, same token again');
  });

  it('reads the session along for a code and token that expire with it: the same round trips', async () => {
    const s = await signedIn('openid profile email');
    const exchange = await queriesOf(app, () => tokenEndpoint(app, {
      grant_type: 'authorization_code', code: s.code, redirect_uri: 'http://127.0.0.1:9999/callback', code_verifier: s.verifier,
    }, s.auth));
    expect(exchange.result.status).to.equal(200);
    expect(exchange.result.body.refresh_token).to.equal(undefined);
    expectQueries(exchange.queries, 3, 'code exchange (with the last-use stamp)');
    const first = await queriesOf(app, () => userinfo(exchange.result.body.access_token));
    expect(first.result.status).to.equal(200);
    expectQueries(first.queries, 1, 'userinfo');
    const again = await queriesOf(app, () => userinfo(exchange.result.body.access_token));
    expect(again.result.status).to.equal(200);
    expectQueries(again.queries, 0, 'userinfo, same token again');
  });

  describe('with OIDC_TOKEN_CACHE_SIZE=0', () => {
    let uncached: SiblingApp;
    before(async () => { uncached = await startSiblingApp(app, { OIDC_TOKEN_CACHE_SIZE: '0' }); });
    after(async () => { await uncached?.stop(); });

    it('answers every userinfo in 1 round trip', async () => {
      const s = await signedIn();
      const tokens = await tokenEndpoint(app, { grant_type: 'authorization_code', code: s.code, redirect_uri: 'http://127.0.0.1:9999/callback', code_verifier: s.verifier }, s.auth);
      for (let i = 0; i < 2; i++) {
        const { result, queries } = await queriesOf(uncached, () => uncached.request('/oauth/userinfo', { headers: { authorization: `Bearer ${tokens.body.access_token}` } }));
        expect(result.status).to.equal(200);
        expectQueries(queries, 1, `userinfo #${i + 1}`);
      }
    });
  });

  it('rotates a refresh token in 2 round trips: one read, one write', async () => {
    const s = await signedIn();
    const tokens = await tokenEndpoint(app, { grant_type: 'authorization_code', code: s.code, redirect_uri: 'http://127.0.0.1:9999/callback', code_verifier: s.verifier }, s.auth);
    const { result, queries } = await queriesOf(app, () => tokenEndpoint(app, { grant_type: 'refresh_token', refresh_token: tokens.body.refresh_token }, s.auth));
    expect(result.status).to.equal(200);
    expect(result.body.refresh_token).to.be.a('string').and.not.equal(tokens.body.refresh_token);
    expectQueries(queries, 2, 'refresh grant');
  });

  describe('a browser sign-in: authorize, login page and POST, consent page and POST, each resume, code exchange', () => {
    /** One flow of a fresh browser and account; each request as method, path (the interaction's uid as :uid) and its round trips. */
    async function countedFlow(client: Awaited<ReturnType<typeof app.seed.oauthClient>>, tenantId: string) {
      const user = await app.seed.account(tenantId);
      const request = await authorizationRequest(await relyingParty(app, client), { scope: 'openid profile email offline_access', prompt: 'consent' });
      const { requests } = await countQueries(app, async () => {
        const code = new URL(await signIn(new Browser(app.url), request.url, user.username, user.password)).searchParams.get('code')!;
        const exchange = await tokenEndpoint(app, {
          grant_type: 'authorization_code', code, redirect_uri: 'http://127.0.0.1:9999/callback', code_verifier: request.verifier!,
        }, { id: client.clientId, secret: client.clientSecret! });
        expect(exchange.status).to.equal(200);
      });
      return requests.map((r) => [`${r.method} ${r.path.replace(/^\/(interaction|oauth\/authorize)\/[^/]+/, '/$1/:uid')}`, r.queries.length]);
    }

    it('reads the client and its tenant once per process, not on every step: 20 round trips and 2 for the code on a warm process', async () => {
      const tenant = await app.seed.tenant();
      const client = await app.seed.oauthClient(tenant.id, { allowedScopes: ['openid', 'profile', 'email', 'offline_access'] });
      // The client's first flow in this process reads the client on authorize and the tenant on the login page (and stamps the client's first use).
      expect(await countedFlow(client, tenant.id)).to.deep.equal([
        ['GET /oauth/authorize', 2], ['GET /interaction/:uid', 2], ['POST /interaction/:uid/login', 5], ['GET /oauth/authorize/:uid', 3],
        ['GET /interaction/:uid', 2], ['POST /interaction/:uid/confirm', 5], ['GET /oauth/authorize/:uid', 3], ['POST /oauth/token', 3],
      ]);
      expect(await countedFlow(client, tenant.id)).to.deep.equal([
        ['GET /oauth/authorize', 1], ['GET /interaction/:uid', 1], ['POST /interaction/:uid/login', 5], ['GET /oauth/authorize/:uid', 3],
        ['GET /interaction/:uid', 2], ['POST /interaction/:uid/confirm', 5], ['GET /oauth/authorize/:uid', 3], ['POST /oauth/token', 2],
      ]);
    });
  });

  it('serves discovery and the JWKS without a query', async () => {
    const { requests } = await countQueries(app, async () => {
      expect((await app.request('/.well-known/openid-configuration')).status).to.equal(200);
      expect((await app.request('/oauth/jwks.json')).status).to.equal(200);
    });
    expect(requests.map((r) => [r.path, r.queries.length])).to.deep.equal([['/.well-known/openid-configuration', 0], ['/oauth/jwks.json', 0]]);
  });
});

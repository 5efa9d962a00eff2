import { operatorIn } from '../../src/audit/actor.ts';
import { expect } from 'chai';
import { loadConfig } from '../../src/config.ts';
import { createLogger } from '../../src/logger.ts';
import { createServerApiCredential } from '../../src/server-api/credentials.ts';
import { startServer } from '../../src/server.ts';
import { expectContract } from '../support/contract.ts';
import { ownerAuth } from '../support/dashboard-sessions.ts';
import { request, testEnv, useTestApp, type TestApp, type TestResponse } from '../support/test-app.ts';
import { Browser } from '../support/browser.ts';
import { startDatabaseProxy, type CutMode, type DatabaseProxy } from '../support/database-proxy.ts';
import { CALLBACK, codeFlow, oidc, relyingParty } from '../support/oidc-helpers.ts';

/**
 * "Never a hang": every answer during an outage comes within this (README "Outages"). A
 * database that is away costs a request one connect timeout (2 s) or one query bound
 * (DATABASE_QUERY_TIMEOUT_MS 2 s, plus 0.5 s) per attempt, and authorize makes two
 * (oidc-provider looks the client up again to decide whether its error may be redirected).
 */
const FAST_MS = 6_000;

type OutageApp = { url: string; request(path: string, init?: RequestInit & { json?: unknown }): Promise<TestResponse>; stop(): Promise<void> };

/**
 * A second app process whose DATABASE_URL goes through the proxy, so the outage is its
 * alone. It shares the issuer and the database with the test app, as a second process
 * behind a load balancer would, so tokens issued by the test app are valid here.
 */
async function startAppThrough(app: TestApp, databaseUrl: string): Promise<OutageApp> {
  const config = loadConfig(testEnv({ ISSUER: app.deps.config.issuer, DATABASE_URL: databaseUrl }));
  const running = await startServer(config, createLogger(config));
  return { url: running.url, request: (p, init) => request(running.url, p, init), stop: () => running.stop() };
}

const form = (body: Record<string, string>, headers: Record<string, string> = {}) => ({
  method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers }, body: new URLSearchParams(body).toString(),
});

async function timed<T>(work: () => Promise<T>): Promise<T> {
  const started = Date.now();
  const result = await work();
  expect(Date.now() - started, 'answered within a few seconds').to.be.below(FAST_MS);
  return result;
}

function expectOAuthUnavailable(res: TestResponse, operationId: string) {
  expect(res.status, res.text).to.equal(503);
  expect(res.body.error).to.equal('temporarily_unavailable');
  expect(res.headers.get('retry-after')).to.match(/^\d+$/);
  expectContract(res, operationId);
}

function expectApiUnavailable(res: TestResponse, operationId: string) {
  expect(res.status, res.text).to.equal(503);
  expect(res.body).to.include({ success: false, code: 'SERVICE_UNAVAILABLE' });
  expect(res.headers.get('retry-after')).to.match(/^\d+$/);
  expectContract(res, operationId);
}

describe('Login with Ringnity: database outage', function () {
  this.timeout(60_000);
  const app = useTestApp();
  let proxy: DatabaseProxy | undefined;
  let outage: OutageApp | undefined;
  let fixture: {
    clientId: string; accessToken: string; refreshToken: string; owner: { email: string; password: string };
    ownerHeaders: { authorization: string }; serverKey: string; login: { username: string; password: string };
  };

  before(async function () {
    // The outage is a cut TCP connection; an embedded PGlite has no connection to cut.
    if (!app.databaseUrl) this.skip();
    proxy = await startDatabaseProxy(app.databaseUrl);
    outage = await startAppThrough(app, proxy.url);

    const tenant = await app.seed.tenant();
    const user = await app.seed.account(tenant.id);
    const client = await app.seed.oauthClient(tenant.id, { type: 'public', allowedScopes: ['openid', 'profile', 'offline_access'] });
    const { tokens } = await codeFlow(app, await relyingParty(app, client), user, { scope: 'openid profile offline_access', prompt: 'consent' });
    const { secret } = await createServerApiCredential(app.deps.db, operatorIn(tenant.id), { name: 'backend', scopes: ['server:health'] });
    fixture = {
      clientId: client.clientId, accessToken: tokens.access_token, refreshToken: tokens.refresh_token!,
      owner: { email: tenant.ownerEmail, password: tenant.password }, ownerHeaders: await ownerAuth(app, tenant),
      serverKey: secret, login: user,
    };
  });

  after(async () => {
    await outage?.stop();
    await proxy?.close();
  });

  /** An authorize request on the outage app, followed to its login page while the database is up. */
  async function loginPage() {
    const browser = new Browser(outage!.url);
    browser.issuerOrigin = new URL(app.deps.config.issuer).origin; // the outage process answers for the shared issuer
    const url = `/oauth/authorize?${new URLSearchParams({
      client_id: fixture.clientId, redirect_uri: CALLBACK, response_type: 'code', scope: 'openid profile', prompt: 'login',
      code_challenge: await oidc.calculatePKCECodeChallenge(oidc.randomPKCECodeVerifier()), code_challenge_method: 'S256',
    })}`;
    const page = await browser.follow(outage!.url + url);
    expect(page.res.status, page.res.html).to.equal(200);
    expect(page.url).to.match(/\/interaction\/[^/]+$/);
    return { browser, ...page };
  }

  const cuts = { refuse: 'refused', reset: 'reset', stall: 'never answered', swallow: 'open but silent' } as const;
  for (const mode of Object.keys(cuts) as CutMode[]) {
    describe(`while the database is away (connections ${cuts[mode]})`, () => {
      let started: Awaited<ReturnType<typeof loginPage>>;

      before(async () => {
        started = await loginPage();
        await proxy!.cut(mode);
      });

      after(async () => {
        await proxy!.restore();
      });

      it('answers the token endpoint with 503 temporarily_unavailable, fast', async () => {
        const res = await timed(() => outage!.request('/oauth/token', form({ grant_type: 'refresh_token', refresh_token: fixture.refreshToken, client_id: fixture.clientId })));
        expectOAuthUnavailable(res, 'exchangeRingnityOAuthToken');
      });

      it('answers userinfo with 503 temporarily_unavailable, fast', async () => {
        const res = await timed(() => outage!.request('/oauth/userinfo', { headers: { authorization: `Bearer ${fixture.accessToken}` } }));
        expectOAuthUnavailable(res, 'getRingnityOAuthUserInfo');
      });

      it('answers revocation, introspection and a JSON authorize request with 503 temporarily_unavailable', async () => {
        const revoke = await timed(() => outage!.request('/oauth/revoke', form({ token: fixture.accessToken, client_id: fixture.clientId })));
        expectOAuthUnavailable(revoke, 'revokeRingnityOAuthToken');
        const introspect = await timed(() => outage!.request('/oauth/introspect', form({ token: fixture.accessToken, client_id: fixture.clientId })));
        expectOAuthUnavailable(introspect, 'introspectRingnityOAuthToken');
        const authorize = await timed(() => outage!.request(`/oauth/authorize?client_id=${fixture.clientId}&response_type=code&scope=openid&redirect_uri=${encodeURIComponent(CALLBACK)}`, { headers: { accept: 'application/json' } }));
        expectOAuthUnavailable(authorize, 'authorizeWithRingnity');
      });

      it('keeps serving discovery and the JWKS from memory', async () => {
        const discovery = await timed(() => outage!.request('/.well-known/openid-configuration'));
        expect(discovery.status).to.equal(200);
        expectContract(discovery, 'getOpenIdConfiguration');
        const jwks = await timed(() => outage!.request('/oauth/jwks.json'));
        expect(jwks.status).to.equal(200);
        expectContract(jwks, 'getRingnityOAuthJwks');
      });

      it('answers /api operations that need the database with 503 SERVICE_UNAVAILABLE', async () => {
        const login = await timed(() => outage!.request('/api/auth/owner-login', { method: 'POST', json: fixture.owner }));
        expectApiUnavailable(login, 'loginOwner');
        const me = await timed(() => outage!.request('/api/auth/owner-me', { headers: fixture.ownerHeaders }));
        expectApiUnavailable(me, 'getOwnerSession');
        const health = await timed(() => outage!.request('/api/server/health', { headers: { authorization: `Bearer ${fixture.serverKey}` } }));
        expectApiUnavailable(health, 'getServerApiHealth');
      });

      it('renders the "temporarily unavailable" page on the login pages, not a 500', async () => {
        const page = await timed(() => started.browser.fetch(started.url));
        expect(page.status).to.equal(503);
        expect(page.headers.get('content-type')).to.match(/text\/html/);
        expect(page.html).to.include('temporarily unavailable');
        const submit = await timed(() => started.browser.submit(started.res.html, started.url, '/login', { login: fixture.login.username, password: fixture.login.password }));
        expect(submit.res.status).to.equal(503);
        expect(submit.res.html).to.include('temporarily unavailable');
        const authorize = await timed(() => started.browser.fetch(`/oauth/authorize?client_id=${fixture.clientId}&response_type=code&scope=openid&redirect_uri=${encodeURIComponent(CALLBACK)}`));
        expect(authorize.status).to.equal(503);
        expect(authorize.headers.get('content-type')).to.match(/text\/html/);
      });
    });
  }

  describe('under 15 s of a database that stops answering on open connections', () => {
    it('answers every request 503 within the bound, however many are waiting, and serves again at once when it answers', async () => {
      // Several open connections in the pool, as in a process under load.
      await Promise.all(Array.from({ length: 6 }, () => outage!.request('/api/auth/owner-me', { headers: fixture.ownerHeaders })));
      const requests: Array<[string, () => Promise<TestResponse>]> = [
        ['exchangeRingnityOAuthToken', () => outage!.request('/oauth/token', form({ grant_type: 'refresh_token', refresh_token: fixture.refreshToken, client_id: fixture.clientId }))],
        ['getRingnityOAuthUserInfo', () => outage!.request('/oauth/userinfo', { headers: { authorization: `Bearer ${fixture.accessToken}` } })],
        ['loginOwner', () => outage!.request('/api/auth/owner-login', { method: 'POST', json: fixture.owner })],
        ['getOwnerSession', () => outage!.request('/api/auth/owner-me', { headers: fixture.ownerHeaders })],
        ['getServerApiHealth', () => outage!.request('/api/server/health', { headers: { authorization: `Bearer ${fixture.serverKey}` } })],
      ];
      await proxy!.cut('swallow');
      const silence = Date.now();
      let slowest = 0;
      try {
        while (Date.now() - silence < 15_000) {
          // Every kind at once, three times over: more requests than the pool has connections.
          await Promise.all([...requests, ...requests, ...requests].map(async ([operationId, send]) => {
            const started = Date.now();
            const res = await send();
            slowest = Math.max(slowest, Date.now() - started);
            if (operationId.includes('RingnityOAuth')) expectOAuthUnavailable(res, operationId);
            else expectApiUnavailable(res, operationId);
          }));
        }
      } finally {
        await proxy!.restore();
      }
      expect(slowest, 'the slowest answer during the silence (ms)').to.be.below(FAST_MS);

      const back = Date.now();
      const me = await outage!.request('/api/auth/owner-me', { headers: fixture.ownerHeaders });
      expect(me.status, me.text).to.equal(200);
      const userinfo = await outage!.request('/oauth/userinfo', { headers: { authorization: `Bearer ${fixture.accessToken}` } });
      expect(userinfo.status, userinfo.text).to.equal(200);
      expect(Date.now() - back, 'serving again without waiting out a timeout').to.be.below(1_000);
    });
  });

  describe('when the database comes back', () => {
    it('serves every endpoint again without a restart', async () => {
      const started = await loginPage();
      await proxy!.cut();
      expect((await outage!.request('/oauth/userinfo', { headers: { authorization: `Bearer ${fixture.accessToken}` } })).status).to.equal(503);
      await proxy!.restore();

      const token = await outage!.request('/oauth/token', form({ grant_type: 'refresh_token', refresh_token: fixture.refreshToken, client_id: fixture.clientId }));
      expect(token.status, token.text).to.equal(200);
      expectContract(token, 'exchangeRingnityOAuthToken');
      const userinfo = await outage!.request('/oauth/userinfo', { headers: { authorization: `Bearer ${token.body.access_token}` } });
      expect(userinfo.status, userinfo.text).to.equal(200);
      expectContract(userinfo, 'getRingnityOAuthUserInfo');
      expect(userinfo.body.sub).to.be.a('string');

      const login = await outage!.request('/api/auth/owner-login', { method: 'POST', json: fixture.owner });
      expect(login.status, login.text).to.equal(200);
      expectContract(login, 'loginOwner');
      const me = await outage!.request('/api/auth/owner-me', { headers: fixture.ownerHeaders });
      expect(me.status, me.text).to.equal(200);
      const health = await outage!.request('/api/server/health', { headers: { authorization: `Bearer ${fixture.serverKey}` } });
      expect(health.status, health.text).to.equal(200);
      expectContract(health, 'getServerApiHealth');

      // The sign-in started before the outage finishes where it left off.
      let signedIn = await started.browser.submit(started.res.html, started.url, '/login', { login: fixture.login.username, password: fixture.login.password });
      if (signedIn.res.html.includes('/confirm"')) signedIn = await started.browser.submit(signedIn.res.html, signedIn.url, '/confirm');
      expect(signedIn.url.startsWith(CALLBACK), `${signedIn.res.status} ${signedIn.url}`).to.equal(true);
      expect(new URL(signedIn.url).searchParams.get('code')).to.be.a('string');
    });
  });
});

import { setTimeout as sleep } from 'node:timers/promises';
import { expect } from 'chai';
import * as oidc from 'openid-client';
import { OPERATOR } from '../../src/audit/actor.ts';
import { setTenantActive } from '../../src/tenants/tenants.ts';
import { Browser } from '../support/browser.ts';
import { ownerAuth } from '../support/dashboard-sessions.ts';
import { CALLBACK } from '../support/oidc-helpers.ts';
import { countQueries } from '../support/query-count.ts';
import { startSiblingApp, type SiblingApp } from '../support/sibling-app.ts';
import { useTestApp } from '../support/test-app.ts';

/**
 * README "Login with Ringnity", access token cache: each process keeps the OAuth clients and
 * tenants its sign-in pages read, and a change made in any process reaches every other one
 * within a second.
 */
describe('Login with Ringnity: OAuth clients and tenants kept in memory across sign-ins', () => {
  const app = useTestApp();
  /** Another process on the same database: it keeps what it reads, and hears of changes made elsewhere. */
  let other: SiblingApp;
  before(async () => { other = await startSiblingApp(app, {}); });
  after(async () => { await other?.stop(); });

  async function registered() {
    const tenant = await app.seed.tenant();
    const client = await app.seed.oauthClient(tenant.id, { allowedScopes: ['openid', 'profile', 'email'] });
    return { tenant, client };
  }

  /** An authorization request to the other process, followed as far as it goes on it. */
  async function authorizeOnOther(clientId: string, params: { redirectUri?: string; scope?: string } = {}) {
    const browser = new Browser(other.url);
    browser.issuerOrigin = new URL(app.deps.config.issuer).origin; // it answers for the shared issuer
    const query = new URLSearchParams({
      client_id: clientId, redirect_uri: params.redirectUri ?? CALLBACK, response_type: 'code', scope: params.scope ?? 'openid profile',
      code_challenge: await oidc.calculatePKCECodeChallenge(oidc.randomPKCECodeVerifier()), code_challenge_method: 'S256', state: 'st',
    });
    return { browser, ...await browser.follow(`${other.url}/oauth/authorize?${query}`) };
  }

  /** The other process's login page for the client: reading it once is what warms that process. */
  async function loginPageOnOther(clientId: string) {
    const page = await authorizeOnOther(clientId);
    expect(page.res.status, page.res.html).to.equal(200);
    expect(page.url).to.match(/\/interaction\/[^/]+$/);
    return page;
  }

  /** Polls every 20 ms until `done` holds, failing once `ms` have passed without. */
  async function until(what: string, ms: number, done: () => Promise<boolean>): Promise<void> {
    const deadline = Date.now() + ms;
    while (!(await done())) {
      if (Date.now() > deadline) expect.fail(`${what}: not within ${ms} ms`);
      await sleep(20);
    }
  }

  const unavailable = 'This application is not available any more.';

  it('reads neither the client nor its tenant again on the next sign-in it serves', async () => {
    const { client } = await registered();
    await loginPageOnOther(client.clientId);
    const { requests } = await countQueries(other, () => loginPageOnOther(client.clientId));
    expect(requests.map((r) => r.path)).to.have.length(2);
    for (const r of requests) expect(r.queries.filter((sql) => /from "?(oauth_clients|tenants)"?/.test(sql)), r.path).to.deep.equal([]);
  });

  describe('sees on the other process within a second', () => {
    it('a client revoked from the dashboard: its open login page and a new authorization request are refused', async () => {
      const { tenant, client } = await registered();
      const page = await loginPageOnOther(client.clientId);
      const res = await app.request(`/api/sdk/developer/oauth-clients/${client.id}`, { method: 'DELETE', headers: await ownerAuth(app, tenant) });
      expect(res.status).to.equal(200);
      await until('login page refused', 1_000, async () => {
        const again = await page.browser.fetch(page.url);
        return again.status === 400 && again.html.includes(unavailable);
      });
      const authorize = await authorizeOnOther(client.clientId);
      expect(authorize.res.status).to.equal(400);
      expect(authorize.res.html).to.include('invalid_client');
    });

    it('a disabled tenant: its open login page is refused', async () => {
      const { tenant, client } = await registered();
      const page = await loginPageOnOther(client.clientId);
      await setTenantActive(app.deps.db, OPERATOR, tenant.id, false);
      await until('login page refused', 1_000, async () => {
        const again = await page.browser.fetch(page.url);
        return again.status === 400 && again.html.includes(unavailable);
      });
    });

    it('changed redirect URIs: the new one is accepted and the old one refused', async () => {
      const { tenant, client } = await registered();
      await loginPageOnOther(client.clientId);
      const moved = 'http://127.0.0.1:9999/moved';
      const res = await app.request(`/api/sdk/developer/oauth-clients/${client.id}`, {
        method: 'PATCH', headers: await ownerAuth(app, tenant), json: { redirectUris: [moved] },
      });
      expect(res.status, res.text).to.equal(200);
      await until('new redirect URI accepted', 1_000, async () => (await authorizeOnOther(client.clientId, { redirectUri: moved })).res.status === 200);
      const old = await authorizeOnOther(client.clientId);
      expect(old.res.status).to.equal(400);
      expect(old.res.html).to.include('redirect_uri');
    });

    it('changed allowed scopes: a scope taken away is refused', async () => {
      const { tenant, client } = await registered();
      expect((await authorizeOnOther(client.clientId, { scope: 'openid email' })).res.status).to.equal(200);
      const res = await app.request(`/api/sdk/developer/oauth-clients/${client.id}`, {
        method: 'PATCH', headers: await ownerAuth(app, tenant), json: { allowedScopes: ['openid', 'profile'] },
      });
      expect(res.status, res.text).to.equal(200);
      await until('email refused', 1_000, async () => {
        const { url } = await authorizeOnOther(client.clientId, { scope: 'openid email' });
        return url.startsWith(CALLBACK) && new URL(url).searchParams.get('error') === 'invalid_scope';
      });
    });

    it('a rotated secret: client authentication takes the new one and refuses the old', async () => {
      const { tenant, client } = await registered();
      await loginPageOnOther(client.clientId);
      const res = await app.request(`/api/sdk/developer/oauth-clients/${client.id}/rotate-secret`, { method: 'POST', headers: await ownerAuth(app, tenant) });
      expect(res.status, res.text).to.equal(200);
      const rotated: string = res.body.data.clientSecret;
      // Revocation authenticates the client by its registry entry alone (no code or refresh token read along).
      const revoke = (secret: string) => other.request('/oauth/revoke', {
        method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ token: 'not-a-token', client_id: client.clientId, client_secret: secret }).toString(),
      });
      await until('old secret refused', 1_000, async () => {
        const answer = await revoke(client.clientSecret!);
        if (answer.status === 200) return false;
        expect(answer.status, answer.text).to.equal(401);
        expect(answer.body.error).to.equal('invalid_client');
        return true;
      });
      expect((await revoke(rotated)).status).to.equal(200);
    });
  });
});

import { setTimeout as sleep } from 'node:timers/promises';
import { expect } from 'chai';
import { setAccountActive } from '../../src/accounts/accounts.ts';
import { OPERATOR, operatorIn } from '../../src/audit/actor.ts';
import { runCli } from '../../src/cli.ts';
import { openDatabase, type Database } from '../../src/db/database.ts';
import { ROW_CHANGES_CHANNEL } from '../../src/identity/notified-cache.ts';
import { startTokenContextCache, type TokenContextCache } from '../../src/identity/token-context-cache.ts';
import { setTenantActive } from '../../src/tenants/tenants.ts';
import { ownerAuth } from '../support/dashboard-sessions.ts';
import { startDatabaseProxy, type DatabaseProxy } from '../support/database-proxy.ts';
import { codeFlow, relyingParty } from '../support/oidc-helpers.ts';
import { queriesOf } from '../support/query-count.ts';
import { startSiblingApp, type SiblingApp } from '../support/sibling-app.ts';
import { useTestApp, type TestResponse } from '../support/test-app.ts';

/** What the cache keeps per token: the joined read (src/identity/token-context-table.ts). */
type TokenContext = Awaited<ReturnType<Parameters<TokenContextCache['read']>[1]>>;

/** An app process whose requests and queries a test can watch: the shared test app or a sibling. */
type AppProcess = Pick<SiblingApp, 'request' | 'server' | 'deps'>;

/**
 * README "Login with Ringnity", access token cache: a process answers userinfo for a token it
 * has seen from memory, and any change to what that answer was read from, made by any process
 * or by hand, ends that within a second (in practice milliseconds).
 */
describe('Login with Ringnity: access tokens kept in memory across requests', () => {
  const app = useTestApp();
  /** Another process on the same database: it keeps what it reads, and hears of changes made elsewhere. */
  let other: SiblingApp;
  before(async () => { other = await startSiblingApp(app, {}); });
  after(async () => { await other?.stop(); });

  async function signedIn() {
    const tenant = await app.seed.tenant();
    const user = await app.seed.account(tenant.id);
    const client = await app.seed.oauthClient(tenant.id, { allowedScopes: ['openid', 'profile', 'email'] });
    // Without offline_access the tokens expire with the browser session: userinfo checks it too.
    const { browser, tokens } = await codeFlow(app, await relyingParty(app, client), user, { scope: 'openid profile email' });
    return { tenant, user, client, browser, idToken: tokens.id_token!, token: tokens.access_token };
  }

  const userinfo = (on: AppProcess, token: string) => on.request('/oauth/userinfo', { headers: { authorization: `Bearer ${token}` } });
  const queriesOfUserinfo = async (on: AppProcess, token: string) => queriesOf(on, () => userinfo(on, token));

  /** Polls every 20 ms until `done` holds, failing once `ms` have passed without. */
  async function until(what: string, ms: number, done: () => Promise<boolean>): Promise<void> {
    const deadline = Date.now() + ms;
    while (!(await done())) {
      if (Date.now() > deadline) expect.fail(`${what}: not within ${ms} ms`);
      await sleep(20);
    }
  }

  /** `on` answers for the token from memory: once read, the same token costs no query. */
  async function cachedOn(on: AppProcess, token: string, ms = 1_000): Promise<TestResponse> {
    let answer: TestResponse | undefined;
    await until('answered from memory', ms, async () => {
      const { result, queries } = await queriesOfUserinfo(on, token);
      expect(result.status, result.text).to.equal(200);
      answer = result;
      return queries.length === 0;
    });
    return answer!;
  }

  /** `on` refuses the token within a second of the change. */
  async function refusedWithinASecond(on: AppProcess, token: string): Promise<void> {
    await until('userinfo refused', 1_000, async () => {
      const res = await userinfo(on, token);
      if (res.status === 200) return false;
      expect(res.status, res.text).to.equal(401);
      expect(res.body.error).to.equal('invalid_token');
      return true;
    });
  }

  it('answers from memory the second time, with the same claims', async () => {
    const s = await signedIn();
    const first = await queriesOfUserinfo(other, s.token);
    expect(first.queries).to.have.length(1);
    expect((await cachedOn(other, s.token)).body).to.deep.equal(first.result.body);
  });

  describe('stops answering for a token within a second on the other process once', () => {
    it('the token is revoked at the revocation endpoint', async () => {
      const s = await signedIn();
      await cachedOn(other, s.token);
      const revoke = await app.request('/oauth/revoke', {
        method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ token: s.token, token_type_hint: 'access_token', client_id: s.client.clientId, client_secret: s.client.clientSecret! }).toString(),
      });
      expect(revoke.status).to.equal(200);
      await refusedWithinASecond(other, s.token);
    });

    it("the account's consent is withdrawn (the operator CLI revokes its grants)", async () => {
      const s = await signedIn();
      await cachedOn(other, s.token);
      const result = await runCli(['oauth-consent:withdraw', '--tenant', s.tenant.slug, '--client', s.client.clientId, '--account', s.user.id], app.deps);
      expect(result).to.deep.equal({ consentRemoved: true });
      await refusedWithinASecond(other, s.token);
    });

    it('its grant alone is deleted by hand in SQL', async () => {
      const s = await signedIn();
      await cachedOn(other, s.token);
      const deleted = await app.deps.db('oidc_payloads').where({ type: 'Grant', client_id: s.client.clientId }).del().returning('id');
      expect(deleted).to.have.length(1);
      await refusedWithinASecond(other, s.token);
    });

    it('the user signs out at the provider (RP-initiated logout ends the session)', async () => {
      const s = await signedIn();
      await cachedOn(other, s.token);
      const ask = await s.browser.fetch(`${app.url}/oauth/logout?id_token_hint=${s.idToken}&client_id=${s.client.clientId}`);
      const done = await s.browser.submit(ask.html, `${app.url}/oauth/logout`, '/confirm', { logout: 'yes' });
      expect(done.url).to.equal(`${app.url}/oauth/logout/success`);
      await refusedWithinASecond(other, s.token);
    });

    it('its session alone is deleted by hand in SQL', async () => {
      const s = await signedIn();
      await cachedOn(other, s.token);
      const [token] = await app.deps.db('oidc_payloads').where({ type: 'AccessToken', id: s.token }).select(app.deps.db.raw("payload->>'sessionUid' as uid"));
      const deleted = await app.deps.db('oidc_payloads').where({ type: 'Session', uid: token.uid }).del().returning('id');
      expect(deleted).to.have.length(1);
      await refusedWithinASecond(other, s.token);
    });

    it('the OAuth client is revoked from the dashboard', async () => {
      const s = await signedIn();
      await cachedOn(other, s.token);
      const res = await app.request(`/api/sdk/developer/oauth-clients/${s.client.id}`, { method: 'DELETE', headers: await ownerAuth(app, s.tenant) });
      expect(res.status).to.equal(200);
      await refusedWithinASecond(other, s.token);
    });

    it("the client's status alone is set to revoked by hand in SQL (its tokens left in place)", async () => {
      const s = await signedIn();
      await cachedOn(other, s.token);
      await app.deps.db('oauth_clients').where({ client_id: s.client.clientId }).update({ status: 'revoked' });
      await refusedWithinASecond(other, s.token);
    });

    it('the account is disabled', async () => {
      const s = await signedIn();
      await cachedOn(other, s.token);
      await setAccountActive(app.deps.db, operatorIn(s.tenant.id), s.user.id, false);
      await refusedWithinASecond(other, s.token);
    });

    it('the tenant is disabled', async () => {
      const s = await signedIn();
      await cachedOn(other, s.token);
      await setTenantActive(app.deps.db, OPERATOR, s.tenant.id, false);
      await refusedWithinASecond(other, s.token);
    });
  });

  it("reads the token again once the client's secret is rotated from the dashboard (which leaves its tokens valid)", async () => {
    const s = await signedIn();
    await cachedOn(other, s.token);
    const res = await app.request(`/api/sdk/developer/oauth-clients/${s.client.id}/rotate-secret`, { method: 'POST', headers: await ownerAuth(app, s.tenant) });
    expect(res.status).to.equal(200);
    await until('read again', 1_000, async () => {
      const { result, queries } = await queriesOfUserinfo(other, s.token);
      expect(result.status).to.equal(200);
      return queries.length === 1;
    });
  });

  it('shows a name changed by hand in SQL within a second', async () => {
    const s = await signedIn();
    expect((await cachedOn(other, s.token)).body.name).to.equal(s.user.name);
    await app.deps.db.raw('update accounts set name = ? where id = ?', ['Renamed by hand', s.user.id]);
    await until('the new name', 1_000, async () => (await userinfo(other, s.token)).body.name === 'Renamed by hand');
  });

  it('ignores the last-use stamp of a client (no notification for it)', async () => {
    const s = await signedIn();
    await cachedOn(other, s.token);
    await app.deps.db('oauth_clients').where({ client_id: s.client.clientId }).update({ last_used_at: new Date(0) });
    await sleep(100); // a notification would have arrived by now
    expect((await queriesOfUserinfo(other, s.token)).queries).to.have.length(0);
  });

  it('keeps at most OIDC_TOKEN_CACHE_SIZE tokens, dropping the least recently used', async () => {
    const small = await startSiblingApp(app, { OIDC_TOKEN_CACHE_SIZE: '1' });
    try {
      const [a, b] = [await signedIn(), await signedIn()];
      await cachedOn(small, a.token);
      await cachedOn(small, b.token);
      expect((await queriesOfUserinfo(small, a.token)).queries, 'a was dropped for b').to.have.length(1);
    } finally {
      await small.stop();
    }
  });

  it('keeps no read that a change overtook: its notification came while the read was in flight', async () => {
    const cache = startTokenContextCache(app.database, { maxEntries: 10, logger: app.deps.logger });
    try {
      let loads = 0;
      const read = (tokenId: string, during?: () => Promise<void>) => cache.read(tokenId, async () => {
        loads += 1;
        await during?.();
        return contextOf(tokenId);
      });
      await until('listening', 5_000, async () => {
        loads = 0;
        const probe = `probe-${Date.now()}`;
        await read(probe);
        await read(probe);
        return loads === 1;
      });

      loads = 0;
      await read('overtaken', async () => {
        await app.deps.db.raw('select pg_notify(?, ?)', [ROW_CHANGES_CHANNEL, 'Account:account-1']);
        await sleep(100); // the notification arrives before the read is kept
      });
      await read('overtaken');
      expect(loads, 'the overtaken read was not kept').to.equal(2);
      await read('overtaken');
      expect(loads, 'the read after it was').to.equal(2);
    } finally {
      await cache.stop();
    }
  });

  describe('when its notifications connection is cut (PostgreSQL)', () => {
    let proxy: DatabaseProxy;
    let throughProxy: Database;
    let cut: SiblingApp;

    before(async function () {
      if (!app.databaseUrl) this.skip(); // an embedded PGlite has no connection to cut
      proxy = await startDatabaseProxy(app.databaseUrl);
      throughProxy = await openDatabase({ databaseUrl: proxy.url, dataDir: '' });
      // Its queries go straight to the database; only its change notifications pass the proxy.
      cut = await startSiblingApp(app, {}, { ...app.database, listen: throughProxy.listen });
    });

    after(async () => {
      await cut?.stop();
      await throughProxy?.close();
      await proxy?.close();
    });

    it('reads every token from the database until it listens again, then keeps them again', async () => {
      const s = await signedIn();
      await cachedOn(cut, s.token);
      await proxy.cut('refuse');
      try {
        await until('reading from the database', 1_000, async () => (await queriesOfUserinfo(cut, s.token)).queries.length === 1);
        // A change it cannot hear of: every answer still has it, read from the database.
        await app.deps.db.raw('update accounts set name = ? where id = ?', ['Renamed unheard', s.user.id]);
        for (let i = 0; i < 3; i++) {
          const { result, queries } = await queriesOfUserinfo(cut, s.token);
          expect(result.body.name).to.equal('Renamed unheard');
          expect(queries, 'not kept while not listening').to.have.length(1);
        }
      } finally {
        await proxy.restore();
      }
      expect((await cachedOn(cut, s.token, 8_000)).body.name).to.equal('Renamed unheard');
    });

    it('stops answering from memory within a second when the connection goes silent', async () => {
      const s = await signedIn();
      await cachedOn(cut, s.token, 8_000);
      await proxy.cut('swallow'); // open, but nothing passes: its notifications are held back
      try {
        await app.deps.db.raw('update accounts set name = ? where id = ?', ['Renamed in the silence', s.user.id]);
        await until('the new name', 1_000, async () => (await userinfo(cut, s.token)).body.name === 'Renamed in the silence');
      } finally {
        await proxy.restore();
      }
    });
  });
});

/**
 * A complete context as the joined read returns it, for the cache alone: it keeps a context
 * by the rows it names (token, grant, client, account, tenant) and the expiry it carries.
 */
function contextOf(tokenId: string): TokenContext {
  const exp = Math.floor(Date.now() / 1000) + 900;
  return {
    token: { jti: tokenId, exp, grantId: 'grant-1', accountId: 'account-1', clientId: 'client-1' },
    grant: { id: 'grant-1', payload: { exp } },
    client: { clientId: 'client-1', entry: { clientId: 'client-1', tenantId: 'tenant-1' } },
    account: { id: 'account-1', entry: { id: 'account-1', tenantId: 'tenant-1' } },
  } as unknown as TokenContext;
}

import { expect } from 'chai';
import knex from 'knex';
import { expectContract } from '../support/contract.ts';
import { Browser, formFields } from '../support/browser.ts';
import { authorizationRequest, codeFlow, relyingParty, tokenEndpoint } from '../support/oidc-helpers.ts';
import { useTestApp } from '../support/test-app.ts';

describe('Login with Ringnity: a token grant commits before it answers', () => {
  const app = useTestApp();

  async function signedIn() {
    const tenant = await app.seed.tenant();
    const user = await app.seed.account(tenant.id);
    const client = await app.seed.oauthClient(tenant.id, { allowedScopes: ['openid', 'profile', 'offline_access'] });
    const { tokens } = await codeFlow(app, await relyingParty(app, client), user, { scope: 'openid profile offline_access', prompt: 'consent' });
    const auth = { id: client.clientId, secret: client.clientSecret! };
    return { refreshToken: tokens.refresh_token!, refresh: (rt: string) => tokenEndpoint(app, { grant_type: 'refresh_token', refresh_token: rt }, auth) };
  }

  const tokensOfGrant = async (refreshToken: string) => {
    const { grant_id: grantId } = await app.deps.db('oidc_payloads').where({ type: 'RefreshToken', id: refreshToken }).first('grant_id');
    return (await app.deps.db('oidc_payloads').where({ grant_id: grantId }).whereIn('type', ['AccessToken', 'RefreshToken']).count({ n: '*' }).first())!.n;
  };

  it('answers 503 and stores no token when its write does not commit; the refresh token keeps working', async function () {
    // Another connection holds the refresh token's row, so the grant's one write waits past the
    // query bound and is cancelled (PostgreSQL only: the embedded database has one connection).
    if (!app.databaseUrl) this.skip();
    this.timeout(30_000);
    const s = await signedIn();
    const before = await tokensOfGrant(s.refreshToken);
    const other = knex({ client: 'pg', connection: app.databaseUrl, pool: { min: 0, max: 1 } });
    try {
      const answer = await other.transaction(async (trx) => {
        await trx('oidc_payloads').where({ type: 'RefreshToken', id: s.refreshToken }).forUpdate().first('id');
        return s.refresh(s.refreshToken);
      });
      expect(answer.status).to.equal(503);
      expect(answer.body.error).to.equal('temporarily_unavailable');
      expect(answer.body).not.to.have.property('access_token');
      expect(await tokensOfGrant(s.refreshToken), 'nothing of the failed grant was stored').to.equal(before);
    } finally {
      await other.destroy();
    }
    const retried = await s.refresh(s.refreshToken);
    expect(retried.status, 'the token was not consumed').to.equal(200);
    expectContract(retried, 'exchangeRingnityOAuthToken');
  });

  it('shows the unavailable page and stores nothing when a resumed authorization does not commit; reloading it goes on', async function () {
    // As above: another connection holds the interaction's row, which the resumption ends in its one write.
    if (!app.databaseUrl) this.skip();
    this.timeout(30_000);
    const tenant = await app.seed.tenant();
    const user = await app.seed.account(tenant.id);
    const client = await app.seed.oauthClient(tenant.id, { allowedScopes: ['openid', 'profile'] });
    const request = await authorizationRequest(await relyingParty(app, client), { scope: 'openid profile', prompt: 'consent' });
    const browser = new Browser(app.url);
    const login = await browser.follow(request.url.href);
    const consent = await browser.submit(login.res.html, login.url, '/login', { login: user.username, password: user.password });
    const form = formFields(consent.res.html, '/confirm');
    const confirmed = await browser.fetch(new URL(form.action, consent.url).href, {
      method: 'POST', body: new URLSearchParams(form.fields), headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    const resume = new URL(confirmed.headers.get('location')!, consent.url).href;
    const uid = new URL(resume).pathname.split('/').pop()!;
    const codes = async () => Number((await app.deps.db('oidc_payloads').where({ type: 'AuthorizationCode', client_id: client.clientId }).count({ n: '*' }).first())!.n);

    const other = knex({ client: 'pg', connection: app.databaseUrl, pool: { min: 0, max: 1 } });
    try {
      const answer = await other.transaction(async (trx) => {
        await trx('oidc_payloads').where({ type: 'Interaction', id: uid }).forUpdate().first('id');
        return browser.fetch(resume);
      });
      expect(answer.status).to.equal(503);
      expect(answer.headers.get('location'), 'no redirect to the client').to.equal(null);
      expect(answer.html).to.include('temporarily unavailable');
      expect(await codes(), 'no code was stored').to.equal(0);
    } finally {
      await other.destroy();
    }
    const reloaded = await browser.follow(resume);
    expect(reloaded.url.startsWith('http://127.0.0.1:9999/callback'), reloaded.url).to.equal(true);
    expect(new URL(reloaded.url).searchParams.get('code')).to.be.a('string');
    expect(await codes()).to.equal(1);
  });
});

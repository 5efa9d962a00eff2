import { expect } from 'chai';
import { THROTTLE_POLICY } from '../../src/accounts/login-throttle.ts';
import { ownerAuth } from '../support/dashboard-sessions.ts';
import { codeFlow, oidc, relyingParty } from '../support/oidc-helpers.ts';
import { startSiblingApp, type SiblingApp } from '../support/sibling-app.ts';
import { unique } from '../support/seed.ts';
import { useTestApp } from '../support/test-app.ts';

/** The value of the first sample of `name` carrying all of `labels` (0 when there is none yet). */
function sample(text: string, name: string, labels: Record<string, string> = {}): number {
  const line = text.split('\n').find((l) => (l.startsWith(`${name}{`) || l.startsWith(`${name} `))
    && Object.entries(labels).every(([k, v]) => l.includes(`${k}="${v}"`)));
  return line ? Number(line.split(' ').at(-1)) : 0;
}

describe('Prometheus metrics', function () {
  this.timeout(30_000);
  const app = useTestApp();
  const scrape = async () => {
    const res = await app.request('/metrics');
    expect(res.status, res.text).to.equal(200);
    return res.text;
  };

  it('serves the Prometheus text format with process and database pool metrics', async () => {
    const res = await app.request('/metrics');
    expect(res.status).to.equal(200);
    expect(res.headers.get('content-type')).to.match(/^text\/plain; version=0\.0\.4/);
    expect(res.text).to.match(/^process_cpu_user_seconds_total \d/m);
    expect(res.text).to.match(/^nodejs_eventloop_lag_seconds \d/m);
    for (const state of ['used', 'free', 'pending']) expect(res.text).to.match(new RegExp(`^ringnity_db_pool_connections\\{state="${state}"\\} \\d+$`, 'm'));
    expect(sample(res.text, 'ringnity_db_pool_connections', { state: 'used' }) + sample(res.text, 'ringnity_db_pool_connections', { state: 'free' })).to.be.greaterThan(0);
  });

  it('labels request durations with the route template, never the raw path with its id', async () => {
    const tenant = await app.seed.tenant();
    const id = crypto.randomUUID();
    const missing = await app.request(`/api/sdk/developer/oauth-clients/${id}`, { method: 'DELETE', headers: await ownerAuth(app, tenant) });
    expect(missing.status).to.equal(404);
    const garbage = `no-such-${unique()}`;
    expect((await app.request(`/api/${garbage}/${id}`)).status).to.equal(404);
    expect((await app.request(`/${garbage}`)).status).to.equal(404);

    const text = await scrape();
    const count = 'ringnity_http_request_duration_seconds_count';
    expect(sample(text, count, { method: 'DELETE', route: '/api/sdk/developer/oauth-clients/:oauthClientId', status: '404' })).to.be.at.least(1);
    expect(sample(text, count, { method: 'POST', route: '/api/auth/owner-login', status: '200' })).to.be.at.least(1);
    expect(sample(text, count, { method: 'GET', route: 'unmatched', status: '404' })).to.be.at.least(2);
    expect(text).to.not.include(id);
    expect(text).to.not.include(garbage);
  });

  it('counts token issuance by grant type, with the OIDC endpoint as the route', async () => {
    const tenant = await app.seed.tenant();
    const user = await app.seed.account(tenant.id);
    const client = await app.seed.oauthClient(tenant.id, { type: 'public', allowedScopes: ['openid', 'profile', 'offline_access'] });
    const config = await relyingParty(app, client);
    const before = await scrape();

    const { tokens } = await codeFlow(app, config, user, { scope: 'openid profile offline_access', prompt: 'consent' });
    await oidc.refreshTokenGrant(config, tokens.refresh_token!);

    const after = await scrape();
    const issued = (text: string, grantType: string) => sample(text, 'ringnity_oidc_tokens_issued_total', { grant_type: grantType });
    expect(issued(after, 'authorization_code') - issued(before, 'authorization_code')).to.equal(1);
    expect(issued(after, 'refresh_token') - issued(before, 'refresh_token')).to.equal(1);
    const tokenRequests = (text: string) => sample(text, 'ringnity_http_request_duration_seconds_count', { method: 'POST', route: '/oauth/token', status: '200' });
    expect(tokenRequests(after) - tokenRequests(before)).to.equal(2);
    expect(sample(after, 'ringnity_http_request_duration_seconds_count', { route: '/interaction/:uid' })).to.be.at.least(1);
  });

  it('counts refused logins by reason, and throttled ones apart', async () => {
    const tenant = await app.seed.tenant();
    const login = (json: unknown) => app.request('/api/auth/owner-login', { method: 'POST', json });
    const failures = (text: string, reason: string) => sample(text, 'ringnity_login_failures_total', { action: 'owner.login', reason });
    const throttled = (text: string) => sample(text, 'ringnity_login_throttled_total', { action: 'owner.login' });
    const before = await scrape();

    expect((await login({ email: `nobody-${unique()}@example.com`, password: 'whatever-password' })).status).to.equal(401);
    for (let i = 0; i < THROTTLE_POLICY.account.maxFailures; i++) {
      expect((await login({ email: tenant.ownerEmail, password: `wrong-password-${i}` })).status).to.equal(401);
    }
    expect((await login({ email: tenant.ownerEmail, password: tenant.password })).status).to.equal(429);

    const after = await scrape();
    expect(failures(after, 'unknown_account') - failures(before, 'unknown_account')).to.equal(1);
    expect(failures(after, 'wrong_password') - failures(before, 'wrong_password')).to.equal(THROTTLE_POLICY.account.maxFailures);
    expect(throttled(after) - throttled(before)).to.equal(1);
  });

  describe('access', () => {
    const token = `metrics-${unique()}-${unique()}`;
    let guarded: SiblingApp;
    let production: SiblingApp;
    before(async () => {
      guarded = await startSiblingApp(app, { METRICS_TOKEN: token });
      // Production without a token: the embedded-database override only gets past the config check, the database is the test app's.
      production = await startSiblingApp(app, { NODE_ENV: 'production', ALLOW_EMBEDDED_DATABASE: 'true' });
    });
    after(async () => {
      await guarded?.stop();
      await production?.stop();
    });

    it('asks for the METRICS_TOKEN bearer token when one is set: 401 without or with another, 200 with it', async () => {
      const without = await guarded.request('/metrics');
      expect(without.status).to.equal(401);
      expect(without.headers.get('www-authenticate')).to.match(/^Bearer /);
      expect(without.body).to.include({ success: false, code: 'UNAUTHORIZED' });
      expect(without.text).to.not.include('process_cpu');

      expect((await guarded.request('/metrics', { headers: { authorization: `Bearer ${token}x` } })).status).to.equal(401);
      expect((await guarded.request('/metrics', { headers: { authorization: `Basic ${token}` } })).status).to.equal(401);

      const res = await guarded.request('/metrics', { headers: { authorization: `Bearer ${token}` } });
      expect(res.status).to.equal(200);
      expect(res.text).to.match(/^process_cpu_user_seconds_total \d/m);
    });

    it('is off (404) in production without a METRICS_TOKEN, while the probes still answer', async () => {
      const res = await production.request('/metrics');
      expect(res.status).to.equal(404);
      expect(res.text).to.not.include('process_cpu');
      expect((await production.request('/healthz')).status).to.equal(200);
    });
  });
});

import { expect } from 'chai';
import { operatorIn } from '../../src/audit/actor.ts';
import { listAudit } from '../../src/audit/audit-log.ts';
import { runCli } from '../../src/cli.ts';
import { withdrawConsent } from '../../src/identity/consents.ts';
import { revokeOAuthClient } from '../../src/oauth-clients/oauth-clients.ts';
import { Browser } from '../support/browser.ts';
import { CALLBACK, authorizationRequest, codeFlow, relyingParty, tokenEndpoint } from '../support/oidc-helpers.ts';
import { useTestApp } from '../support/test-app.ts';

describe('Login with Ringnity: one grant per sign-in', () => {
  const app = useTestApp();
  const SCOPE = 'openid profile offline_access';

  /** One account signed in to one client on two devices (two browsers, two cookie jars). */
  async function twoDevices() {
    const tenant = await app.seed.tenant();
    const user = await app.seed.account(tenant.id);
    const client = await app.seed.oauthClient(tenant.id, { allowedScopes: ['openid', 'profile', 'offline_access'] });
    const config = await relyingParty(app, client);
    // offline_access needs prompt=consent (OIDC Core §11), so each device shows the consent page once.
    const a = await codeFlow(app, config, user, { scope: SCOPE, prompt: 'consent' });
    const b = await codeFlow(app, config, user, { scope: SCOPE, prompt: 'consent' });
    const auth = { id: client.clientId, secret: client.clientSecret! };
    const refresh = (refreshToken: string) => tokenEndpoint(app, { grant_type: 'refresh_token', refresh_token: refreshToken }, auth);
    const userinfo = async (accessToken: string) => (await app.request('/oauth/userinfo', { headers: { authorization: `Bearer ${accessToken}` } })).status;
    /** Signs in on a new device without prompt=consent; true when no consent page was shown. */
    const skipsConsent = async () => {
      const request = await authorizationRequest(config, { scope: 'openid profile' });
      const browser = new Browser(app.url);
      const login = await browser.follow(request.url.href);
      const after = await browser.submit(login.res.html, login.url, '/login', { login: user.username, password: user.password });
      return after.url.startsWith(CALLBACK);
    };
    return { tenant, user, client, a: a.tokens, b: b.tokens, refresh, userinfo, skipsConsent };
  }

  it('gives each device its own grant: replaying one device\'s rotated refresh token signs out that device only', async () => {
    const s = await twoDevices();
    expect(await s.userinfo(s.a.access_token)).to.equal(200);
    expect(await s.userinfo(s.b.access_token)).to.equal(200);
    const grants = await app.deps.db('oidc_payloads').where({ type: 'Grant', client_id: s.client.clientId }).count({ n: '*' });
    expect(Number(grants[0].n), 'one grant per sign-in').to.equal(2);

    const rotated = await s.refresh(s.a.refresh_token!);
    expect(rotated.status).to.equal(200);
    // Outside the retry grace window, presenting the rotated token again is reuse.
    await app.deps.db('oidc_payloads').where({ type: 'RefreshToken', id: s.a.refresh_token! }).update({ consumed_at: new Date(Date.now() - 60_000) });
    expect((await s.refresh(s.a.refresh_token!)).status).to.equal(400);
    expect((await s.refresh(rotated.body.refresh_token)).status, "device A's grant is revoked").to.equal(400);
    expect(await s.userinfo(rotated.body.access_token)).to.equal(401);

    const b = await s.refresh(s.b.refresh_token!);
    expect(b.status, 'device B still refreshes').to.equal(200);
    expect(await s.userinfo(b.body.access_token)).to.equal(200);
    expect(await s.userinfo(s.b.access_token)).to.equal(200);
  });

  it('remembers consent for a third sign-in, and withdrawing it signs every device out and asks again', async () => {
    const s = await twoDevices();
    expect(await s.skipsConsent(), 'a third sign-in skips consent').to.equal(true);

    // The operator's way (README "Login with Ringnity"): the CLI.
    const result = await runCli(['oauth-consent:withdraw', '--tenant', s.tenant.slug, '--client', s.client.clientId, '--account', s.user.id], app.deps);
    expect(result).to.deep.equal({ consentRemoved: true });
    for (const device of [s.a, s.b]) {
      expect(await s.userinfo(device.access_token)).to.equal(401);
      expect((await s.refresh(device.refresh_token!)).status).to.equal(400);
    }
    expect(await s.skipsConsent(), 'the consent page is back').to.equal(false);
    const [entry] = await listAudit(app.deps.db, { tenantId: s.tenant.id, action: 'oauth_consent.withdrawn' });
    expect(entry).to.include({ outcome: 'success' });
  });

  it("withdraws only within the operator's tenant", async () => {
    const s = await twoDevices();
    const other = await app.seed.tenant();
    const err = await withdrawConsent(app.deps.db, operatorIn(other.id), { clientId: s.client.clientId, accountId: s.user.id }).catch((e) => e);
    expect(err.code).to.equal('NOT_FOUND');
    expect(await s.userinfo(s.a.access_token)).to.equal(200);
  });

  it('still revokes every device when the client is revoked', async () => {
    const s = await twoDevices();
    await revokeOAuthClient(app.deps.db, operatorIn(s.tenant.id), s.client.id);
    for (const device of [s.a, s.b]) {
      expect(await s.userinfo(device.access_token)).to.equal(401);
      expect((await s.refresh(device.refresh_token!)).status).to.equal(401); // invalid_client: the client is gone
    }
    expect(await app.deps.db('oidc_consents').where({ client_id: s.client.clientId }).first()).to.equal(undefined);
  });
});

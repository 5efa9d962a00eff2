import { expect } from 'chai';
import { expectContract } from '../support/contract.ts';
import { REFRESH_RETRY_GRACE_SECONDS } from '../../src/identity/refresh-retry.ts';
import { useTestApp } from '../support/test-app.ts';
import { codeFlow, relyingParty, tokenEndpoint } from '../support/oidc-helpers.ts';

describe('Login with Ringnity: refresh retries', () => {
  const app = useTestApp();

  async function signedIn() {
    const tenant = await app.seed.tenant();
    const user = await app.seed.account(tenant.id);
    const client = await app.seed.oauthClient(tenant.id, { allowedScopes: ['openid', 'profile', 'offline_access'] });
    const config = await relyingParty(app, client);
    const { tokens } = await codeFlow(app, config, user, { scope: 'openid profile offline_access', prompt: 'consent' });
    const auth = { id: client.clientId, secret: client.clientSecret! };
    const refresh = (refreshToken: string) => tokenEndpoint(app, { grant_type: 'refresh_token', refresh_token: refreshToken }, auth);
    const userinfo = (accessToken: string) => app.request('/oauth/userinfo', { headers: { authorization: `Bearer ${accessToken}` } });
    return { user, refreshToken: tokens.refresh_token!, refresh, userinfo };
  }

  /** Moves a refresh token's rotation this far into the past. */
  const rotatedAgo = (refreshToken: string, seconds: number) =>
    app.deps.db('oidc_payloads').where({ type: 'RefreshToken', id: refreshToken }).update({ consumed_at: new Date(Date.now() - seconds * 1000) });

  it('answers a retry of the token just rotated with the token set of that rotation, not a revocation', async () => {
    const s = await signedIn();
    const lost = await s.refresh(s.refreshToken); // the answer the client never saw
    expect(lost.status).to.equal(200);

    const retry = await s.refresh(s.refreshToken);
    expect(retry.status).to.equal(200);
    expectContract(retry, 'exchangeRingnityOAuthToken');
    expect(retry.body.refresh_token, 'the family\'s current token, not a second chain').to.equal(lost.body.refresh_token);
    expect(retry.body.access_token).to.be.a('string').and.not.equal(lost.body.access_token);
    expect((await s.userinfo(retry.body.access_token)).body.sub).to.equal(s.user.id);

    const next = await s.refresh(retry.body.refresh_token);
    expect(next.status, 'the session goes on').to.equal(200);
    expect((await s.userinfo(next.body.access_token)).status).to.equal(200);
  });

  it('allows one retry per rotation: a second one is reuse and revokes the grant', async () => {
    const s = await signedIn();
    const rotated = await s.refresh(s.refreshToken);
    expect((await s.refresh(s.refreshToken)).status).to.equal(200);
    const again = await s.refresh(s.refreshToken);
    expect(again.status).to.equal(400);
    expect(again.body.error).to.equal('invalid_grant');
    expect((await s.refresh(rotated.body.refresh_token)).status, 'the whole grant is revoked').to.equal(400);
    expect((await s.userinfo(rotated.body.access_token)).status).to.equal(401);
  });

  it('treats a retry after the grace window as reuse (RFC 9700 §4.14.2)', async () => {
    const s = await signedIn();
    const rotated = await s.refresh(s.refreshToken);
    await rotatedAgo(s.refreshToken, REFRESH_RETRY_GRACE_SECONDS + 1);
    const late = await s.refresh(s.refreshToken);
    expect(late.status).to.equal(400);
    expect(late.body.error).to.equal('invalid_grant');
    expect((await s.refresh(rotated.body.refresh_token)).status).to.equal(400);
  });

  it('treats a retry after the new token was used as reuse', async () => {
    const s = await signedIn();
    const second = await s.refresh(s.refreshToken);
    const third = await s.refresh(second.body.refresh_token);
    expect(third.status).to.equal(200);
    expect((await s.refresh(s.refreshToken)).status).to.equal(400);
    expect((await s.refresh(third.body.refresh_token)).status, 'the grant is revoked').to.equal(400);
  });

  it('answers two parallel refreshes with the same token with one chain, and keeps the grant', async () => {
    const s = await signedIn();
    const [a, b] = await Promise.all([s.refresh(s.refreshToken), s.refresh(s.refreshToken)]);
    expect([a.status, b.status]).to.deep.equal([200, 200]);
    expect(a.body.refresh_token).to.equal(b.body.refresh_token);
    for (const answer of [a, b]) expect((await s.userinfo(answer.body.access_token)).status).to.equal(200);
    const next = await s.refresh(a.body.refresh_token);
    expect(next.status, 'the grant is not revoked').to.equal(200);
  });
});

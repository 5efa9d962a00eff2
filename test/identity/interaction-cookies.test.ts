import { expect } from 'chai';
import { useTestApp } from '../support/test-app.ts';
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
});

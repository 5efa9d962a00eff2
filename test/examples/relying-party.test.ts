import { expect } from 'chai';
import { startRelyingParty } from '../../examples/relying-party/relying-party.ts';
import { Browser } from '../support/browser.ts';
import { freePort, useTestApp } from '../support/test-app.ts';

describe('the example relying party (npm run example:rp)', () => {
  const app = useTestApp();

  it('signs a user in with PKCE and shows the ID token claims and userinfo', async () => {
    const tenant = await app.seed.tenant();
    const port = await freePort();
    const redirectUri = `http://localhost:${port}/callback`;
    const client = await app.seed.oauthClient(tenant.id, { redirectUris: [redirectUri], requirePkce: true });
    const rp = await startRelyingParty({ issuer: app.url, clientId: client.clientId, clientSecret: client.clientSecret, redirectUri, port });
    try {
      const start = await fetch(`${rp.url}/login`, { redirect: 'manual' });
      expect(start.status).to.equal(302);
      const authorize = new URL(start.headers.get('location')!);
      expect(authorize.searchParams.get('code_challenge_method')).to.equal('S256');

      // The user's browser at Ringnity: login page, then consent.
      const browser = new Browser(app.url);
      let step = await browser.follow(authorize.href);
      step = await browser.submit(step.res.html, step.url, '/login', { login: tenant.ownerEmail, password: tenant.password });
      if (step.url.startsWith(app.url)) step = await browser.submit(step.res.html, step.url, '/confirm');
      expect(step.url.startsWith(redirectUri), step.url).to.equal(true);

      const shown = await fetch(step.url);
      const html = await shown.text();
      expect(shown.status, html).to.equal(200);
      const claims = JSON.parse(decode(html.match(/<pre id="claims">([\s\S]*?)<\/pre>/)![1]));
      const userinfo = JSON.parse(decode(html.match(/<pre id="userinfo">([\s\S]*?)<\/pre>/)![1]));
      expect(claims).to.include({ iss: app.url, aud: client.clientId, sub: tenant.owner.id });
      expect(userinfo).to.include({ sub: tenant.owner.id, email: tenant.ownerEmail });

      const replay = await fetch(step.url);
      expect(replay.status, 'a callback is used once').to.equal(400);
    } finally {
      await rp.close();
    }
  });
});

const decode = (html: string) => html.replace(/&#(\d+);/g, (_, code) => String.fromCharCode(Number(code)));

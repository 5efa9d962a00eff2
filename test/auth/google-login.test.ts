import { createServer, type Server } from 'node:http';
import { expect } from 'chai';
import { SignJWT, exportJWK, generateKeyPair, type CryptoKey } from 'jose';
import { listAudit } from '../../src/audit/audit-log.ts';
import { expectContract } from '../support/contract.ts';
import { useTestApp } from '../support/test-app.ts';
import { startSiblingApp, type SiblingApp } from '../support/sibling-app.ts';

const CLIENT_ID = 'ringnity-test.apps.googleusercontent.com';

/**
 * Google sign-in against a local JWKS server with keys made here: the app verifies for real
 * (signature, issuer, audience, expiry). It runs in a sibling app configured with
 * GOOGLE_CLIENT_ID and GOOGLE_JWKS_URL pointing at that server.
 */
describe('owner Google sign-in', () => {
  const app = useTestApp();
  let jwksServer: Server;
  let google: SiblingApp;
  let signingKey: CryptoKey;
  const kid = 'google-test-key-1';

  before(async () => {
    const pair = await generateKeyPair('RS256');
    signingKey = pair.privateKey;
    const jwks = { keys: [{ ...(await exportJWK(pair.publicKey)), kid, alg: 'RS256', use: 'sig' }] };
    jwksServer = createServer((_req, res) => { res.setHeader('content-type', 'application/json'); res.end(JSON.stringify(jwks)); }).listen(0, '127.0.0.1');
    await new Promise((r) => jwksServer.once('listening', r));
    const port = (jwksServer.address() as { port: number }).port;
    google = await startSiblingApp(app, { GOOGLE_CLIENT_ID: CLIENT_ID, GOOGLE_JWKS_URL: `http://127.0.0.1:${port}/oauth2/v3/certs` });
  });
  after(async () => {
    await google.stop();
    await new Promise<void>((r) => jwksServer.close(() => r()));
  });

  type Claims = { sub?: string; email?: string; email_verified?: boolean | string; iss?: string; aud?: string; exp?: number; name?: string };

  async function idToken(claims: Claims, options: { key?: CryptoKey; kid?: string } = {}) {
    const now = Math.floor(Date.now() / 1000);
    const body = { iss: 'https://accounts.google.com', aud: CLIENT_ID, sub: `g-${crypto.randomUUID()}`, email_verified: true, name: 'Ada Owner', iat: now, exp: now + 600, ...claims };
    return new SignJWT(body).setProtectedHeader({ alg: 'RS256', kid: options.kid ?? kid, typ: 'JWT' }).sign(options.key ?? signingKey);
  }
  const signIn = (token: string) => google.request('/api/auth/owner-google-login', { method: 'POST', json: { idToken: token } });

  it('signs a known owner in by verified email on first use and links the Google account', async () => {
    const tenant = await app.seed.tenant();
    const sub = `g-${crypto.randomUUID()}`;
    const res = await signIn(await idToken({ sub, email: tenant.ownerEmail.toUpperCase() }));
    expect(res.status).to.equal(200);
    expectContract(res, 'loginOwnerWithGoogle');
    expect(res.body.data.requiresRegistration).to.equal(false);
    expect(res.body.data.client.id).to.equal(tenant.id);
    expect(res.body.data.sessionToken).to.equal(res.body.data.accessToken);
    expect(res.headers.getSetCookie().some((c) => c.startsWith('ownerRefreshToken='))).to.equal(true);
    const me = await app.request('/api/auth/owner-me', { headers: { authorization: `Bearer ${res.body.data.accessToken}` } });
    expect(me.status, JSON.stringify(me.body)).to.equal(200);

    const [linked] = await listAudit(app.deps.db, { tenantId: tenant.id, action: 'owner.google_linked' });
    expect(linked.outcome).to.equal('success');

    // Later sign-ins go by the subject, even after the Google address changed.
    const later = await signIn(await idToken({ sub, email: `renamed-${tenant.slug}@gmail.example` }));
    expect(later.status).to.equal(200);
    expect(later.body.data.client.id).to.equal(tenant.id);
  });

  it('accepts the issuer without scheme as Google documents', async () => {
    const tenant = await app.seed.tenant();
    const res = await signIn(await idToken({ email: tenant.ownerEmail, iss: 'accounts.google.com' }));
    expect(res.status).to.equal(200);
  });

  it('hands an unknown Google user to registration with the profile', async () => {
    const res = await signIn(await idToken({ email: `new-${crypto.randomUUID()}@gmail.example`, name: 'New Person' }));
    expect(res.status).to.equal(200);
    expectContract(res, 'loginOwnerWithGoogle');
    expect(res.body.data.requiresRegistration).to.equal(true);
    expect(res.body.data.googleProfile).to.include({ name: 'New Person', emailVerified: true });
    expect(res.body.data).not.to.have.property('accessToken');
  });

  it('refuses an owner already linked to another Google account', async () => {
    const tenant = await app.seed.tenant();
    expect((await signIn(await idToken({ email: tenant.ownerEmail }))).status).to.equal(200);
    const other = await signIn(await idToken({ email: tenant.ownerEmail }));
    expect(other.status).to.equal(409);
    expectContract(other, 'loginOwnerWithGoogle');
  });

  const rejected: [string, () => Promise<string>][] = [
    ['a wrong audience', () => idToken({ email: 'a@example.com', aud: 'someone-else.apps.googleusercontent.com' })],
    ['a wrong issuer', () => idToken({ email: 'a@example.com', iss: 'https://evil.example' })],
    ['an expired token', () => idToken({ email: 'a@example.com', exp: Math.floor(Date.now() / 1000) - 120 })],
    ['an unverified email', () => idToken({ email: 'a@example.com', email_verified: false })],
    ['an unknown key', async () => idToken({ email: 'a@example.com' }, { key: (await generateKeyPair('RS256')).privateKey, kid: 'not-in-jwks' })],
    ['a bad signature', async () => idToken({ email: 'a@example.com' }, { key: (await generateKeyPair('RS256')).privateKey })],
    ['garbage', async () => 'not.a.jwt'],
  ];
  for (const [what, make] of rejected) {
    it(`refuses ${what}`, async () => {
      const res = await signIn(await make());
      expect(res.status).to.equal(401);
      expect(res.body.code).to.equal('GOOGLE_TOKEN_INVALID');
      expectContract(res, 'loginOwnerWithGoogle');
    });
  }

  it('does not link an owner through an unverified email', async () => {
    const tenant = await app.seed.tenant();
    const sub = `g-${crypto.randomUUID()}`;
    expect((await signIn(await idToken({ sub, email: tenant.ownerEmail, email_verified: false }))).status).to.equal(401);
    // Not linked: the same Google subject under another verified address is a stranger.
    const later = await signIn(await idToken({ sub, email: `other-${crypto.randomUUID()}@gmail.example` }));
    expect(later.status).to.equal(200);
    expect(later.body.data.requiresRegistration).to.equal(true);
    // And the owner's own verified address still links (nothing was half-linked).
    const owner = await signIn(await idToken({ sub, email: tenant.ownerEmail }));
    expect(owner.body.data.client.id).to.equal(tenant.id);
  });

  it('says so when Google sign-in is not configured', async () => {
    const res = await app.request('/api/auth/owner-google-login', { method: 'POST', json: { idToken: await idToken({ email: 'a@example.com' }) } });
    expect(res.status).to.equal(400);
    expect(res.body.code).to.equal('NOT_CONFIGURED');
    expect(res.body.message).to.include('GOOGLE_CLIENT_ID');
    expectContract(res, 'loginOwnerWithGoogle');
  });

  it('answers 400 for a missing idToken', async () => {
    const res = await google.request('/api/auth/owner-google-login', { method: 'POST', json: {} });
    expect(res.status).to.equal(400);
    expectContract(res, 'loginOwnerWithGoogle');
  });
});

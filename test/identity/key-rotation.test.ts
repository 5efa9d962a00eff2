import { expect } from 'chai';
import * as jose from 'jose';
import { createKeyStore, KEY_RECHECK_SECONDS, KEY_REFRESH_SECONDS, KEY_RETENTION_SECONDS, rotateSigningKey } from '../../src/keys/signing-keys.ts';
import { expectContract } from '../support/contract.ts';
import { ownerAuth } from '../support/dashboard-sessions.ts';
import { useTestApp } from '../support/test-app.ts';
import { codeFlow, relyingParty } from '../support/oidc-helpers.ts';

const kidOf = (jwt: string) => jose.decodeProtectedHeader(jwt).kid!;

describe('Login with Ringnity: signing key rotation', () => {
  const app = useTestApp();

  async function publishedKids(): Promise<string[]> {
    const res = await app.request('/oauth/jwks.json');
    expect(res.status).to.equal(200);
    expectContract(res, 'getRingnityOAuthJwks');
    return res.body.keys.map((k: { kid: string }) => k.kid);
  }

  /** Verifies a JWT the way a relying party does: against the keys published right now. */
  async function verifyWithPublishedKeys(jwt: string) {
    const jwks = jose.createLocalJWKSet((await app.request('/oauth/jwks.json')).body);
    return jose.jwtVerify(jwt, jwks, { issuer: app.url, algorithms: ['RS256'] });
  }

  /** A signed-in user and what they hold: an ID token from the code flow and an owner access token. */
  async function signIn(tenant: Awaited<ReturnType<typeof app.seed.tenant>>) {
    const user = await app.seed.account(tenant.id);
    const client = await app.seed.oauthClient(tenant.id, { type: 'public', allowedScopes: ['openid', 'profile'] });
    const { tokens } = await codeFlow(app, await relyingParty(app, client), user, { scope: 'openid profile' });
    const owner = await ownerAuth(app, tenant);
    return { idToken: tokens.id_token!, ownerToken: owner.authorization.slice('Bearer '.length), client, user };
  }

  it('a running process picks a rotation up from the database within KEY_REFRESH_SECONDS', async () => {
    let clock = Date.now();
    const keys = createKeyStore(app.deps.db, () => clock);
    const before = (await keys.get()).current.kid;
    const rotated = await rotateSigningKey(app.deps.db);

    clock += (KEY_REFRESH_SECONDS - 1) * 1000;
    expect((await keys.get()).current.kid, 'still the cached keyring').to.equal(before);
    clock += 1000;
    const after = await keys.get();
    expect(after.current.kid).to.equal(rotated);
    expect(after.published.map((k) => k.kid)).to.include.members([before, rotated]);
    await app.deps.keys.refresh(); // the shared app too, so the tests below start from this key
  });

  it('re-reads keys for an unknown kid at most once per KEY_RECHECK_SECONDS', async () => {
    let clock = Date.now();
    const keys = createKeyStore(app.deps.db, () => clock);
    const first = await keys.get();
    expect(await keys.recheck(), 'a recheck right away answers from the cache').to.equal(first);
    clock += KEY_RECHECK_SECONDS * 1000;
    expect(await keys.recheck(), 'later, it reads the database again').to.not.equal(first);
  });

  it('signs new tokens with the new key and keeps accepting tokens signed with the previous one', async () => {
    const tenant = await app.seed.tenant();
    const old = await signIn(tenant);
    const kidA = kidOf(old.idToken);
    expect(kidOf(old.ownerToken)).to.equal(kidA);

    // What `keys:rotate` does, then the re-read every process makes within KEY_REFRESH_SECONDS
    // (and the dashboard guard makes at once when it meets an unknown kid).
    const kidB = await rotateSigningKey(app.deps.db);
    await app.deps.keys.refresh();

    expect(await publishedKids()).to.include.members([kidA, kidB]);

    const fresh = await signIn(tenant);
    expect(kidOf(fresh.idToken)).to.equal(kidB);
    expect(kidOf(fresh.ownerToken)).to.equal(kidB);
    expect((await verifyWithPublishedKeys(fresh.idToken)).payload.sub).to.equal(fresh.user.id);
    expect((await verifyWithPublishedKeys(old.idToken)).payload.sub).to.equal(old.user.id);

    for (const token of [old.ownerToken, fresh.ownerToken]) {
      const me = await app.request('/api/auth/owner-me', { headers: { authorization: `Bearer ${token}` } });
      expect(me.status, me.text).to.equal(200);
      expectContract(me, 'getOwnerSession');
    }
  });

  it('stops publishing and accepting a key superseded longer ago than KEY_RETENTION_SECONDS', async () => {
    const tenant = await app.seed.tenant();
    const old = await signIn(tenant);
    const kidA = kidOf(old.idToken);
    const kidB = await rotateSigningKey(app.deps.db);
    await app.deps.keys.refresh();
    expect(await publishedKids()).to.include.members([kidA, kidB]);
    // Time travel in the table: A was superseded just past the retention window. Only the
    // published set changes here, not the current key.
    await app.deps.db('signing_keys').where({ kid: kidA })
      .update({ superseded_at: app.deps.db.raw(`now() - interval '${KEY_RETENTION_SECONDS + 60} seconds'`) });
    await app.deps.keys.refresh();

    const kids = await publishedKids();
    expect(kids).to.include(kidB);
    expect(kids).to.not.include(kidA);
    const me = await app.request('/api/auth/owner-me', { headers: { authorization: `Bearer ${old.ownerToken}` } });
    expect(me.status).to.equal(401);
    expect(me.body.code).to.equal('TOKEN_INVALID');
    expectContract(me, 'getOwnerSession');
  });
});

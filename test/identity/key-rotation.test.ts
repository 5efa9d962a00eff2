import { expect } from 'chai';
import * as jose from 'jose';
import type { Db } from '../../src/db/database.ts';
import { createKeyStore, KEY_ACTIVATION_SECONDS, KEY_RECHECK_SECONDS, KEY_REFRESH_SECONDS, KEY_RETENTION_SECONDS, rotateSigningKey } from '../../src/keys/signing-keys.ts';
import { expectContract } from '../support/contract.ts';
import { ownerAuth } from '../support/dashboard-sessions.ts';
import { startSiblingApp, type SiblingApp } from '../support/sibling-app.ts';
import { useTestApp, type TestResponse } from '../support/test-app.ts';
import { codeFlow, relyingParty } from '../support/oidc-helpers.ts';

const kidOf = (jwt: string) => jose.decodeProtectedHeader(jwt).kid!;

/** Time travel in the table: the key's activation time is now, and the keys it supersedes are superseded now. */
async function activateNow(db: Db, kid: string): Promise<void> {
  await db('signing_keys').whereNot({ kid }).where('superseded_at', '>', db.fn.now()).update({ superseded_at: db.fn.now() });
  await db('signing_keys').where({ kid }).update({ activates_at: db.fn.now() });
}

/** What a rotation is once its key is active and every process has re-read the keys. */
async function rotateAndActivate(app: { deps: { db: Db; keys: { refresh(): Promise<unknown> } } }): Promise<string> {
  const { kid } = await rotateSigningKey(app.deps.db);
  await activateNow(app.deps.db, kid);
  await app.deps.keys.refresh();
  return kid;
}

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

  it('a running process publishes a rotated key within KEY_REFRESH_SECONDS and signs with it once it is active', async () => {
    let clock = Date.now();
    const keys = createKeyStore(app.deps.db, () => clock);
    const before = (await keys.get()).current.kid;
    const { kid: rotated } = await rotateSigningKey(app.deps.db);

    clock += (KEY_REFRESH_SECONDS - 1) * 1000;
    expect((await keys.get()).published.map((k) => k.kid), 'still the cached keyring').to.not.include(rotated);
    clock += 1000;
    const seen = await keys.get();
    expect(seen.published.map((k) => k.kid)).to.include.members([before, rotated]);
    expect(seen.current.kid, 'published, not signing yet').to.equal(before);

    await activateNow(app.deps.db, rotated);
    clock += KEY_REFRESH_SECONDS * 1000;
    const active = await keys.get();
    expect(active.current.kid).to.equal(rotated);
    expect(active.privateJwks[0].kid, 'oidc-provider signs with the first key').to.equal(rotated);
    expect(active.published.map((k) => k.kid)).to.include.members([before, rotated]);
    await app.deps.keys.refresh(); // the shared app too, so the tests below start from this key
  });

  it('names the activation time, later than every process re-reading the keys and every cached JWKS expiring', async () => {
    const jwks = await app.request('/oauth/jwks.json');
    const jwksMaxAge = Number(/max-age=(\d+)/.exec(jwks.headers.get('cache-control') ?? '')?.[1]);
    expect(KEY_ACTIVATION_SECONDS).to.be.above(KEY_REFRESH_SECONDS + jwksMaxAge);

    const rotated = await rotateSigningKey(app.deps.db);
    expect(Date.parse(rotated.activatesAt) - Date.now()).to.be.closeTo(KEY_ACTIVATION_SECONDS * 1000, 5_000);
    await activateNow(app.deps.db, rotated.kid);
    await app.deps.keys.refresh();
  });

  it('switches to a waiting key at its activation time, without waiting for the next re-read', async () => {
    let clock = Date.now();
    const keys = createKeyStore(app.deps.db, () => clock);
    const before = (await keys.get()).current.kid;
    const { kid } = await rotateSigningKey(app.deps.db);
    await app.deps.db('signing_keys').where({ kid }).update({ activates_at: app.deps.db.raw("now() + interval '300 milliseconds'") });
    const waiting = await keys.refresh();
    expect(waiting.current.kid).to.equal(before);
    expect(waiting.nextActivationMs).to.be.within(1, 300);

    await new Promise((resolve) => setTimeout(resolve, 400));
    clock += 400;
    expect((await keys.get()).current.kid).to.equal(kid);
    await activateNow(app.deps.db, kid);
    await app.deps.keys.refresh();
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

    // What `keys:rotate` does, once the key is active and every process has re-read the keys.
    const kidB = await rotateAndActivate(app);

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
    const kidB = await rotateAndActivate(app);
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

  describe('with two processes', () => {
    let sibling: SiblingApp;
    before(async () => { sibling = await startSiblingApp(app, {}); });
    after(async () => { await sibling?.stop(); });

    const jwksOf = async (res: Promise<TestResponse>) => jose.createLocalJWKSet((await res).body);

    it('signs nothing with a rotated key that a process which has not re-read its keys would not publish', async () => {
      const tenant = await app.seed.tenant();
      await sibling.deps.keys.refresh();
      const siblingJwks = await jwksOf(sibling.request('/oauth/jwks.json')); // fetched before the rotation, as a relying party may have

      const { kid } = await rotateSigningKey(app.deps.db);
      await app.deps.keys.refresh(); // the rotating process sees it at once; the sibling only within KEY_REFRESH_SECONDS
      expect(await publishedKids(), 'published at once').to.include(kid);
      const early = await signIn(tenant);
      expect(kidOf(early.idToken)).to.not.equal(kid);
      expect((await jose.jwtVerify(early.idToken, siblingJwks, { issuer: app.url })).payload.sub).to.equal(early.user.id);

      // Activation comes after every process has re-read the keys: then both sign with it, and both publish it.
      await sibling.deps.keys.refresh();
      await activateNow(app.deps.db, kid);
      await Promise.all([app.deps.keys.refresh(), sibling.deps.keys.refresh()]);
      const late = await signIn(tenant);
      expect(kidOf(late.idToken)).to.equal(kid);
      for (const jwks of [await jwksOf(app.request('/oauth/jwks.json')), await jwksOf(sibling.request('/oauth/jwks.json'))]) {
        expect((await jose.jwtVerify(late.idToken, jwks, { issuer: app.url })).payload.sub).to.equal(late.user.id);
        expect((await jose.jwtVerify(early.idToken, jwks, { issuer: app.url })).payload.sub).to.equal(early.user.id);
      }
      const me = await sibling.request('/api/auth/owner-me', { headers: { authorization: `Bearer ${late.ownerToken}` } });
      expect(me.status, me.text).to.equal(200);
    });
  });
});

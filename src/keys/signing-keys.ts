import { createPrivateKey, type KeyObject } from 'node:crypto';
import { exportJWK, generateKeyPair, type JWK } from 'jose';
import type { Db } from '../db/database.ts';

export const SIGNING_ALG = 'RS256';

/**
 * How long a superseded key stays published: longer than any token signed with it lives
 * (ID tokens 1 h, dashboard access tokens 15 min).
 */
export const KEY_RETENTION_SECONDS = 2 * 60 * 60;

/** How often a running process re-reads the keys, i.e. how soon it sees a rotation. */
export const KEY_REFRESH_SECONDS = 60;

/**
 * How long a rotated-in key is published before it signs. Every process re-reads the keys
 * within KEY_REFRESH_SECONDS, and a JWKS answer may be cached for 300 s (its Cache-Control),
 * so by then every copy of the JWKS a relying party can hold has the key: a token signed by
 * any process verifies against the JWKS of any other.
 */
export const KEY_ACTIVATION_SECONDS = 7 * 60;

export type Keyring = {
  /** The key new tokens are signed with: the newest active one. */
  current: { kid: string; alg: string; privateKey: KeyObject; privateJwk: JWK };
  /** Every key a verifier may meet (current, not yet active, and recently superseded), public parts only. */
  published: JWK[];
  /** Private JWKs of the published keys, the current one first (oidc-provider signs with the first that fits). */
  privateJwks: JWK[];
  /** Milliseconds until a published key becomes active (the keyring is stale then), if one is waiting. */
  nextActivationMs?: number;
};

type KeyRow = { kid: string; alg: string; private_jwk: JWK; public_jwk: JWK; created_at: Date; superseded_at: Date | null; activates_in: number };

async function newKeyRow(): Promise<Pick<KeyRow, 'kid' | 'alg' | 'private_jwk' | 'public_jwk'>> {
  const { privateKey, publicKey } = await generateKeyPair(SIGNING_ALG, { extractable: true, modulusLength: 2048 });
  const kid = crypto.randomUUID();
  const meta = { kid, alg: SIGNING_ALG, use: 'sig' };
  return { kid, alg: SIGNING_ALG, private_jwk: { ...(await exportJWK(privateKey)), ...meta }, public_jwk: { ...(await exportJWK(publicKey)), ...meta } };
}

export type RotatedKey = { kid: string; activatesAt: string };

/**
 * Adds a key that signs from `activateInSeconds` on (database time, so every process agrees)
 * and supersedes the others from that moment; until then it is only published. Two processes
 * racing on a fresh database may both add a first key: both get published and the newest
 * signs, which is harmless.
 */
async function addSigningKey(db: Db, activateInSeconds: number): Promise<RotatedKey> {
  const row = await newKeyRow();
  return db.transaction(async (trx) => {
    const activatesAt = trx.raw('now() + make_interval(secs => ?)', [activateInSeconds]);
    await trx('signing_keys').whereNull('superseded_at').update({ superseded_at: activatesAt });
    const [inserted] = await trx('signing_keys').insert({ ...row, activates_at: activatesAt }).returning('activates_at');
    return { kid: row.kid, activatesAt: new Date(inserted.activates_at).toISOString() };
  });
}

/** A new signing key (`keys:rotate`): published at once, signing from `activatesAt`, KEY_ACTIVATION_SECONDS later. */
export const rotateSigningKey = (db: Db): Promise<RotatedKey> => addSigningKey(db, KEY_ACTIVATION_SECONDS);

/** Reads the published keys, creating the first one on a fresh database (active at once: nothing was signed yet). */
export async function loadKeyring(db: Db): Promise<Keyring> {
  let rows = await publishedRows(db);
  if (!rows.length) {
    await addSigningKey(db, 0);
    rows = await publishedRows(db);
  }
  // Rows come newest first: the current key is the newest active one (with none active, which only a hand-edited table can cause, the oldest).
  const current = rows.find((r) => r.activates_in <= 0) ?? rows[rows.length - 1];
  const waiting = rows.filter((r) => r.activates_in > 0).map((r) => r.activates_in * 1000);
  return {
    current: { kid: current.kid, alg: current.alg, privateKey: createPrivateKey({ key: current.private_jwk as any, format: 'jwk' }), privateJwk: current.private_jwk },
    published: rows.map((r) => r.public_jwk),
    privateJwks: [current, ...rows.filter((r) => r !== current)].map((r) => r.private_jwk),
    ...(waiting.length ? { nextActivationMs: Math.min(...waiting) } : {}),
  };
}

async function publishedRows(db: Db): Promise<KeyRow[]> {
  return db<KeyRow>('signing_keys')
    .select('*', db.raw('extract(epoch from activates_at - now())::float8 as activates_in'))
    .where((q) => q.whereNull('superseded_at').orWhere('superseded_at', '>', db.raw(`now() - interval '${KEY_RETENTION_SECONDS} seconds'`)))
    .orderBy('created_at', 'desc').orderBy('kid', 'desc');
}

export type KeyStore = {
  /** The keyring, re-read from the database at most every KEY_REFRESH_SECONDS. */
  get(): Promise<Keyring>;
  /** Forget the cached keyring (after a rotation in this process). */
  refresh(): Promise<Keyring>;
  /**
   * Re-read for a token naming an unknown kid (another process may just have rotated), at most
   * once per KEY_RECHECK_SECONDS: forged kids must not turn every request into a key read.
   */
  recheck(): Promise<Keyring>;
};

export const KEY_RECHECK_SECONDS = 5;

export function createKeyStore(db: Db, now = () => Date.now()): KeyStore {
  let cached: { keyring: Promise<Keyring>; at: number; staleAt: number } | undefined;
  const refresh = () => {
    const keyring = loadKeyring(db);
    const entry = { keyring, at: now(), staleAt: Infinity };
    cached = entry;
    // A waiting key becomes current at its activation time, not up to KEY_REFRESH_SECONDS later.
    keyring.then((k) => { if (k.nextActivationMs !== undefined) entry.staleAt = entry.at + k.nextActivationMs; }, () => { if (cached === entry) cached = undefined; });
    return keyring;
  };
  const cachedFor = (seconds: number) => (cached && now() - cached.at < seconds * 1000 && now() < cached.staleAt ? cached.keyring : refresh());
  return {
    get: () => cachedFor(KEY_REFRESH_SECONDS),
    refresh,
    recheck: () => cachedFor(KEY_RECHECK_SECONDS),
  };
}

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

export type Keyring = {
  /** The key new tokens are signed with: the newest one. */
  current: { kid: string; alg: string; privateKey: KeyObject; privateJwk: JWK };
  /** Every key a verifier may meet (current and recently superseded), public parts only. */
  published: JWK[];
  /** Private JWKs of the published keys, newest first: what oidc-provider's `jwks` takes. */
  privateJwks: JWK[];
};

type KeyRow = { kid: string; alg: string; private_jwk: JWK; public_jwk: JWK; created_at: Date; superseded_at: Date | null };

async function newKeyRow(): Promise<Pick<KeyRow, 'kid' | 'alg' | 'private_jwk' | 'public_jwk'>> {
  const { privateKey, publicKey } = await generateKeyPair(SIGNING_ALG, { extractable: true, modulusLength: 2048 });
  const kid = crypto.randomUUID();
  const meta = { kid, alg: SIGNING_ALG, use: 'sig' };
  return { kid, alg: SIGNING_ALG, private_jwk: { ...(await exportJWK(privateKey)), ...meta }, public_jwk: { ...(await exportJWK(publicKey)), ...meta } };
}

/**
 * Adds a new current key and marks the others superseded. Two processes racing on a fresh
 * database may both add one: both get published and the newest signs, which is harmless.
 */
export async function rotateSigningKey(db: Db): Promise<string> {
  const row = await newKeyRow();
  await db.transaction(async (trx) => {
    await trx('signing_keys').whereNull('superseded_at').update({ superseded_at: trx.fn.now() });
    await trx('signing_keys').insert(row);
  });
  return row.kid;
}

/** Reads the published keys, creating the first one on a fresh database. */
export async function loadKeyring(db: Db): Promise<Keyring> {
  let rows = await publishedRows(db);
  if (!rows.length) {
    await rotateSigningKey(db);
    rows = await publishedRows(db);
  }
  const [newest] = rows;
  return {
    current: { kid: newest.kid, alg: newest.alg, privateKey: createPrivateKey({ key: newest.private_jwk as any, format: 'jwk' }), privateJwk: newest.private_jwk },
    published: rows.map((r) => r.public_jwk),
    privateJwks: rows.map((r) => r.private_jwk),
  };
}

async function publishedRows(db: Db): Promise<KeyRow[]> {
  return db<KeyRow>('signing_keys')
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
  let cached: { keyring: Promise<Keyring>; at: number } | undefined;
  const refresh = () => {
    const keyring = loadKeyring(db);
    cached = { keyring, at: now() };
    keyring.catch(() => { cached = undefined; });
    return keyring;
  };
  const cachedFor = (seconds: number) => (cached && now() - cached.at < seconds * 1000 ? cached.keyring : refresh());
  return {
    get: () => cachedFor(KEY_REFRESH_SECONDS),
    refresh,
    recheck: () => cachedFor(KEY_RECHECK_SECONDS),
  };
}

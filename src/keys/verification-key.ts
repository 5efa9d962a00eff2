import { decodeProtectedHeader, importJWK, type CryptoKey, type JWK } from 'jose';
import type { KeyStore } from './signing-keys.ts';

type Verification = { key: CryptoKey | Uint8Array } | { problem: string };

/**
 * The published key a JWT's `kid` names, for verifying the tokens this server signs with its
 * database keys. An unknown kid gets a re-read of the keys (rate-limited): another process
 * may have rotated in the last KEY_REFRESH_SECONDS. A problem says why there is no key.
 */
export async function verificationKey(keys: KeyStore, token: string): Promise<Verification> {
  let kid: string | undefined;
  try {
    kid = decodeProtectedHeader(token).kid;
  } catch {
    return { problem: 'is not a JWT' }; // e.g. an opaque OAuth access token
  }
  if (!kid) return { problem: 'names no signing key' };
  const find = (published: JWK[]) => published.find((k) => k.kid === kid);
  const jwk = find((await keys.get()).published) ?? find((await keys.recheck()).published);
  if (!jwk) return { problem: 'was signed with an unknown key' };
  return { key: await importJWK({ ...jwk, alg: 'RS256' }, 'RS256') };
}

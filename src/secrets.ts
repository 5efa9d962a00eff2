import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * A random credential with a readable prefix (`rn_pk_`, `rn_sk_live_`, …), so a leaked
 * value is recognisable by secret scanners. 24 bytes = 192 bits of entropy by default.
 */
export function randomToken(prefix: string, bytes = 24): string {
  return prefix + randomBytes(bytes).toString('base64url');
}

/**
 * Secrets we issue are high-entropy random strings, so a plain SHA-256 is the right hash:
 * lookups go by hash through an index, and no salt or stretching is needed (unlike passwords).
 */
export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret).digest('base64url');
}

export function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

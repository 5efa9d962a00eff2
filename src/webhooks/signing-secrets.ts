import { createCipheriv, createDecipheriv, createHmac, hkdfSync, randomBytes } from 'node:crypto';
import { sharedSecret } from '../db/app-secrets.ts';
import type { Db } from '../db/database.ts';

/*
 * Standard Webhooks signing secrets (https://www.standardwebhooks.com/): `whsec_` and the
 * base64 of 24-64 random bytes, which are the HMAC key. They are needed in clear to sign,
 * so they are stored encrypted (AES-256-GCM) under a key kept in `app_secrets`, which every
 * process shares, and bound to their webhook's id so a ciphertext can't be moved to another row.
 */

const PREFIX = 'whsec_';
const MIN_BYTES = 24;
const MAX_BYTES = 64;
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

export const generateSigningSecret = () => PREFIX + randomBytes(32).toString('base64');

/** Why a supplied secret is not acceptable, or undefined: it must be as strong as a generated one. */
export function signingSecretProblem(secret: string): string | undefined {
  const encoded = secret.startsWith(PREFIX) ? secret.slice(PREFIX.length) : undefined;
  const key = encoded !== undefined && BASE64.test(encoded) && encoded.length % 4 === 0 ? Buffer.from(encoded, 'base64') : undefined;
  if (!key || key.length < MIN_BYTES || key.length > MAX_BYTES) {
    return `secret must be "${PREFIX}" followed by the base64 of ${MIN_BYTES}-${MAX_BYTES} random bytes`;
  }
  return undefined;
}

/** Shown instead of the secret after creation: the prefix and its last four characters. */
export const secretPreview = (secret: string) => `${PREFIX}…${secret.slice(-4)}`;

/** `v1,<base64 HMAC-SHA256 of id.timestamp.body>` for one secret. */
export function signature(secret: string, id: string, timestamp: number, body: string): string {
  const key = Buffer.from(secret.slice(PREFIX.length), 'base64');
  return `v1,${createHmac('sha256', key).update(`${id}.${timestamp}.${body}`).digest('base64')}`;
}

/** The `webhook-signature` header: one signature per secret, space-separated (rotation). */
export const signatureHeader = (secrets: string[], id: string, timestamp: number, body: string) =>
  secrets.map((secret) => signature(secret, id, timestamp, body)).join(' ');

export type SecretBox = { seal(webhookId: string, secret: string): string; open(webhookId: string, sealed: string): string };

const VERSION = 'v1';

/** Encrypts and decrypts signing secrets with the app's stored key (created on first use). */
export async function loadSecretBox(db: Db): Promise<SecretBox> {
  const stored = await sharedSecret(db, 'webhook_secrets_key');
  const key = Buffer.from(hkdfSync('sha256', Buffer.from(stored, 'base64url'), Buffer.alloc(0), 'ringnity webhook signing secrets', 32));
  return {
    seal(webhookId, secret) {
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', key, iv).setAAD(Buffer.from(webhookId));
      const ciphertext = Buffer.concat([cipher.update(secret, 'utf8'), cipher.final()]);
      return [VERSION, iv, cipher.getAuthTag(), ciphertext].map((part) => (typeof part === 'string' ? part : part.toString('base64url'))).join('.');
    },
    open(webhookId, sealed) {
      const [version, iv, tag, ciphertext] = sealed.split('.');
      if (version !== VERSION) throw new Error(`unknown sealed secret version ${version}`);
      const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'))
        .setAAD(Buffer.from(webhookId))
        .setAuthTag(Buffer.from(tag, 'base64url'));
      return Buffer.concat([decipher.update(Buffer.from(ciphertext, 'base64url')), decipher.final()]).toString('utf8');
    },
  };
}

import argon2 from 'argon2';
import type { Config } from '../config.ts';

export type PasswordParams = Config['argon2'];

export const MIN_PASSWORD_LENGTH = 10;

// argon2 hashes on libuv's thread pool, so hashing never blocks the event loop.
export function hashPassword(params: PasswordParams, password: string): Promise<string> {
  return argon2.hash(password, { type: argon2.argon2id, ...params });
}

export async function verifyPassword(hash: string, password: string): Promise<boolean> {
  try {
    return await argon2.verify(hash, password);
  } catch {
    return false; // a malformed stored hash never matches
  }
}

/**
 * Verifies against a hash made with the same parameters when the account is unknown,
 * so an unknown account and a wrong password cost the same time.
 */
export function dummyHash(params: PasswordParams): Promise<string> {
  return hashPassword(params, 'not-a-real-password-' + params.memoryCost);
}

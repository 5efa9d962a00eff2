import { randomBytes } from 'node:crypto';
import type { Db } from './database.ts';

/**
 * Returns the named secret, creating it on first use. Every process reads the same row,
 * so they agree on cookie keys and the like without any shared file.
 */
export async function sharedSecret(db: Db, name: string): Promise<string> {
  await db('app_secrets').insert({ name, value: randomBytes(32).toString('base64url') }).onConflict('name').ignore();
  const row = await db('app_secrets').where({ name }).first('value');
  return row.value;
}

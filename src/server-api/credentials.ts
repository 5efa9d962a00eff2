import { nameProblem } from '../display-name.ts';
import type { Db } from '../db/database.ts';
import { ApiError, notFound } from '../http/api-error.ts';
import { hashSecret, randomToken } from '../secrets.ts';
import {
  findCredential, findCredentialBySecretHash, insertCredential, listCredentialsOf, touchCredential, updateCredential,
  type Environment, type ServerApiCredential, type ServerApiScope,
} from './credential-table.ts';

export type { ServerApiCredential };

/** lastUsedAt is informational: written at most this often, so authenticating stays read-only. */
const LAST_USED_RESOLUTION_MS = 60_000;

const KEY = /^rn_sk_(live|test)_[A-Za-z0-9_-]{32}$/;

function newSecret(environment: Environment) {
  const secret = randomToken(`rn_sk_${environment}_`);
  return { secret, secretHash: hashSecret(secret), secretPreview: `${secret.slice(0, 11)}…${secret.slice(-4)}` };
}

function checkName(name: string | undefined): void {
  const problem = nameProblem(name);
  if (problem) {
    throw new ApiError('VALIDATION_FAILED', 400, 'Invalid credential', [problem]);
  }
}

export const listServerApiCredentials = listCredentialsOf;

export async function createServerApiCredential(
  db: Db, tenantId: string, input: { name: string; environment?: Environment; scopes: ServerApiScope[] },
): Promise<{ credential: ServerApiCredential; secret: string }> {
  checkName(input.name);
  const environment = input.environment ?? 'live';
  const { secret, secretHash, secretPreview } = newSecret(environment);
  const credential = await insertCredential(db, {
    id: crypto.randomUUID(), tenantId, name: input.name.trim(), environment, scopes: [...new Set(input.scopes)], secretHash, secretPreview,
  });
  return { credential, secret };
}

async function requireCredential(db: Db, tenantId: string, id: string): Promise<ServerApiCredential> {
  const credential = await findCredential(db, tenantId, id);
  if (!credential) throw notFound('Server API credential');
  return credential;
}

export type CredentialEdit = { name?: string; environment?: Environment; scopes?: ServerApiScope[]; isActive?: boolean };

export async function updateServerApiCredential(db: Db, tenantId: string, id: string, changes: CredentialEdit): Promise<ServerApiCredential> {
  checkName(changes.name);
  const existing = await requireCredential(db, tenantId, id);
  // The environment is written into the secret (rn_sk_live_… / rn_sk_test_…), so it can't change under it.
  if (changes.environment && changes.environment !== existing.environment) {
    throw new ApiError('VALIDATION_FAILED', 400, `A ${existing.environment} key stays ${existing.environment}; create a new key for ${changes.environment}`);
  }
  return updateCredential(db, id, {
    name: changes.name?.trim(), isActive: changes.isActive,
    scopes: changes.scopes && [...new Set(changes.scopes)],
  });
}

export async function disableServerApiCredential(db: Db, tenantId: string, id: string): Promise<ServerApiCredential> {
  await requireCredential(db, tenantId, id);
  return updateCredential(db, id, { isActive: false });
}

/** A new secret, returned once; the old one stops working at once (its hash is gone). */
export async function rotateServerApiCredential(db: Db, tenantId: string, id: string): Promise<{ credential: ServerApiCredential; secret: string }> {
  const existing = await requireCredential(db, tenantId, id);
  const { secret, secretHash, secretPreview } = newSecret(existing.environment);
  const credential = await updateCredential(db, id, { secretHash, secretPreview });
  return { credential, secret };
}

/** The active credential a presented key belongs to, or undefined. One indexed lookup. */
export async function authenticateServerApiKey(db: Db, key: string, now = Date.now()): Promise<ServerApiCredential | undefined> {
  if (!KEY.test(key)) return undefined;
  const credential = await findCredentialBySecretHash(db, hashSecret(key));
  if (!credential?.isActive) return undefined;
  if (!credential.lastUsedAt || now - Date.parse(credential.lastUsedAt) > LAST_USED_RESOLUTION_MS) {
    await touchCredential(db, credential.id);
  }
  return credential;
}

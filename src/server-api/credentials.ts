import { nameProblem } from '../display-name.ts';
import type { TenantActor } from '../audit/actor.ts';
import { audit } from '../audit/audit-log.ts';
import type { Db } from '../db/database.ts';
import { apiError } from '../http/api-error.ts';
import { hashSecret, randomToken } from '../secrets.ts';
import {
  findCredential, findCredentialBySecretHash, insertCredential, listCredentialsOf, lockCredential, touchCredential, updateCredential,
  type Environment, type ServerApiCredential, type ServerApiScope,
} from './credential-table.ts';

export type { ServerApiCredential, ServerApiScope };

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
    throw apiError('VALIDATION_FAILED', 'Invalid credential', { details: [problem] });
  }
}

export const listServerApiCredentials = (db: Db, actor: TenantActor) => listCredentialsOf(db, actor.tenantId);

const target = (credential: ServerApiCredential) => ({ type: 'server_api_credential', id: credential.id });

export async function createServerApiCredential(
  db: Db, actor: TenantActor, input: { name: string; environment?: Environment; scopes: ServerApiScope[] },
): Promise<{ credential: ServerApiCredential; secret: string }> {
  checkName(input.name);
  const environment = input.environment ?? 'live';
  const { secret, secretHash, secretPreview } = newSecret(environment);
  return db.transaction(async (trx) => {
    const credential = await insertCredential(trx, {
      id: crypto.randomUUID(), tenantId: actor.tenantId, name: input.name.trim(), environment, scopes: [...new Set(input.scopes)], secretHash, secretPreview,
    });
    await audit(trx, actor, 'server_api_credential.created', target(credential), { scopes: credential.scopes, environment });
    return { credential, secret };
  });
}

async function requireCredential(db: Db, tenantId: string, id: string): Promise<ServerApiCredential> {
  const credential = await findCredential(db, tenantId, id);
  if (!credential) throw apiError('NOT_FOUND', 'Server API credential not found');
  return credential;
}

export type CredentialEdit = { name?: string; environment?: Environment; scopes?: ServerApiScope[]; isActive?: boolean };

export async function updateServerApiCredential(db: Db, actor: TenantActor, id: string, changes: CredentialEdit): Promise<ServerApiCredential> {
  checkName(changes.name);
  return db.transaction(async (trx) => {
    const existing = await requireCredential(trx, actor.tenantId, id);
    // The environment is written into the secret (rn_sk_live_… / rn_sk_test_…), so it can't change under it.
    if (changes.environment && changes.environment !== existing.environment) {
      throw apiError('VALIDATION_FAILED', `A ${existing.environment} key stays ${existing.environment}; create a new key for ${changes.environment}`);
    }
    const credential = await updateCredential(trx, actor.tenantId, id, {
      name: changes.name?.trim(), isActive: changes.isActive,
      scopes: changes.scopes && [...new Set(changes.scopes)],
    });
    await audit(trx, actor, 'server_api_credential.updated', target(credential), { fields: Object.keys(changes).filter((k) => changes[k as keyof CredentialEdit] !== undefined) });
    return credential;
  });
}

export async function disableServerApiCredential(db: Db, actor: TenantActor, id: string): Promise<ServerApiCredential> {
  return db.transaction(async (trx) => {
    await requireCredential(trx, actor.tenantId, id);
    const credential = await updateCredential(trx, actor.tenantId, id, { isActive: false });
    await audit(trx, actor, 'server_api_credential.disabled', target(credential));
    return credential;
  });
}

/** A new secret, returned once; the old one stops working at once (its hash is gone). */
export async function rotateServerApiCredential(db: Db, actor: TenantActor, id: string): Promise<{ credential: ServerApiCredential; secret: string }> {
  return db.transaction(async (trx) => {
    const seen = await requireCredential(trx, actor.tenantId, id);
    // Rotations of one key wait for each other (row lock); one that waited behind a rotation (or
    // edit) must not supersede the secret that request is answering with.
    const existing = await lockCredential(trx, actor.tenantId, id);
    if (existing?.updatedAt !== seen.updatedAt) throw apiError('CONFLICT', 'The key was changed by a concurrent request (it may have been rotated); reload and try again');
    const { secret, secretHash, secretPreview } = newSecret(existing.environment);
    const credential = await updateCredential(trx, actor.tenantId, id, { secretHash, secretPreview });
    await audit(trx, actor, 'server_api_credential.rotated', target(credential));
    return { credential, secret };
  });
}

/** The active credential a presented key belongs to, or undefined. One indexed lookup. */
export async function authenticateServerApiKey(db: Db, key: string, now = Date.now()): Promise<ServerApiCredential | undefined> {
  if (!KEY.test(key)) return undefined;
  const credential = await findCredentialBySecretHash(db, hashSecret(key));
  if (!credential?.isActive) return undefined;
  if (!credential.lastUsedAt || now - Date.parse(credential.lastUsedAt) > LAST_USED_RESOLUTION_MS) {
    await touchCredential(db, credential.tenantId, credential.id);
  }
  return credential;
}

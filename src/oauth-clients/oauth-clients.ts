import type { TenantActor } from '../audit/actor.ts';
import { audit } from '../audit/audit-log.ts';
import type { Db } from '../db/database.ts';
import { apiError } from '../http/api-error.ts';
import { forgetClientArtifacts } from '../identity/client-artifacts.ts';
import { DEFAULT_CLIENT_SCOPES } from './scopes.ts';
import { hashSecret, randomToken } from '../secrets.ts';
import { findTenantById } from '../tenants/tenants.ts';
import { clientProblems } from './client-rules.ts';
import * as table from './oauth-client-table.ts';
import type { OAuthClient, OAuthClientType, OAuthClientWithSecret } from './oauth-client.ts';

export type { OAuthClient, OAuthClientType } from './oauth-client.ts';
export { clientUseRecorder } from './client-use.ts';
/** For reads that join the registry (the identity's token read): its rows mapped as this module maps them. */
export { withSecret as registryEntryOf, type OAuthClientRow } from './oauth-client-table.ts';

export const CLIENT_ID_PREFIX = 'rn_oauth_';
const SECRET_PREFIX = 'rn_oauth_secret_';

// 18 random bytes = 24 base64url characters after the prefix.
const newClientId = () => randomToken(CLIENT_ID_PREFIX, 18);
const newSecret = () => randomToken(SECRET_PREFIX, 32);

export type NewOAuthClientInput = {
  name: string;
  type?: OAuthClientType;
  redirectUris: string[];
  postLogoutRedirectUris?: string[];
  allowedScopes?: string[];
  requirePkce?: boolean;
};

/** The client, and its secret when confidential: the only time the plaintext secret exists. */
export type OAuthClientWithNewSecret = { oauthClient: OAuthClient; clientSecret?: string };

/** A new client with a random client_id and, when confidential, a random secret. */
export function createOAuthClient(db: Db, actor: TenantActor, input: NewOAuthClientInput): Promise<OAuthClientWithNewSecret> {
  const confidential = (input.type ?? 'confidential') === 'confidential';
  return insertNewClient(db, actor, input, { clientId: newClientId(), clientSecret: confidential ? newSecret() : undefined });
}

/** DEMO=1 only: a client with published, well-known credentials (README "Demo data"). */
export function createDemoOAuthClient(db: Db, actor: TenantActor, input: NewOAuthClientInput, credentials: { clientId: string; clientSecret: string }): Promise<OAuthClientWithNewSecret> {
  return insertNewClient(db, actor, { ...input, type: 'confidential' }, credentials);
}

const target = (client: OAuthClient) => ({ type: 'oauth_client', id: client.id });

async function insertNewClient(db: Db, actor: TenantActor, input: NewOAuthClientInput, credentials: { clientId: string; clientSecret?: string }): Promise<OAuthClientWithNewSecret> {
  const type = input.type ?? 'confidential';
  const settings = {
    name: input.name.trim(), type, redirectUris: [...new Set(input.redirectUris)],
    postLogoutRedirectUris: [...new Set(input.postLogoutRedirectUris ?? [])],
    allowedScopes: [...new Set(input.allowedScopes ?? DEFAULT_CLIENT_SCOPES)],
  };
  const problems = clientProblems(settings);
  if (problems.length) throw apiError('VALIDATION_FAILED', 'Invalid OAuth client', { details: problems });
  const { clientId, clientSecret } = credentials;
  return db.transaction(async (trx) => {
    if (!await findTenantById(trx, actor.tenantId)) throw apiError('NOT_FOUND', 'Tenant not found');
    const oauthClient = await table.insertOAuthClient(trx, {
      id: crypto.randomUUID(), clientId, tenantId: actor.tenantId, ...settings,
      // Public clients can't keep a secret, so PKCE is what binds their code to them.
      requirePkce: type === 'public' ? true : (input.requirePkce ?? true),
      secretHash: clientSecret ? hashSecret(clientSecret) : null,
    });
    await audit(trx, actor, 'oauth_client.created', target(oauthClient), { clientId, type });
    return { oauthClient, clientSecret };
  });
}

/** An active client by its `client_id`; revoked or unknown clients are undefined. */
export async function findActiveOAuthClient(db: Db, clientId: string): Promise<OAuthClientWithSecret | undefined> {
  if (!clientId.startsWith(CLIENT_ID_PREFIX) || clientId.length > 100) return undefined;
  const client = await table.findByClientId(db, clientId);
  return client?.status === 'active' ? client : undefined;
}

/** Any client, revoked ones included (e.g. to avoid re-creating a seeded one). */
export const findOAuthClientByClientId = async (db: Db, clientId: string): Promise<OAuthClient | undefined> => {
  const client = await table.findByClientId(db, clientId);
  if (!client) return undefined;
  const { secretHash: _hidden, ...rest } = client;
  return rest;
};

export const listOAuthClients = (db: Db, actor: TenantActor) => table.listByTenant(db, actor.tenantId);

export type OAuthClientUpdate = Partial<Pick<OAuthClient, 'name' | 'type' | 'redirectUris' | 'postLogoutRedirectUris' | 'allowedScopes' | 'requirePkce' | 'status'>>;

async function requireClient(db: Db, tenantId: string, id: string): Promise<OAuthClient> {
  const client = await table.findById(db, tenantId, id);
  if (!client) throw apiError('NOT_FOUND', 'OAuth client not found');
  return client;
}

/**
 * What a status change writes. Revoking destroys every grant, code and token of the client
 * (in the caller's transaction) and stamps revokedAt; re-activating clears it.
 */
async function statusChange(trx: Db, current: OAuthClient, status: OAuthClient['status'] | undefined): Promise<table.OAuthClientChanges> {
  if (status === undefined || status === current.status) return {};
  if (status === 'active') return { status, revokedAt: null };
  await forgetClientArtifacts(trx, current.clientId);
  return { status, revokedAt: new Date() };
}

/** Applies dashboard edits with the same rules as creation; setting status revoked revokes. */
export async function updateOAuthClient(db: Db, actor: TenantActor, id: string, update: OAuthClientUpdate): Promise<OAuthClient> {
  return db.transaction(async (trx) => {
    const current = await requireClient(trx, actor.tenantId, id);
    const type = update.type ?? current.type;
    const settings = {
      name: (update.name ?? current.name).trim(), type,
      redirectUris: [...new Set(update.redirectUris ?? current.redirectUris)],
      postLogoutRedirectUris: [...new Set(update.postLogoutRedirectUris ?? current.postLogoutRedirectUris)],
      allowedScopes: [...new Set(update.allowedScopes ?? current.allowedScopes)],
    };
    const problems = clientProblems(settings);
    if (problems.length) throw apiError('VALIDATION_FAILED', 'Invalid OAuth client', { details: problems });
    const oauthClient = await table.updateOAuthClient(trx, actor.tenantId, id, {
      ...settings,
      requirePkce: type === 'public' ? true : (update.requirePkce ?? current.requirePkce),
      ...await statusChange(trx, current, update.status),
      // A client that becomes public loses its secret; one that becomes confidential needs rotate-secret.
      secretHash: type === 'public' ? null : undefined,
    });
    const fields = Object.keys(update).filter((k) => update[k as keyof OAuthClientUpdate] !== undefined);
    await audit(trx, actor, 'oauth_client.updated', target(oauthClient), { clientId: oauthClient.clientId, fields });
    return oauthClient;
  });
}

/** Revokes a client and every grant, code and token it holds, at once and everywhere. */
export async function revokeOAuthClient(db: Db, actor: TenantActor, id: string): Promise<OAuthClient> {
  return db.transaction(async (trx) => {
    const current = await requireClient(trx, actor.tenantId, id);
    const change = await statusChange(trx, current, 'revoked');
    const oauthClient = change.status ? await table.updateOAuthClient(trx, actor.tenantId, id, change) : current;
    await audit(trx, actor, 'oauth_client.revoked', target(oauthClient), { clientId: oauthClient.clientId });
    return oauthClient;
  });
}

/** A new secret for a confidential client; the old one stops working at once. */
export async function rotateOAuthClientSecret(db: Db, actor: TenantActor, id: string): Promise<OAuthClientWithNewSecret> {
  return db.transaction(async (trx) => {
    const seen = await requireClient(trx, actor.tenantId, id);
    // Rotations of one secret wait for each other (row lock); one that waited behind a rotation
    // (or edit) must not supersede the secret that request is answering with.
    const current = await table.lockById(trx, actor.tenantId, id);
    if (current?.updatedAt !== seen.updatedAt) throw apiError('CONFLICT', 'The OAuth client was changed by a concurrent request (its secret may have been rotated); reload and try again');
    if (current.type !== 'confidential') throw apiError('VALIDATION_FAILED', 'Public clients have no secret to rotate');
    const clientSecret = newSecret();
    const oauthClient = await table.updateOAuthClient(trx, actor.tenantId, id, { secretHash: hashSecret(clientSecret) });
    await audit(trx, actor, 'oauth_client.secret_rotated', target(oauthClient), { clientId: oauthClient.clientId });
    return { oauthClient, clientSecret };
  });
}

/** Removes a revoked client for good; an active one must be revoked first (its tokens die then). */
export async function deleteRevokedOAuthClient(db: Db, actor: TenantActor, id: string): Promise<void> {
  await db.transaction(async (trx) => {
    const current = await requireClient(trx, actor.tenantId, id);
    if (current.status !== 'revoked') throw apiError('CONFLICT', 'Revoke the OAuth client before deleting it');
    await forgetClientArtifacts(trx, current.clientId);
    await table.deleteOAuthClient(trx, actor.tenantId, id);
    await audit(trx, actor, 'oauth_client.deleted', target(current), { clientId: current.clientId });
  });
}

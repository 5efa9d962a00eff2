import type { Db } from '../db/database.ts';
import { preparedQuery } from '../db/prepared.ts';
import { iso, isUuid, json } from '../db/rows.ts';
import type { OAuthClient, OAuthClientStatus, OAuthClientType, OAuthClientWithSecret } from './oauth-client.ts';

export type OAuthClientRow = {
  id: string; client_id: string; tenant_id: string; name: string; type: OAuthClientType; status: OAuthClientStatus;
  allowed_scopes: string[]; redirect_uris: string[]; post_logout_redirect_uris: string[]; require_pkce: boolean; secret_hash: string | null;
  last_used_at: Date | null; revoked_at: Date | null; created_at: Date; updated_at: Date;
};

// Named columns, not `*`: a prepared statement whose result shape changes under it (a column
// added by a newer process's migration) fails with "cached plan must not change result type".
const CLIENT_COLUMNS = 'id, client_id, tenant_id, name, type, status, allowed_scopes, redirect_uris, post_logout_redirect_uris, require_pkce, secret_hash, ' +
  'last_used_at, revoked_at, created_at, updated_at';

const toClient = (r: OAuthClientRow): OAuthClient => ({
  id: r.id, clientId: r.client_id, tenantId: r.tenant_id, name: r.name, type: r.type, status: r.status,
  allowedScopes: r.allowed_scopes, redirectUris: r.redirect_uris, postLogoutRedirectUris: r.post_logout_redirect_uris, requirePkce: r.require_pkce,
  lastUsedAt: iso(r.last_used_at), revokedAt: iso(r.revoked_at), createdAt: iso(r.created_at)!, updatedAt: iso(r.updated_at)!,
});
/** A registry row with its secret hash, as this table reads it (also for reads that join the registry, through oauth-clients.ts). */
export const withSecret = (r: OAuthClientRow): OAuthClientWithSecret => ({ ...toClient(r), secretHash: r.secret_hash });

export type NewOAuthClientRow = Pick<OAuthClient, 'id' | 'clientId' | 'tenantId' | 'name' | 'type' | 'allowedScopes' | 'redirectUris' | 'postLogoutRedirectUris' | 'requirePkce'> &
  { secretHash: string | null };

export async function insertOAuthClient(db: Db, c: NewOAuthClientRow): Promise<OAuthClient> {
  const [row] = await db<OAuthClientRow>('oauth_clients').insert({
    id: c.id, client_id: c.clientId, tenant_id: c.tenantId, name: c.name, type: c.type,
    allowed_scopes: json(c.allowedScopes) as any, redirect_uris: json(c.redirectUris) as any,
    post_logout_redirect_uris: json(c.postLogoutRedirectUris) as any,
    require_pkce: c.requirePkce, secret_hash: c.secretHash,
  }).returning('*');
  return toClient(row);
}

/**
 * Looks a client up by its public `client_id` (uses the unique index). oidc-provider asks for
 * the client on every token and userinfo request, so this is a prepared statement.
 */
export async function findByClientId(db: Db, clientId: string): Promise<OAuthClientWithSecret | undefined> {
  const [row] = await preparedQuery<OAuthClientRow>(db, 'oauth_clients.find_by_client_id', `select ${CLIENT_COLUMNS} from oauth_clients where client_id = ? limit 1`, [clientId]);
  return row && withSecret(row);
}

export async function findById(db: Db, tenantId: string, id: string): Promise<OAuthClient | undefined> {
  if (!isUuid(id)) return undefined;
  const row = await db<OAuthClientRow>('oauth_clients').where({ tenant_id: tenantId, id }).first();
  return row && toClient(row);
}

/** The client, locked until the transaction ends; waits for a change in flight to commit. */
export async function lockById(db: Db, tenantId: string, id: string): Promise<OAuthClient | undefined> {
  const row = await db<OAuthClientRow>('oauth_clients').where({ tenant_id: tenantId, id }).forUpdate().first();
  return row && toClient(row);
}

export async function listByTenant(db: Db, tenantId: string): Promise<OAuthClient[]> {
  const rows = await db<OAuthClientRow>('oauth_clients').where({ tenant_id: tenantId }).orderBy('created_at').orderBy('id');
  return rows.map(toClient);
}

export type OAuthClientChanges = Partial<Pick<OAuthClient, 'name' | 'type' | 'allowedScopes' | 'redirectUris' | 'postLogoutRedirectUris' | 'requirePkce' | 'status'>> &
  { secretHash?: string | null; revokedAt?: Date | null };

export async function updateOAuthClient(db: Db, tenantId: string, id: string, changes: OAuthClientChanges): Promise<OAuthClient> {
  const patch: Record<string, unknown> = { updated_at: db.fn.now() };
  if (changes.name !== undefined) patch.name = changes.name;
  if (changes.type !== undefined) patch.type = changes.type;
  if (changes.status !== undefined) patch.status = changes.status;
  if (changes.allowedScopes !== undefined) patch.allowed_scopes = json(changes.allowedScopes);
  if (changes.redirectUris !== undefined) patch.redirect_uris = json(changes.redirectUris);
  if (changes.postLogoutRedirectUris !== undefined) patch.post_logout_redirect_uris = json(changes.postLogoutRedirectUris);
  if (changes.requirePkce !== undefined) patch.require_pkce = changes.requirePkce;
  if (changes.secretHash !== undefined) patch.secret_hash = changes.secretHash;
  if (changes.revokedAt !== undefined) patch.revoked_at = changes.revokedAt;
  const [row] = await db<OAuthClientRow>('oauth_clients').where({ tenant_id: tenantId, id }).update(patch).returning('*');
  return toClient(row);
}

export async function deleteOAuthClient(db: Db, tenantId: string, id: string): Promise<boolean> {
  const rows = await db('oauth_clients').where({ tenant_id: tenantId, id }).del().returning('id');
  return rows.length > 0;
}

/**
 * Marks the client used. Only writes when the stored value is older than a minute, so a
 * busy client doesn't turn every token request into a row update.
 */
export async function touchLastUsed(db: Db, clientId: string): Promise<void> {
  await db('oauth_clients').where({ client_id: clientId })
    .where((q) => q.whereNull('last_used_at').orWhere('last_used_at', '<', db.raw("now() - interval '60 seconds'")))
    .update({ last_used_at: db.fn.now() });
}

import type { Db } from '../db/database.ts';
import { iso, isUuid, json } from '../db/rows.ts';

export const SERVER_API_SCOPES = [
  'server:health', 'server:tenant:read', 'server:visitor-context:write', 'server:agent-token:write',
  'server:admin-token:write', 'server:reports:read', 'server:webhook:read', 'server:webhook:write',
  'server:contacts:read', 'server:contacts:write',
] as const;
export type ServerApiScope = (typeof SERVER_API_SCOPES)[number];
export type Environment = 'test' | 'live';

export type ServerApiCredential = {
  id: string;
  tenantId: string;
  name: string;
  environment: Environment;
  scopes: ServerApiScope[];
  secretPreview: string;
  isActive: boolean;
  lastUsedAt: string | null;
  createdAt: string;
  updatedAt: string;
};

type CredentialRow = {
  id: string; tenant_id: string; name: string; environment: Environment; scopes: ServerApiScope[]; secret_hash: string;
  secret_preview: string; is_active: boolean; last_used_at: Date | null; created_at: Date; updated_at: Date;
};

const toCredential = (r: CredentialRow): ServerApiCredential => ({
  id: r.id, tenantId: r.tenant_id, name: r.name, environment: r.environment, scopes: r.scopes,
  secretPreview: r.secret_preview, isActive: r.is_active, lastUsedAt: iso(r.last_used_at),
  createdAt: iso(r.created_at)!, updatedAt: iso(r.updated_at)!,
});

export async function insertCredential(db: Db, c: Pick<ServerApiCredential, 'id' | 'tenantId' | 'name' | 'environment' | 'scopes' | 'secretPreview'> & { secretHash: string }): Promise<ServerApiCredential> {
  const [row] = await db<CredentialRow>('server_api_credentials').insert({
    id: c.id, tenant_id: c.tenantId, name: c.name, environment: c.environment, scopes: json(c.scopes) as any,
    secret_hash: c.secretHash, secret_preview: c.secretPreview,
  }).returning('*');
  return toCredential(row);
}

export async function listCredentialsOf(db: Db, tenantId: string): Promise<ServerApiCredential[]> {
  return (await db<CredentialRow>('server_api_credentials').where({ tenant_id: tenantId }).orderBy('created_at', 'desc')).map(toCredential);
}

export async function findCredential(db: Db, tenantId: string, id: string): Promise<ServerApiCredential | undefined> {
  if (!isUuid(id)) return undefined;
  const row = await db<CredentialRow>('server_api_credentials').where({ tenant_id: tenantId, id }).first();
  return row && toCredential(row);
}

/** The credential, locked until the transaction ends; waits for a change in flight to commit. */
export async function lockCredential(db: Db, tenantId: string, id: string): Promise<ServerApiCredential | undefined> {
  const row = await db<CredentialRow>('server_api_credentials').where({ tenant_id: tenantId, id }).forUpdate().first();
  return row && toCredential(row);
}

export async function findCredentialBySecretHash(db: Db, secretHash: string): Promise<ServerApiCredential | undefined> {
  const row = await db<CredentialRow>('server_api_credentials').where({ secret_hash: secretHash }).first();
  return row && toCredential(row);
}

export type CredentialChanges = Partial<Pick<ServerApiCredential, 'name' | 'scopes' | 'isActive' | 'secretPreview'>> & { secretHash?: string };

export async function updateCredential(db: Db, tenantId: string, id: string, changes: CredentialChanges): Promise<ServerApiCredential> {
  const [row] = await db<CredentialRow>('server_api_credentials').where({ tenant_id: tenantId, id }).update({
    ...(changes.name !== undefined && { name: changes.name }),
    ...(changes.scopes !== undefined && { scopes: json(changes.scopes) as any }),
    ...(changes.isActive !== undefined && { is_active: changes.isActive }),
    ...(changes.secretHash !== undefined && { secret_hash: changes.secretHash, secret_preview: changes.secretPreview }),
    updated_at: db.fn.now() as any,
  }).returning('*');
  return toCredential(row);
}

export async function touchCredential(db: Db, tenantId: string, id: string): Promise<void> {
  await db('server_api_credentials').where({ tenant_id: tenantId, id }).update({ last_used_at: db.fn.now() });
}

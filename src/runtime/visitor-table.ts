import type { Db } from '../db/database.ts';
import { json } from '../db/rows.ts';
import type { VisitorIdentity } from './runtime-tokens.ts';

export type VisitorRecord = { id: string; tenantId: string; verified: boolean; externalId: string | null };

/** A new anonymous visitor; what it said about itself is kept apart from verified identity. */
export async function insertAnonymousVisitor(db: Db, tenantId: string, claimed: VisitorIdentity, metadata: Record<string, unknown>): Promise<VisitorRecord> {
  const id = crypto.randomUUID();
  await db('visitors').insert({ id, tenant_id: tenantId, claimed: json(claimed), metadata: json(metadata) });
  return { id, tenantId, verified: false, externalId: null };
}

/**
 * The verified visitor with this key, created on first sight and refreshed after: one row
 * per (tenant, key) however many devices or concurrent sessions present it.
 */
export async function upsertVerifiedVisitor(
  db: Db, tenantId: string, key: string, identity: VisitorIdentity, metadata: Record<string, unknown>,
): Promise<VisitorRecord> {
  const fields = {
    external_id: identity.externalId ?? null, name: identity.name ?? null, email: identity.email ?? null,
    phone: identity.phone ?? null, metadata: json(metadata),
  };
  const [row] = await db('visitors')
    .insert({ id: crypto.randomUUID(), tenant_id: tenantId, verified_key: key, ...fields })
    .onConflict(['tenant_id', 'verified_key'])
    .merge({ ...fields, last_seen_at: db.fn.now() })
    .returning(['id', 'external_id']);
  return { id: row.id, tenantId, verified: true, externalId: row.external_id };
}

export type Visitor = VisitorRecord & { email: string | null; name: string | null };

export async function findVisitor(db: Db, tenantId: string, id: string): Promise<Visitor | undefined> {
  const row = await db('visitors').where({ tenant_id: tenantId, id }).first('id', 'tenant_id', 'verified_key', 'external_id', 'email', 'name');
  return row && { id: row.id, tenantId: row.tenant_id, verified: row.verified_key !== null, externalId: row.external_id, email: row.email, name: row.name };
}

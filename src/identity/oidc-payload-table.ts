import type { Db } from '../db/database.ts';
import { json } from '../db/rows.ts';

/** What oidc-provider hands its adapter: an artifact's payload (see its docs, "Adapter"). */
export type OidcPayload = {
  grantId?: string;
  uid?: string;
  userCode?: string;
  clientId?: string;
  accountId?: string;
  consumed?: number;
  [key: string]: unknown;
};

type PayloadRow = { payload: OidcPayload; expires_at: Date | null; consumed_at: Date | null };

const epoch = (d: Date) => Math.floor(d.getTime() / 1000);

/** A row is gone once expired, even before the purge removes it. */
function live(row: PayloadRow | undefined): OidcPayload | undefined {
  if (!row || (row.expires_at && new Date(row.expires_at).getTime() <= Date.now())) return undefined;
  return row.consumed_at ? { ...row.payload, consumed: epoch(new Date(row.consumed_at)) } : row.payload;
}

export async function upsertPayload(db: Db, type: string, id: string, payload: OidcPayload, expiresIn: number | undefined): Promise<void> {
  const row = {
    type, id, payload: json(payload),
    grant_id: payload.grantId ?? null, uid: payload.uid ?? null, user_code: payload.userCode ?? null,
    client_id: payload.clientId ?? null,
    expires_at: expiresIn ? new Date(Date.now() + expiresIn * 1000) : null,
  };
  await db('oidc_payloads').insert(row).onConflict(['type', 'id']).merge();
}

async function findOne(db: Db, where: Record<string, string>): Promise<OidcPayload | undefined> {
  const row = await db('oidc_payloads').where(where).first('payload', 'expires_at', 'consumed_at');
  return live(row as PayloadRow | undefined);
}

export async function findPayload(db: Db, type: string, id: string): Promise<OidcPayload | undefined> {
  return findOne(db, { type, id });
}

export async function findPayloadByUid(db: Db, type: string, uid: string): Promise<OidcPayload | undefined> {
  return findOne(db, { type, uid });
}

export async function findPayloadByUserCode(db: Db, type: string, userCode: string): Promise<OidcPayload | undefined> {
  return findOne(db, { type, user_code: userCode });
}

export async function consumePayload(db: Db, type: string, id: string): Promise<void> {
  await db('oidc_payloads').where({ type, id }).whereNull('consumed_at').update({ consumed_at: db.fn.now() });
}

export async function destroyPayload(db: Db, type: string, id: string): Promise<void> {
  await db('oidc_payloads').where({ type, id }).del().returning('id');
}

export async function destroyPayloadsByGrantId(db: Db, type: string, grantId: string): Promise<void> {
  await db('oidc_payloads').where({ type, grant_id: grantId }).del().returning('id');
}

/** The newest live grant a client holds for an account: consent is remembered per client and account. */
export async function findGrantIdFor(db: Db, clientId: string, accountId: string): Promise<string | undefined> {
  const row = await db('oidc_payloads').where({ type: 'Grant', client_id: clientId })
    .whereRaw("payload->>'accountId' = ?", [accountId])
    .where((q) => q.whereNull('expires_at').orWhere('expires_at', '>', db.fn.now()))
    .orderByRaw("(payload->>'iat')::bigint desc").first('id');
  return row?.id;
}

/**
 * Deletes every grant, code and token issued to a client (when it is revoked). Sessions
 * and interactions are not per client and expire on their own.
 */
export async function destroyPayloadsByClientId(db: Db, clientId: string): Promise<number> {
  const rows = await db('oidc_payloads').where({ client_id: clientId }).whereNot({ type: 'Session' }).del().returning('id');
  return rows.length;
}

/** Removes rows that expired more than `graceSeconds` ago; returns how many. */
export async function purgeExpiredPayloads(db: Db, graceSeconds = 0): Promise<number> {
  const rows = await db('oidc_payloads')
    .where('expires_at', '<', db.raw('now() - make_interval(secs => ?)', [graceSeconds])).del().returning('id');
  return rows.length;
}

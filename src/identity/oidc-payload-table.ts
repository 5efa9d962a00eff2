import type { Db } from '../db/database.ts';
import { preparedQuery } from '../db/prepared.ts';
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

export type PayloadRow = { payload: OidcPayload; expires_at: Date | null; consumed_at: Date | null };

const epoch = (d: Date) => Math.floor(d.getTime() / 1000);

/** A row is gone once expired, even before the purge removes it. */
export function liveRow(row: PayloadRow | undefined): OidcPayload | undefined {
  if (!row || (row.expires_at && new Date(row.expires_at).getTime() <= Date.now())) return undefined;
  return row.consumed_at ? { ...row.payload, consumed: epoch(new Date(row.consumed_at)) } : row.payload;
}

// The queries oidc-provider makes on every userinfo and token request are prepared statements
// (see preparedQuery); each lookup goes by an index: the primary key, uid or user_code.

export async function upsertPayload(db: Db, type: string, id: string, payload: OidcPayload, expiresIn: number | undefined): Promise<void> {
  await preparedQuery(db, 'oidc_payloads.upsert',
    `insert into oidc_payloads (type, id, payload, grant_id, uid, user_code, client_id, expires_at) values (?, ?, ?, ?, ?, ?, ?, ?)
     on conflict (type, id) do update set payload = excluded.payload, grant_id = excluded.grant_id, uid = excluded.uid,
       user_code = excluded.user_code, client_id = excluded.client_id, expires_at = excluded.expires_at`,
    [type, id, json(payload), payload.grantId ?? null, payload.uid ?? null, payload.userCode ?? null, payload.clientId ?? null,
      expiresIn ? new Date(Date.now() + expiresIn * 1000) : null]);
}

const SELECT_PAYLOAD = 'select payload, expires_at, consumed_at from oidc_payloads where type = ? and';

async function findOne(db: Db, by: 'id' | 'uid' | 'user_code', type: string, value: string): Promise<OidcPayload | undefined> {
  const [row] = await preparedQuery<PayloadRow>(db, `oidc_payloads.find_by_${by}`, `${SELECT_PAYLOAD} ${by} = ? limit 1`, [type, value]);
  return liveRow(row);
}

export async function findPayload(db: Db, type: string, id: string): Promise<OidcPayload | undefined> {
  return findOne(db, 'id', type, id);
}

export async function findPayloadByUid(db: Db, type: string, uid: string): Promise<OidcPayload | undefined> {
  return findOne(db, 'uid', type, uid);
}

export async function findPayloadByUserCode(db: Db, type: string, userCode: string): Promise<OidcPayload | undefined> {
  return findOne(db, 'user_code', type, userCode);
}

/**
 * Marks a single-use artifact (code, refresh token) consumed. Returns false when it already
 * was: of several concurrent uses, exactly one gets true (the row lock decides).
 */
export async function consumePayload(db: Db, type: string, id: string): Promise<boolean> {
  const rows = await preparedQuery(db, 'oidc_payloads.consume',
    'update oidc_payloads set consumed_at = now() where type = ? and id = ? and consumed_at is null returning id', [type, id]);
  return rows.length === 1;
}

/** An artifact to store, as upsertPayload takes it. */
export type PayloadToSave = { type: string; id: string; payload: OidcPayload; expiresIn: number | undefined };

/** One request's writes (token-writes.ts): at most one artifact to consume, and artifacts to save and to delete, each named once. */
export type PayloadWrites = { consume?: { type: string; id: string; rotatedTo?: string }; save: PayloadToSave[]; destroy: { type: string; id: string }[] };

/**
 * A request's writes in one statement: consume the code or refresh token it was given (linking
 * a refresh token to the one its rotation issued), save what it issues and delete what it ends
 * (an authorization's interaction). Single use is as strict as consumePayload's: of concurrent
 * uses exactly one finds the row unconsumed (the row lock decides), and a loser writes nothing.
 * Returns false when it lost.
 */
export async function commitPayloadWrites(db: Db, { consume, save, destroy }: PayloadWrites): Promise<boolean> {
  const rows = save.map(({ type, id, payload, expiresIn }) => ({
    type, id, payload, grant_id: payload.grantId ?? null, uid: payload.uid ?? null, user_code: payload.userCode ?? null, client_id: payload.clientId ?? null,
    expires_at: expiresIn ? new Date(Date.now() + expiresIn * 1000).toISOString() : null,
  }));
  const [row] = await preparedQuery<{ consumed: boolean }>(db, 'oidc_payloads.commit_writes', `
    with consumed as (
      update oidc_payloads set consumed_at = now(), rotated_to = ?
      where type = ? and id = ? and consumed_at is null returning id
    ), won as (
      select ?::text is null or exists (select 1 from consumed) as won
    ), saved as (
      insert into oidc_payloads (type, id, payload, grant_id, uid, user_code, client_id, expires_at)
      select r.type, r.id, r.payload, r.grant_id, r.uid, r.user_code, r.client_id, r.expires_at
      from jsonb_to_recordset(?::jsonb) as r(type text, id text, payload jsonb, grant_id text, uid text, user_code text, client_id text, expires_at timestamptz)
      where (select won from won)
      on conflict (type, id) do update set payload = excluded.payload, grant_id = excluded.grant_id, uid = excluded.uid,
        user_code = excluded.user_code, client_id = excluded.client_id, expires_at = excluded.expires_at
      returning id
    ), destroyed as (
      delete from oidc_payloads
      where (type, id) in (select r.type, r.id from jsonb_to_recordset(?::jsonb) as r(type text, id text)) and (select won from won)
      returning id
    )
    select exists (select 1 from consumed) as consumed`,
  [consume?.rotatedTo ?? null, consume?.type ?? null, consume?.id ?? null, consume?.id ?? null, json(rows), json(destroy)]);
  return !consume || row.consumed;
}

/**
 * Deletes the grant an artifact belongs to with all its codes and tokens. Tokens issued a
 * moment later under the same grant still die: every use checks that the Grant exists.
 */
export async function destroyGrantOf(db: Db, type: string, id: string): Promise<void> {
  await db.raw(`
    with owner as (select grant_id from oidc_payloads where type = ? and id = ?)
    delete from oidc_payloads
    where grant_id = (select grant_id from owner) or (type = 'Grant' and id = (select grant_id from owner))
    returning id`, [type, id]);
}

/**
 * A refresh token as the token endpoint sees it. A rotation within the last `graceSeconds`
 * whose one retry is not spent yet is not reported as consumed: the grant's handler then
 * tries to consume it, loses, and the retry policy (refresh-retry.ts) decides.
 */
export async function findRefreshToken(db: Db, id: string, graceSeconds: number): Promise<OidcPayload | undefined> {
  const [row] = await preparedQuery<PayloadRow>(db, 'oidc_payloads.find_refresh_token',
    `select payload, expires_at,
       case when retried_at is null and consumed_at > now() - make_interval(secs => ?) then null else consumed_at end as consumed_at
     from oidc_payloads where type = 'RefreshToken' and id = ? limit 1`, [graceSeconds, id]);
  return liveRow(row);
}

/** What a consumed refresh token was rotated to: undefined while its rotation is still being written, null when it never will be. */
export async function rotationOf(db: Db, id: string): Promise<string | null | undefined> {
  const [row] = await db('oidc_payloads').where({ type: 'RefreshToken', id }).select('rotated_to', 'consumed_at');
  if (!row?.consumed_at) return null;
  return row.rotated_to ?? undefined;
}

/**
 * Spends a rotated refresh token's one retry: only within `graceSeconds` of its rotation,
 * only once, and only while the token it was rotated to is still the live end of the family.
 * Returns that token's id, or undefined when the retry is not allowed.
 */
export async function claimRetry(db: Db, id: string, graceSeconds: number): Promise<string | undefined> {
  const [row] = await preparedQuery<{ rotated_to: string }>(db, 'oidc_payloads.claim_retry',
    `update oidc_payloads p set retried_at = now()
     from oidc_payloads s
     where p.type = 'RefreshToken' and p.id = ? and p.retried_at is null and p.consumed_at > now() - make_interval(secs => ?)
       and s.type = 'RefreshToken' and s.id = p.rotated_to and s.consumed_at is null and (s.expires_at is null or s.expires_at > now())
     returning p.rotated_to`, [id, graceSeconds]);
  return row?.rotated_to;
}

export async function destroyPayload(db: Db, type: string, id: string): Promise<void> {
  await db('oidc_payloads').where({ type, id }).del().returning('id');
}

export async function destroyPayloadsByGrantId(db: Db, type: string, grantId: string): Promise<void> {
  await db('oidc_payloads').where({ type, grant_id: grantId }).del().returning('id');
}

/** Deletes an account's grants at a client with every code and token issued under them (consent withdrawn). */
export async function destroyGrantsOfAccount(db: Db, clientId: string, accountId: string): Promise<void> {
  await db.raw(`
    with grants as (select id from oidc_payloads where type = 'Grant' and client_id = ? and payload->>'accountId' = ?)
    delete from oidc_payloads
    where client_id = ? and (grant_id in (select id from grants) or (type = 'Grant' and id in (select id from grants)))
    returning id`, [clientId, accountId, clientId]);
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

import type { Db } from '../db/database.ts';
import { iso } from '../db/rows.ts';

/** What an agent set itself to; `online` is derived from the last sign of life. */
export type ManualStatus = 'available' | 'busy' | 'offline';

export type PresenceRecord = { accountId: string; status: ManualStatus; lastSeenAt: string };

type PresenceRow = { account_id: string; status: ManualStatus; last_seen_at: Date };
const toRecord = (r: PresenceRow): PresenceRecord => ({ accountId: r.account_id, status: r.status, lastSeenAt: iso(r.last_seen_at)! });

/** A sign of life: created as `available` on first sight, otherwise only the time moves. */
export async function touch(db: Db, tenantId: string, accountId: string): Promise<void> {
  await db.raw(
    `INSERT INTO agent_presence (account_id, tenant_id) VALUES (?, ?)
     ON CONFLICT (account_id) DO UPDATE SET last_seen_at = now()`, [accountId, tenantId]);
}

export async function setStatus(db: Db, tenantId: string, accountId: string, status: ManualStatus): Promise<PresenceRecord> {
  const { rows } = await db.raw<{ rows: PresenceRow[] }>(
    `INSERT INTO agent_presence (account_id, tenant_id, status) VALUES (?, ?, ?)
     ON CONFLICT (account_id) DO UPDATE SET status = EXCLUDED.status, last_seen_at = now(), status_changed_at = now()
     RETURNING account_id, status, last_seen_at`, [accountId, tenantId, status]);
  return toRecord(rows[0]);
}

export async function find(db: Db, tenantId: string, accountId: string): Promise<PresenceRecord | undefined> {
  const row: PresenceRow | undefined = await db('agent_presence').where({ tenant_id: tenantId, account_id: accountId }).first('account_id', 'status', 'last_seen_at');
  return row && toRecord(row);
}

/** How many of the tenant's active agents are available and were seen within the window. */
export async function countAvailable(db: Db, tenantId: string, windowSeconds: number): Promise<number> {
  const row = await db('agent_presence as p').join('accounts as a', 'a.id', 'p.account_id')
    .where({ 'p.tenant_id': tenantId, 'p.status': 'available', 'a.active': true })
    .where('p.last_seen_at', '>', db.raw('now() - make_interval(secs => ?)', [windowSeconds]))
    .count({ n: '*' }).first();
  return Number(row?.n ?? 0);
}

/** How many of the tenant's accounts were seen within the window (whatever their status). */
export async function countOnline(db: Db, tenantId: string, windowSeconds: number): Promise<number> {
  const row = await db('agent_presence').where({ tenant_id: tenantId }).whereNot({ status: 'offline' })
    .where('last_seen_at', '>', db.raw('now() - make_interval(secs => ?)', [windowSeconds]))
    .count({ n: '*' }).first();
  return Number(row?.n ?? 0);
}

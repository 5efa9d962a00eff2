import type { Db } from '../db/database.ts';

/** What a report asks of calls: a half-open range of instants, its local days in the zone, maybe one agent. */
export type CallReportRange = { start: Date; end: Date; timeZone: string; firstDay: string; lastDay: string; agentId?: string };

/**
 * One local day of the calls started in it. Each call counts on the day it started, with its
 * outcome as recorded: answered (answered_at is set once), missed (rang out; a call past its
 * deadline that no sweep has marked yet is missed too). All counts add up over days.
 */
export type CallDay = {
  date: string;
  incoming: number; answered: number; missed: number;
  /** Calls of either direction that were answered, and the durations of those that ended. */
  handled: number; durationSum: number; durationCount: number;
};

export type CallAgentRow = { agentId: string; handled: number; durationSum: number; durationCount: number };

const bindings = (tenantId: string, r: CallReportRange) => ({
  tenant: tenantId, start: r.start.toISOString(), end: r.end.toISOString(), zone: r.timeZone, first: r.firstDay, last: r.lastDay,
  agent: r.agentId ?? null,
});

// With an agent: the calls they took part in, having answered or placed them.
const agentParty = (r: CallReportRange) => (r.agentId
  ? `AND ((answered_by_type = 'account' AND answered_by_id = :agent) OR (started_by_type = 'account' AND started_by_id = :agent))`
  : '');

const MISSED = `(status = 'missed' OR (status = 'started' AND ring_deadline <= now()))`;
const DURATION = 'extract(epoch FROM ended_at - answered_at)';

/** The calls of every local day of the range (zero days included), bucketed in the tenant's zone in SQL. */
export async function callDays(db: Db, tenantId: string, r: CallReportRange): Promise<CallDay[]> {
  const { rows } = await db.raw<{ rows: Record<string, string | number>[] }>(`
    WITH started AS (
      SELECT (started_at AT TIME ZONE :zone)::date AS day,
        count(*) FILTER (WHERE direction = 'inbound') AS incoming,
        count(*) FILTER (WHERE direction = 'inbound' AND answered_at IS NOT NULL) AS answered,
        count(*) FILTER (WHERE direction = 'inbound' AND ${MISSED}) AS missed,
        count(*) FILTER (WHERE answered_at IS NOT NULL) AS handled,
        coalesce(sum(${DURATION}) FILTER (WHERE answered_at IS NOT NULL AND ended_at IS NOT NULL), 0) AS duration_sum,
        count(*) FILTER (WHERE answered_at IS NOT NULL AND ended_at IS NOT NULL) AS duration_count
      FROM call_sessions WHERE tenant_id = :tenant AND started_at >= :start AND started_at < :end ${agentParty(r)}
      GROUP BY 1
    )
    SELECT to_char(d.day, 'YYYY-MM-DD') AS date, coalesce(s.incoming, 0)::int AS incoming, coalesce(s.answered, 0)::int AS answered,
      coalesce(s.missed, 0)::int AS missed, coalesce(s.handled, 0)::int AS handled,
      coalesce(s.duration_sum, 0)::float8 AS duration_sum, coalesce(s.duration_count, 0)::int AS duration_count
    FROM (SELECT generate_series(CAST(:first AS date), CAST(:last AS date), interval '1 day')::date AS day) d
    LEFT JOIN started s USING (day)
    ORDER BY d.day`, bindings(tenantId, r));
  return rows.map((row) => ({
    date: String(row.date), incoming: Number(row.incoming), answered: Number(row.answered), missed: Number(row.missed),
    handled: Number(row.handled), durationSum: Number(row.duration_sum), durationCount: Number(row.duration_count),
  }));
}

/** Per agent: answered calls started in the range that they answered or placed, and their durations. */
export async function callsByAgent(db: Db, tenantId: string, r: CallReportRange): Promise<CallAgentRow[]> {
  const { rows } = await db.raw<{ rows: { agent_id: string; handled: number; duration_sum: number; duration_count: number }[] }>(`
    SELECT p.agent_id, count(*)::int AS handled,
      coalesce(sum(${DURATION}) FILTER (WHERE ended_at IS NOT NULL), 0)::float8 AS duration_sum,
      count(*) FILTER (WHERE ended_at IS NOT NULL)::int AS duration_count
    FROM call_sessions
    CROSS JOIN LATERAL (
      SELECT answered_by_id AS agent_id WHERE answered_by_type = 'account'
      UNION SELECT started_by_id WHERE started_by_type = 'account'
    ) p
    WHERE tenant_id = :tenant AND started_at >= :start AND started_at < :end AND answered_at IS NOT NULL
      ${r.agentId ? 'AND p.agent_id = :agent' : ''}
    GROUP BY p.agent_id`, bindings(tenantId, r));
  return rows.map((row) => ({ agentId: row.agent_id, handled: row.handled, durationSum: Number(row.duration_sum), durationCount: row.duration_count }));
}

/** Incoming calls ringing now, unanswered and within their deadline: the queue. */
export async function ringingNow(db: Db, tenantId: string): Promise<number> {
  const row = await db('call_sessions').where({ tenant_id: tenantId, status: 'started', direction: 'inbound' }).where('ring_deadline', '>', db.fn.now())
    .count({ n: '*' }).first();
  return Number(row?.n ?? 0);
}

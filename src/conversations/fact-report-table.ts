import type { Db } from '../db/database.ts';
import { bucketBindings, messageDaysSql } from './message-bucket-table.ts';

/** What a report asks of the chat side: a half-open range of instants, its local days in the zone, maybe one agent. */
export type ReportRange = { start: Date; end: Date; timeZone: string; firstDay: string; lastDay: string; agentId?: string };

/** One local day of chat numbers; every count is additive over days, so totals are sums of these. */
export type ChatDay = {
  date: string;
  /** Conversations of the period (created, or for one agent assigned to them) first seen this day. */
  conversations: number;
  /** Of those, resolved within the period, and resolved and not reopened at the period's end. */
  cohortResolved: number;
  cohortClosedAtEnd: number;
  /** Conversations resolved in the period, on the day of their first resolution in it. */
  resolved: number;
  messages: number;
  agentMessages: number;
  visitorMessages: number;
  ratings: number;
  ratingSum: number;
  ratingsSatisfied: number;
};

export type ChatAgentRow = { agentId: string; conversationsAssigned: number; ratings: number; ratingSum: number };

const bindings = (tenantId: string, r: ReportRange) => ({
  tenant: tenantId, start: r.start.toISOString(), end: r.end.toISOString(), zone: r.timeZone, first: r.firstDay, last: r.lastDay,
  agent: r.agentId ?? null, ...bucketBindings(r.start, r.end),
});

// With an agent, facts are those recorded with them and messages those they sent.
const agentFact = (r: ReportRange) => (r.agentId ? 'AND agent_id = :agent' : '');

/**
 * The chat numbers of every local day of the range (zero days included), bucketed in the
 * tenant's zone in SQL. Only recorded facts and messages count: what a conversation is now
 * changes nothing about a period that has passed. Uses the (tenant, kind, time) fact index
 * and the message rollup (message-bucket-table.ts); one statement, one snapshot.
 */
export async function chatDays(db: Db, tenantId: string, r: ReportRange): Promise<ChatDay[]> {
  const cohortKind = r.agentId ? 'assigned' : 'conversation_created';
  const { rows } = await db.raw<{ rows: Record<string, string | number>[] }>(`
    WITH cohort AS (
      SELECT conversation_id, min(occurred_at) AS since FROM conversation_facts
      WHERE tenant_id = :tenant AND kind = '${cohortKind}' AND occurred_at >= :start AND occurred_at < :end ${agentFact(r)}
      GROUP BY conversation_id
    ), outcome AS (
      SELECT c.since,
        bool_or(f.kind = 'resolved') AS resolved_in_period,
        max(f.occurred_at) FILTER (WHERE f.kind = 'resolved') AS last_resolved,
        max(f.occurred_at) FILTER (WHERE f.kind = 'reopened') AS last_reopened
      FROM cohort c LEFT JOIN conversation_facts f ON f.tenant_id = :tenant AND f.conversation_id = c.conversation_id
        -- Nothing happens to a conversation before it is created (or, for an agent, assigned) in the period.
        AND f.kind IN ('resolved', 'reopened') AND f.occurred_at >= :start AND f.occurred_at < :end
      GROUP BY c.conversation_id, c.since
    ), cohort_days AS (
      SELECT (since AT TIME ZONE :zone)::date AS day, count(*) AS conversations,
        count(*) FILTER (WHERE resolved_in_period) AS cohort_resolved,
        count(*) FILTER (WHERE last_resolved IS NOT NULL AND (last_reopened IS NULL OR last_resolved > last_reopened)) AS cohort_closed
      FROM outcome GROUP BY 1
    ), resolution_days AS (
      SELECT (first_at AT TIME ZONE :zone)::date AS day, count(*) AS resolved FROM (
        SELECT min(occurred_at) AS first_at FROM conversation_facts
        WHERE tenant_id = :tenant AND kind = 'resolved' AND occurred_at >= :start AND occurred_at < :end ${agentFact(r)}
        GROUP BY conversation_id
      ) first_resolutions GROUP BY 1
    ), rating_days AS (
      SELECT (occurred_at AT TIME ZONE :zone)::date AS day, count(*) AS ratings, coalesce(sum(value), 0) AS rating_sum,
        count(*) FILTER (WHERE value >= 4) AS satisfied
      FROM conversation_facts
      WHERE tenant_id = :tenant AND kind = 'rating' AND occurred_at >= :start AND occurred_at < :end ${agentFact(r)}
      GROUP BY 1
    ), message_days AS (${messageDaysSql(r.agentId !== undefined)}
    )
    SELECT to_char(d.day, 'YYYY-MM-DD') AS date,
      coalesce(c.conversations, 0)::int AS conversations, coalesce(c.cohort_resolved, 0)::int AS cohort_resolved,
      coalesce(c.cohort_closed, 0)::int AS cohort_closed, coalesce(r.resolved, 0)::int AS resolved,
      coalesce(m.messages, 0)::int AS messages, coalesce(m.agent_messages, 0)::int AS agent_messages,
      coalesce(m.visitor_messages, 0)::int AS visitor_messages, coalesce(g.ratings, 0)::int AS ratings,
      coalesce(g.rating_sum, 0)::float8 AS rating_sum, coalesce(g.satisfied, 0)::int AS satisfied
    FROM (SELECT generate_series(CAST(:first AS date), CAST(:last AS date), interval '1 day')::date AS day) d
    LEFT JOIN cohort_days c USING (day) LEFT JOIN resolution_days r USING (day)
    LEFT JOIN rating_days g USING (day) LEFT JOIN message_days m USING (day)
    ORDER BY d.day`, bindings(tenantId, r));
  return rows.map((row) => ({
    date: String(row.date), conversations: Number(row.conversations), cohortResolved: Number(row.cohort_resolved),
    cohortClosedAtEnd: Number(row.cohort_closed), resolved: Number(row.resolved), messages: Number(row.messages),
    agentMessages: Number(row.agent_messages), visitorMessages: Number(row.visitor_messages), ratings: Number(row.ratings),
    ratingSum: Number(row.rating_sum), ratingsSatisfied: Number(row.satisfied),
  }));
}

/** Per agent: conversations assigned to them in the range, and the ratings given while they were assigned. */
export async function chatByAgent(db: Db, tenantId: string, r: ReportRange): Promise<ChatAgentRow[]> {
  const { rows } = await db.raw<{ rows: { agent_id: string; assigned: number; ratings: number; rating_sum: number }[] }>(`
    SELECT agent_id, count(DISTINCT conversation_id) FILTER (WHERE kind = 'assigned')::int AS assigned,
      count(*) FILTER (WHERE kind = 'rating')::int AS ratings, coalesce(sum(value) FILTER (WHERE kind = 'rating'), 0)::float8 AS rating_sum
    FROM conversation_facts
    WHERE tenant_id = :tenant AND kind IN ('assigned', 'rating') AND occurred_at >= :start AND occurred_at < :end
      AND agent_id IS NOT NULL ${agentFact(r)}
    GROUP BY agent_id`, bindings(tenantId, r));
  return rows.map((row) => ({ agentId: row.agent_id, conversationsAssigned: row.assigned, ratings: row.ratings, ratingSum: Number(row.rating_sum) }));
}

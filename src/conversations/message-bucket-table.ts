/**
 * Reads of the message rollup (message_buckets, agent_message_buckets): a tenant's messages
 * counted per 15-minute UTC bucket by a trigger on every insert. Whole buckets inside a
 * range are read from the rollup; the part of a range before its first whole bucket and
 * after its last (a custom range may start or end at any instant) is counted from the
 * messages themselves, so any half-open range is counted exactly.
 */

/** The rollup's bucket width; every zone's offset is a multiple of it, so a bucket lies inside one local day. */
const BUCKET_MS = 15 * 60_000;

/** The bounds the message-days SQL binds besides :tenant, :zone, :start, :end and :agent. */
export function bucketBindings(start: Date, end: Date): { leadEnd: string; bucketStart: string; bucketEnd: string } {
  const bucketStart = Math.ceil(start.getTime() / BUCKET_MS) * BUCKET_MS;
  const bucketEnd = Math.max(bucketStart, Math.floor(end.getTime() / BUCKET_MS) * BUCKET_MS);
  const iso = (ms: number) => new Date(ms).toISOString();
  return { leadEnd: iso(Math.min(bucketStart, end.getTime())), bucketStart: iso(bucketStart), bucketEnd: iso(bucketEnd) };
}

/**
 * A query of `day, messages, agent_messages, visitor_messages` per local day of the range:
 * with `agent`, the messages that agent sent. The edges are index range scans of at most a
 * quarter hour each.
 */
export function messageDaysSql(agent: boolean): string {
  const rollup = agent
    ? `SELECT bucket AS at, messages, messages AS agent_messages, 0 AS visitor_messages FROM agent_message_buckets
        WHERE tenant_id = :tenant AND agent_id = :agent AND bucket >= :bucketStart AND bucket < :bucketEnd`
    : `SELECT bucket AS at, messages, agent_messages, visitor_messages FROM message_buckets
        WHERE tenant_id = :tenant AND bucket >= :bucketStart AND bucket < :bucketEnd`;
  const edge = (from: string, to: string) => `
    SELECT created_at, 1, (sender_type = 'agent')::int, (sender_type = 'visitor')::int FROM messages
     WHERE tenant_id = :tenant AND created_at >= ${from} AND created_at < ${to}
       ${agent ? `AND sender_type = 'agent' AND sender_id = :agent` : ''}`;
  return `
    SELECT (at AT TIME ZONE :zone)::date AS day, sum(messages) AS messages, sum(agent_messages) AS agent_messages,
      sum(visitor_messages) AS visitor_messages
    FROM (${rollup} UNION ALL ${edge(':start', ':leadEnd')} UNION ALL ${edge(':bucketEnd', ':end')}) counted
    GROUP BY 1`;
}

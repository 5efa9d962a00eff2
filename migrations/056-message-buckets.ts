import type { Knex } from 'knex';

/*
 * Messages counted per tenant in 15-minute UTC buckets, so a report sums at most 96 rows a
 * day (times the shards) instead of reading every message. Every zone's offset from UTC is a
 * whole number of quarter hours, so each bucket lies inside one local day in any zone.
 *
 * The database keeps the counts itself: a statement trigger adds each insert's messages, so
 * no write path (the send, an import, a seed) can forget them. Messages are never deleted
 * but with their tenant, whose buckets go with it. A tenant's sends would all add to one row
 * per bucket and wait on its lock until they commit; the totals are spread over four shards
 * by conversation to keep them apart. A conversation's sends always take the same shard, so
 * a transaction that writes several of its messages takes its locks in one order. An agent's own messages are counted once more, under the agent, for
 * reports narrowed to one agent.
 */
const BUCKET = `date_bin('15 minutes', created_at, timestamptz '2000-01-01 00:00:00+00')`;

/** The statements adding the messages of `source` (the trigger's new rows, or the whole table) to their buckets. */
const countMessagesOf = (source: string) => [`
  INSERT INTO message_buckets AS b (tenant_id, bucket, shard, messages, agent_messages, visitor_messages)
    SELECT tenant_id, ${BUCKET}, (hashtext(conversation_id::text) & 3)::smallint,
           count(*), count(*) FILTER (WHERE sender_type = 'agent'), count(*) FILTER (WHERE sender_type = 'visitor')
      FROM ${source} GROUP BY 1, 2, 3
  ON CONFLICT (tenant_id, bucket, shard) DO UPDATE SET messages = b.messages + excluded.messages,
    agent_messages = b.agent_messages + excluded.agent_messages, visitor_messages = b.visitor_messages + excluded.visitor_messages`, `
  INSERT INTO agent_message_buckets AS b (tenant_id, agent_id, bucket, messages)
    SELECT tenant_id, sender_id, ${BUCKET}, count(*)
      FROM ${source} WHERE sender_type = 'agent' AND sender_id IS NOT NULL GROUP BY 1, 2, 3
  ON CONFLICT (tenant_id, agent_id, bucket) DO UPDATE SET messages = b.messages + excluded.messages`];

export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    CREATE TABLE message_buckets (
      tenant_id uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
      bucket timestamptz NOT NULL,
      shard smallint NOT NULL,
      messages integer NOT NULL,
      agent_messages integer NOT NULL,
      visitor_messages integer NOT NULL,
      PRIMARY KEY (tenant_id, bucket, shard)
    )`);
  await knex.raw(`
    CREATE TABLE agent_message_buckets (
      tenant_id uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
      agent_id uuid NOT NULL,
      bucket timestamptz NOT NULL,
      messages integer NOT NULL,
      PRIMARY KEY (tenant_id, agent_id, bucket)
    )`);
  await knex.raw(`
    CREATE FUNCTION count_messages_in_buckets() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      ${countMessagesOf('new_messages').join(';\n')};
      RETURN NULL;
    END $$`);
  await knex.raw(`CREATE TRIGGER messages_count_in_buckets AFTER INSERT ON messages
    REFERENCING NEW TABLE AS new_messages FOR EACH STATEMENT EXECUTE FUNCTION count_messages_in_buckets()`);
  // The messages written before: counted once, as the trigger would have.
  for (const statement of countMessagesOf('messages')) await knex.raw(statement);
}

export async function down(): Promise<void> {
  throw new Error('Migrations are forward-only');
}

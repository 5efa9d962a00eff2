import type { Knex } from 'knex';

/*
 * Indexes the reports read with. Each report scans one tenant's period by time and buckets it
 * by local day, so each index leads with (tenant, time) and carries the columns the counts
 * need (INCLUDE), letting PostgreSQL answer from the index alone without visiting the rows.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`CREATE INDEX conversation_facts_report ON conversation_facts (tenant_id, kind, occurred_at)
    INCLUDE (conversation_id, agent_id, value)`);
  // Same key as the index above without its columns: every fact write would keep both up to date.
  await knex.raw('DROP INDEX conversation_facts_tenant_id_kind_occurred_at_index');
  // A period's conversations are looked up again for their resolutions and reopenings up to its end.
  await knex.raw(`CREATE INDEX conversation_facts_outcome ON conversation_facts (conversation_id, occurred_at)
    INCLUDE (kind) WHERE kind IN ('resolved', 'reopened')`);
  await knex.raw('CREATE INDEX messages_report ON messages (tenant_id, created_at) INCLUDE (sender_type, sender_id)');
  await knex.raw(`CREATE INDEX call_sessions_report ON call_sessions (tenant_id, started_at)
    INCLUDE (direction, status, ring_deadline, answered_at, ended_at, answered_by_type, answered_by_id, started_by_type, started_by_id)`);
}

export async function down(): Promise<void> {
  throw new Error('Migrations are forward-only');
}

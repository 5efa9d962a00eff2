import type { Knex } from 'knex';

/* Internet call sessions of a conversation: their state, who started and answered them, and when. */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('call_sessions', (t) => {
    t.uuid('id').primary();
    t.uuid('tenant_id').notNullable().references('tenants.id').onDelete('CASCADE');
    t.uuid('conversation_id').notNullable().references('conversations.id').onDelete('CASCADE');
    t.text('type').notNullable();
    t.text('direction').notNullable();
    t.text('status').notNullable().defaultTo('started');
    // Who started and who answered: a runtime token's kind (visitor, agent) or a dashboard account.
    t.text('started_by_type').notNullable();
    t.uuid('started_by_id').notNullable();
    t.text('answered_by_type');
    t.uuid('answered_by_id');
    t.jsonb('metadata').notNullable().defaultTo('{}');
    t.timestamp('started_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    // Unanswered by then, the call is missed (the sweeper and every read apply it).
    t.timestamp('ring_deadline', { useTz: true }).notNullable();
    t.timestamp('answered_at', { useTz: true });
    t.timestamp('ended_at', { useTz: true });
    t.text('end_reason');
    t.index(['tenant_id', 'conversation_id']);
  });
  await knex.raw(`ALTER TABLE call_sessions ADD CONSTRAINT call_sessions_type CHECK (type IN ('audio', 'video'))`);
  await knex.raw(`ALTER TABLE call_sessions ADD CONSTRAINT call_sessions_status CHECK (status IN ('started', 'answered', 'ended', 'missed', 'failed'))`);
  // One live call per conversation: a second start while one rings or runs is a conflict.
  await knex.raw(`CREATE UNIQUE INDEX call_sessions_live ON call_sessions (conversation_id) WHERE status IN ('started', 'answered')`);
  await knex.raw(`CREATE INDEX call_sessions_ringing ON call_sessions (ring_deadline) WHERE status = 'started'`);
}

export async function down(): Promise<void> {
  throw new Error('Migrations are forward-only');
}

import type { Knex } from 'knex';

/*
 * The agent inbox: agents' presence (a manual status and the last sign of life), the history
 * of every assignment change, who closed a conversation, and the keyset the inbox pages on.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('agent_presence', (t) => {
    t.uuid('account_id').primary().references('accounts.id').onDelete('CASCADE');
    t.uuid('tenant_id').notNullable().references('tenants.id').onDelete('CASCADE');
    t.text('status').notNullable().defaultTo('available');
    t.timestamp('last_seen_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('status_changed_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.index(['tenant_id', 'last_seen_at']);
  });
  await knex.raw(`ALTER TABLE agent_presence ADD CONSTRAINT agent_presence_status CHECK (status IN ('available', 'busy', 'offline'))`);

  await knex.schema.createTable('conversation_assignments', (t) => {
    t.uuid('id').primary();
    t.uuid('tenant_id').notNullable().references('tenants.id').onDelete('CASCADE');
    t.uuid('conversation_id').notNullable().references('conversations.id').onDelete('CASCADE');
    t.uuid('assigned_agent_id');
    t.uuid('assigned_department_id');
    t.uuid('assigned_by_agent_id');
    t.text('reason');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.index(['conversation_id', 'created_at']);
  });

  await knex.schema.alterTable('conversations', (t) => {
    t.uuid('closed_by');
  });
  // The inbox is ordered by last activity, newest first, and pages on (activity, id).
  await knex.raw(`CREATE INDEX conversations_inbox ON conversations (tenant_id, (coalesce(last_message_at, created_at)) DESC, id DESC)`);
}

export async function down(): Promise<void> {
  throw new Error('Migrations are forward-only');
}

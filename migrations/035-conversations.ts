import type { Knex } from 'knex';

/*
 * Conversations: one model for the visitor's chat and the agent inbox. Messages are ordered
 * by a per-conversation sequence, which is also what receipts mark. The facts reports count
 * are written when they happen, so a report never changes because a conversation did later.
 */
export async function up(knex: Knex): Promise<void> {
  // Per-tenant human-readable numbers: one counter row per tenant, bumped in the creating transaction.
  await knex.schema.createTable('conversation_counters', (t) => {
    t.uuid('tenant_id').primary().references('tenants.id').onDelete('CASCADE');
    t.bigInteger('last_number').notNullable().defaultTo(0);
  });

  await knex.schema.createTable('conversations', (t) => {
    t.uuid('id').primary();
    t.uuid('tenant_id').notNullable().references('tenants.id').onDelete('CASCADE');
    t.bigInteger('number').notNullable();
    t.uuid('visitor_id').references('visitors.id').onDelete('SET NULL');
    t.uuid('contact_id').references('contacts.id').onDelete('SET NULL');
    // Departments are a tenant's agent groups; the column is here from the start so reports can group by it.
    t.uuid('department_id');
    t.uuid('assigned_agent_id').references('accounts.id').onDelete('SET NULL');
    t.text('channel').notNullable().defaultTo('chat');
    t.text('status').notNullable().defaultTo('open');
    t.text('priority').notNullable().defaultTo('normal');
    t.text('subject');
    t.jsonb('metadata').notNullable().defaultTo('{}');
    // The sequence number of the newest message; sends bump it under the row lock.
    t.bigInteger('last_seq').notNullable().defaultTo(0);
    t.timestamp('last_message_at', { useTz: true });
    t.timestamp('resolved_at', { useTz: true });
    t.timestamp('closed_at', { useTz: true });
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.unique(['tenant_id', 'number']);
    t.index(['tenant_id', 'visitor_id', 'created_at']);
    t.index(['tenant_id', 'status', 'last_message_at']);
    t.index(['tenant_id', 'assigned_agent_id', 'status']);
  });
  await knex.raw(`ALTER TABLE conversations ADD CONSTRAINT conversations_status CHECK (status IN ('open', 'pending', 'resolved', 'closed'))`);
  await knex.raw(`ALTER TABLE conversations ADD CONSTRAINT conversations_priority CHECK (priority IN ('low', 'normal', 'high', 'urgent'))`);

  await knex.schema.createTable('messages', (t) => {
    t.uuid('id').primary();
    t.uuid('tenant_id').notNullable().references('tenants.id').onDelete('CASCADE');
    t.uuid('conversation_id').notNullable().references('conversations.id').onDelete('CASCADE');
    t.bigInteger('seq').notNullable();
    t.text('sender_type').notNullable();
    // The visitor's or the account's id; null for system messages.
    t.uuid('sender_id');
    t.uuid('sender_contact_id');
    t.text('message_type').notNullable();
    t.text('body').notNullable().defaultTo('');
    t.jsonb('metadata').notNullable().defaultTo('{}');
    t.text('client_message_id');
    t.uuid('attachment_id');
    t.smallint('rating');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('edited_at', { useTz: true });
    t.timestamp('deleted_at', { useTz: true });
    t.unique(['conversation_id', 'seq']);
  });
  // A retried send finds its first attempt here; NULL client ids never collide.
  await knex.raw(`CREATE UNIQUE INDEX messages_client_id ON messages (conversation_id, sender_type, sender_id, client_message_id)
    WHERE client_message_id IS NOT NULL`);
  await knex.raw(`ALTER TABLE messages ADD CONSTRAINT messages_sender_type CHECK (sender_type IN ('visitor', 'agent', 'system', 'ai'))`);
  await knex.raw(`ALTER TABLE messages ADD CONSTRAINT messages_type CHECK (message_type IN ('text', 'attachment', 'rating', 'system'))`);
  await knex.raw('ALTER TABLE messages ADD CONSTRAINT messages_rating CHECK (rating BETWEEN 1 AND 5)');

  // Delivered and read marks per conversation and side: sequence numbers that only move forward.
  await knex.schema.createTable('conversation_receipts', (t) => {
    t.uuid('conversation_id').notNullable().references('conversations.id').onDelete('CASCADE');
    t.text('side').notNullable();
    t.uuid('tenant_id').notNullable();
    t.bigInteger('delivered_seq').notNullable().defaultTo(0);
    t.bigInteger('read_seq').notNullable().defaultTo(0);
    t.timestamp('delivered_at', { useTz: true });
    t.timestamp('read_at', { useTz: true });
    t.primary(['conversation_id', 'side']);
  });

  await knex.schema.createTable('conversation_attachments', (t) => {
    t.uuid('id').primary();
    t.uuid('tenant_id').notNullable().references('tenants.id').onDelete('CASCADE');
    t.uuid('conversation_id').notNullable().references('conversations.id').onDelete('CASCADE');
    t.text('uploader_type').notNullable();
    t.uuid('uploader_id').notNullable();
    t.text('filename').notNullable();
    t.text('declared_type');
    t.bigInteger('declared_size');
    // Set once the bytes are stored: the type read from the bytes, their size, where they are.
    t.text('content_type');
    t.bigInteger('size');
    t.text('storage_key');
    t.uuid('message_id');
    t.jsonb('metadata').notNullable().defaultTo('{}');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('stored_at', { useTz: true });
    t.timestamp('deleted_at', { useTz: true });
    t.index(['tenant_id', 'conversation_id']);
  });

  /*
   * What happened, when, once: first visitor message, first agent reply, resolution,
   * reopening, rating, call answered/ended/missed. `value` is the measure of the fact
   * (seconds to first reply, the score, a call's duration).
   */
  await knex.schema.createTable('conversation_facts', (t) => {
    t.bigIncrements('id');
    t.uuid('tenant_id').notNullable().references('tenants.id').onDelete('CASCADE');
    t.uuid('conversation_id').notNullable().references('conversations.id').onDelete('CASCADE');
    t.text('kind').notNullable();
    t.timestamp('occurred_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.uuid('agent_id');
    t.uuid('department_id');
    t.decimal('value', 14, 3);
    t.index(['tenant_id', 'kind', 'occurred_at']);
  });
  await knex.raw(`CREATE UNIQUE INDEX conversation_facts_first ON conversation_facts (conversation_id, kind)
    WHERE kind IN ('first_visitor_message', 'first_agent_reply')`);
}

export async function down(): Promise<void> {
  throw new Error('Migrations are forward-only');
}

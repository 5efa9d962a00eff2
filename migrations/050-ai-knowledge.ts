import type { Knex } from 'knex';

/*
 * The AI knowledge base and visitor AI conversations. Items are documents and URLs a tenant's
 * admin gives; the ingest worker moves each queued → processing → ready | failed and writes its
 * chunks. Each chunk has a generated tsvector (heading weighted above body) with a GIN index.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('knowledge_items', (t) => {
    t.uuid('id').primary();
    t.uuid('tenant_id').notNullable().references('tenants.id').onDelete('CASCADE');
    t.text('source_type').notNullable();
    t.text('title').notNullable();
    t.text('url');
    t.text('filename');
    t.text('content_type');
    t.text('storage_key');
    t.integer('size');
    t.text('status').notNullable().defaultTo('queued');
    t.text('failure_reason');
    t.integer('chunk_count').notNullable().defaultTo(0);
    // Claims by the ingest worker: a lease that another process takes over once it has run out.
    t.integer('attempts').notNullable().defaultTo(0);
    t.text('lease_token');
    t.timestamp('lease_until', { useTz: true });
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('indexed_at', { useTz: true });
  });
  await knex.raw(`ALTER TABLE knowledge_items ADD CONSTRAINT knowledge_items_source CHECK (source_type IN ('upload', 'url'))`);
  await knex.raw(`ALTER TABLE knowledge_items ADD CONSTRAINT knowledge_items_status CHECK (status IN ('queued', 'processing', 'ready', 'failed'))`);
  // The same URL twice in one tenant is one item.
  await knex.raw('CREATE UNIQUE INDEX knowledge_items_url ON knowledge_items (tenant_id, url) WHERE url IS NOT NULL');
  await knex.raw(`CREATE INDEX knowledge_items_pending ON knowledge_items (updated_at) WHERE status IN ('queued', 'processing')`);
  await knex.raw(`CREATE INDEX knowledge_items_ready ON knowledge_items (tenant_id) WHERE status = 'ready'`);

  await knex.schema.createTable('knowledge_chunks', (t) => {
    t.bigIncrements('id');
    t.uuid('tenant_id').notNullable().references('tenants.id').onDelete('CASCADE');
    t.uuid('item_id').notNullable().references('knowledge_items.id').onDelete('CASCADE');
    t.integer('position').notNullable();
    t.text('heading').notNullable().defaultTo('');
    t.text('body').notNullable();
    t.index(['tenant_id', 'item_id']);
  });
  // English stemming ("refunds" finds "refund"); the heading counts above the body.
  await knex.raw(`ALTER TABLE knowledge_chunks ADD COLUMN search tsvector GENERATED ALWAYS AS (
    setweight(to_tsvector('english'::regconfig, heading), 'A') || setweight(to_tsvector('english'::regconfig, body), 'B')) STORED`);
  await knex.raw('CREATE INDEX knowledge_chunks_search ON knowledge_chunks USING gin (search)');

  await knex.schema.createTable('ai_conversations', (t) => {
    t.uuid('id').primary();
    t.uuid('tenant_id').notNullable().references('tenants.id').onDelete('CASCADE');
    t.uuid('visitor_id').notNullable().references('visitors.id').onDelete('CASCADE');
    t.uuid('conversation_id').notNullable().references('conversations.id').onDelete('CASCADE');
    t.jsonb('metadata').notNullable().defaultTo('{}');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.unique(['conversation_id']);
    t.index(['tenant_id', 'visitor_id']);
  });
}

export async function down(): Promise<void> {
  throw new Error('Migrations are forward-only');
}

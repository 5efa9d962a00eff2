import type { Knex } from 'knex';

/**
 * Webhooks: the tenant's endpoints, the outbox of events, and one row per delivery attempt.
 * The attempt rows are the queue: a `pending` or `sending` row is actionable at
 * `available_at` (its due time, or the end of the lease its claimer holds), so one partial
 * index serves the worker's claim, and the delivery history is the same rows.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('webhooks', (t) => {
    t.uuid('id').primary();
    t.uuid('tenant_id').notNullable().references('tenants.id').onDelete('CASCADE');
    t.text('name');
    t.text('url').notNullable();
    t.jsonb('events').notNullable();
    t.boolean('is_active').notNullable().defaultTo(true);
    // Signing secrets are needed in clear to sign, so they are encrypted (AES-256-GCM), not hashed.
    t.text('secret_ciphertext').notNullable();
    t.text('secret_preview').notNullable();
    // During a rotation the previous secret signs too, until it expires.
    t.text('previous_secret_ciphertext');
    t.timestamp('previous_secret_expires_at', { useTz: true });
    // Start of the current run of failed attempts; cleared by a success.
    t.timestamp('failing_since', { useTz: true });
    t.text('disabled_reason'); // api | gone | failing
    t.timestamps(true, true);
    t.index(['tenant_id', 'created_at']);
  });

  await knex.schema.createTable('webhook_events', (t) => {
    t.uuid('id').primary();
    t.uuid('tenant_id').notNullable().references('tenants.id').onDelete('CASCADE');
    t.text('type').notNullable();
    // The exact JSON sent: every attempt of every delivery signs the same bytes.
    t.text('body').notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.index(['tenant_id', 'created_at']);
  });

  await knex.schema.createTable('webhook_deliveries', (t) => {
    t.uuid('id').primary();
    t.uuid('tenant_id').notNullable().references('tenants.id').onDelete('CASCADE');
    t.uuid('webhook_id').notNullable().references('webhooks.id').onDelete('CASCADE');
    t.uuid('event_id').notNullable().references('webhook_events.id').onDelete('CASCADE');
    t.text('event_type').notNullable();
    // One event to one endpoint: the `webhook-id` header, the same on every attempt.
    t.uuid('delivery_id').notNullable();
    t.integer('attempt').notNullable();
    t.text('status').notNullable(); // pending | sending | delivered | failed | canceled
    t.timestamp('available_at', { useTz: true }).notNullable();
    t.uuid('lease_token');
    t.text('claimed_by');
    t.text('url');
    t.integer('response_status');
    t.text('response_body');
    t.text('error_message');
    t.integer('duration_ms');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('attempted_at', { useTz: true });
    t.timestamp('completed_at', { useTz: true });
    t.unique(['delivery_id', 'attempt']);
    t.index(['tenant_id', 'created_at']);
    t.index(['webhook_id', 'status']);
  });
  // The worker's claim: only actionable rows are indexed, so the index stays small.
  await knex.raw(`CREATE INDEX webhook_deliveries_actionable ON webhook_deliveries (available_at) WHERE status IN ('pending', 'sending')`);
}

export async function down(): Promise<void> {
  throw new Error('Migrations are forward-only');
}

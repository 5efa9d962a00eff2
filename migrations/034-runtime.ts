import type { Knex } from 'knex';

/*
 * The SDK runtime: visitors (anonymous, or verified through a visitor context token), the
 * mobile push tokens devices register, and the counters of the runtime's rate limits.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('visitors', (t) => {
    t.uuid('id').primary();
    t.uuid('tenant_id').notNullable().references('tenants.id').onDelete('CASCADE');
    // Set only for verified visitors: `ext:<externalId>` or `email:<lowercased email>`.
    // NULLs are distinct in a unique index, so every anonymous visitor is its own row.
    t.text('verified_key');
    t.text('external_id');
    t.text('name');
    t.text('email');
    t.text('phone');
    // What the browser said about itself without a context token: kept, never trusted.
    t.jsonb('claimed').notNullable().defaultTo('{}');
    t.jsonb('metadata').notNullable().defaultTo('{}');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('last_seen_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.unique(['tenant_id', 'verified_key']);
  });

  await knex.schema.createTable('device_push_tokens', (t) => {
    t.uuid('id').primary();
    t.uuid('tenant_id').notNullable().references('tenants.id').onDelete('CASCADE');
    t.text('provider').notNullable();
    t.text('token').notNullable();
    t.text('device_id');
    t.text('platform').notNullable();
    t.text('audience').notNullable();
    t.text('call_mode').notNullable();
    t.text('app_id');
    t.text('external_id');
    t.uuid('agent_id');
    // Who registered it: the runtime token's kind and subject (a visitor or an account).
    t.text('owner_kind').notNullable();
    t.uuid('owner_id').notNullable();
    t.jsonb('metadata').notNullable().defaultTo('{}');
    t.boolean('enabled').notNullable().defaultTo(true);
    t.timestamp('last_seen_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.unique(['tenant_id', 'provider', 'token']);
  });
  await knex.raw(`CREATE UNIQUE INDEX device_push_tokens_device ON device_push_tokens (tenant_id, device_id, provider)
    WHERE device_id IS NOT NULL`);

  // rate-limiter-flexible's PostgreSQL store (its documented layout), shared by every process.
  await knex.schema.createTable('rate_limits', (t) => {
    t.string('key', 255).primary();
    t.integer('points').notNullable().defaultTo(0);
    t.bigInteger('expire');
  });
  // Origins asked about by CORS preflights are looked up by domain across tenants.
  await knex.schema.alterTable('tenant_allowed_domains', (t) => {
    t.index(['domain']);
  });
}

export async function down(): Promise<void> {
  throw new Error('Migrations are forward-only');
}

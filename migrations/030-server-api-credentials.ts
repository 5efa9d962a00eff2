import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('server_api_credentials', (t) => {
    t.uuid('id').primary();
    t.uuid('tenant_id').notNullable().references('tenants.id').onDelete('CASCADE');
    t.text('name').notNullable();
    t.text('environment').notNullable(); // test | live
    t.jsonb('scopes').notNullable();
    // Keys are looked up by hash: authenticating one costs one indexed query.
    t.text('secret_hash').notNullable().unique();
    t.text('secret_preview').notNullable();
    t.boolean('is_active').notNullable().defaultTo(true);
    t.timestamp('last_used_at', { useTz: true });
    t.timestamps(true, true);
    t.index(['tenant_id', 'created_at']);
  });
}

export async function down(): Promise<void> {
  throw new Error('Migrations are forward-only');
}

import type { Knex } from 'knex';

// Secrets every process must agree on (cookie keys, …), generated once on first start.
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('app_secrets', (t) => {
    t.text('name').primary();
    t.text('value').notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });
}

export async function down(): Promise<void> {
  throw new Error('Migrations are forward-only');
}

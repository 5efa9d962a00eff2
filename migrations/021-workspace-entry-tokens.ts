import type { Knex } from 'knex';

// One-time tokens that carry an owner from the owner dashboard into the workspace dashboard.
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('workspace_entry_tokens', (t) => {
    t.text('token_hash').primary();
    t.uuid('tenant_id').notNullable().references('tenants.id').onDelete('CASCADE');
    t.uuid('account_id').notNullable().references('accounts.id').onDelete('CASCADE');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('expires_at', { useTz: true }).notNullable();
    t.timestamp('used_at', { useTz: true });
  });
}

export async function down(): Promise<void> {
  throw new Error('Migrations are forward-only');
}

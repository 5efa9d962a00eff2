import type { Knex } from 'knex';

// Dashboard sessions (owner, workspace, platform console). A session is one refresh-token
// family: every refresh rotates the token inside it; presenting a rotated token revokes it.
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('dashboard_sessions', (t) => {
    t.uuid('id').primary();
    t.text('kind').notNullable();            // owner | workspace | platform
    t.uuid('subject_id').notNullable();      // accounts.id, or platform_admins.id for platform
    t.uuid('tenant_id').references('tenants.id').onDelete('CASCADE'); // null for platform
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('expires_at', { useTz: true }).notNullable(); // absolute limit; rotation never extends it
    t.timestamp('revoked_at', { useTz: true });
    t.text('revoked_reason');                // logout | reuse | …
    t.index(['subject_id']);
  });
  await knex.schema.createTable('dashboard_refresh_tokens', (t) => {
    t.text('token_hash').primary();          // sha-256 of the token; the token itself is never stored
    t.uuid('session_id').notNullable().references('dashboard_sessions.id').onDelete('CASCADE');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('expires_at', { useTz: true }).notNullable();
    t.timestamp('rotated_at', { useTz: true }); // set when used: a second use is reuse
    t.index(['session_id']);
  });
}

export async function down(): Promise<void> {
  throw new Error('Migrations are forward-only');
}

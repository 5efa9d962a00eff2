import type { Knex } from 'knex';

// The Login with Ringnity client registry: read by the OIDC provider on every lookup,
// managed by operators (CLI) and, later, the dashboard.
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('oauth_clients', (t) => {
    t.uuid('id').primary();
    t.text('client_id').notNullable().unique();
    t.uuid('tenant_id').notNullable().references('tenants.id').onDelete('CASCADE');
    t.text('name').notNullable();
    t.text('type').notNullable().checkIn(['confidential', 'public']);
    t.text('status').notNullable().defaultTo('active').checkIn(['active', 'revoked']);
    t.jsonb('allowed_scopes').notNullable().defaultTo('[]');
    t.jsonb('redirect_uris').notNullable().defaultTo('[]');
    t.boolean('require_pkce').notNullable().defaultTo(true);
    // SHA-256 of the secret (src/secrets.ts); null for public clients. Never the secret itself.
    t.text('secret_hash');
    t.timestamp('last_used_at', { useTz: true });
    t.timestamp('revoked_at', { useTz: true });
    t.timestamps(true, true);
    t.index(['tenant_id']);
  });
}

export async function down(): Promise<void> {
  throw new Error('Migrations are forward-only');
}

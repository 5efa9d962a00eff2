import type { Knex } from 'knex';

/*
 * Login with Ringnity remembers consent apart from grants: one record per client and account
 * with the scopes and claims the user approved, from which each new sign-in (device, browser)
 * gets a grant of its own. Refresh tokens record the token their rotation issued and whether
 * the one retry a client may make within the grace window was spent (docs/oidc.md "Tokens").
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('oidc_consents', (t) => {
    t.uuid('tenant_id').notNullable().references('tenants.id').onDelete('CASCADE');
    t.text('client_id').notNullable().references('oauth_clients.client_id').onDelete('CASCADE');
    t.uuid('account_id').notNullable().references('accounts.id').onDelete('CASCADE');
    t.jsonb('scopes').notNullable().defaultTo('[]');
    t.jsonb('claims').notNullable().defaultTo('[]');
    t.timestamps(true, true);
    t.primary(['client_id', 'account_id']);
    t.index(['tenant_id', 'account_id']);
  });
  await knex.schema.alterTable('oidc_payloads', (t) => {
    t.text('rotated_to');
    t.timestamp('retried_at', { useTz: true });
  });
}

export async function down(): Promise<void> {
  throw new Error('Migrations are forward-only');
}

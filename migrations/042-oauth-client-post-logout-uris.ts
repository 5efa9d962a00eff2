import type { Knex } from 'knex';

// Where RP-initiated logout may send the user back to (OpenID Connect RP-Initiated Logout §3).
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('oauth_clients', (t) => {
    t.jsonb('post_logout_redirect_uris').notNullable().defaultTo('[]');
  });
}

export async function down(): Promise<void> {
  throw new Error('Migrations are forward-only');
}

import type { Knex } from 'knex';

// Every oidc-provider artifact (sessions, interactions, grants, codes, tokens) as one jsonb
// row. The extracted columns are what the adapter looks rows up by.
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('oidc_payloads', (t) => {
    t.text('type').notNullable();
    t.text('id').notNullable();
    t.jsonb('payload').notNullable();
    t.text('grant_id');
    t.text('uid');
    t.text('user_code');
    // Lets a revoked OAuth client's grants and tokens be found without scanning payloads.
    t.text('client_id');
    t.timestamp('expires_at', { useTz: true });
    t.timestamp('consumed_at', { useTz: true });
    t.primary(['type', 'id']);
    t.index(['grant_id']);
    t.index(['uid']);
    t.index(['user_code']);
    t.index(['client_id']);
    t.index(['expires_at']);
  });
}

export async function down(): Promise<void> {
  throw new Error('Migrations are forward-only');
}

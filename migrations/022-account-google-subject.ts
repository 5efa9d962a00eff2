import type { Knex } from 'knex';

// An owner's linked Google account (the ID token's `sub`, stable where an email may change).
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('accounts', (t) => {
    t.text('google_subject');
  });
  await knex.raw('CREATE UNIQUE INDEX accounts_google_subject_unique ON accounts (google_subject) WHERE google_subject IS NOT NULL');
}

export async function down(): Promise<void> {
  throw new Error('Migrations are forward-only');
}

import type { Knex } from 'knex';

/*
 * Only sessions carry a uid and only device codes a user code, yet every token, code and grant
 * row had an entry in both indexes (a null one), so each token written cost two index inserts
 * that no lookup can use. The lookups (`uid = ?`, `user_code = ?`) imply the column is not null,
 * so PostgreSQL uses the partial indexes for them.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw('CREATE INDEX oidc_payloads_uid ON oidc_payloads (uid) WHERE uid IS NOT NULL');
  await knex.raw('CREATE INDEX oidc_payloads_user_code ON oidc_payloads (user_code) WHERE user_code IS NOT NULL');
  await knex.raw('DROP INDEX oidc_payloads_uid_index');
  await knex.raw('DROP INDEX oidc_payloads_user_code_index');
}

export async function down(): Promise<void> {
  throw new Error('Migrations are forward-only');
}

import type { Knex } from 'knex';

/*
 * Signing keys are published before they sign: `activates_at` is when a key may start
 * signing (existing keys are active already). Dashboard refresh tokens remember the token
 * they were issued for, and a rotated token keeps one retry until `retry_until`, for a
 * client whose refresh answer was lost (README "Dashboard auth").
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('signing_keys', (t) => {
    t.timestamp('activates_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });
  await knex.schema.alterTable('dashboard_refresh_tokens', (t) => {
    t.text('parent_hash');                      // the token this one replaced; null for a family's first
    t.timestamp('retry_until', { useTz: true }); // set at rotation; cleared once retried or once the chain moves on
    t.index(['parent_hash']);
  });
}

export async function down(): Promise<void> {
  throw new Error('Migrations are forward-only');
}

import type { Knex } from 'knex';

// Signing keys live in the database so every process signs and publishes the same set.
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('signing_keys', (t) => {
    t.text('kid').primary();
    t.text('alg').notNullable();
    t.jsonb('private_jwk').notNullable();
    t.jsonb('public_jwk').notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    // Set when a newer key takes over; the key stays published for the retention window.
    t.timestamp('superseded_at', { useTz: true });
  });
}

export async function down(): Promise<void> {
  throw new Error('Migrations are forward-only');
}

import type { Knex } from 'knex';

// Failed-login counters shared by every process (per account and per client IP).
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('login_throttle', (t) => {
    t.text('key').primary();                 // kind + ":" + a hash of the account key or IP (src/accounts/login-throttle.ts)
    t.integer('failures').notNullable();
    t.timestamp('window_started_at', { useTz: true }).notNullable();
    t.timestamp('locked_until', { useTz: true });
  });
}

export async function down(): Promise<void> {
  throw new Error('Migrations are forward-only');
}

import type { Knex } from 'knex';

// The request id ties an audit row to the request's log lines (X-Request-Id).
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('audit_log', (t) => {
    t.text('request_id');
  });
}

export async function down(): Promise<void> {
  throw new Error('Migrations are forward-only');
}

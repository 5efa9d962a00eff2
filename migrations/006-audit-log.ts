import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('audit_log', (t) => {
    t.bigIncrements('id');
    t.timestamp('at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.text('action').notNullable();           // e.g. owner.login.failed
    t.text('outcome').notNullable();          // success | failure
    t.uuid('tenant_id');
    t.text('actor_type');                     // account | platform_admin | oauth_client | operator | anonymous
    t.text('actor_id');
    t.text('target_type');
    t.text('target_id');
    t.text('ip');
    t.text('user_agent');
    t.jsonb('details').notNullable().defaultTo('{}');
    t.index(['tenant_id', 'at']);
    t.index(['action', 'at']);
  });
}

export async function down(): Promise<void> {
  throw new Error('Migrations are forward-only');
}

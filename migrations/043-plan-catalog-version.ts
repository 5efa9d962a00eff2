import type { Knex } from 'knex';

/*
 * The plan contract catalog's version: one row, raised by every replace, so an update made
 * from a stale read is refused rather than silently overwriting another admin's change.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('plan_catalog_version', (t) => {
    t.boolean('id').primary().defaultTo(true);
    t.integer('version').notNullable();
    t.timestamp('updated_at', { useTz: true });
  });
  await knex.raw('alter table plan_catalog_version add constraint plan_catalog_version_single check (id)');
  await knex('plan_catalog_version').insert({ version: 1 });
}

export async function down(): Promise<void> {
  throw new Error('Migrations are forward-only');
}

import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('platform_admins', (t) => {
    t.uuid('id').primary();
    t.text('email').notNullable();
    t.text('name').notNullable();
    t.text('role').notNullable(); // platform_owner | platform_admin | platform_support
    t.text('password_hash').notNullable();
    t.boolean('active').notNullable().defaultTo(true);
    t.timestamps(true, true);
  });
  await knex.raw('CREATE UNIQUE INDEX platform_admins_email_unique ON platform_admins (lower(email))');
}

export async function down(): Promise<void> {
  throw new Error('Migrations are forward-only');
}

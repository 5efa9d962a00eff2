import type { Knex } from 'knex';

// Owners and workspace users share one table: one account store for dashboards and OIDC login.
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('departments', (t) => {
    t.uuid('id').primary();
    t.uuid('tenant_id').notNullable().references('tenants.id').onDelete('CASCADE');
    t.text('name').notNullable();
    t.timestamps(true, true);
    t.unique(['tenant_id', 'name']);
  });
  await knex.schema.createTable('accounts', (t) => {
    t.uuid('id').primary();
    t.uuid('tenant_id').notNullable().references('tenants.id').onDelete('CASCADE');
    t.text('role').notNullable(); // owner | admin | supervisor | agent
    t.text('username').notNullable();
    t.text('email');
    t.boolean('email_verified').notNullable().defaultTo(false);
    t.text('password_hash').notNullable();
    t.text('name').notNullable();
    t.uuid('department_id').references('departments.id').onDelete('SET NULL');
    t.boolean('active').notNullable().defaultTo(true);
    t.timestamps(true, true);
    t.unique(['tenant_id', 'username']);
  });
  await knex.raw("CREATE UNIQUE INDEX accounts_owner_email_unique ON accounts (lower(email)) WHERE role = 'owner'");
  await knex.raw('CREATE INDEX accounts_tenant_email ON accounts (tenant_id, lower(email))');
}

export async function down(): Promise<void> {
  throw new Error('Migrations are forward-only');
}

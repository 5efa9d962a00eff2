import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('tenants', (t) => {
    t.uuid('id').primary();
    t.text('slug').notNullable().unique();
    t.text('name').notNullable();
    t.text('company_name');
    t.text('email').notNullable();
    t.text('phone');
    t.text('timezone').notNullable().defaultTo('UTC');
    t.text('industry');
    t.text('logo_url');
    t.boolean('active').notNullable().defaultTo(true);
    t.boolean('onboarding_completed').notNullable().defaultTo(false);
    t.text('public_key').notNullable().unique();
    t.uuid('plan_id').notNullable().references('plans.id');
    t.jsonb('branding').notNullable().defaultTo('{}');
    // Services the tenant's admin switched on (feature key → boolean); the plan still has to allow them.
    t.jsonb('service_enablement').notNullable().defaultTo('{}');
    t.timestamps(true, true);
  });
  await knex.schema.createTable('tenant_allowed_domains', (t) => {
    t.uuid('tenant_id').notNullable().references('tenants.id').onDelete('CASCADE');
    t.text('domain').notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.primary(['tenant_id', 'domain']);
  });
}

export async function down(): Promise<void> {
  throw new Error('Migrations are forward-only');
}

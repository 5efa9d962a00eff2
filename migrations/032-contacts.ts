import type { Knex } from 'knex';

// Contacts a tenant's backend syncs through the Server API. Each identifier (external id,
// email, phone) names at most one contact per tenant: the partial unique indexes below are
// what upsert matching relies on. Email is kept as written and compared in lowercase; phone
// is stored in E.164 (the service normalises it), so equal numbers are equal strings.
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('contacts', (t) => {
    t.uuid('id').primary();
    t.uuid('tenant_id').notNullable().references('tenants.id').onDelete('CASCADE');
    t.text('external_id');
    t.text('name').notNullable();
    t.text('phone').notNullable();
    t.text('email');
    t.text('company');
    t.jsonb('tags').notNullable().defaultTo('[]');
    t.text('notes');
    t.text('source').notNullable();
    t.timestamps(true, true);
    // The list's order (created_at, id) within a tenant.
    t.index(['tenant_id', 'created_at', 'id']);
  });
  await knex.raw('CREATE UNIQUE INDEX contacts_tenant_external_id ON contacts (tenant_id, external_id) WHERE external_id IS NOT NULL');
  await knex.raw('CREATE UNIQUE INDEX contacts_tenant_email ON contacts (tenant_id, lower(email)) WHERE email IS NOT NULL');
  await knex.raw('CREATE UNIQUE INDEX contacts_tenant_phone ON contacts (tenant_id, phone) WHERE phone IS NOT NULL');
  // The tag filter is `tags @> '["a","b"]'`.
  await knex.raw('CREATE INDEX contacts_tags ON contacts USING gin (tags jsonb_path_ops)');
}

export async function down(): Promise<void> {
  throw new Error('Migrations are forward-only');
}

import type { Knex } from 'knex';

/*
 * AI billing: the platform's pricing settings (one row), each tenant's prepaid balance and
 * controls, the append-only ledger of every money movement, and the AI usage rows the
 * overview aggregates. Money is integer cents; provider prices are exact numerics.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('ai_pricing_settings', (t) => {
    // One row: the key can only be true.
    t.boolean('id').primary().defaultTo(true);
    t.text('provider').notNullable();
    t.text('currency').notNullable();
    t.text('chat_model').notNullable();
    t.text('voice_model').notNullable();
    t.decimal('input_cost_per_1m_usd', 20, 10).notNullable();
    t.decimal('cached_input_cost_per_1m_usd', 20, 10).notNullable();
    t.decimal('output_cost_per_1m_usd', 20, 10).notNullable();
    t.decimal('voice_cost_per_minute_usd', 20, 10).notNullable();
    t.decimal('markup_multiplier', 20, 10).notNullable();
    t.decimal('risk_buffer_percent', 20, 10).notNullable();
    t.integer('reply_unit_input_tokens').notNullable();
    t.integer('reply_unit_output_tokens').notNullable();
    t.integer('voice_unit_seconds').notNullable();
    t.integer('max_input_tokens').notNullable();
    t.integer('max_output_tokens').notNullable();
    t.integer('max_context_messages').notNullable();
    t.integer('max_knowledge_chunks').notNullable();
    t.integer('max_retries').notNullable();
    t.integer('max_tool_calls').notNullable();
    t.bigInteger('daily_spend_limit_cents').notNullable();
    t.bigInteger('monthly_spend_limit_cents').notNullable();
    t.bigInteger('low_balance_threshold_cents').notNullable();
    t.timestamp('updated_at', { useTz: true });
  });
  await knex.raw('alter table ai_pricing_settings add constraint ai_pricing_settings_single check (id)');
  // The contract's example values: a sensible start that platform admins then edit.
  await knex('ai_pricing_settings').insert({
    provider: 'openai', currency: 'USD', chat_model: 'gpt-4.1-mini', voice_model: 'gpt-realtime',
    input_cost_per_1m_usd: '0.4', cached_input_cost_per_1m_usd: '0.1', output_cost_per_1m_usd: '1.6',
    voice_cost_per_minute_usd: '0.03', markup_multiplier: '3', risk_buffer_percent: '25',
    reply_unit_input_tokens: 3000, reply_unit_output_tokens: 1000, voice_unit_seconds: 60,
    max_input_tokens: 12000, max_output_tokens: 1500, max_context_messages: 12, max_knowledge_chunks: 6,
    max_retries: 1, max_tool_calls: 4, daily_spend_limit_cents: 5000, monthly_spend_limit_cents: 50000,
    low_balance_threshold_cents: 1000,
  });

  await knex.schema.createTable('ai_balances', (t) => {
    t.uuid('tenant_id').primary().references('tenants.id').onDelete('CASCADE');
    // Changed only under SELECT … FOR UPDATE, in the transaction that writes its ledger entry.
    t.bigInteger('balance_cents').notNullable().defaultTo(0);
    t.bigInteger('total_top_up_cents').notNullable().defaultTo(0);
    t.bigInteger('total_usage_cents').notNullable().defaultTo(0);
    t.boolean('overage_enabled').notNullable().defaultTo(false);
    t.boolean('block_on_zero').notNullable().defaultTo(true);
    t.boolean('auto_top_up_enabled').notNullable().defaultTo(false);
    t.bigInteger('auto_top_up_threshold_cents').notNullable().defaultTo(0);
    t.bigInteger('auto_top_up_amount_cents').notNullable().defaultTo(0);
    t.timestamp('last_top_up_at', { useTz: true });
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });

  await knex.schema.createTable('ai_usage', (t) => {
    t.bigIncrements('id');
    t.uuid('tenant_id').notNullable().references('tenants.id').onDelete('CASCADE');
    t.timestamp('occurred_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.integer('replies').notNullable().defaultTo(0);
    t.integer('voice_seconds').notNullable().defaultTo(0);
    t.integer('input_tokens').notNullable().defaultTo(0);
    t.integer('output_tokens').notNullable().defaultTo(0);
    // What this row debited from the balance (overage beyond the plan's included quota).
    t.bigInteger('charge_cents').notNullable().defaultTo(0);
  });
  await knex.raw('create index ai_usage_tenant_time on ai_usage (tenant_id, occurred_at)');
  // Each tenant's month totals of ai_usage, added to in the transaction that writes each row
  // (under the balance row lock): the charge and the overview read one row per tenant, not
  // every row of the month.
  await knex.schema.createTable('ai_usage_months', (t) => {
    t.uuid('tenant_id').notNullable().references('tenants.id').onDelete('CASCADE');
    t.date('month').notNullable(); // the first day of the UTC month
    t.bigInteger('replies').notNullable().defaultTo(0);
    t.bigInteger('voice_seconds').notNullable().defaultTo(0);
    t.bigInteger('voice_events').notNullable().defaultTo(0);
    t.bigInteger('input_tokens').notNullable().defaultTo(0);
    t.bigInteger('output_tokens').notNullable().defaultTo(0);
    t.bigInteger('charged_cents').notNullable().defaultTo(0);
    t.primary(['month', 'tenant_id']);
  });

  await knex.schema.createTable('ai_ledger', (t) => {
    t.bigIncrements('id');
    t.uuid('tenant_id').notNullable().references('tenants.id').onDelete('CASCADE');
    t.text('kind').notNullable(); // top_up | auto_top_up | usage
    // Signed: credits positive, usage charges negative.
    t.bigInteger('amount_cents').notNullable();
    t.bigInteger('balance_after_cents').notNullable();
    t.text('idempotency_key');
    t.bigInteger('usage_id').references('ai_usage.id');
    t.text('notes');
    t.text('actor_type');
    t.text('actor_id');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });
  await knex.raw(`alter table ai_ledger add constraint ai_ledger_kind check (kind in ('top_up', 'auto_top_up', 'usage'))`);
  await knex.raw('create unique index ai_ledger_idempotency on ai_ledger (tenant_id, idempotency_key) where idempotency_key is not null');
  await knex.raw('create index ai_ledger_tenant on ai_ledger (tenant_id, id)');
  // Append-only: an entry, once written, is never changed (removing a tenant still removes its rows).
  await knex.raw(`create function ai_ledger_append_only() returns trigger language plpgsql as $$
    begin raise exception 'ai_ledger is append-only'; end $$`);
  await knex.raw('create trigger ai_ledger_no_update before update on ai_ledger for each row execute function ai_ledger_append_only()');
}

export async function down(): Promise<void> {
  throw new Error('Migrations are forward-only');
}

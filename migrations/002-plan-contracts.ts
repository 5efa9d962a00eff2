import type { Knex } from 'knex';

const FEATURES = [
  ['chat', 'Chat', 'communication', 'Visitor chat with agents.', 10],
  ['voice_call', 'Voice calls', 'communication', 'Visitor voice calls over the internet.', 20],
  ['video_call', 'Video calls', 'communication', 'Visitor video calls and video escalation.', 30],
  ['ai_chat', 'AI chat', 'ai', 'AI answers in visitor chat, grounded in the knowledge base.', 40],
  ['ai_voice', 'AI voice', 'ai', 'Realtime AI voice assistant.', 50],
  ['ai_video', 'AI video', 'ai', 'Realtime AI video assistant.', 60],
] as const;

const QUOTAS = [
  ['agents', 'Agents', 'agent', 'core', 'Non-owner agent accounts allowed by the plan.', 10, null],
  ['allowed_domains', 'Allowed domains', 'domain', 'core', 'Website domains where the widget and SDK may run.', 20, null],
  ['ai_chat_replies', 'AI chat replies', 'reply', 'ai', 'AI chat replies per month.', 30, 'monthly'],
  ['ai_voice_minutes', 'AI voice minutes', 'minute', 'ai', 'Realtime AI voice minutes per month.', 40, 'monthly'],
] as const;

// Starter catalog; platform admins edit it as data. null = unlimited, 0 = disabled.
const PLANS = [
  { slug: 'starter', name: 'Starter', sort: 10, features: ['chat'], quotas: { agents: 3, allowed_domains: 2, ai_chat_replies: 0, ai_voice_minutes: 0 } },
  { slug: 'professional', name: 'Professional', sort: 20, features: ['chat', 'voice_call', 'video_call', 'ai_chat'], quotas: { agents: 15, allowed_domains: 10, ai_chat_replies: 5000, ai_voice_minutes: 0 } },
  { slug: 'enterprise', name: 'Enterprise', sort: 30, features: ['chat', 'voice_call', 'video_call', 'ai_chat', 'ai_voice', 'ai_video'], quotas: { agents: null, allowed_domains: null, ai_chat_replies: 50000, ai_voice_minutes: 2000 } },
];

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('plan_feature_keys', (t) => {
    t.text('feature_key').primary();
    t.text('name').notNullable();
    t.text('category').notNullable();
    t.text('description').notNullable();
    t.text('status').notNullable().defaultTo('stable');
    t.integer('sort_order').notNullable();
  });
  await knex.schema.createTable('plan_quota_keys', (t) => {
    t.text('quota_key').primary();
    t.text('name').notNullable();
    t.text('unit').notNullable();
    t.text('category').notNullable();
    t.text('description').notNullable();
    t.integer('sort_order').notNullable();
    t.text('reset_period');
  });
  await knex.schema.createTable('plans', (t) => {
    t.uuid('id').primary();
    t.text('slug').notNullable().unique();
    t.text('name').notNullable();
    t.integer('sort_order').notNullable();
    t.boolean('is_active').notNullable().defaultTo(true);
  });
  await knex.schema.createTable('plan_features', (t) => {
    t.uuid('plan_id').notNullable().references('plans.id').onDelete('CASCADE');
    t.text('feature_key').notNullable().references('plan_feature_keys.feature_key');
    t.boolean('enabled').notNullable();
    t.jsonb('config').notNullable().defaultTo('{}');
    t.primary(['plan_id', 'feature_key']);
  });
  await knex.schema.createTable('plan_quotas', (t) => {
    t.uuid('plan_id').notNullable().references('plans.id').onDelete('CASCADE');
    t.text('quota_key').notNullable().references('plan_quota_keys.quota_key');
    t.text('value_type').notNullable(); // number | unlimited | custom | disabled
    t.integer('limit_value');
    t.text('reset_period');
    t.jsonb('config').notNullable().defaultTo('{}');
    t.primary(['plan_id', 'quota_key']);
  });

  await knex('plan_feature_keys').insert(FEATURES.map(([feature_key, name, category, description, sort_order]) =>
    ({ feature_key, name, category, description, sort_order })));
  await knex('plan_quota_keys').insert(QUOTAS.map(([quota_key, name, unit, category, description, sort_order, reset_period]) =>
    ({ quota_key, name, unit, category, description, sort_order, reset_period })));
  for (const plan of PLANS) {
    const id = crypto.randomUUID();
    await knex('plans').insert({ id, slug: plan.slug, name: plan.name, sort_order: plan.sort });
    await knex('plan_features').insert(FEATURES.map(([key]) =>
      ({ plan_id: id, feature_key: key, enabled: (plan.features as readonly string[]).includes(key) })));
    await knex('plan_quotas').insert(QUOTAS.map(([key, , , , , , reset]) => {
      const limit = plan.quotas[key];
      const valueType = limit === null ? 'unlimited' : limit === 0 ? 'disabled' : 'number';
      return { plan_id: id, quota_key: key, value_type: valueType, limit_value: valueType === 'number' ? limit : null, reset_period: reset };
    }));
  }
}

export async function down(): Promise<void> {
  throw new Error('Migrations are forward-only');
}

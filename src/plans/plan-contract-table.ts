import type { Db } from '../db/database.ts';
import { iso, json } from '../db/rows.ts';
import type { PlanContractCatalog, PlanContractPlan, PlanValueType } from './plan-contract.ts';

/*
 * The plan matrix as one document: read whole, replaced whole. Owns plan_feature_keys,
 * plan_quota_keys, plans, plan_features, plan_quotas (with plan-catalog.ts, which answers
 * the per-request entitlement reads) and plan_catalog_version.
 */

type FeatureRow = { plan_id: string; feature_key: string; enabled: boolean; config: Record<string, unknown> };
type QuotaRow = {
  plan_id: string; quota_key: string; value_type: PlanValueType; limit_value: number | null;
  reset_period: string | null; config: Record<string, unknown>;
};

export async function readCatalog(db: Db): Promise<PlanContractCatalog> {
  // One after the other: inside a transaction they share one connection.
  const featureKeys = await db('plan_feature_keys').orderBy(['sort_order', 'feature_key']);
  const quotaKeys = await db('plan_quota_keys').orderBy(['sort_order', 'quota_key']);
  const plans = await db('plans').orderBy(['sort_order', 'slug']);
  const features = await db<FeatureRow>('plan_features');
  const quotas = await db<QuotaRow>('plan_quotas');
  const version = await db('plan_catalog_version').first();
  return {
    version: version.version,
    updatedAt: iso(version.updated_at),
    featureKeys: featureKeys.map((r) => ({
      featureKey: r.feature_key, name: r.name, category: r.category, description: r.description, status: r.status, sortOrder: r.sort_order,
    })),
    quotaKeys: quotaKeys.map((r) => ({
      quotaKey: r.quota_key, name: r.name, unit: r.unit, category: r.category, description: r.description, sortOrder: r.sort_order,
    })),
    plans: plans.map((p): PlanContractPlan => ({
      planId: p.id, slug: p.slug, name: p.name, sortOrder: p.sort_order, isActive: p.is_active,
      features: Object.fromEntries(features.filter((f) => f.plan_id === p.id)
        .map((f) => [f.feature_key, { planId: p.id, featureKey: f.feature_key, enabled: f.enabled, config: f.config }])),
      quotas: Object.fromEntries(quotas.filter((q) => q.plan_id === p.id).map((q) => [q.quota_key, {
        planId: p.id, quotaKey: q.quota_key, valueType: q.value_type, limitValue: q.limit_value, resetPeriod: q.reset_period, config: q.config,
      }])),
    })),
  };
}

/** Locks the version row until the transaction ends (replaces serialise on it) and returns the version. */
export async function lockVersion(db: Db): Promise<number> {
  const row = await db('plan_catalog_version').forUpdate().first('version');
  return row.version;
}

/**
 * Writes `next` over the stored catalog (validated by the caller, under lockVersion) and
 * raises the version. Plans absent from `next` are deleted; a plan that tenants are on
 * can't be: the tenants' foreign key refuses it (23503), and the transaction fails.
 */
export async function replaceCatalog(db: Db, next: PlanContractCatalog): Promise<void> {
  const planIds = next.plans.map((p) => p.planId);
  await db('plans').whereNotIn('id', planIds).delete();
  await db('plan_features').delete();
  await db('plan_quotas').delete();
  await db('plan_feature_keys').whereNotIn('feature_key', next.featureKeys.map((k) => k.featureKey)).delete();
  await db('plan_quota_keys').whereNotIn('quota_key', next.quotaKeys.map((k) => k.quotaKey)).delete();

  for (const k of next.featureKeys) {
    await db('plan_feature_keys')
      .insert({ feature_key: k.featureKey, name: k.name, category: k.category, description: k.description, status: k.status, sort_order: k.sortOrder })
      .onConflict('feature_key').merge();
  }
  for (const k of next.quotaKeys) {
    await db('plan_quota_keys')
      .insert({ quota_key: k.quotaKey, name: k.name, unit: k.unit, category: k.category, description: k.description, sort_order: k.sortOrder })
      .onConflict('quota_key').merge();
  }
  // Slugs are unique: park the kept plans' slugs first so two plans can swap theirs.
  await db('plans').whereIn('id', planIds).update({ slug: db.raw(`'~' || id::text`) });
  for (const p of next.plans) {
    await db('plans').insert({ id: p.planId, slug: p.slug, name: p.name, sort_order: p.sortOrder, is_active: p.isActive })
      .onConflict('id').merge();
  }
  const features = next.plans.flatMap((p) => Object.entries(p.features)
    .map(([key, f]) => ({ plan_id: p.planId, feature_key: key, enabled: f.enabled, config: json(f.config ?? {}) })));
  const quotas = next.plans.flatMap((p) => Object.entries(p.quotas).map(([key, q]) => ({
    plan_id: p.planId, quota_key: key, value_type: q.valueType, limit_value: q.valueType === 'number' ? q.limitValue : null,
    reset_period: q.resetPeriod ?? null, config: json(q.config ?? {}),
  })));
  if (features.length) await db('plan_features').insert(features);
  if (quotas.length) await db('plan_quotas').insert(quotas);
  await db('plan_catalog_version').update({ version: db.raw('version + 1'), updated_at: db.fn.now() });
}


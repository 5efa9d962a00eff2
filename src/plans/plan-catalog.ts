import type { Db } from '../db/database.ts';

export type Plan = { id: string; slug: string; name: string; sortOrder: number; isActive: boolean };

type PlanRow = { id: string; slug: string; name: string; sort_order: number; is_active: boolean };
const toPlan = (r: PlanRow): Plan => ({ id: r.id, slug: r.slug, name: r.name, sortOrder: r.sort_order, isActive: r.is_active });

export const DEFAULT_PLAN_SLUG = 'starter';

export async function findPlanBySlug(db: Db, slug: string): Promise<Plan | undefined> {
  const row = await db<PlanRow>('plans').where({ slug }).first();
  return row && toPlan(row);
}

export async function findPlanById(db: Db, id: string): Promise<Plan | undefined> {
  const row = await db<PlanRow>('plans').where({ id }).first();
  return row && toPlan(row);
}

/** Feature keys the plan enables. */
export async function planFeatures(db: Db, planId: string): Promise<Set<string>> {
  const rows = await db('plan_features').where({ plan_id: planId, enabled: true }).select('feature_key');
  return new Set(rows.map((r) => r.feature_key));
}

/** The plan's limit for a quota key: a number, or null when unlimited (disabled counts as 0). */
export async function planQuota(db: Db, planId: string, quotaKey: string): Promise<number | null> {
  const row = await db('plan_quotas').where({ plan_id: planId, quota_key: quotaKey }).first();
  if (!row || row.value_type === 'disabled') return 0;
  if (row.value_type === 'unlimited') return null;
  return row.limit_value ?? null;
}

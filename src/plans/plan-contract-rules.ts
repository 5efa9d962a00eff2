import { isUuid } from '../db/rows.ts';
import { ENFORCED_FEATURE_KEYS, ENFORCED_QUOTA_KEYS, VALUE_TYPES, type PlanContractCatalog } from './plan-contract.ts';
import { DEFAULT_PLAN_SLUG } from './plan-catalog.ts';

const KEY = /^[a-z][a-z0-9_]{0,63}$/;
const SLUG = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

/**
 * Every problem of a catalog an admin wants to store, beyond the contract's schema: keys and
 * slugs well-formed and unique, every reference to a known key, values that fit their type,
 * every plan with an enabled feature and a value for every quota, and the keys and default
 * plan the code relies on kept. Runs only on input that passed the schema.
 */
export function catalogProblems(catalog: PlanContractCatalog): string[] {
  const problems: string[] = [];
  const featureKeys = keysOf(catalog.featureKeys.map((k) => k.featureKey), 'featureKeys', problems);
  const quotaKeys = keysOf(catalog.quotaKeys.map((k) => k.quotaKey), 'quotaKeys', problems);
  for (const key of ENFORCED_FEATURE_KEYS) if (!featureKeys.has(key)) problems.push(`featureKeys must keep "${key}": the platform enforces it`);
  for (const key of ENFORCED_QUOTA_KEYS) if (!quotaKeys.has(key)) problems.push(`quotaKeys must keep "${key}": the platform enforces it`);

  duplicates(catalog.plans.map((p) => p.slug)).forEach((slug) => problems.push(`plans: slug "${slug}" is used by more than one plan`));
  duplicates(catalog.plans.map((p) => p.planId)).forEach((id) => problems.push(`plans: planId "${id}" is used by more than one plan`));
  if (!catalog.plans.some((p) => p.slug === DEFAULT_PLAN_SLUG)) problems.push(`plans must keep "${DEFAULT_PLAN_SLUG}": new tenants start on it`);

  catalog.plans.forEach((plan, i) => {
    const at = `plans[${i}] (${plan.slug})`;
    if (!isUuid(plan.planId)) problems.push(`${at}.planId must be a UUID`);
    if (!SLUG.test(plan.slug)) problems.push(`${at}.slug must be 1-63 lowercase letters, digits or "-"`);
    if (!plan.name.trim()) problems.push(`${at}.name must not be blank`);
    for (const [key, feature] of Object.entries(plan.features)) {
      if (!featureKeys.has(key)) problems.push(`${at}.features.${key} is not a feature key of the catalog`);
      if (feature.featureKey !== undefined && feature.featureKey !== key) problems.push(`${at}.features.${key}.featureKey must be "${key}"`);
      if (feature.planId !== undefined && feature.planId !== plan.planId) problems.push(`${at}.features.${key}.planId must be the plan's planId`);
    }
    if (!Object.values(plan.features).some((f) => f.enabled)) problems.push(`${at} has no features: enable at least one`);
    for (const [key, quota] of Object.entries(plan.quotas)) {
      const where = `${at}.quotas.${key}`;
      if (!quotaKeys.has(key)) problems.push(`${where} is not a quota key of the catalog`);
      if (quota.quotaKey !== undefined && quota.quotaKey !== key) problems.push(`${where}.quotaKey must be "${key}"`);
      if (quota.planId !== undefined && quota.planId !== plan.planId) problems.push(`${where}.planId must be the plan's planId`);
      if (!VALUE_TYPES.includes(quota.valueType)) continue; // the schema has named it
      const hasValue = quota.limitValue !== undefined && quota.limitValue !== null;
      if (quota.valueType === 'number' && (!hasValue || quota.limitValue! < 0)) problems.push(`${where}.limitValue must be an integer of 0 or more for valueType "number"`);
      if (quota.valueType !== 'number' && hasValue) problems.push(`${where}.limitValue must be null for valueType "${quota.valueType}"`);
    }
    for (const key of quotaKeys) if (!(key in plan.quotas)) problems.push(`${at}.quotas.${key} is missing: every plan needs a value for every quota key`);
  });
  return problems;
}

function keysOf(keys: string[], where: string, problems: string[]): Set<string> {
  keys.filter((k) => !KEY.test(k)).forEach((k) => problems.push(`${where}: "${k}" must be lowercase letters, digits and "_", starting with a letter`));
  duplicates(keys).forEach((k) => problems.push(`${where}: "${k}" is listed more than once`));
  return new Set(keys);
}

const duplicates = (values: string[]) => [...new Set(values.filter((v, i) => values.indexOf(v) !== i))];

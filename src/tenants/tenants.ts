import { nameProblem } from '../display-name.ts';
import type { Db } from '../db/database.ts';
import { apiError } from '../http/api-error.ts';
import { accountProblems } from '../accounts/account-rules.ts';
import type { Account } from '../accounts/account.ts';
import { findOwnerByEmail, insertAccount } from '../accounts/accounts.ts';
import type { Actor } from '../audit/actor.ts';
import { audit } from '../audit/audit-log.ts';
import { hashPassword, type PasswordParams } from '../accounts/passwords.ts';
import { DEFAULT_PLAN_SLUG, findPlanBySlug } from '../plans/plan-catalog.ts';
import { randomToken } from '../secrets.ts';
import type { Tenant } from './tenant.ts';
import { canonicalTimeZone } from './time-zones.ts';
import * as table from './tenant-table.ts';
import { findTenantById, findTenantBySlug, insertTenant } from './tenant-table.ts';

/** The tenants module's face: other modules read tenants through these, never through the table. */
export { countTenants, findRuntimeTenant, findTenantById, findTenantBySlug, isTenantActive, listTenants, type RuntimeTenant } from './tenant-table.ts';

export const SLUG = /^[a-z0-9](?:[a-z0-9-]{1,61}[a-z0-9])$/;

/** The caller's tenant; 404 when it is gone (a token can outlive a deleted tenant). */
export async function requireTenant(db: Db, id: string): Promise<Tenant> {
  const tenant = await findTenantById(db, id);
  if (!tenant) throw apiError('NOT_FOUND', 'Tenant not found');
  return tenant;
}

/** Suspends or re-activates a tenant: every session, token and key of it stops (or resumes) working at once. */
export async function setTenantActive(db: Db, actor: Actor, tenantId: string, active: boolean): Promise<void> {
  await db.transaction(async (trx) => {
    if (!await table.setTenantActive(trx, tenantId, active)) throw apiError('NOT_FOUND', 'Tenant not found');
    await audit(trx, { ...actor, tenantId }, active ? 'tenant.enabled' : 'tenant.disabled', { type: 'tenant', id: tenantId });
  });
}

export type NewTenantInput = {
  slug: string; name: string; ownerEmail: string; ownerPassword: string; ownerName?: string; planSlug?: string;
  /** An IANA zone name; UTC when left out. */
  timezone?: string;
};

const zoneProblem = (timezone: string) => `timezone "${timezone}" is not an IANA time zone name (e.g. "Europe/Berlin", "UTC")`;

/** Sets the zone the tenant's reports count days in: an IANA name, stored in its canonical spelling. */
export async function setTenantTimezone(db: Db, actor: Actor, tenantId: string, timezone: string): Promise<Tenant> {
  const zone = canonicalTimeZone(timezone);
  if (!zone) throw apiError('VALIDATION_FAILED', 'Invalid time zone', { details: [zoneProblem(timezone)] });
  return db.transaction(async (trx) => {
    const tenant = await table.setTenantTimezone(trx, tenantId, zone);
    if (!tenant) throw apiError('NOT_FOUND', 'Tenant not found');
    await audit(trx, { ...actor, tenantId }, 'tenant.timezone_changed', { type: 'tenant', id: tenantId }, { timezone: zone });
    return tenant;
  });
}

/** Creates a tenant and its owner account in one transaction: both exist, or neither. */
export async function createTenant(db: Db, passwords: PasswordParams, input: NewTenantInput): Promise<{ tenant: Tenant; owner: Account }> {
  const problems = [
    ...(SLUG.test(input.slug) ? [] : ['slug must be 3-63 lowercase letters, digits or "-", starting and ending with a letter or digit']),
    ...[nameProblem(input.name)].filter((p) => p !== undefined),
    ...accountProblems({ email: input.ownerEmail, password: input.ownerPassword }),
    ...(input.timezone === undefined || canonicalTimeZone(input.timezone) ? [] : [zoneProblem(input.timezone)]),
  ];
  if (problems.length) throw apiError('VALIDATION_FAILED', 'Invalid tenant', { details: problems });

  const passwordHash = await hashPassword(passwords, input.ownerPassword);
  return db.transaction(async (trx) => {
    const planSlug = input.planSlug ?? DEFAULT_PLAN_SLUG;
    const plan = await findPlanBySlug(trx, planSlug);
    if (!plan) throw apiError('VALIDATION_FAILED', `unknown plan "${planSlug}"`);
    if (await findTenantBySlug(trx, input.slug)) throw apiError('CONFLICT', `slug "${input.slug}" is already taken`);
    if (await findOwnerByEmail(trx, input.ownerEmail)) throw apiError('CONFLICT', `an owner with email "${input.ownerEmail}" already exists`);

    const tenant = await insertTenant(trx, {
      id: crypto.randomUUID(), slug: input.slug, name: input.name.trim(), email: input.ownerEmail.toLowerCase(),
      publicKey: randomToken('rn_pk_'), planId: plan.id, timezone: input.timezone === undefined ? undefined : canonicalTimeZone(input.timezone),
    });
    const owner = await insertAccount(trx, {
      id: crypto.randomUUID(), tenantId: tenant.id, role: 'owner', username: ownerUsername(input.ownerEmail),
      email: input.ownerEmail.toLowerCase(), name: input.ownerName?.trim() || input.name.trim(), passwordHash,
    });
    return { tenant, owner };
  });
}

/** The owner's workspace username: the email's local part, made valid. The tenant is new, so it is free. */
function ownerUsername(email: string): string {
  const local = email.split('@')[0].toLowerCase().replace(/[^a-z0-9._-]/g, '').replace(/^[._-]+|[._-]+$/g, '');
  return local.length >= 3 ? local.slice(0, 64) : 'owner';
}

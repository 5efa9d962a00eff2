import type { Tenant } from './tenant.ts';

/** The contract's `Tenant` shape: `clientId` is the tenant id (DESIGN.md). */
export function toTenantIdentity(t: Tenant) {
  return {
    clientId: t.id,
    slug: t.slug,
    name: t.name,
    email: t.email,
    isActive: t.active,
    timezone: t.timezone,
    ...(t.companyName ? { companyName: t.companyName } : {}),
    ...(t.phone ? { phone: t.phone } : {}),
  };
}

/**
 * Who a change is made by, built once per request by its guard (or for the operator CLI)
 * and handed to services, which record it with their change.
 */
export type ActorType = 'account' | 'visitor' | 'platform_admin' | 'server_api_key' | 'oauth_client' | 'operator' | 'system' | 'anonymous';

export type Actor = {
  /** The tenant the actor acts in; null for platform admins, the operator and strangers. */
  tenantId: string | null;
  type: ActorType;
  id: string | null;
  ip?: string;
  userAgent?: string;
  requestId?: string;
};

/** An actor acting inside a tenant: what tenant-scoped services require. */
export type TenantActor = Actor & { tenantId: string };

/** The operator at the CLI: no tenant of its own, no request. */
export const OPERATOR: Actor = Object.freeze({ tenantId: null, type: 'operator', id: null });

/** The operator acting on one tenant's behalf (creating its accounts, clients, demo data). */
export const operatorIn = (tenantId: string): TenantActor => ({ ...OPERATOR, tenantId });

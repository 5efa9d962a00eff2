import type { Database, Db } from '../db/database.ts';
import type { Logger } from '../logger.ts';
import type { OAuthClientWithSecret } from '../oauth-clients/oauth-client.ts';
import { findActiveOAuthClient } from '../oauth-clients/oauth-clients.ts';
import type { Tenant } from '../tenants/tenant.ts';
import { findTenantById } from '../tenants/tenants.ts';
import { startNotifiedCache } from './notified-cache.ts';
import { foundKey } from './request-scope.ts';

/**
 * The OAuth clients and tenants a browser sign-in reads on every step (the authorization
 * request's client, each login and consent page's client and tenant), kept across requests.
 * Each answer is the registry's own (findActiveOAuthClient, findTenantById), stale by at most
 * the notifications' bound (notified-cache.ts): a revoked client, a disabled tenant, changed
 * redirect URIs or scopes and a rotated secret are seen by every process within a second.
 */
export type ClientRegistryCache = {
  /** An active client by its client_id, as findActiveOAuthClient answers; revoked and unknown ones are read each time. */
  activeClient(clientId: string): Promise<OAuthClientWithSecret | undefined>;
  tenant(tenantId: string): Promise<Tenant | undefined>;
  stop(): Promise<void>;
};

/** Two caches of `maxEntries` each: clients by client_id, tenants by id, each dropped by its own row's notification. */
export function startClientRegistryCache(db: Db, database: Pick<Database, 'listen'>, options: { maxEntries: number; logger: Logger }): ClientRegistryCache {
  const kept = <V>(name: string, kind: string) =>
    startNotifiedCache<V | undefined>(database, { ...options, name, dependencies: (id, value) => (value ? [foundKey(kind, id)] : undefined) });
  const clients = kept<OAuthClientWithSecret>('client cache', 'Client');
  const tenants = kept<Tenant>('tenant cache', 'Tenant');
  return {
    activeClient: (clientId) => clients.read(clientId, () => findActiveOAuthClient(db, clientId)),
    tenant: (tenantId) => tenants.read(tenantId, () => findTenantById(db, tenantId)),
    async stop() {
      await Promise.all([clients.stop(), tenants.stop()]);
    },
  };
}

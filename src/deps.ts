import type { Knex } from 'knex';
import type { Config } from './config.ts';
import type { Contract } from './contract/contract.ts';
import type { SecuritySchemes } from './contract/security.ts';
import type { PasswordChecker } from './accounts/password-check.ts';
import type { KeyStore } from './keys/signing-keys.ts';
import type { Logger } from './logger.ts';
import type { Metrics } from './monitoring/metrics.ts';
import type { PresenceService } from './agents/presence.ts';
import type { ClientRegistryCache } from './identity/client-registry-cache.ts';
import type { TokenContextCache } from './identity/token-context-cache.ts';

/** What every area's routes and services are built from: passed as plain arguments, no container. */
export type AppDeps = {
  config: Config;
  db: Knex;
  logger: Logger;
  contract: Contract;
  /** Signing keys from the database, shared by the OIDC provider and dashboard tokens. */
  keys: KeyStore;
  /** The throttled, audited password check every login form uses (one dummy hash per process). */
  checkPassword: PasswordChecker;
  /** This app's Prometheus registry and the counters areas report to. */
  metrics: Metrics;
  /** Agents' presence, with this process's heartbeat throttle. */
  presence: PresenceService;
  /** Access tokens' reads kept across this process's userinfo requests, dropped on the database's change notifications. */
  tokenContexts: TokenContextCache;
  /** OAuth clients and their tenants kept across this process's sign-in requests, dropped the same way. */
  clientRegistry: ClientRegistryCache;
};

/** What route factories get: the app's dependencies and how the contract's security schemes are checked. */
export type RouteDeps = AppDeps & { schemes: SecuritySchemes };

import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { Knex } from 'knex';
import type { LoginRefusal } from '../accounts/password-check.ts';

export type Metrics = {
  /** This app's registry: one per app, so several apps in one process (the tests) never clash. */
  registry: Registry;
  requestDuration: Histogram<'method' | 'route' | 'status'>;
  /** A token endpoint success, by grant type (`authorization_code`, `refresh_token`). */
  tokenIssued(grantType: string): void;
  /** A refused password login, by audit action (`oidc.login`, `owner.login`…) and reason. */
  loginRefused(action: string, reason: LoginRefusal): void;
};

/** The pool knex keeps (tarn): what the gauges read at each scrape. */
type Pool = { numUsed(): number; numFree(): number; numPendingAcquires(): number };

export function createMetrics(db: Knex): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const registers = [registry];

  const tokens = new Counter({ name: 'ringnity_oidc_tokens_issued_total', help: 'Token endpoint successes by grant type', labelNames: ['grant_type'], registers });
  const loginFailures = new Counter({ name: 'ringnity_login_failures_total', help: 'Refused password logins (wrong password or unknown account)', labelNames: ['action', 'reason'], registers });
  const loginThrottled = new Counter({ name: 'ringnity_login_throttled_total', help: 'Password logins refused by the brute-force limits', labelNames: ['action'], registers });

  new Gauge({
    name: 'ringnity_db_pool_connections',
    help: 'Database pool connections: used, free, pending (acquires waiting for a connection). PGlite has a pool of one.',
    labelNames: ['state'],
    registers,
    collect() {
      // Gone once the database is closed; read at scrape time, so no timer keeps it alive.
      const pool = (db.client as { pool?: Pool }).pool;
      this.set({ state: 'used' }, pool?.numUsed() ?? 0);
      this.set({ state: 'free' }, pool?.numFree() ?? 0);
      this.set({ state: 'pending' }, pool?.numPendingAcquires() ?? 0);
    },
  });

  return {
    registry,
    requestDuration: new Histogram({
      name: 'ringnity_http_request_duration_seconds',
      help: 'HTTP requests by method, route template (never the raw path) and status',
      labelNames: ['method', 'route', 'status'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    }),
    tokenIssued: (grantType) => tokens.inc({ grant_type: grantType }),
    loginRefused(action, reason) {
      if (reason === 'rate_limited') loginThrottled.inc({ action });
      else loginFailures.inc({ action, reason });
    },
  };
}

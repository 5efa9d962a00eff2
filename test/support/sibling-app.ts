import { loadConfig } from '../../src/config.ts';
import type { Database } from '../../src/db/database.ts';
import { createLogger } from '../../src/logger.ts';
import { startServer, type RunningServer } from '../../src/server.ts';
import { expectContractFor } from './contract.ts';
import { request, testEnv, type TestApp, type TestResponse } from './test-app.ts';

export type SiblingApp = {
  /** Where it listens (its own address: the issuer is the shared app's). */
  url: string;
  request(path: string, init?: RequestInit & { json?: unknown }): Promise<TestResponse>;
  /** Its own dependencies (its key store caches apart from the shared app's, as another process's does). */
  deps: RunningServer['deps'];
  server: RunningServer['server'];
  stop(): Promise<void>;
};

/**
 * A second app process on the shared test database with its own configuration (config is
 * loaded once per process, so settings such as GOOGLE_CLIENT_ID or TRUST_PROXY need one).
 * It shares the database and the signing keys, as a second process behind a load balancer would;
 * `database` may route part of it differently (e.g. its change notifications through a proxy).
 */
export async function startSiblingApp(app: TestApp, env: Record<string, string>, database: Database = app.database): Promise<SiblingApp> {
  // One ISSUER for all processes, as in production: tokens from either app verify in both.
  const config = loadConfig(testEnv({ ISSUER: app.deps.config.issuer, ...env }));
  const running = await startServer(config, createLogger(config), { database });
  return {
    url: running.url,
    // Validated against the contract like the shared app's answers.
    request: async (p, init) => {
      const res = await request(running.url, p, init);
      expectContractFor(init?.method ?? 'GET', p, res);
      return res;
    },
    deps: running.deps,
    server: running.server,
    stop: () => running.stop(),
  };
}

/**
 * Child process: the real app on BENCH_DATABASE_URL (a throwaway database made by the parent),
 * with one tenant, one account and one confidential client seeded for the scenarios.
 * Development defaults, so production-strength argon2 and the login flows show the real bound.
 */
import { loadConfig } from '../src/config.ts';
import { createLogger } from '../src/logger.ts';
import { startServer } from '../src/server.ts';
import { createSeeder } from '../test/support/seed.ts';
import { freePort } from '../test/support/test-app.ts';
import { announceReady } from './server-under-test.ts';
import { BENCH_SCOPES, CALLBACK } from './scenarios.ts';

// A fixed port, because the issuer (and so discovery) names it.
// The runtime's and chat's per-address and per-visitor limits would stop a load generator: lifted here.
// OIDC_TOKEN_CACHE_SIZE passes through, so `OIDC_TOKEN_CACHE_SIZE=0 npm run bench` measures without the cache.
const config = loadConfig({
  NODE_ENV: 'development', PORT: String(await freePort()), DATABASE_URL: process.env.BENCH_DATABASE_URL!, LOG_LEVEL: 'warn',
  OIDC_TOKEN_CACHE_SIZE: process.env.OIDC_TOKEN_CACHE_SIZE,
  SDK_SESSIONS_PER_IP_PER_MINUTE: '100000000', SDK_SESSIONS_PER_TENANT_PER_MINUTE: '100000000', SDK_BOOTSTRAPS_PER_IP_PER_MINUTE: '100000000',
  CHAT_MESSAGES_PER_VISITOR_PER_MINUTE: '100000000', CHAT_MESSAGES_PER_IP_PER_MINUTE: '100000000', CHAT_CONVERSATIONS_PER_IP_PER_MINUTE: '100000000',
});
const server = await startServer(config, createLogger(config));
const seed = createSeeder(server.deps);
const tenant = await seed.tenant();
const user = await seed.account(tenant.id);
const client = await seed.oauthClient(tenant.id, { redirectUris: [CALLBACK], allowedScopes: BENCH_SCOPES });
announceReady({
  url: server.url, clientId: client.clientId, clientSecret: client.clientSecret!, login: { user: user.username, password: user.password }, tenantSlug: tenant.slug,
}, server.stop);

/**
 * `npm run bench`: Login with Ringnity throughput against PostgreSQL, next to a bare
 * oidc-provider with its in-memory adapter in the same process, same keys and same client.
 * BENCH_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/postgres) names the server;
 * a throwaway database is created and dropped. BENCH_SECONDS sets the time per scenario.
 */
import { createServer } from 'node:http';
import argon2 from 'argon2';
import knex from 'knex';
import Provider from 'oidc-provider';
import * as oidc from 'openid-client';
import { loadConfig } from '../src/config.ts';
import { createLogger } from '../src/logger.ts';
import { startServer } from '../src/server.ts';
import { freePort } from '../test/support/test-app.ts';
import { createSeeder } from '../test/support/seed.ts';
import { Browser } from '../test/identity/browser.ts';
import { authorizationRequest } from '../test/identity/oidc-helpers.ts';
import { OIDC_ROUTES, TTL } from '../src/identity/provider.ts';
import { SCOPE_CLAIMS } from '../src/identity/scopes.ts';
import { load, type LoadResult } from './load.ts';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 3);
const CONNECTIONS = 10;
const CALLBACK = 'http://127.0.0.1:9999/callback';
const serverUrl = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

type Target = { name: string; url: string; clientId: string; clientSecret: string; login: { user: string; password: string } };

async function main() {
  const name = `ringnity_bench_${Date.now()}`;
  const admin = knex({ client: 'pg', connection: serverUrl, pool: { min: 0, max: 1 } });
  await admin.raw(`CREATE DATABASE ${name}`);
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  const port = await freePort();
  // Development defaults: production-strength argon2, so login flows show the real bound.
  const config = loadConfig({ NODE_ENV: 'development', PORT: String(port), DATABASE_URL: url.toString(), LOG_LEVEL: 'warn' });
  const ours = await startServer(config, createLogger(config));
  const bare = await startBare(ours.deps.keys);
  try {
    const seed = createSeeder(ours.deps);
    const tenant = await seed.tenant();
    const user = await seed.account(tenant.id);
    const client = await seed.oauthClient(tenant.id, { redirectUris: [CALLBACK], allowedScopes: ['openid', 'profile', 'email', 'offline_access'] });
    const targets: Target[] = [
      { name: 'ringnity (PostgreSQL)', url: ours.url, clientId: client.clientId, clientSecret: client.clientSecret!, login: { user: user.username, password: user.password } },
      { name: 'bare oidc-provider (memory)', url: bare.url, clientId: 'bench-client', clientSecret: 'bench-secret', login: { user: 'bench-user', password: 'any' } },
    ];
    const results: Record<string, LoadResult[]> = {};
    for (const target of targets) results[target.name] = await scenarios(target);
    const hashesPerSecond = await argon2Bound(config.argon2);
    report(targets.map((t) => t.name), results, hashesPerSecond);
  } finally {
    await bare.stop();
    await ours.stop();
    await admin.raw(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.destroy();
  }
}

async function scenarios(t: Target): Promise<LoadResult[]> {
  const config = await oidc.discovery(new URL(t.url), t.clientId, undefined, oidc.ClientSecretPost(t.clientSecret), { execute: [oidc.allowInsecureRequests] });
  const flow = async () => {
    const request = await authorizationRequest(config, { scope: 'openid profile email offline_access', prompt: 'consent' });
    const callback = await signIn(new Browser(t.url), request.url.href, t.login.user, t.login.password);
    return oidc.authorizationCodeGrant(config, new URL(callback), { pkceCodeVerifier: request.verifier, expectedState: request.state, expectedNonce: request.nonce });
  };
  const ok = (res: Response) => res.ok;
  const get = (path: string, headers: Record<string, string> = {}) => async () => {
    const res = await fetch(t.url + path, { headers });
    await res.arrayBuffer();
    return { ok: ok(res) };
  };
  const opts = { seconds: SECONDS, connections: CONNECTIONS };
  const tokens = await flow();
  return [
    await load('discovery', { ...opts, init: async () => undefined }, get('/.well-known/openid-configuration')),
    await load('jwks', { ...opts, init: async () => undefined }, get('/oauth/jwks.json')),
    await load('userinfo', { ...opts, init: async () => undefined }, get('/oauth/userinfo', { authorization: `Bearer ${tokens.access_token}` })),
    // Each connection follows its own rotating chain: every response's token is the next request's.
    await load('refresh grant', { ...opts, init: async () => ({ rt: (await flow()).refresh_token! }) }, async (state) => {
      const res = await fetch(`${t.url}/oauth/token`, {
        method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: state.rt, client_id: t.clientId, client_secret: t.clientSecret }),
      });
      const body = await res.json() as { refresh_token?: string };
      if (body.refresh_token) state.rt = body.refresh_token;
      return { ok: ok(res) };
    }),
    await load('login flow (login + consent + code exchange)', { ...opts, init: async () => undefined }, async () => {
      await flow();
      return { ok: true, requests: 1 };
    }),
  ];
}

/** Submits whatever sign-in form the page shows (ours: login then consent; the bare provider's dev pages). */
async function signIn(browser: Browser, url: string, login: string, password: string): Promise<string> {
  let step = await browser.follow(url);
  for (let i = 0; i < 3 && step.res.status === 200; i++) {
    const action = /<form[^>]*action="([^"]+)"/.exec(step.res.html)?.[1];
    if (!action) break;
    step = await browser.submit(step.res.html, step.url, action, { login, password });
  }
  if (!step.url.startsWith(CALLBACK)) throw new Error(`sign-in failed at ${step.url} (${step.res.status})`);
  return step.url;
}

/** The same keys, client and claims in a bare provider with the in-memory adapter and its dev login pages. */
async function startBare(keys: { get(): Promise<{ privateJwks: unknown[] }> }) {
  const port = await freePort();
  const issuer = `http://localhost:${port}`;
  const provider = new Provider(issuer, {
    clients: [{ client_id: 'bench-client', client_secret: 'bench-secret', redirect_uris: [CALLBACK], grant_types: ['authorization_code', 'refresh_token'], response_types: ['code'], token_endpoint_auth_method: 'client_secret_post' }],
    jwks: { keys: (await keys.get()).privateJwks as any },
    cookies: { keys: ['bench-cookie-key'] },
    scopes: ['openid', 'profile', 'email', 'offline_access'],
    claims: SCOPE_CLAIMS as any,
    routes: OIDC_ROUTES,
    rotateRefreshToken: true,
    ttl: { AccessToken: TTL.AccessToken, RefreshToken: TTL.RefreshToken } as any,
    findAccount: async (_ctx, sub) => ({ accountId: sub, claims: () => ({ sub, name: 'Bench User', email: 'bench@example.com', email_verified: true }) }),
  });
  const server = createServer(provider.callback());
  await new Promise<void>((resolve) => server.listen(port, resolve));
  return { url: issuer, stop: () => new Promise<void>((resolve) => { server.close(() => resolve()); server.closeAllConnections(); }) };
}

/** argon2id verifications per second on this machine with the configured parameters (libuv pool). */
async function argon2Bound(params: { memoryCost: number; timeCost: number; parallelism: number }): Promise<number> {
  const hash = await argon2.hash('bench-password-123', { type: argon2.argon2id, ...params });
  const result = await load('argon2', { seconds: SECONDS, connections: 8, init: async () => undefined }, async () => ({ ok: await argon2.verify(hash, 'bench-password-123') }));
  return result.perSecond;
}

function report(names: string[], results: Record<string, LoadResult[]>, hashesPerSecond: number) {
  const [ours, bare] = names;
  const rows = results[ours].map((r, i) => {
    const b = results[bare][i];
    return `| ${r.name} | ${r.perSecond.toFixed(0)} | ${r.p99ms.toFixed(1)} | ${r.non2xx} | ${b.perSecond.toFixed(0)} | ${b.p99ms.toFixed(1)} | ${b.non2xx} | ${(100 * r.perSecond / b.perSecond).toFixed(0)}% |`;
  });
  console.log(`\n${SECONDS}s per scenario, ${CONNECTIONS} concurrent connections, Node ${process.version}\n`);
  console.log(`| scenario | ringnity req/s | p99 ms | non-2xx | bare req/s | p99 ms | non-2xx | ratio |`);
  console.log(`|---|---|---|---|---|---|---|---|`);
  for (const row of rows) console.log(row);
  console.log(`\nargon2id bound: ${hashesPerSecond.toFixed(1)} verifications/s; login flows reached ${(100 * results[ours][4].perSecond / hashesPerSecond).toFixed(0)}% of it.`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});

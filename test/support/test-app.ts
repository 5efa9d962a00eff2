import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../../src/config.ts';
import { createLogger } from '../../src/logger.ts';
import { startServer, type RunningServer } from '../../src/server.ts';
import { createTestDatabase } from './test-database.ts';
import { createSeeder, type Seeder } from './seed.ts';
import { expectContractFor } from './contract.ts';

export type TestResponse = { status: number; headers: Headers; body: any; text: string };

export type TestApp = RunningServer & {
  seed: Seeder;
  /** The test database's URL on PostgreSQL (undefined on PGlite), for tests that open their own connections. */
  databaseUrl: string | undefined;
  /**
   * fetch against the app, JSON in (`json`) and out (`body`); `path` is relative to the server
   * root. Every JSON response is checked against the contract before the test sees it.
   */
  request(path: string, init?: RequestInit & { json?: unknown }): Promise<TestResponse>;
};

let current: (TestApp & { closeDatabase(): Promise<void> }) | undefined;

/** Files the apps of one run keep (attachments), shared by them like their database. */
const DATA_DIR = mkdtempSync(path.join(os.tmpdir(), 'ringnity-test-'));

export function testEnv(extra: Record<string, string> = {}): Record<string, string> {
  return { NODE_ENV: 'test', PORT: '0', LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent', DATA_DIR, ...WEBHOOK_TEST_ENV, ...KNOWLEDGE_TEST_ENV, ...extra };
}

/**
 * Every app on the test database runs a webhook delivery worker, and any of them may send a
 * given attempt, so they all share these: loopback receivers allowed (the tests' receivers
 * are local servers), a schedule shrunk a thousandfold, short timeouts, a quick poll.
 */
export const WEBHOOK_TEST_ENV = {
  WEBHOOK_ALLOWED_PRIVATE_HOSTS: '127.0.0.1,::1',
  WEBHOOK_RETRY_SCALE: '0.001',
  WEBHOOK_TIMEOUT_MS: '1000',
  WEBHOOK_POLL_INTERVAL_MS: '100',
  WEBHOOK_TEST_WAIT_MS: '700',
};

/**
 * Every app runs a knowledge ingest worker and any of them may take an item, so they share
 * these too: loopback pages allowed (the tests serve them locally), a quick poll.
 */
export const KNOWLEDGE_TEST_ENV = {
  KNOWLEDGE_ALLOWED_PRIVATE_HOSTS: '127.0.0.1,::1',
  KNOWLEDGE_POLL_INTERVAL_MS: '100',
};

/** Starts the one app shared by the whole run (root hook); tests create their own tenants. */
export async function startTestApp(): Promise<void> {
  const database = await createTestDatabase();
  // The OIDC issuer must be the URL the app really answers at, so pick the port first.
  const port = await freePort();
  // Behind a "proxy" every test client gets its own address (see clientAddress), so per-IP
  // login limits never carry over from one test to another.
  const config = loadConfig(testEnv({ PORT: String(port), TRUST_PROXY: 'true' }));
  const running = await startServer(config, createLogger(config), { database: { ...database, close: async () => {} } });
  current = {
    ...running,
    seed: createSeeder(running.deps),
    databaseUrl: database.url,
    request: async (p, init = {}) => {
      const res = await request(running.url, p, { ...init, headers: { 'x-forwarded-for': clientAddress(), ...headersObject(init.headers) } });
      expectContractFor(init.method ?? 'GET', p, res);
      return res;
    },
    closeDatabase: () => database.close(),
  };
}

export async function stopTestApp(): Promise<void> {
  if (!current) return;
  await current.stop();
  await current.closeDatabase();
  current = undefined;
}

/** The running test app, for use inside hooks and tests. */
export function useTestApp(): TestApp {
  return new Proxy({} as TestApp, {
    get(_target, key) {
      if (!current) throw new Error('the test app is not running');
      return current[key as keyof TestApp];
    },
  });
}

export async function request(base: string, p: string, init: RequestInit & { json?: unknown } = {}): Promise<TestResponse> {
  const headers = new Headers(init.headers);
  let body = init.body;
  if (init.json !== undefined) {
    headers.set('content-type', 'application/json');
    body = JSON.stringify(init.json);
  }
  const res = await fetch(base + p, { ...init, headers, body, redirect: 'manual' });
  const text = await res.text();
  let parsed: unknown;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    parsed = undefined;
  }
  return { status: res.status, headers: res.headers, body: parsed, text };
}

/** A random address in 198.18.0.0/15 (RFC 2544, benchmarking): one simulated client. */
export function clientAddress(): string {
  const octet = () => Math.floor(Math.random() * 256);
  return `198.${18 + (octet() % 2)}.${octet()}.${octet()}`;
}

const headersObject = (headers: RequestInit['headers']): Record<string, string> => Object.fromEntries(new Headers(headers));

/** A TCP port that is free right now (the OS picks it; released before the app binds it). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      probe.close(() => resolve(port));
    });
  });
}

// `npm run test:bruno`: runs the Bruno collection (bruno/) against a freshly started server on a
// throwaway embedded database. The CLI seeds what the requests need (a tenant with its owner, an
// agent, a platform admin, an OAuth client); secrets minted at runtime (session tokens, Server
// API keys) are chained between requests by the collection itself. Exits with bru's exit code.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const bru = path.join(path.dirname(createRequire(import.meta.url).resolve('@usebruno/cli/package.json')), 'bin', 'bru.js');

const SEED = {
  tenantSlug: 'bruno', ownerEmail: 'owner@bruno.test', ownerPassword: 'bruno-owner-password',
  agentUsername: 'ada', agentPassword: 'bruno-agent-password',
  platformAdminEmail: 'admin@bruno.test', platformAdminPassword: 'bruno-admin-password',
};

const dataDir = mkdtempSync(path.join(os.tmpdir(), 'ringnity-bruno-'));
const port = await freePort();
const baseUrl = `http://localhost:${port}`;
const env = {
  PATH: process.env.PATH, HOME: process.env.HOME, NODE_ENV: 'test', DATA_DIR: dataDir, PORT: String(port), ISSUER: baseUrl,
  LOG_LEVEL: 'info', // read for the "listening" line, not shown
  // The collection's webhook points at a local address that nothing listens on.
  WEBHOOK_ALLOWED_PRIVATE_HOSTS: '127.0.0.1', WEBHOOK_TEST_WAIT_MS: '500',
};

let server: ChildProcess | undefined;
let code = 1;
try {
  const tenant = cli('tenant:create', '--slug', SEED.tenantSlug, '--name', 'Bruno Inc', '--owner-email', SEED.ownerEmail, '--owner-password', SEED.ownerPassword, '--plan', 'enterprise');
  cli('agent:create', '--tenant', SEED.tenantSlug, '--username', SEED.agentUsername, '--password', SEED.agentPassword, '--name', 'Ada Agent', '--role', 'agent');
  cli('platform-admin:create', '--email', SEED.platformAdminEmail, '--password', SEED.platformAdminPassword, '--name', 'Bruno Admin', '--role', 'platform_owner');
  const client = cli('oauth-client:create', '--tenant', SEED.tenantSlug, '--name', 'Bruno login', '--type', 'confidential', '--redirect-uri', 'http://localhost:3000/callback');

  server = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], { cwd: root, env, stdio: ['ignore', 'pipe', 'inherit'] });
  await listening(server);

  const vars = {
    ...SEED, baseUrl, tenantId: tenant.tenantId, ownerId: tenant.ownerId,
    oauthClientIdForLogin: client.clientId, oauthClientSecretForLogin: client.clientSecret,
  };
  const run = spawnSync(process.execPath, [
    bru, 'run', '-r', '--env', 'local', ...Object.entries(vars).flatMap(([k, v]) => ['--env-var', `${k}=${v}`]), ...process.argv.slice(2),
  ], { cwd: path.join(root, 'bruno'), stdio: 'inherit' });
  code = run.status ?? 1;
} finally {
  if (server) {
    server.kill('SIGTERM');
    await new Promise((resolve) => server!.once('close', resolve));
  }
  rmSync(dataDir, { recursive: true, force: true });
}
process.exit(code);

/** One CLI command on the data folder (the server is not running yet: one process per embedded database). */
function cli(...args: string[]): Record<string, string> {
  const run = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli.ts', ...args], { cwd: root, env, encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`cli ${args[0]} failed: ${run.stderr}`);
  return JSON.parse(run.stdout.trim().split('\n').at(-1)!);
}

function listening(child: ChildProcess): Promise<void> {
  return new Promise((resolve, reject) => {
    let seen = '';
    const timer = setTimeout(() => reject(new Error(`the server did not start: ${seen}`)), 60_000);
    child.once('exit', (status) => reject(new Error(`the server exited with ${status}: ${seen}`)));
    child.stdout!.on('data', (chunk) => {
      seen += chunk;
      if (seen.includes('"listening"')) {
        clearTimeout(timer);
        resolve();
      }
    });
  });
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

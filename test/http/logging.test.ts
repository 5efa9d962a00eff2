import { operatorIn } from '../../src/audit/actor.ts';
import { expect } from 'chai';
import { Writable } from 'node:stream';
import { loadConfig } from '../../src/config.ts';
import { createLogger } from '../../src/logger.ts';
import { startServer, type RunningServer } from '../../src/server.ts';
import { createServerApiCredential } from '../../src/server-api/credentials.ts';
import { freePort, request, testEnv, useTestApp } from '../support/test-app.ts';
import { codeFlow, relyingParty } from '../support/oidc-helpers.ts';

describe('logs', () => {
  const app = useTestApp();
  let lines: string[];
  let server: RunningServer;

  // A second process on the shared database whose JSON log lines are kept, at the most verbose level.
  before(async () => {
    lines = [];
    const sink = new Writable({ write(chunk, _enc, done) { lines.push(...String(chunk).split('\n').filter(Boolean)); done(); } });
    const port = await freePort();
    const config = loadConfig(testEnv({ PORT: String(port), LOG_LEVEL: 'trace' }));
    server = await startServer(config, createLogger(config, sink), { database: app.database });
  });
  after(() => server.stop());

  it('never contain passwords, tokens, secrets or one-time tokens, but do record each request', async () => {
    const tenant = await app.seed.tenant();
    const call = (p: string, init?: Parameters<typeof request>[2]) => request(server.url, p, init);

    const login = await call('/api/auth/owner-login', { method: 'POST', json: { email: tenant.ownerEmail, password: tenant.password } });
    const { accessToken, refreshToken } = login.body.data;
    await call('/api/auth/owner-login', { method: 'POST', json: { email: tenant.ownerEmail, password: 'wrong-but-secret-password' } });
    await call('/api/auth/owner-refresh', { method: 'POST', json: { refreshToken } });
    const entry = await call('/api/auth/workspace-entry-token', { method: 'POST', headers: { authorization: `Bearer ${accessToken}` } });
    const entryToken = entry.body.data.autoLoginToken;
    await call(`/api/auth/workspace-auto-login?token=${encodeURIComponent(entryToken)}`);
    const { secret } = await createServerApiCredential(app.deps.db, operatorIn(tenant.id), { name: 'k', scopes: ['server:health'] });
    await call('/api/server/health', { headers: { authorization: `Bearer ${secret}` } });

    const user = await app.seed.account(tenant.id);
    const client = await app.seed.oauthClient(tenant.id, { allowedScopes: ['openid', 'profile'] });
    const config = await relyingParty({ ...app, url: server.url } as typeof app, client);
    const { tokens } = await codeFlow({ ...app, url: server.url } as typeof app, config, user, { scope: 'openid profile' });

    const log = lines.join('\n');
    for (const [what, value] of Object.entries({
      password: tenant.password, wrongPassword: 'wrong-but-secret-password', accessToken, refreshToken, entryToken,
      serverKey: secret, clientSecret: client.clientSecret!, oauthAccessToken: tokens.access_token, idToken: tokens.id_token!,
    })) {
      expect(log.includes(value), `${what} appears in the log`).to.equal(false);
    }
    const requests = lines.map((l) => JSON.parse(l)).filter((l) => l.msg === 'request');
    expect(requests.map((r) => r.path)).to.include.members(['/api/auth/owner-login', '/api/auth/workspace-auto-login', '/oauth/token']);
    expect(requests.every((r) => typeof r.requestId === 'string' && typeof r.status === 'number')).to.equal(true);
  });
});

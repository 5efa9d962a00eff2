import { expect } from 'chai';
import Koa from 'koa';
import Router from '@koa/router';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { apiAreas } from '../../src/app.ts';
import { operatorIn } from '../../src/audit/actor.ts';
import type { Operation } from '../../src/contract/contract.ts';
import { operation } from '../../src/contract/operations.ts';
import type { SecuritySchemes } from '../../src/contract/security.ts';
import { renderErrors } from '../../src/http/render-errors.ts';
import { apiError } from '../../src/http/api-error.ts';
import { reply } from '../../src/http/reply.ts';
import { createServerApiCredential } from '../../src/server-api/credentials.ts';
import { SCOPE_OF_OPERATION } from '../../src/server-api/scope-map.ts';
import { contract } from '../support/contract.ts';
import { ownerAuth, workspaceAuth } from '../support/dashboard-sessions.ts';
import { request, useTestApp } from '../support/test-app.ts';
import { codeFlow, relyingParty } from '../support/oidc-helpers.ts';

type CredentialKind = 'owner' | 'workspace' | 'platform' | 'serverKey' | 'oauth';

/** Which credential kinds each of the contract's schemes admits. */
const ADMITS: Record<string, CredentialKind[]> = {
  OwnerBearer: ['owner'],
  WorkspaceBearer: ['workspace'],
  DashboardBearer: ['owner', 'workspace'],
  PlatformBearer: ['platform'],
  ServerApiKey: ['serverKey'],
  OAuthAccessToken: ['oauth'],
};

const isSecured = (op: Operation) => op.security.length > 0 && op.security.every((alt) => Object.keys(alt).length > 0);
const pathOf = (op: Operation) => op.servedAt.replace(/\{\w+\}/g, 'x');

describe('security comes from the contract', () => {
  const app = useTestApp();

  /** Every secured operation this release serves: the /api routers' entries, and the OAuth endpoints at the issuer root. */
  function servedSecured(): Operation[] {
    const routed = new Set(apiAreas({ ...app.deps, schemes: app.schemes }).flatMap((area) => area.stack.map((layer) => layer.name)));
    return [...contract.operations.values()].filter((op) => isSecured(op) && (routed.has(op.id) || !op.servedAt.startsWith('/api/')));
  }

  async function credentials(): Promise<Record<CredentialKind, string>> {
    const tenant = await app.seed.tenant({ plan: 'enterprise' });
    const admin = await app.seed.account(tenant.id, { role: 'admin' });
    const platformAdmin = await app.seed.platformAdmin('platform_owner');
    const platform = await app.request('/api/platform/auth/login', { method: 'POST', json: { email: platformAdmin.email, password: platformAdmin.password } });
    const scopes = [...new Set(Object.values(SCOPE_OF_OPERATION))] as Parameters<typeof createServerApiCredential>[2]['scopes'];
    const { secret } = await createServerApiCredential(app.deps.db, operatorIn(tenant.id), { name: 'all scopes', scopes });
    const oauthScopes = ['openid', 'developer.read', 'sdk.keys.read', 'tenant.domains.write'];
    const client = await app.seed.oauthClient(tenant.id, { allowedScopes: oauthScopes });
    const { tokens } = await codeFlow(app, await relyingParty(app, client), admin, { scope: oauthScopes.join(' ') });
    return {
      owner: (await ownerAuth(app, tenant)).authorization,
      workspace: (await workspaceAuth(app, tenant, admin)).authorization,
      platform: `Bearer ${platform.body.data.accessToken}`,
      serverKey: `Bearer ${secret}`,
      oauth: `Bearer ${tokens.access_token}`,
    };
  }

  it('refuses a request without credentials at every served operation that declares security', async () => {
    const served = servedSecured();
    // Dashboard, owner, Server API and OAuth operations are served: the walk must find them.
    const schemes = new Set(served.flatMap((op) => op.security.flatMap(Object.keys)));
    expect([...schemes]).to.include.members(['DashboardBearer', 'OwnerBearer', 'ServerApiKey', 'OAuthAccessToken']);
    for (const op of served) {
      const res = await app.request(pathOf(op), { method: op.method });
      expect(res.status, `${op.id} without credentials`).to.equal(401);
    }
  });

  it("admits at each operation exactly the credential kinds of the contract's schemes", async () => {
    const served = servedSecured();
    const presented = await credentials();
    for (const op of served) {
      const admitted = new Set(op.security.flatMap((alt) => Object.keys(alt).flatMap((name) => ADMITS[name] ?? [])));
      for (const [kind, authorization] of Object.entries(presented) as [CredentialKind, string][]) {
        const res = await app.request(pathOf(op), { method: op.method, headers: { authorization } });
        if (admitted.has(kind)) expect(res.status, `${op.id} refused a ${kind} credential: ${res.text}`).to.not.equal(401);
        else expect(res.status, `${op.id} admitted a ${kind} credential`).to.equal(401);
      }
    }
  });
});

describe('operation security semantics', () => {
  // A scheme of this test alone: the credential is the header `x-test-key`, valid when it is "good".
  const schemes: SecuritySchemes = {
    RuntimeBearer: {
      presentIn: (ctx) => ctx.get('x-test-key') !== '',
      guard: () => async (ctx, next) => {
        if (ctx.get('x-test-key') !== 'good') throw apiError('UNAUTHORIZED', 'bad test key');
        ctx.state.principal = 'tester';
        await next();
      },
    },
  };
  /** Its security is `[{ RuntimeBearer: [] }, {}]`: credentials optional. */
  const optional = contract.operations.get('getVisitorChatAvailability')!;
  let base: string;
  let close: () => void;

  before(async () => {
    const router = new Router();
    operation({ contract, schemes }, router, optional.id, (ctx) => reply(ctx, 200, { principal: ctx.state.principal ?? null }));
    const koa = new Koa();
    koa.use(renderErrors);
    koa.use(router.routes());
    const server = koa.listen(0);
    await once(server, 'listening');
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    close = () => server.close();
  });
  after(() => close());

  const get = (headers: Record<string, string> = {}) => request(base, pathOf(optional).replace(/^\/api/, ''), { headers });

  it('lets a request without the optional credential through anonymously', async () => {
    const res = await get();
    expect(res.body.data, res.text).to.deep.equal({ principal: null });
  });

  it('still refuses an optional credential that is present but invalid', async () => {
    expect((await get({ 'x-test-key': 'bad' })).status).to.equal(401);
  });

  it('admits a valid optional credential', async () => {
    expect((await get({ 'x-test-key': 'good' })).body.data).to.deep.equal({ principal: 'tester' });
  });

  it('refuses to register an operation whose scheme has no guard', () => {
    expect(() => operation({ contract, schemes: {} }, new Router(), 'getServerApiHealth', (ctx) => reply(ctx, 200)))
      .to.throw(/ServerApiKey, which has no guard registered/);
  });
});

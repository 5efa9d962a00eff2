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
import { RUNTIME_HEADER } from '../../src/runtime/runtime-guard.ts';
import { RUNTIME_SCOPE_OF_OPERATION, kindsHolding } from '../../src/runtime/runtime-scopes.ts';
import { contract } from '../support/contract.ts';
import { ownerAuth, workspaceAuth } from '../support/dashboard-sessions.ts';
import { request, useTestApp } from '../support/test-app.ts';
import { codeFlow, relyingParty } from '../support/oidc-helpers.ts';

type CredentialKind = 'owner' | 'workspace' | 'platform' | 'serverKey' | 'oauth' | 'visitor' | 'agent' | 'admin' | 'visitorContext';
/** A credential as presented: its kind, and the header it travels in (each is also tried in the other header). */
type Presented = { kind: CredentialKind; header: 'authorization' | typeof RUNTIME_HEADER; value: string };

/** Which credential kinds (in their own header) each of the contract's schemes admits at an operation. */
function admits(scheme: string, op: Operation): CredentialKind[] {
  switch (scheme) {
    case 'OwnerBearer': return ['owner'];
    case 'WorkspaceBearer': return ['workspace'];
    case 'DashboardBearer': return ['owner', 'workspace'];
    case 'PlatformBearer': return ['platform'];
    case 'ServerApiKey': return ['serverKey'];
    case 'OAuthAccessToken': return ['oauth'];
    // The operation's runtime scope says which runtime kinds it takes; a context token is for /sdk/session only.
    case 'RuntimeBearer': return [...kindsHolding(RUNTIME_SCOPE_OF_OPERATION[op.id])];
    default: return [];
  }
}

const isSecured = (op: Operation) => op.security.length > 0 && op.security.every((alt) => Object.keys(alt).length > 0);
const pathOf = (op: Operation) => op.servedAt.replace(/\{\w+\}/g, 'x');

describe('security comes from the contract', () => {
  const app = useTestApp();

  /** Every secured operation this release serves: the /api routers' entries, and the OAuth endpoints at the issuer root. */
  function servedSecured(): Operation[] {
    const routed = new Set(apiAreas({ ...app.deps, schemes: app.schemes }).flatMap((area) => area.stack.map((layer) => layer.name)));
    return [...contract.operations.values()].filter((op) => isSecured(op) && (routed.has(op.id) || !op.servedAt.startsWith('/api/')));
  }

  async function credentials(): Promise<Presented[]> {
    const tenant = await app.seed.tenant({ plan: 'enterprise' });
    const admin = await app.seed.account(tenant.id, { role: 'admin' });
    const platformAdmin = await app.seed.platformAdmin('platform_owner');
    const platform = await app.request('/api/platform/auth/login', { method: 'POST', json: { email: platformAdmin.email, password: platformAdmin.password } });
    const scopes = [...new Set(Object.values(SCOPE_OF_OPERATION))] as Parameters<typeof createServerApiCredential>[2]['scopes'];
    const { secret } = await createServerApiCredential(app.deps.db, operatorIn(tenant.id), { name: 'all scopes', scopes });
    const oauthScopes = ['openid', 'developer.read', 'sdk.keys.read', 'tenant.domains.write'];
    const client = await app.seed.oauthClient(tenant.id, { allowedScopes: oauthScopes });
    const { tokens } = await codeFlow(app, await relyingParty(app, client), admin, { scope: oauthScopes.join(' ') });
    const mint = async (path: string, json: object) => {
      const res = await app.request(`/api/server/${path}`, { method: 'POST', headers: { authorization: `Bearer ${secret}` }, json });
      expect(res.status, res.text).to.equal(201);
      return res.body.data.token as string;
    };
    const visitor = await app.request('/api/sdk/session', { method: 'POST', json: { slug: tenant.slug } });
    const bearer = (kind: CredentialKind, value: string): Presented => ({ kind, header: 'authorization', value: `Bearer ${value}` });
    const runtime = (kind: CredentialKind, value: string): Presented => ({ kind, header: RUNTIME_HEADER, value });
    return [
      { kind: 'owner', header: 'authorization', value: (await ownerAuth(app, tenant)).authorization },
      { kind: 'workspace', header: 'authorization', value: (await workspaceAuth(app, tenant, admin)).authorization },
      bearer('platform', platform.body.data.accessToken),
      bearer('serverKey', secret),
      bearer('oauth', tokens.access_token),
      runtime('visitor', visitor.body.data.sessionToken),
      runtime('agent', await mint('sdk-token/agent', { agentId: admin.id })),
      runtime('admin', await mint('sdk-token/admin', { adminActorId: admin.id })),
      runtime('visitorContext', await mint('visitor-context-token', { visitor: { externalId: 'customer-1' } })),
    ];
  }

  /** Each credential in its own header, then in the other one (where it must open nothing). */
  const bothHeaders = (presented: Presented[]) => presented.flatMap((p) => [
    { ...p, own: true },
    { kind: p.kind, own: false, header: p.header === 'authorization' ? RUNTIME_HEADER : 'authorization',
      value: p.header === 'authorization' ? p.value.replace(/^Bearer /, '') : `Bearer ${p.value}` },
  ]);

  it('refuses a request without credentials at every served operation that declares security', async () => {
    const served = servedSecured();
    // Dashboard, owner, Server API and OAuth operations are served: the walk must find them.
    const schemes = new Set(served.flatMap((op) => op.security.flatMap(Object.keys)));
    expect([...schemes]).to.include.members(['DashboardBearer', 'OwnerBearer', 'ServerApiKey', 'OAuthAccessToken', 'RuntimeBearer']);
    for (const op of served) {
      const res = await app.request(pathOf(op), { method: op.method });
      expect(res.status, `${op.id} without credentials`).to.equal(401);
    }
  });

  it("admits at each operation exactly the credential kinds of the contract's schemes", async function () {
    this.timeout(90_000); // every operation with every kind of credential: several hundred requests
    const served = servedSecured();
    const presented = await credentials();
    for (const op of served) {
      const admitted = new Set(op.security.flatMap((alt) => Object.keys(alt).flatMap((name) => admits(name, op))));
      for (const { kind, own, header, value } of bothHeaders(presented)) {
        const res = await app.request(pathOf(op), { method: op.method, headers: { [header]: value } });
        const what = `${op.id} with a ${kind} credential in ${header}`;
        if (own && admitted.has(kind)) expect(res.status, `${what} was refused: ${res.text}`).to.not.equal(401);
        else expect(res.status, `${what} was admitted`).to.equal(401);
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

import { expect } from 'chai';
import { decodeJwt } from 'jose';
import { OPERATOR, operatorIn } from '../../src/audit/actor.ts';
import { updateDeveloperAllowedDomains } from '../../src/developer/developer-settings.ts';
import { signContextToken, signRuntimeToken } from '../../src/runtime/runtime-tokens.ts';
import { setTenantActive } from '../../src/tenants/tenants.ts';
import { expectContract } from '../support/contract.ts';
import { startSiblingApp } from '../support/sibling-app.ts';
import { unique } from '../support/seed.ts';
import { useTestApp } from '../support/test-app.ts';

describe('Runtime SDK: bootstrap and sessions', () => {
  const app = useTestApp();

  async function tenantWithDomains(domains = ['shop.example.com', '*.brand.example']) {
    const tenant = await app.seed.tenant({ plan: 'enterprise' });
    await updateDeveloperAllowedDomains(app.deps.db, { realtimeConfigured: false }, operatorIn(tenant.id), domains);
    return tenant;
  }
  const bootstrap = (query: string, headers: Record<string, string> = {}) => app.request(`/api/sdk/bootstrap?${query}`, { headers });
  const session = (json: object, headers: Record<string, string> = {}) => app.request('/api/sdk/session', { method: 'POST', json, headers });

  describe('bootstrap', () => {
    it('resolves the tenant by slug or widget key with public fields only, and may be cached briefly', async () => {
      const tenant = await tenantWithDomains();
      for (const query of [`slug=${tenant.slug}`, `apiKey=${tenant.publicKey}`]) {
        const res = await bootstrap(query);
        expect(res.status, res.text).to.equal(200);
        expectContract(res, 'bootstrapRuntime');
        expect(res.body.data.tenant).to.deep.include({ clientId: tenant.id, slug: tenant.slug, isActive: true });
        expect(res.body.data.tenant).to.not.have.any.keys('email', 'phone');
        expect(res.text).to.not.include(tenant.ownerEmail);
        expect(res.body.data.services.map((s: { key: string }) => s.key)).to.include('chat');
        expect(res.body.data.services.every((s: object) => !('reason' in s))).to.equal(true);
        expect(res.headers.get('cache-control')).to.equal('public, max-age=60');
        expect(res.headers.get('vary')).to.match(/origin/i);
      }
    });

    it('names blocked services and why with debug=true, uncached', async () => {
      const tenant = await tenantWithDomains();
      const res = await bootstrap(`slug=${tenant.slug}&debug=true`);
      expectContract(res, 'bootstrapRuntime');
      const ai = res.body.data.services.find((s: { key: string }) => s.key === 'ai_voice');
      expect(ai.reason).to.be.a('string');
      expect(res.body.data.sdk.blocked.map((b: { service: string }) => b.service)).to.include('ai_voice');
      expect(res.headers.get('cache-control')).to.equal('no-store');
    });

    it('answers 404 SDK_CLIENT_NOT_FOUND for an unknown slug or key, 403 SDK_CLIENT_INACTIVE for a suspended tenant', async () => {
      const tenant = await tenantWithDomains();
      for (const query of ['slug=no-such-tenant', 'apiKey=rn_pk_nope', `slug=${tenant.slug}&apiKey=rn_pk_nope`]) {
        const res = await bootstrap(query);
        expect(res.status, query).to.equal(404);
        expect(res.body.code).to.equal('SDK_CLIENT_NOT_FOUND');
      }
      await setTenantActive(app.deps.db, OPERATOR, tenant.id, false);
      const res = await bootstrap(`slug=${tenant.slug}`);
      expect(res.status).to.equal(403);
      expect(res.body.code).to.equal('SDK_CLIENT_INACTIVE');
      expect((await bootstrap('')).status).to.equal(400);
    });
  });

  describe('origins', () => {
    const cases: Array<[string, string | undefined, boolean]> = [
      ['an exact allowed domain', 'https://shop.example.com', true],
      ['a subdomain of a wildcard', 'https://eu.brand.example', true],
      ['a deeper subdomain of a wildcard', 'https://a.eu.brand.example', true],
      ['the wildcard\'s own apex', 'https://brand.example', false],
      ['an unlisted origin', 'https://evil.example', false],
      ['a look-alike suffix', 'https://shop.example.com.evil.example', false],
      ['no Origin (a native app)', undefined, true],
    ];
    for (const [what, origin, allowed] of cases) {
      it(`${allowed ? 'allows' : 'refuses'} ${what}`, async () => {
        const tenant = await tenantWithDomains();
        const headers: Record<string, string> = origin ? { origin } : {};
        const answers: Array<[Awaited<ReturnType<typeof bootstrap>>, number]> = [
          [await bootstrap(`slug=${tenant.slug}`, headers), 200], [await session({ slug: tenant.slug }, headers), 201],
        ];
        for (const [res, success] of answers) {
          if (!allowed) {
            expect(res.status).to.equal(403);
            expect(res.body.code).to.equal('SDK_ORIGIN_NOT_ALLOWED');
            expect(res.headers.get('access-control-allow-origin')).to.equal(null);
          } else {
            expect(res.status, res.text).to.equal(success);
            expect(res.headers.get('access-control-allow-origin')).to.equal(origin ?? null);
          }
        }
      });
    }

    it('answers a CORS preflight only for an allowed origin', async () => {
      // Domains of their own: other tests' tenants may allow wildcards of shared ones.
      const [listed, unlisted] = [`https://shop.r${unique()}.test`, `https://shop.q${unique()}.test`];
      await tenantWithDomains([new URL(listed).hostname]);
      const preflight = (origin: string) => app.request('/api/sdk/session', {
        method: 'OPTIONS', headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' },
      });
      const ok = await preflight(listed);
      expect(ok.status).to.equal(204);
      expect(ok.headers.get('access-control-allow-origin')).to.equal(listed);
      expect(ok.headers.get('access-control-allow-headers')).to.match(/X-Ringnity-SDK-Session/i);
      expect(ok.headers.get('vary')).to.match(/origin/i);
      const refused = await preflight(unlisted);
      expect(refused.status).to.equal(403);
      expect(refused.headers.get('access-control-allow-origin')).to.equal(null);
    });
  });

  describe('sessions', () => {
    it('gives each anonymous session a new, unverified visitor, bound to its origin', async () => {
      const tenant = await tenantWithDomains();
      const first = await session({ slug: tenant.slug, visitor: { externalId: 'claims-to-be-vip', name: 'Eve' } }, { origin: 'https://shop.example.com' });
      expect(first.status, first.text).to.equal(201);
      expectContract(first, 'createRuntimeSession');
      expect(first.body.data.expiresIn).to.equal(900);
      expect(Date.parse(first.body.data.expiresAt)).to.be.greaterThan(Date.now());
      const second = await session({ slug: tenant.slug });
      const [a, b] = [decodeJwt(first.body.data.sessionToken), decodeJwt(second.body.data.sessionToken)];
      expect(a).to.include({ kind: 'visitor', tid: tenant.id, vrf: false, origin: 'https://shop.example.com' });
      expect(a.sub).to.not.equal(b.sub);
      const row = await app.deps.db('visitors').where({ id: a.sub }).first();
      expect(row).to.include({ verified_key: null, external_id: null });
      expect(row.claimed).to.deep.equal({ externalId: 'claims-to-be-vip', name: 'Eve' });
    });

    it('resolves a verified visitor to the same record on every device', async () => {
      const tenant = await tenantWithDomains();
      const { secret } = await app.seed.serverKey(tenant.id, ['server:visitor-context:write']);
      const contextToken = async () => {
        const res = await app.request('/api/server/visitor-context-token', {
          method: 'POST', headers: { authorization: `Bearer ${secret}` }, json: { visitor: { externalId: 'cust-42', email: 'ada@example.com', name: 'Ada' } },
        });
        expect(res.status, res.text).to.equal(201);
        expectContract(res, 'createVisitorContextToken');
        return res.body.data.token;
      };
      const phone = await session({ slug: tenant.slug, contextToken: await contextToken() });
      const laptop = await session({ apiKey: tenant.publicKey, contextToken: await contextToken() }, { origin: 'https://shop.example.com' });
      const [a, b] = [decodeJwt(phone.body.data.sessionToken), decodeJwt(laptop.body.data.sessionToken)];
      expect(a.vrf).to.equal(true);
      expect(a.sub).to.equal(b.sub);
        const rows = await app.deps.db('visitors').where({ tenant_id: tenant.id, verified_key: 'ext:cust-42' });
      expect(rows).to.have.length(1);
      // An anonymous browser claiming the same externalId is somebody else.
      const claimant = await session({ slug: tenant.slug, visitor: { externalId: 'cust-42' } });
      expect(decodeJwt(claimant.body.data.sessionToken).sub).to.not.equal(a.sub);
    });

    it('answers 401 SDK_CONTEXT_TOKEN_INVALID for a bad, expired or other-tenant context token', async () => {
      const tenant = await tenantWithDomains();
      const other = await tenantWithDomains();
      const { keys, config } = app.deps;
      const otherTenants = (await signContextToken(keys, config.issuer, { tenantId: other.id, visitor: { externalId: 'x' }, metadata: {} }, 300)).token;
      const expired = (await signContextToken(keys, config.issuer, { tenantId: tenant.id, visitor: { externalId: 'x' }, metadata: {} }, -30)).token;
      const runtimeToken = (await signRuntimeToken(keys, config.issuer, { kind: 'visitor', tenantId: tenant.id, subject: crypto.randomUUID(), scopes: [] }, 300)).token;
      for (const contextToken of ['garbage', otherTenants, expired, runtimeToken]) {
        const res = await session({ slug: tenant.slug, contextToken });
        expect(res.status).to.equal(401);
        expect(res.body.code).to.equal('SDK_CONTEXT_TOKEN_INVALID');
        expectContract(res, 'createRuntimeSession');
      }
    });

    it('limits session creation per client address across processes with 429 and Retry-After', async () => {
      const tenant = await tenantWithDomains();
      const limited = await startSiblingApp(app, { SDK_SESSIONS_PER_IP_PER_MINUTE: '2', TRUST_PROXY: 'true' });
      try {
        const from = { 'x-forwarded-for': `198.51.100.${Math.floor(Math.random() * 250) + 1}` };
        const create = () => limited.request('/api/sdk/session', { method: 'POST', json: { slug: tenant.slug }, headers: from });
        expect((await create()).status).to.equal(201);
        expect((await create()).status).to.equal(201);
        const third = await create();
        expect(third.status).to.equal(429);
        expect(third.body.code).to.equal('RATE_LIMITED');
        expect(Number(third.headers.get('retry-after'))).to.be.within(1, 60);
        expectContract(third, 'createRuntimeSession');
      } finally {
        await limited.stop();
      }
    });
  });
});

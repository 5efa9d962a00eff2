import { expect } from 'chai';
import { OPERATOR, operatorIn } from '../../src/audit/actor.ts';
import { expectContract } from '../support/contract.ts';
import { useTestApp } from '../support/test-app.ts';
import { planQuota } from '../../src/plans/plan-catalog.ts';
import { setAccountActive } from '../../src/accounts/accounts.ts';
import { setTenantActive } from '../../src/tenants/tenants.ts';
import { codeFlow, relyingParty } from '../support/oidc-helpers.ts';

describe('Login with Ringnity: tenant endpoints', () => {
  const app = useTestApp();

  async function tokenWith(scope: string, options: { plan?: string } = {}) {
    const tenant = await app.seed.tenant(options);
    const user = await app.seed.account(tenant.id);
    const client = await app.seed.oauthClient(tenant.id, { allowedScopes: ['openid', 'developer.read', 'sdk.keys.read', 'tenant.domains.write'] });
    const config = await relyingParty(app, client);
    const { tokens } = await codeFlow(app, config, user, { scope });
    return { tenant, user, auth: { authorization: `Bearer ${tokens.access_token}` } };
  }

  it('gives the public widget key to a token with developer.read', async () => {
    const { tenant, auth } = await tokenWith('openid developer.read');
    const res = await app.request('/oauth/tenant/widget-key', { headers: auth });
    expect(res.status).to.equal(200);
    expectContract(res, 'getRingnityOAuthWidgetKey');
    expect(res.body.data).to.include({ tenantId: tenant.id, tenantSlug: tenant.slug, publicWidgetKey: tenant.publicKey, allowedDomainsUsed: 0 });
  });

  it('answers 401 without a token or with a bad one, and 403 insufficient_scope without the scope', async () => {
    const none = await app.request('/oauth/tenant/widget-key');
    expect(none.status).to.equal(401);
    expect(none.body.error).to.equal('invalid_token');
    expect(none.headers.get('www-authenticate')).to.match(/^Bearer /);
    expectContract(none, 'getRingnityOAuthWidgetKey');
    const bad = await app.request('/oauth/tenant/widget-key', { headers: { authorization: 'Bearer nope' } });
    expect(bad.status).to.equal(401);
    expectContract(bad, 'getRingnityOAuthWidgetKey');

    const { auth } = await tokenWith('openid sdk.keys.read');
    const ok = await app.request('/oauth/tenant/widget-key', { headers: auth });
    expect(ok.status, 'sdk.keys.read also reads the key').to.equal(200);
    const denied = await app.request('/oauth/tenant/allowed-domains', { method: 'POST', headers: auth, json: { domain: 'shop.example.com' } });
    expect(denied.status).to.equal(403);
    expect(denied.body.error).to.equal('insufficient_scope');
    expectContract(denied, 'addRingnityOAuthAllowedDomain');
  });

  it("refuses a token whose account or tenant was disabled after it was issued", async () => {
    const first = await tokenWith('openid developer.read tenant.domains.write');
    await setAccountActive(app.deps.db, operatorIn(first.tenant.id), first.user.id, false);
    const res = await app.request('/oauth/tenant/allowed-domains', { method: 'POST', headers: first.auth, json: { domain: 'shop.example.com' } });
    expect(res.status).to.equal(401);
    expect(res.body.error).to.equal('invalid_token');
    expectContract(res, 'addRingnityOAuthAllowedDomain');

    const second = await tokenWith('openid developer.read');
    await setTenantActive(app.deps.db, OPERATOR, second.tenant.id, false);
    const read = await app.request('/oauth/tenant/widget-key', { headers: second.auth });
    expect(read.status).to.equal(401);
    expectContract(read, 'getRingnityOAuthWidgetKey');
  });

  it('adds a normalised domain once, reports an already covered one, and refuses invalid ones', async () => {
    const { auth } = await tokenWith('openid tenant.domains.write', { plan: 'professional' });
    const post = (domain: unknown) => app.request('/oauth/tenant/allowed-domains', { method: 'POST', headers: auth, json: { domain } });

    const added = await post('https://Shop.Example.com:8443/wp-admin');
    expect(added.status).to.equal(200);
    expectContract(added, 'addRingnityOAuthAllowedDomain');
    expect(added.body.data).to.include({ domain: 'shop.example.com', domainAdded: true, domainAlreadyAllowed: false, allowedDomainsUsed: 1 });
    expect(added.body.data.allowedDomains).to.deep.equal(['shop.example.com']);

    const again = await post('shop.example.com');
    expect(again.body.data).to.include({ domainAdded: false, domainAlreadyAllowed: true, allowedDomainsUsed: 1 });
    expectContract(again, 'addRingnityOAuthAllowedDomain');

    const wildcard = await post('*.example.org');
    expect(wildcard.body.data.domainAdded).to.equal(true);
    const covered = await post('blog.example.org');
    expect(covered.body.data).to.include({ domainAdded: false, domainAlreadyAllowed: true });

    for (const invalid of ['203.0.113.7', 'http://[::1]/', 'localhost', 'exa mple.com', '', 42]) {
      const res = await post(invalid);
      expect(res.status, String(invalid)).to.equal(400);
      expect(res.body.error).to.equal('invalid_request');
      expectContract(res, 'addRingnityOAuthAllowedDomain');
    }
    const malformed = await app.request('/oauth/tenant/allowed-domains', {
      method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: '{"domain":',
    });
    expect(malformed.status).to.equal(400);
    expectContract(malformed, 'addRingnityOAuthAllowedDomain');
  });

  it("enforces the plan's allowed_domains quota with 409 and reports the figures", async () => {
    const { tenant, auth } = await tokenWith('openid tenant.domains.write developer.read');
    const limit = await planQuota(app.deps.db, tenant.planId, 'allowed_domains');
    expect(limit, 'the starter plan has a finite domain quota').to.be.a('number');
    for (let i = 0; i < limit!; i++) {
      const res = await app.request('/oauth/tenant/allowed-domains', { method: 'POST', headers: auth, json: { domain: `site${i}.example.com` } });
      expect(res.status).to.equal(200);
      expect(res.body.data.allowedDomainsRemaining).to.equal(limit! - i - 1);
      expect(res.body.data.allowedDomainsLimit).to.equal(limit);
    }
    const over = await app.request('/oauth/tenant/allowed-domains', { method: 'POST', headers: auth, json: { domain: 'one-more.example.com' } });
    expect(over.status).to.equal(409);
    expectContract(over, 'addRingnityOAuthAllowedDomain');
    const key = await app.request('/oauth/tenant/widget-key', { headers: auth });
    expect(key.body.data).to.include({ allowedDomainsUsed: limit, allowedDomainsRemaining: 0 });
  });
});

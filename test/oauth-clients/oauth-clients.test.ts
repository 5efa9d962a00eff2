import { operatorIn } from '../../src/audit/actor.ts';
import { expect } from 'chai';
import { useTestApp } from '../support/test-app.ts';
import { createOAuthClient, findActiveOAuthClient, rotateOAuthClientSecret } from '../../src/oauth-clients/oauth-clients.ts';
import { redirectUriProblem } from '../../src/oauth-clients/client-rules.ts';
import { normalizeDomain } from '../../src/tenants/domains.ts';
import { AVAILABLE_SCOPES, SCOPE_CATALOG } from '../../src/oauth-clients/scopes.ts';
import { contract } from '../support/contract.ts';
import { ApiError } from '../../src/http/api-error.ts';

describe('OAuth client registry', () => {
  const app = useTestApp();

  it('creates a confidential client with a rn_oauth_ id and a secret stored only as a hash', async () => {
    const tenant = await app.seed.tenant();
    const { oauthClient, clientSecret } = await createOAuthClient(app.deps.db, operatorIn(tenant.id), { name: 'WordPress', redirectUris: ['https://shop.example.com/cb'] });
    expect(oauthClient.clientId).to.match(/^rn_oauth_[A-Za-z0-9_-]{24,}$/);
    expect(clientSecret).to.be.a('string');
    const row = await app.deps.db('oauth_clients').where({ id: oauthClient.id }).first();
    expect(JSON.stringify(row)).to.not.include(clientSecret);
    expect(row.secret_hash).to.be.a('string').and.not.equal(clientSecret);
    expect(oauthClient.allowedScopes).to.include('openid');
  });

  it('forces PKCE and no secret for public clients', async () => {
    const tenant = await app.seed.tenant();
    const { oauthClient, clientSecret } = await createOAuthClient(app.deps.db, operatorIn(tenant.id), {
      name: 'Mobile', type: 'public', redirectUris: ['com.example.app:/cb'], requirePkce: false,
    });
    expect(clientSecret).to.equal(undefined);
    expect(oauthClient.requirePkce).to.equal(true);
  });

  it('refuses invalid redirect URIs and scopes, naming each problem', async () => {
    const tenant = await app.seed.tenant();
    const err = await createOAuthClient(app.deps.db, operatorIn(tenant.id), {
      name: 'Bad', redirectUris: ['http://example.com/cb', 'https://a.example/cb#x', 'com.example.app:/cb', 'relative/cb'],
      allowedScopes: ['openid', 'billing.write', 'no.such.scope'],
    }).catch((e) => e);
    expect(err).to.be.instanceOf(ApiError);
    expect(err.code).to.equal('VALIDATION_FAILED');
    expect(err.details.join('\n')).to.match(/https/).and.match(/fragment/).and.match(/custom schemes/).and.match(/absolute/)
      .and.match(/billing.write/).and.match(/no.such.scope/);
  });

  it('accepts https, loopback http and (for public clients) custom schemes', () => {
    expect(redirectUriProblem('https://a.example/cb', 'confidential')).to.equal(undefined);
    expect(redirectUriProblem('http://127.0.0.1:8080/cb', 'confidential')).to.equal(undefined);
    expect(redirectUriProblem('http://localhost/cb', 'public')).to.equal(undefined);
    expect(redirectUriProblem('com.example.app:/cb', 'public')).to.equal(undefined);
    expect(redirectUriProblem('javascript:alert(1)', 'public')).to.be.a('string');
  });

  it('makes a rotated secret stop working at once', async () => {
    const tenant = await app.seed.tenant();
    const client = await app.seed.oauthClient(tenant.id);
    const before = await findActiveOAuthClient(app.deps.db, client.clientId);
    const { clientSecret } = await rotateOAuthClientSecret(app.deps.db, operatorIn(tenant.id), client.id);
    const after = await findActiveOAuthClient(app.deps.db, client.clientId);
    expect(clientSecret).to.not.equal(client.clientSecret);
    expect(after!.secretHash).to.not.equal(before!.secretHash);
  });

  it('has the 62 catalog scopes of the contract, planned exactly where no public operation exists yet', () => {
    const names = contract.document.components.schemas.OAuthScope.enum as string[];
    expect(SCOPE_CATALOG.map((s) => s.scope)).to.deep.equal(names);
    const coverage = contract.document['x-ringnity-oauth-scope-coverage'].plannedScopes as Record<string, { openApiStatus: string }>;
    for (const item of SCOPE_CATALOG) {
      const status = coverage[item.scope]?.openApiStatus;
      expect(item.status, item.scope).to.equal(status === 'no-public-operation-yet' ? 'planned' : 'available');
    }
    expect(SCOPE_CATALOG.filter((s) => s.status === 'planned')).to.have.length(13);
    expect(AVAILABLE_SCOPES).to.include.members(['openid', 'profile', 'email', 'tenant.read', 'roles.read', 'developer.read', 'sdk.keys.read']);
  });

  it('normalises widget domains', () => {
    expect(normalizeDomain('HTTPS://WWW.Example.COM:443/path?q')).to.deep.equal({ domain: 'www.example.com' });
    expect(normalizeDomain('*.Example.com')).to.deep.equal({ domain: '*.example.com' });
    for (const bad of ['10.0.0.1', '[2001:db8::1]', 'localhost', '-a.example.com', 'a..b', '*.', 'example.123']) {
      expect(normalizeDomain(bad), bad).to.have.property('problem');
    }
  });
});

import { expect } from 'chai';
import { runCli } from '../../src/cli.ts';
import { findActiveOAuthClient } from '../../src/oauth-clients/oauth-clients.ts';
import { expectContract } from '../support/contract.ts';
import { ownerAuth } from '../support/dashboard-sessions.ts';
import { CALLBACK } from '../support/oidc-helpers.ts';
import { useTestApp } from '../support/test-app.ts';

describe('OAuth clients: post-logout redirect URIs', () => {
  const app = useTestApp();
  const base = '/api/sdk/developer/oauth-clients';

  it('are set at creation and by an update, and listed, through the dashboard API', async () => {
    const tenant = await app.seed.tenant();
    const headers = await ownerAuth(app, tenant);
    const created = await app.request(base, {
      method: 'POST', headers, json: { name: 'WordPress', redirectUris: [CALLBACK], postLogoutRedirectUris: ['https://shop.example.com/bye'] },
    });
    expect(created.status).to.equal(201);
    expectContract(created, 'createOAuthClient');
    const { oauthClient } = created.body.data;
    expect(oauthClient.postLogoutRedirectUris).to.deep.equal(['https://shop.example.com/bye']);

    const updated = await app.request(`${base}/${oauthClient.id}`, {
      method: 'PATCH', headers, json: { postLogoutRedirectUris: ['https://shop.example.com/bye', 'http://127.0.0.1:3000/bye'] },
    });
    expect(updated.status).to.equal(200);
    expectContract(updated, 'updateOAuthClient');
    expect(updated.body.data.oauthClient.postLogoutRedirectUris).to.deep.equal(['https://shop.example.com/bye', 'http://127.0.0.1:3000/bye']);
    expect(updated.body.data.oauthClient.redirectUris, 'other settings kept').to.deep.equal([CALLBACK]);

    const list = await app.request(base, { headers });
    expectContract(list, 'listOAuthClients');
    expect(list.body.data.oauthClients[0].postLogoutRedirectUris).to.have.length(2);

    const plain = await app.request(base, { method: 'POST', headers, json: { name: 'Portal', redirectUris: [CALLBACK] } });
    expect(plain.body.data.oauthClient.postLogoutRedirectUris, 'none unless registered').to.deep.equal([]);
  });

  it('follow the redirect URI rules, naming each problem', async () => {
    const tenant = await app.seed.tenant();
    const headers = await ownerAuth(app, tenant);
    const res = await app.request(base, {
      method: 'POST', headers,
      json: { name: 'Bad', redirectUris: [CALLBACK], postLogoutRedirectUris: ['http://shop.example.com/bye', 'https://a.example/bye#x', 'com.example.app:/bye'] },
    });
    expect(res.status).to.equal(400);
    expectContract(res, 'createOAuthClient');
    expect(res.body.code).to.equal('VALIDATION_FAILED');
    expect(res.body.details.join('\n')).to.match(/post-logout redirect URI "http:\/\/shop.example.com\/bye" must use https/)
      .and.match(/fragment/).and.match(/custom schemes/);
  });

  it('are registered by the CLI', async () => {
    const tenant = await app.seed.tenant();
    const res = await runCli(['oauth-client:create', '--tenant', tenant.slug, '--name', 'CLI app', '--type', 'confidential',
      '--redirect-uri', 'https://a.example/cb', '--post-logout-redirect-uri', 'https://a.example/bye'], app.deps);
    const client = await findActiveOAuthClient(app.deps.db, res.clientId as string);
    expect(client!.postLogoutRedirectUris).to.deep.equal(['https://a.example/bye']);
  });
});

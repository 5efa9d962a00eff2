import { expect } from 'chai';
import { atIssuerRoot, credentialHeaders } from '../../src/sdk/client.ts';
import { sdkClient } from '../support/sdk.ts';
import { useTestApp } from '../support/test-app.ts';
import { contract } from '../support/contract.ts';

describe('the typed SDK client', () => {
  const app = useTestApp();

  it('presents each kind of credential the way its security scheme says', () => {
    expect(credentialHeaders({ serverApiKey: 'rn_sk_live_x' })).to.deep.equal({ Authorization: 'Bearer rn_sk_live_x' });
    expect(credentialHeaders({ runtimeSession: 'jwt' })).to.deep.equal({ 'X-Ringnity-SDK-Session': 'jwt' });
    expect(credentialHeaders({ dashboardToken: 'jwt' })).to.deep.equal({ Authorization: 'Bearer jwt' });
    expect(credentialHeaders({ oauthAccessToken: 'at' })).to.deep.equal({ Authorization: 'Bearer at' });
    expect(credentialHeaders(undefined)).to.deep.equal({});
  });

  it('sends the OpenID Connect operations to the issuer root and every other one under /api, as the contract serves them', () => {
    for (const op of contract.operations.values()) {
      expect(atIssuerRoot(op.path), op.id).to.equal(op.servedAt === op.path);
    }
  });

  it('calls the runtime anonymously, then with the runtime session it created', async () => {
    const tenant = await app.seed.tenant();
    const anonymous = sdkClient(app);
    expect((await anonymous.GET('/sdk/health')).data).to.deep.include({ success: true });
    const session = await anonymous.POST('/sdk/session', { body: { slug: tenant.slug } });
    expect(session.response.status).to.equal(201);
    const visitor = sdkClient(app, { runtimeSession: session.data!.data.sessionToken });
    const conversation = await visitor.POST('/chat/visitor/conversations', { body: { subject: 'Typed hello' } });
    expect(conversation.response.status, JSON.stringify(conversation.error)).to.equal(201);
  });

  it('calls the dashboard API with a dashboard token from the owner login', async () => {
    const tenant = await app.seed.tenant();
    const login = await sdkClient(app).POST('/auth/owner-login', { body: { email: tenant.ownerEmail, password: tenant.password } });
    expect(login.response.status).to.equal(200);
    const owner = sdkClient(app, { dashboardToken: login.data!.data.accessToken });
    const me = await owner.GET('/auth/owner-me');
    expect(me.data!.data.client).to.include({ slug: tenant.slug });
    const clients = await owner.GET('/sdk/developer/oauth-clients');
    expect(clients.data!.data.oauthClients).to.deep.equal([]);
  });

  it('calls the Server API with a Server API key, and reports its errors typed', async () => {
    const tenant = await app.seed.tenant();
    const key = await app.seed.serverKey(tenant.id, ['server:contacts:write', 'server:contacts:read']);
    const server = sdkClient(app, { serverApiKey: key.secret });
    const created = await server.POST('/server/contacts', { body: { name: 'Grace Hopper', phone: '+12025550188' } });
    expect(created.response.status, JSON.stringify(created.error)).to.equal(200);
    const id = (created.data!.data as { contact: { id: string } }).contact.id;
    const found = await server.GET('/server/contacts/{id}', { params: { path: { id } } });
    expect(found.response.status).to.equal(200);
    const refused = await server.GET('/server/webhooks');
    expect(refused.response.status).to.equal(403);
    expect(refused.error).to.include({ success: false, code: 'SERVER_API_SCOPE_DENIED' });
  });

  it('reads the OpenID Connect metadata and keys at the issuer root', async () => {
    const client = sdkClient(app);
    const discovery = await client.GET('/.well-known/openid-configuration');
    expect(discovery.data!.issuer).to.equal(app.url);
    const jwks = await client.GET('/oauth/jwks.json');
    expect(jwks.data!.keys).to.have.length.greaterThan(0);
    const userinfo = await sdkClient(app, { oauthAccessToken: 'not-a-token' }).GET('/oauth/userinfo');
    expect(userinfo.response.status).to.equal(401);
  });
});

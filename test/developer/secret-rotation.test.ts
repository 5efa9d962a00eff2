import { expect } from 'chai';
import { operatorIn } from '../../src/audit/actor.ts';
import { rotateOAuthClientSecret } from '../../src/oauth-clients/oauth-clients.ts';
import { rotateServerApiCredential } from '../../src/server-api/credentials.ts';
import { expectContract } from '../support/contract.ts';
import { ownerAuth } from '../support/dashboard-sessions.ts';
import { CALLBACK, tokenEndpoint } from '../support/oidc-helpers.ts';
import { useTestApp, type TestResponse } from '../support/test-app.ts';

/** Rotations of one OAuth client secret or one Server API key, at the same time. */
describe('secret rotation under concurrency', () => {
  const app = useTestApp();
  const clients = '/api/sdk/developer/oauth-clients';
  const credentials = '/api/sdk/developer/server-api-credentials';

  /** A Server API key works when /server/health takes it. */
  const keyWorks = async (secret: string) => (await app.request('/api/server/health', { headers: { authorization: `Bearer ${secret}` } })).status === 200;
  /** A client secret works when the token endpoint gets past client authentication (the made-up code is refused next). */
  const clientSecretWorks = async (clientId: string, secret: string) => {
    const res = await tokenEndpoint(app, { grant_type: 'authorization_code', code: 'x', redirect_uri: CALLBACK }, { id: clientId, secret });
    return res.body.error !== 'invalid_client';
  };

  function expectConflict(res: TestResponse, operationId: string) {
    expect(res.status, res.text).to.equal(409);
    expect(res.body.code).to.equal('CONFLICT');
    expectContract(res, operationId);
  }

  /**
   * Holds a rotation's transaction open while the request under test arrives, so the request
   * meets the rotation in flight every time. PGlite has one connection, which the held
   * transaction occupies: there the request can only run after it, as a later rotation.
   */
  async function whileRotating(rotate: (trx: typeof app.deps.db) => Promise<string>, send: () => Promise<TestResponse>) {
    let pending: Promise<TestResponse> | undefined;
    const secret = await app.deps.db.transaction(async (trx) => {
      const held = await rotate(trx);
      pending = send();
      await new Promise((resolve) => setTimeout(resolve, 300)); // the request is waiting for the row lock now
      return held;
    });
    return { secret, res: await pending! };
  }

  describe('on PostgreSQL', () => {
    before(function () {
      if (!app.databaseUrl) this.skip();
    });

    it('refuses a Server API key rotation that waited behind another, so the secret that one answers with stays current', async () => {
      const tenant = await app.seed.tenant();
      const key = await app.seed.serverKey(tenant.id, ['server:health']);
      const headers = await ownerAuth(app, tenant);
      const { secret, res } = await whileRotating(
        async (trx) => (await rotateServerApiCredential(trx, operatorIn(tenant.id), key.id)).secret,
        () => app.request(`${credentials}/${key.id}/rotate`, { method: 'POST', headers }),
      );
      expectConflict(res, 'rotateServerApiCredential');
      expect(await keyWorks(secret), 'the answered secret is the current one').to.equal(true);
    });

    it('refuses an OAuth client secret rotation that waited behind another, so the secret that one answers with stays current', async () => {
      const tenant = await app.seed.tenant();
      const client = await app.seed.oauthClient(tenant.id, { redirectUris: [CALLBACK] });
      const headers = await ownerAuth(app, tenant);
      const { secret, res } = await whileRotating(
        async (trx) => (await rotateOAuthClientSecret(trx, operatorIn(tenant.id), client.id)).clientSecret!,
        () => app.request(`${clients}/${client.id}/rotate-secret`, { method: 'POST', headers }),
      );
      expectConflict(res, 'rotateOAuthClientSecret');
      expect(await clientSecretWorks(client.clientId, secret), 'the answered secret is the current one').to.equal(true);
    });
  });

  it('answers parallel rotations of one key with new secrets or 409, and the newest secret works', async () => {
    const tenant = await app.seed.tenant();
    const key = await app.seed.serverKey(tenant.id, ['server:health']);
    const headers = await ownerAuth(app, tenant);
    const answers = await Promise.all(Array.from({ length: 5 }, () => app.request(`${credentials}/${key.id}/rotate`, { method: 'POST', headers })));
    for (const res of answers) expect([200, 409], res.text).to.include(res.status);
    const secrets = answers.filter((r) => r.status === 200).map((r) => r.body.data.secret as string);
    const working = await Promise.all(secrets.map(keyWorks));
    expect(working.filter(Boolean), 'one current secret').to.have.length(1);
  });

  it('answers parallel rotations of one client secret with new secrets or 409, and the newest secret works', async () => {
    const tenant = await app.seed.tenant();
    const client = await app.seed.oauthClient(tenant.id, { redirectUris: [CALLBACK] });
    const headers = await ownerAuth(app, tenant);
    const answers = await Promise.all(Array.from({ length: 5 }, () => app.request(`${clients}/${client.id}/rotate-secret`, { method: 'POST', headers })));
    for (const res of answers) expect([200, 409], res.text).to.include(res.status);
    const secrets = answers.filter((r) => r.status === 200).map((r) => r.body.data.clientSecret as string);
    const working = await Promise.all(secrets.map((s) => clientSecretWorks(client.clientId, s)));
    expect(working.filter(Boolean), 'one current secret').to.have.length(1);
  });
});

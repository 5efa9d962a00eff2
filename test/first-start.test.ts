import { expect } from 'chai';
import { DEMO, DEMO_OAUTH_CLIENT, firstStartHint } from '../src/first-start.ts';
import { useTestApp } from './support/test-app.ts';
import { tokenEndpoint } from './support/oidc-helpers.ts';

describe('DEMO=1 seed', () => {
  const app = useTestApp();

  it('seeds the documented demo tenant, owner and OAuth client once, and they work', async () => {
    const deps = { ...app.deps, config: { ...app.deps.config, demo: true } };
    await firstStartHint(deps);
    await firstStartHint(deps); // a restart seeds nothing twice
    const seeded = await app.deps.db('tenants').where({ slug: DEMO.slug }).count({ n: '*' }).first();
    expect(Number(seeded!.n)).to.equal(1);

    const login = await app.request('/api/auth/owner-login', { method: 'POST', json: { email: DEMO.ownerEmail, password: DEMO.ownerPassword } });
    expect(login.status).to.equal(200);

    // The documented secret authenticates the client: a bogus code is refused as a grant, not as a client.
    const res = await tokenEndpoint(app, { grant_type: 'authorization_code', code: 'nope', redirect_uri: DEMO_OAUTH_CLIENT.redirectUris[0] },
      { id: DEMO_OAUTH_CLIENT.clientId, secret: DEMO_OAUTH_CLIENT.clientSecret });
    expect(res.status).to.equal(400);
    expect(res.body.error).to.equal('invalid_grant');
  });
});

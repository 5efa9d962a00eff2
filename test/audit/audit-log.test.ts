import { expect } from 'chai';
import { ownerAuth } from '../support/dashboard-sessions.ts';
import { useTestApp } from '../support/test-app.ts';

describe('audit rows share the change’s transaction', () => {
  const app = useTestApp();

  // A real database trigger makes every audit insert for one tenant fail, as a full disk or a
  // broken constraint would; the changes that insert belongs to must then leave nothing behind.
  async function refuseAuditFor(tenantId: string): Promise<() => Promise<void>> {
    const db = app.deps.db;
    await db.raw(`CREATE OR REPLACE FUNCTION test_refuse_audit() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN RAISE EXCEPTION 'audit write refused'; END $$`);
    await db.raw(`CREATE TRIGGER test_refuse_audit BEFORE INSERT ON audit_log FOR EACH ROW
      WHEN (NEW.tenant_id = '${tenantId}'::uuid) EXECUTE FUNCTION test_refuse_audit()`);
    return async () => {
      await db.raw('DROP TRIGGER test_refuse_audit ON audit_log');
      await db.raw('DROP FUNCTION test_refuse_audit()');
    };
  }

  it('leaves no credential, client or domain behind when the audit write fails', async () => {
    const tenant = await app.seed.tenant();
    const auth = await ownerAuth(app, tenant);
    const restore = await refuseAuditFor(tenant.id);
    try {
      const key = await app.request('/api/sdk/developer/server-api-credentials', {
        method: 'POST', headers: auth, json: { name: 'backend', scopes: ['server:health'] },
      });
      const client = await app.request('/api/sdk/developer/oauth-clients', {
        method: 'POST', headers: auth, json: { name: 'Shop', redirectUris: ['https://shop.example.com/cb'] },
      });
      const domains = await app.request('/api/sdk/developer/allowed-domains', {
        method: 'PUT', headers: auth, json: { allowedDomains: ['shop.example.com'] },
      });
      for (const res of [key, client, domains]) {
        expect(res.status).to.equal(500);
        expect(res.body.code).to.equal('INTERNAL_ERROR');
      }
    } finally {
      await restore();
    }
    const db = app.deps.db;
    expect(await db('server_api_credentials').where({ tenant_id: tenant.id })).to.deep.equal([]);
    expect(await db('oauth_clients').where({ tenant_id: tenant.id })).to.deep.equal([]);
    expect(await db('tenant_allowed_domains').where({ tenant_id: tenant.id })).to.deep.equal([]);
  });

  it('records the change with the actor, request id and target when it commits', async () => {
    const tenant = await app.seed.tenant();
    const auth = await ownerAuth(app, tenant);
    const res = await app.request('/api/sdk/developer/server-api-credentials', {
      method: 'POST', headers: { ...auth, 'x-request-id': 'audit-test-1' }, json: { name: 'backend', scopes: ['server:health'] },
    });
    expect(res.status).to.equal(201);
    const row = await app.deps.db('audit_log').where({ tenant_id: tenant.id, action: 'server_api_credential.created' }).first();
    expect(row).to.include({
      outcome: 'success', actor_type: 'account', actor_id: tenant.owner.id, target_type: 'server_api_credential',
      target_id: res.body.data.credential.id, request_id: 'audit-test-1',
    });
  });
});

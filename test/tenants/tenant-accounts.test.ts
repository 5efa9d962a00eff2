import { expect } from 'chai';
import { useTestApp } from '../support/test-app.ts';
import { PASSWORD, unique } from '../support/seed.ts';
import { createAccount } from '../../src/tenants/tenant-accounts.ts';
import { ApiError } from '../../src/http/api-error.ts';

describe('tenant accounts', () => {
  const app = useTestApp();
  const newAgent = (tenantId: string) => createAccount(app.deps.db, app.deps.config.argon2, {
    tenantId, username: `agent-${unique()}`, password: PASSWORD, name: 'Agent', role: 'agent',
  });

  it("enforces the plan's agents quota, even for concurrent creations", async () => {
    const tenant = await app.seed.tenant({ plan: 'starter' }); // starter allows 3 agents
    const results = await Promise.allSettled(Array.from({ length: 5 }, () => newAgent(tenant.id)));
    expect(results.filter((r) => r.status === 'fulfilled')).to.have.length(3);
    for (const r of results.filter((x) => x.status === 'rejected')) {
      expect((r as PromiseRejectedResult).reason).to.be.instanceOf(ApiError).and.include({ code: 'QUOTA_EXCEEDED', status: 409 });
    }
    const count = await app.deps.db('accounts').where({ tenant_id: tenant.id }).whereNot({ role: 'owner' }).count({ n: '*' }).first();
    expect(Number(count!.n)).to.equal(3);
  });

  it('does not count the owner against the agents quota', async () => {
    const tenant = await app.seed.tenant({ plan: 'starter' }); // the owner exists already
    for (let i = 0; i < 3; i++) await newAgent(tenant.id); // all three fit beside the owner
    const fourth = await newAgent(tenant.id).then(() => undefined, (err: unknown) => err);
    expect(fourth).to.be.instanceOf(ApiError).and.include({ code: 'QUOTA_EXCEEDED' });
  });
});

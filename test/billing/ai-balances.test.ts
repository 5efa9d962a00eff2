import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import { listAudit } from '../../src/audit/audit-log.ts';
import { listLedger, tenantBalance } from '../../src/billing/balances.ts';
import { ownerAuth, platformAuth } from '../support/dashboard-sessions.ts';
import { useTestApp } from '../support/test-app.ts';

describe('platform AI balances: top-ups and settings', () => {
  const app = useTestApp();
  const as = async (role: string) => platformAuth(app, await app.seed.platformAdmin(role));
  const topUp = (headers: Record<string, string>, tenantId: string, json: unknown) =>
    app.request(`/api/platform/ai-balance/${tenantId}/top-up`, { method: 'POST', headers, json });
  const settings = (headers: Record<string, string>, tenantId: string, json: unknown) =>
    app.request(`/api/platform/ai-balance/${tenantId}/settings`, { method: 'PUT', headers, json });

  it('tops up in cents, or in dollars converted exactly, showing the balance before and after', async () => {
    const headers = await as('platform_admin');
    const tenant = await app.seed.tenant();
    const first = await topUp(headers, tenant.id, { amountCents: 5000, notes: 'welcome credit' });
    expect(first.status).to.equal(200);
    expect(first.body.data).to.deep.equal({ clientId: tenant.id, amountCents: 5000, balanceBeforeCents: 0, balanceAfterCents: 5000 });
    const second = await topUp(headers, tenant.id, { amountUsd: 0.29 });
    expect(second.body.data).to.include({ amountCents: 29, balanceBeforeCents: 5000, balanceAfterCents: 5029 });

    const ledger = await listLedger(app.deps.db, tenant.id);
    expect(ledger.map((e) => [e.kind, e.amountCents, e.balanceAfterCents, e.notes])).to.deep.equal([
      ['top_up', 5000, 5000, 'welcome credit'], ['top_up', 29, 5029, null],
    ]);
    const [entry] = await listAudit(app.deps.db, { tenantId: tenant.id, action: 'ai_balance.topped_up', limit: 1 });
    expect(entry.details).to.include({ amountCents: 29, balanceBeforeCents: 5000, balanceAfterCents: 5029 });
  });

  it('refuses amounts that are missing, fractional cents, contradictory or too large', async () => {
    const headers = await as('platform_admin');
    const tenant = await app.seed.tenant();
    for (const [body, problem] of [
      [{}, 'body must have amountCents (preferred) or amountUsd'],
      [{ amountUsd: 1.005 }, 'body.amountUsd must be a whole number of cents (at most 2 decimal places)'],
      [{ amountUsd: 0 }, 'the amount must be at least 1 cent'],
      [{ amountCents: 100, amountUsd: 2 }, 'body.amountCents and body.amountUsd name different amounts: send one'],
      [{ amountCents: 100_000_001 }, 'the amount must be at most 100000000 cents'],
    ] as const) {
      const res = await topUp(headers, tenant.id, body);
      expect(res.status, JSON.stringify(body)).to.equal(400);
      expect(res.body.details).to.include(problem);
    }
    expect(await listLedger(app.deps.db, tenant.id)).to.deep.equal([]);
  });

  it('answers 404 for an unknown or malformed tenant id', async () => {
    const headers = await as('platform_admin');
    expect((await topUp(headers, randomUUID(), { amountCents: 1 })).status).to.equal(404);
    expect((await topUp(headers, 'not-a-uuid', { amountCents: 1 })).status).to.equal(404);
    expect((await settings(headers, randomUUID(), { overageEnabled: true })).status).to.equal(404);
  });

  it('loses no update under 20 concurrent top-ups', async () => {
    const headers = await as('platform_admin');
    const tenant = await app.seed.tenant();
    const results = await Promise.all(Array.from({ length: 20 }, () => topUp(headers, tenant.id, { amountCents: 100 })));
    expect(results.map((r) => r.status)).to.deep.equal(Array(20).fill(200));
    expect((await tenantBalance(app.deps.db, tenant.id)).balanceCents).to.equal(2000);
    const ledger = await listLedger(app.deps.db, tenant.id);
    expect(ledger).to.have.length(20);
    expect(ledger.map((e) => e.balanceAfterCents)).to.deep.equal(Array.from({ length: 20 }, (_, i) => (i + 1) * 100));
  });

  it('applies a repeated Idempotency-Key once, also when the repeats race, and answers the first result', async () => {
    const headers = await as('platform_admin');
    const tenant = await app.seed.tenant();
    const keyed = { ...headers, 'idempotency-key': `topup-${randomUUID()}` };
    const results = await Promise.all(Array.from({ length: 5 }, () => topUp(keyed, tenant.id, { amountCents: 700 })));
    expect(results.map((r) => r.status)).to.deep.equal(Array(5).fill(200));
    for (const res of results) expect(res.body.data).to.deep.equal({ clientId: tenant.id, amountCents: 700, balanceBeforeCents: 0, balanceAfterCents: 700 });
    expect(results.filter((r) => r.headers.get('idempotent-replayed') === 'true')).to.have.length(4);
    expect(await listLedger(app.deps.db, tenant.id)).to.have.length(1);

    const other = await topUp(keyed, tenant.id, { amountCents: 800 });
    expect(other.status).to.equal(409);
    expect(other.body.code).to.equal('CONFLICT');
    const fresh = await topUp({ ...headers, 'idempotency-key': `topup-${randomUUID()}` }, tenant.id, { amountCents: 700 });
    expect(fresh.body.data.balanceAfterCents).to.equal(1400);
  });

  it('updates overage and auto top-up controls partially, validated and audited', async () => {
    const headers = await as('platform_owner');
    const tenant = await app.seed.tenant();
    const res = await settings(headers, tenant.id, { overageEnabled: true, autoTopUpThresholdCents: 500 });
    expect(res.status).to.equal(200);
    expect(res.body.data).to.deep.equal({ clientId: tenant.id });
    expect(await tenantBalance(app.deps.db, tenant.id)).to.include({
      overageEnabled: true, blockOnZero: true, autoTopUpEnabled: false, autoTopUpThresholdCents: 500, autoTopUpAmountCents: 0,
    });

    const noAmount = await settings(headers, tenant.id, { autoTopUpEnabled: true });
    expect(noAmount.status).to.equal(400);
    expect(noAmount.body.details).to.deep.equal(['autoTopUpAmountCents must be at least 1 when autoTopUpEnabled is true']);
    const negative = await settings(headers, tenant.id, { autoTopUpAmountCents: -1, blockOnZero: 'no' });
    expect(negative.status).to.equal(400);
    expect(negative.body.details).to.have.length(2);

    expect((await settings(headers, tenant.id, { autoTopUpEnabled: true, autoTopUpAmountCents: 2000 })).status).to.equal(200);
    const [entry] = await listAudit(app.deps.db, { tenantId: tenant.id, action: 'ai_balance.settings_updated', limit: 1 });
    expect(entry.details.before).to.include({ autoTopUpEnabled: false, autoTopUpAmountCents: 0 });
    expect(entry.details.after).to.include({ autoTopUpEnabled: true, autoTopUpAmountCents: 2000, autoTopUpThresholdCents: 500 });
  });

  it('lets support read the overview but not move money; dashboard tokens get 401', async () => {
    const support = await as('platform_support');
    const tenant = await app.seed.tenant();
    expect((await app.request('/api/platform/ai-balance', { headers: support })).status).to.equal(200);
    expect((await topUp(support, tenant.id, { amountCents: 100 })).status).to.equal(403);
    expect((await settings(support, tenant.id, { overageEnabled: true })).status).to.equal(403);
    const owner = await ownerAuth(app, tenant);
    expect((await topUp(owner, tenant.id, { amountCents: 100 })).status).to.equal(401);
    expect((await app.request('/api/platform/ai-balance', { headers: owner })).status).to.equal(401);
  });
});

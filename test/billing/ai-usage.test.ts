import { expect } from 'chai';
import { alertLevel } from '../../src/billing/alert-level.ts';
import { recordAiUsage } from '../../src/billing/ai-usage.ts';
import { listLedger, tenantBalance, topUpPlatformAiBalance, updatePlatformAiBalanceTenantSettings } from '../../src/billing/balances.ts';
import { OPERATOR } from '../../src/audit/actor.ts';
import { platformAuth } from '../support/dashboard-sessions.ts';
import { useTestApp } from '../support/test-app.ts';

describe('AI usage metering and the balance overview', () => {
  const app = useTestApp();
  const record = (tenantId: string, usage: Parameters<typeof recordAiUsage>[2]) =>
    app.deps.db.transaction((trx) => recordAiUsage(trx, tenantId, usage));
  const topUp = (tenantId: string, amountCents: number) => topUpPlatformAiBalance(app.deps.db, OPERATOR, tenantId, { amountCents });

  it('charges nothing within the plan and the exact month total beyond it, however the usage is split', async () => {
    const tenant = await app.seed.tenant({ plan: 'professional' }); // 5,000 replies included, no voice
    await topUp(tenant.id, 1000);
    expect((await record(tenant.id, { replies: 5000, inputTokens: 1_000_000, outputTokens: 300_000 })).chargeCents).to.equal(0);
    // 1.05 cents a reply beyond the quota: 1, then 2 (1 more), then 105 for 100 (103 more).
    expect((await record(tenant.id, { replies: 1 })).chargeCents).to.equal(1);
    expect((await record(tenant.id, { replies: 1 })).chargeCents).to.equal(1);
    expect((await record(tenant.id, { replies: 98 })).chargeCents).to.equal(103);
    // 90 s of voice, none included: 2 started minutes at 11.25 cents = 22.5 → 23 on the month's total of 127.5 → 128.
    expect((await record(tenant.id, { voiceSeconds: 90 })).chargeCents).to.equal(23);

    const ledger = await listLedger(app.deps.db, tenant.id);
    expect(ledger.filter((e) => e.kind === 'usage').map((e) => e.amountCents)).to.deep.equal([-1, -1, -103, -23]);
    expect(await tenantBalance(app.deps.db, tenant.id)).to.include({ balanceCents: 872, totalTopUpCents: 1000, totalUsageCents: 128 });
  });

  it('adds an automatic top-up when a charge leaves the balance below the threshold', async () => {
    const tenant = await app.seed.tenant({ plan: 'professional' });
    await topUp(tenant.id, 600);
    await updatePlatformAiBalanceTenantSettings(app.deps.db, OPERATOR, tenant.id, { autoTopUpEnabled: true, autoTopUpThresholdCents: 500, autoTopUpAmountCents: 1000 });
    const result = await record(tenant.id, { replies: 5100 });
    expect(result).to.include({ chargeCents: 105, autoTopUpCents: 1000, balanceAfterCents: 1495 });
    const ledger = await listLedger(app.deps.db, tenant.id);
    expect(ledger.map((e) => [e.kind, e.amountCents, e.balanceAfterCents])).to.deep.equal([
      ['top_up', 600, 600], ['usage', -105, 495], ['auto_top_up', 1000, 1495],
    ]);
    expect(ledger[2].notes).to.equal('automatic top-up; no card was charged');
  });

  it('charges concurrent usage exactly once in total', async () => {
    const tenant = await app.seed.tenant(); // starter: no AI included, every reply is overage
    await Promise.all(Array.from({ length: 20 }, () => record(tenant.id, { replies: 10 })));
    // 200 replies × 1.05 cents = 210, whatever the order.
    expect(await tenantBalance(app.deps.db, tenant.id)).to.include({ balanceCents: -210, totalUsageCents: 210 });
  });

  it('sets the alert level at each boundary of lowBalanceThresholdCents', () => {
    const levels = [-1, 0, 1, 249, 250, 999, 1000].map((cents) => alertLevel(cents, 1000));
    expect(levels).to.deep.equal(['empty', 'empty', 'critical', 'critical', 'low', 'low', 'ok']);
    expect(alertLevel(1, 0)).to.equal('ok');
  });

  it('shows each tenant with usage, included quota, overage, projection and alert level, plus totals', async () => {
    const tenant = await app.seed.tenant({ plan: 'professional' });
    await topUp(tenant.id, 300);
    await record(tenant.id, { replies: 5100, inputTokens: 4000, outputTokens: 1000 });
    await record(tenant.id, { voiceSeconds: 61 });
    const low = await app.seed.tenant();
    await topUp(low.id, 999);

    const res = await app.request('/api/platform/ai-balance', { headers: await platformAuth(app, await app.seed.platformAdmin('platform_support')) });
    expect(res.status).to.equal(200);
    const { summary, tenants, pricing } = res.body.data;
    const row = tenants.find((t: any) => t.tenantId === tenant.id);
    expect(row).to.include({ tenantSlug: tenant.slug, tenantEmail: tenant.ownerEmail, planSlug: 'professional', planName: 'Professional', currency: 'USD' });
    // 100 replies over (105 cents) and 2 started minutes of voice (22.5): 127.5 → 128 cents charged.
    expect(row).to.include({ balanceCents: 172, totalTopUpCents: 300, totalUsageCents: 128, alertLevel: 'critical' });
    expect(row.usage).to.deep.equal({ chatReplies: 5100, voiceMinutes: 2, voiceEvents: 1, audioSeconds: 61, inputTokens: 4000, outputTokens: 1000, totalTokens: 5000 });
    expect(row.included).to.deep.equal({ chatReplies: 5000, chatLabel: '5,000 replies', voiceMinutes: 0, voiceLabel: 'Not included' });
    expect(row.overage).to.include({ chatReplies: 100, voiceMinutes: 2, estimatedOverageChargeCents: 128 });
    // Internal 5100 × 0.35 + 61/60 × 3.75 = 1788.8 → 1789 cents; retail three times that, 5366.4 → 5366.
    expect(row.overage).to.include({ estimatedInternalCostCents: 1789, estimatedRetailChargeCents: 5366 });
    expect(row.overage.projectedBalanceAfterCents).to.be.at.most(172);
    expect(tenants.find((t: any) => t.tenantId === low.id)).to.include({ alertLevel: 'low', planSlug: 'starter' });
    expect(tenants.find((t: any) => t.tenantId === low.id).included).to.include({ chatLabel: 'Not included' });

    expect(summary.totalTenants).to.equal(tenants.length);
    expect(summary.totalBalanceCents).to.equal(tenants.reduce((n: number, t: any) => n + t.balanceCents, 0));
    expect(summary.lowCount).to.equal(tenants.filter((t: any) => t.alertLevel === 'low').length);
    expect(tenants.map((t: any) => t.alertLevel)).to.deep.equal([...tenants.map((t: any) => t.alertLevel)].sort((a: string, b: string) =>
      ['empty', 'critical', 'low', 'ok'].indexOf(a) - ['empty', 'critical', 'low', 'ok'].indexOf(b)));
    expect(pricing.derived.grossMarginPercent).to.equal(66.7);
  });
});

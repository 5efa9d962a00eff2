import { expect } from 'chai';
import { listAudit } from '../../src/audit/audit-log.ts';
import { derivedPricing } from '../../src/billing/pricing.ts';
import { getPlatformAiPricing } from '../../src/billing/ai-pricing.ts';
import { platformAuth } from '../support/dashboard-sessions.ts';
import { useTestApp } from '../support/test-app.ts';

describe('platform AI pricing', () => {
  const app = useTestApp();
  const PATH = '/api/platform/ai-pricing';
  const as = async (role: string) => platformAuth(app, await app.seed.platformAdmin(role));
  const put = (headers: Record<string, string>, json: unknown) => app.request(PATH, { method: 'PUT', headers, json });

  it('derives reply, per-1,000 and voice prices and the margin from the contract example values', async () => {
    const res = await app.request(PATH, { headers: await as('platform_support') });
    expect(res.status).to.equal(200);
    expect(res.body.data.settings).to.include({
      inputCostPer1mUsd: 0.4, outputCostPer1mUsd: 1.6, voiceCostPerMinuteUsd: 0.03, markupMultiplier: 3, riskBufferPercent: 25,
      replyUnitInputTokens: 3000, replyUnitOutputTokens: 1000, lowBalanceThresholdCents: 1000,
    });
    // (3000 × 0.4 + 1000 × 1.6) / 1e6 × 1.25 = 0.0035; × 3 = 0.0105; 0.03 × 1.25 = 0.0375; × 3 = 0.1125.
    expect(res.body.data.derived).to.deep.equal({
      internalReplyUsd: 0.0035, retailReplyUsd: 0.0105, retailPer1000RepliesUsd: 10.5,
      internalVoiceMinuteUsd: 0.0375, retailVoiceMinuteUsd: 0.1125, grossMarginPercent: 66.7,
    });
  });

  it('computes in decimals, not floats', async () => {
    const settings = (await getPlatformAiPricing(app.deps.db)).settings;
    // 0.1 + 0.2 style inputs: float arithmetic would give 0.30000000000000004-like results.
    const derived = derivedPricing({ ...settings, replyUnitInputTokens: 1_000_000, inputCostPer1mUsd: 0.1, replyUnitOutputTokens: 1_000_000, outputCostPer1mUsd: 0.2, riskBufferPercent: 0, markupMultiplier: 1.1 });
    expect(derived.internalReplyUsd).to.equal(0.3);
    expect(derived.retailReplyUsd).to.equal(0.33);
    expect(derived.grossMarginPercent).to.equal(9.1);
  });

  it('updates only the fields given, audited with before and after', async () => {
    const headers = await as('platform_admin');
    try {
      const res = await put(headers, { markupMultiplier: 4, chatModel: 'gpt-4.1' });
      expect(res.status).to.equal(200);
      expect(res.body.data.settings).to.include({ markupMultiplier: 4, chatModel: 'gpt-4.1', inputCostPer1mUsd: 0.4, riskBufferPercent: 25 });
      expect(res.body.data.settings.updatedAt).to.be.a('string');
      expect(res.body.data.derived).to.include({ retailReplyUsd: 0.014, grossMarginPercent: 75 });
      const [entry] = await listAudit(app.deps.db, { action: 'ai_pricing.updated', limit: 1 });
      expect(entry.details).to.deep.equal({
        fields: ['chatModel', 'markupMultiplier'], before: { chatModel: 'gpt-4.1-mini', markupMultiplier: 3 }, after: { chatModel: 'gpt-4.1', markupMultiplier: 4 },
      });
    } finally {
      await put(headers, { markupMultiplier: 3, chatModel: 'gpt-4.1-mini' });
    }
  });

  it('refuses values out of bounds with every problem listed', async () => {
    const headers = await as('platform_owner');
    const res = await put(headers, { markupMultiplier: 1.05, outputCostPer1mUsd: -1, voiceUnitSeconds: 0, currency: 'EUR', chatModel: ' ', maxRetries: 3_000_000_000 });
    expect(res.status).to.equal(400);
    expect(res.body.code).to.equal('VALIDATION_FAILED');
    expect(res.body.details).to.include.members([
      'body.outputCostPer1mUsd must not be negative',
      'body.currency must be "USD": every price and balance is in US dollars',
      'body.chatModel must be 1-100 characters, not blank',
      'body.maxRetries must be at most 2147483647',
    ]);
    expect(res.body.details.join('\n')).to.match(/markupMultiplier must be >= 1\.1/).and.to.match(/voiceUnitSeconds must be >= 1/);
    expect((await app.request(PATH, { headers })).body.data.settings.markupMultiplier).to.equal(3);
  });

  it('lets support read but not write', async () => {
    const res = await put(await as('platform_support'), { markupMultiplier: 5 });
    expect(res.status).to.equal(403);
    expect(res.body.code).to.equal('FORBIDDEN');
  });
});

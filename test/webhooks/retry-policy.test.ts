import { expect } from 'chai';
import { MAX_ATTEMPTS, parseRetryAfter, retryDelay } from '../../src/webhooks/retry-policy.ts';

describe('webhook retry schedule', () => {
  const minutes = (m: number) => m * 60_000;

  it('waits nothing, 5 s, 5 min, 30 min, 2 h, 5 h, 10 h and 10 h, then gives up after the eighth attempt', () => {
    const exact = (next: number) => retryDelay(next, { scale: 1, random: () => 0.5 });
    expect([1, 2, 3, 4, 5, 6, 7, 8].map(exact)).to.deep.equal([0, 5000, minutes(5), minutes(30), minutes(120), minutes(300), minutes(600), minutes(600)]);
    expect(MAX_ATTEMPTS).to.equal(8);
    expect(exact(9)).to.equal(undefined);
  });

  it('adds up to 20 % jitter either way and scales with WEBHOOK_RETRY_SCALE', () => {
    expect(retryDelay(3, { scale: 1, random: () => 0 })).to.be.closeTo(minutes(5) * 0.8, 1e-6);
    expect(retryDelay(3, { scale: 1, random: () => 1 })).to.be.closeTo(minutes(5) * 1.2, 1e-6);
    expect(retryDelay(3, { scale: 0.001, random: () => 0.5 })).to.be.closeTo(300, 1e-6);
  });

  it('never retries before a Retry-After, given in seconds or as an HTTP date, up to a day', () => {
    const now = Date.parse('2030-01-01T00:00:00Z');
    expect(parseRetryAfter('120', now)).to.equal(120_000);
    expect(parseRetryAfter('Tue, 01 Jan 2030 00:01:00 GMT', now)).to.equal(60_000);
    expect(parseRetryAfter('soon', now)).to.equal(undefined);
    expect(retryDelay(2, { scale: 1, random: () => 0.5, retryAfterMs: 120_000 })).to.equal(120_000);
    expect(retryDelay(7, { scale: 1, random: () => 0.5, retryAfterMs: 1000 })).to.equal(minutes(600));
    expect(retryDelay(2, { scale: 1, random: () => 0.5, retryAfterMs: 7 * 24 * 3_600_000 })).to.equal(24 * 3_600_000);
  });
});

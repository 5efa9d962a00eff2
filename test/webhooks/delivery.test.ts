import { expect } from 'chai';
import { Webhook as StandardWebhook } from 'standardwebhooks';
import { operatorIn } from '../../src/audit/actor.ts';
import { listAudit } from '../../src/audit/audit-log.ts';
import { emitEvent } from '../../src/webhooks/outbox.ts';
import { useTestApp } from '../support/test-app.ts';
import { expectContract } from '../support/contract.ts';
import { startReceiver, waitUntil, type Answer, type Receiver } from '../support/webhook-receiver.ts';

describe('webhook delivery', () => {
  const app = useTestApp();
  const receivers: Receiver[] = [];
  const cleanups: (() => Promise<unknown>)[] = [];

  afterEach(async () => {
    // No retry of a finished test keeps running into the next one.
    await Promise.all(cleanups.splice(0).map((fn) => fn()));
    await Promise.all(receivers.splice(0).map((r) => r.close()));
  });

  async function receiver(answer?: (n: number) => Answer, host?: string): Promise<Receiver> {
    const r = await startReceiver(answer, host);
    receivers.push(r);
    return r;
  }

  async function tenantWithKey() {
    const tenant = await app.seed.tenant();
    const key = await app.seed.serverKey(tenant.id, ['server:webhook:read', 'server:webhook:write']);
    const call = (method: string, path: string, json?: unknown) =>
      app.request(`/api/server/webhooks${path}`, { method, headers: { authorization: `Bearer ${key.secret}` }, ...(json !== undefined && { json }) });
    const hook = async (url: string, extra: Record<string, unknown> = {}) => {
      const res = await call('POST', '', { url, events: ['contact.created'], ...extra });
      expect(res.status, JSON.stringify(res.body)).to.equal(201);
      cleanups.push(() => call('DELETE', `/${res.body.data.webhook.id}`));
      return res.body.data as { webhook: { id: string }; secret: string };
    };
    const emit = (data: Record<string, unknown> = { contact: { id: crypto.randomUUID() } }) =>
      app.deps.db.transaction((trx) => emitEvent(trx, operatorIn(tenant.id), 'contact.created', data));
    const deliveries = async () => {
      const res = await call('GET', '/deliveries?limit=100');
      expect(res.status).to.equal(200);
      expectContract(res, 'listWebhookDeliveries');
      return res.body.data.deliveries as any[];
    };
    /** The attempts of one delivery, newest first, once `check` accepts them. */
    const attemptsOf = (deliveryId: string, check: (attempts: any[]) => boolean, timeoutMs = 5000) =>
      waitUntil(async () => {
        const attempts = (await deliveries()).filter((d) => d.deliveryId === deliveryId);
        return check(attempts) ? attempts : undefined;
      }, timeoutMs, `the attempts of delivery ${deliveryId}`);
    return { tenant, call, hook, emit, deliveries, attemptsOf };
  }

  const done = (attempts: any[]) => attempts.length > 0 && !['pending', 'sending'].includes(attempts[0].status);

  it('delivers an emitted event signed the Standard Webhooks way', async () => {
    const r = await receiver();
    const t = await tenantWithKey();
    const { secret } = await t.hook(r.url);
    const emitted = await t.emit({ contact: { id: 'c-1', name: 'Ada' } });
    const [req] = await r.waitFor(1);

    const payload = new StandardWebhook(secret).verify(req.body, req.headers as Record<string, string>) as any;
    expect(payload).to.deep.include({ id: emitted.eventId, type: 'contact.created', tenantId: t.tenant.id, data: { contact: { id: 'c-1', name: 'Ada' } } });
    expect(Date.parse(payload.timestamp)).to.be.closeTo(Date.now(), 10_000);
    expect(req.headers['content-type']).to.equal('application/json');
    expect(req.headers['webhook-id']).to.equal(emitted.deliveries[0].deliveryId);
    expect(Number(req.headers['webhook-timestamp'])).to.be.closeTo(Date.now() / 1000, 10);
    expect(() => new StandardWebhook(secret).verify(req.body.replace('Ada', 'Eve'), req.headers as Record<string, string>), 'a changed body fails').to.throw();

    const [attempt] = await t.attemptsOf(emitted.deliveries[0].deliveryId, done);
    expect(attempt).to.include({ status: 'delivered', attempt: 1, responseStatus: 200, event: 'contact.created', url: r.url });
    expect(attempt.deliveredAt).to.be.a('string');
  });

  it('delivers to an IPv6 loopback receiver the allow-list names', async () => {
    const r = await receiver(undefined, '::1');
    const t = await tenantWithKey();
    await t.hook(r.url);
    const { deliveries: [{ deliveryId }] } = await t.emit();
    const [attempt] = await t.attemptsOf(deliveryId, done);
    expect(attempt).to.include({ status: 'delivered', url: r.url });
  });

  it('retries a failing receiver with the same webhook-id and records every attempt', async () => {
    const r = await receiver((n) => ({ status: n <= 2 ? 500 : 200, body: n <= 2 ? 'not now' : 'ok' }));
    const t = await tenantWithKey();
    const { secret } = await t.hook(r.url);
    const { deliveries: [{ deliveryId }] } = await t.emit();
    const requests = await r.waitFor(3);
    expect(requests.map((q) => q.headers['webhook-id'])).to.deep.equal([deliveryId, deliveryId, deliveryId]);
    for (const q of requests) new StandardWebhook(secret).verify(q.body, q.headers as Record<string, string>);

    const attempts = await t.attemptsOf(deliveryId, (a) => a.length === 3 && done(a));
    expect(attempts.map((a) => [a.attempt, a.status, a.responseStatus, a.responseBody])).to.deep.equal([
      [3, 'delivered', 200, 'ok'], [2, 'failed', 500, 'not now'], [1, 'failed', 500, 'not now'],
    ]);
    expect(attempts.every((a) => Number.isInteger(a.durationMs))).to.equal(true);
    expect(attempts[1].errorMessage).to.equal('receiver answered 500');
  });

  it('disables an endpoint that answers 410 Gone and sends it nothing more', async () => {
    const r = await receiver(() => ({ status: 410 }));
    const t = await tenantWithKey();
    const { webhook } = await t.hook(r.url);
    const { deliveries: [{ deliveryId }] } = await t.emit();
    await waitUntil(async () => (await t.call('GET', '')).body.data.webhooks[0].isActive === false, 5000, 'the webhook disabled');
    const attempts = await t.attemptsOf(deliveryId, done);
    expect(attempts.map((a) => [a.attempt, a.status, a.responseStatus])).to.deep.equal([[1, 'failed', 410]]);
    expect((await t.emit()).deliveries, 'a disabled endpoint is not subscribed').to.deep.equal([]);
    const [record] = await listAudit(app.deps.db, { tenantId: t.tenant.id, action: 'webhook.disabled' });
    expect(record).to.include({ actorType: 'system', targetId: webhook.id });
    expect(record.details).to.include({ reason: 'gone' });
  });

  it('gives up on a receiver slower than the timeout', async () => {
    const r = await receiver(() => ({ delayMs: 2500 }));
    const t = await tenantWithKey();
    await t.hook(r.url);
    const { deliveries: [{ deliveryId }] } = await t.emit();
    const attempts = await t.attemptsOf(deliveryId, (a) => a.some((x) => x.attempt === 1 && x.status === 'failed'));
    const first = attempts.find((a) => a.attempt === 1);
    expect(first.errorMessage).to.equal('timed out after 1000 ms');
    expect(first.durationMs).to.be.within(1000, 2000);
    expect(first.responseStatus).to.equal(undefined);
  });

  it('does not follow a redirect: a 3xx is a failed attempt', async () => {
    const elsewhere = await receiver();
    const r = await receiver((n) => (n === 1 ? { status: 302, headers: { location: elsewhere.url } } : { status: 204 }));
    const t = await tenantWithKey();
    await t.hook(r.url);
    const { deliveries: [{ deliveryId }] } = await t.emit();
    const attempts = await t.attemptsOf(deliveryId, (a) => a.length === 2 && done(a));
    expect(attempts.map((a) => [a.attempt, a.status, a.responseStatus])).to.deep.equal([[2, 'delivered', 204], [1, 'failed', 302]]);
    expect(attempts[1].errorMessage).to.equal(`redirect (302 to ${elsewhere.url}) not followed`);
    expect(elsewhere.requests).to.have.length(0);
  });

  it('signs with both the new and the previous secret during a rotation', async () => {
    const r = await receiver();
    const t = await tenantWithKey();
    const { webhook, secret: previous } = await t.hook(r.url);
    const next = `whsec_${Buffer.from(crypto.getRandomValues(new Uint8Array(32))).toString('base64')}`;
    const patched = await t.call('PATCH', `/${webhook.id}`, { secret: next });
    expect(patched.status).to.equal(200);
    expect(patched.body.data.webhook.secretPreview).to.equal(`whsec_…${next.slice(-4)}`);
    await t.emit();
    const [req] = await r.waitFor(1);
    const signatures = String(req.headers['webhook-signature']).split(' ');
    expect(signatures).to.have.length(2);
    expect(signatures.every((s) => s.startsWith('v1,'))).to.equal(true);
    for (const secret of [next, previous]) new StandardWebhook(secret).verify(req.body, req.headers as Record<string, string>);
    const stranger = `whsec_${Buffer.alloc(32, 1).toString('base64')}`;
    expect(() => new StandardWebhook(stranger).verify(req.body, req.headers as Record<string, string>)).to.throw();
  });

  it('records at most 4 KB of the response body, whatever it holds', async () => {
    const r = await receiver(() => ({ body: `nul\u0000${'x'.repeat(10_000)}` }));
    const t = await tenantWithKey();
    await t.hook(r.url);
    const { deliveries: [{ deliveryId }] } = await t.emit();
    const [attempt] = await t.attemptsOf(deliveryId, done);
    expect(attempt.status).to.equal('delivered');
    expect(attempt.responseBody).to.equal(`nul\uFFFD${'x'.repeat(4092)}`);
  });

  it('honours Retry-After, then fails the delivery for good when its last attempt fails', async () => {
    const r = await receiver((n) => (n === 1 ? { status: 429, headers: { 'retry-after': '30' } } : { status: 500 }));
    const t = await tenantWithKey();
    await t.hook(r.url);
    const { deliveries: [{ deliveryId }] } = await t.emit();
    await t.attemptsOf(deliveryId, (a) => a.length === 2 && a[0].status === 'pending');
    const [first, second] = await app.deps.db('webhook_deliveries').where({ delivery_id: deliveryId }).orderBy('attempt');
    // The scaled schedule alone would retry after about 5 ms.
    expect(second.available_at.getTime() - first.completed_at.getTime()).to.be.within(29_000, 31_000);
    // Skip ahead: the queued second attempt becomes the eighth and last one, due now.
    await app.deps.db('webhook_deliveries').where({ delivery_id: deliveryId, status: 'pending' }).update({ attempt: 8, available_at: app.deps.db.fn.now() });
    const attempts = await t.attemptsOf(deliveryId, (a) => a[0].attempt === 8 && done(a));
    expect(attempts.map((a) => [a.attempt, a.status])).to.deep.equal([[8, 'failed'], [1, 'failed']]);
    // The next attempt would have been queued in the same transaction as this outcome.
    expect(await app.deps.db('webhook_deliveries').where({ delivery_id: deliveryId }).whereIn('status', ['pending', 'sending'])).to.deep.equal([]);
  });

  it('disables an endpoint whose attempts have all failed for 5 days', async () => {
    const r = await receiver(() => ({ status: 500 }));
    const t = await tenantWithKey();
    const { webhook } = await t.hook(r.url);
    await app.deps.db('webhooks').where({ id: webhook.id }).update({ failing_since: app.deps.db.raw(`now() - interval '5 days 1 minute'`) });
    const { deliveries: [{ deliveryId }] } = await t.emit();
    await waitUntil(async () => (await t.call('GET', '')).body.data.webhooks[0].isActive === false, 5000, 'the webhook disabled');
    const attempts = await t.attemptsOf(deliveryId, done);
    expect(attempts.map((a) => [a.attempt, a.status])).to.deep.equal([[1, 'failed']]);
    const [record] = await listAudit(app.deps.db, { tenantId: t.tenant.id, action: 'webhook.disabled' });
    expect(record.details).to.include({ reason: 'failing' });
  });

  it('keeps an endpoint that recovers: a success ends its run of failures', async () => {
    const r = await receiver((n) => ({ status: n === 1 ? 500 : 200 }));
    const t = await tenantWithKey();
    const { webhook } = await t.hook(r.url);
    const { deliveries: [{ deliveryId }] } = await t.emit();
    await t.attemptsOf(deliveryId, (a) => a.length === 2 && done(a));
    const row = await app.deps.db('webhooks').where({ id: webhook.id }).first();
    expect(row).to.include({ is_active: true, failing_since: null });
  });

  it('emits nothing for a change that rolls back, and delivers the one that commits', async () => {
    const r = await receiver();
    const t = await tenantWithKey();
    await t.hook(r.url);
    let rolledBack: string | undefined;
    const failed = await app.deps.db.transaction(async (trx) => {
      rolledBack = (await emitEvent(trx, operatorIn(t.tenant.id), 'contact.created', { contact: { id: 'gone' } })).eventId;
      throw new Error('the change failed');
    }).catch((err: Error) => err);
    expect(failed).to.be.instanceOf(Error);
    expect(await app.deps.db('webhook_events').where({ id: rolledBack })).to.deep.equal([]);
    expect(await app.deps.db('webhook_deliveries').where({ event_id: rolledBack })).to.deep.equal([]);

    const committed = await t.emit({ contact: { id: 'kept' } });
    const [req] = await r.waitFor(1);
    expect(JSON.parse(req.body).id).to.equal(committed.eventId);
    expect(r.requests).to.have.length(1);
  });

  it('queues one delivery per active endpoint subscribed to the event', async () => {
    const t = await tenantWithKey();
    const subscribed = await t.hook('http://127.0.0.1:9/a');
    await t.hook('http://127.0.0.1:9/b', { events: ['contact.updated'] });
    const disabled = await t.hook('http://127.0.0.1:9/c');
    await t.call('DELETE', `/${disabled.webhook.id}`);
    const emitted = await t.emit();
    expect(emitted.deliveries.map((d) => d.webhookId)).to.deep.equal([subscribed.webhook.id]);
  });

  it("lists only the tenant's own deliveries, newest first", async () => {
    const r = await receiver();
    const t = await tenantWithKey();
    const other = await tenantWithKey();
    await t.hook(r.url);
    const first = await t.emit();
    const second = await t.emit();
    await r.waitFor(2);
    const list = await waitUntil(async () => {
      const all = await t.deliveries();
      return all.length === 2 && all.every((d) => d.status === 'delivered') ? all : undefined;
    });
    expect(list.map((d) => d.deliveryId)).to.deep.equal([second.deliveries[0].deliveryId, first.deliveries[0].deliveryId]);
    expect(await other.deliveries()).to.deep.equal([]);
  });

  describe('testWebhook', () => {
    it('sends webhook.test to one endpoint and answers with the first attempt', async () => {
      const r = await receiver();
      const t = await tenantWithKey();
      const { webhook, secret } = await t.hook(r.url, { events: ['contact.deleted'] });
      const res = await t.call('POST', '/test', { webhookId: webhook.id });
      expect(res.status).to.equal(200);
      expectContract(res, 'testWebhook');
      expect(res.body.data).to.include({ event: 'webhook.test', status: 'delivered', webhookId: webhook.id });
      expect(res.body.data.deliveries[0]).to.include({ status: 'delivered', responseStatus: 200 });
      const payload = new StandardWebhook(secret).verify(r.requests[0].body, r.requests[0].headers as Record<string, string>) as any;
      expect(payload).to.include({ type: 'webhook.test', id: res.body.data.eventId });
      expect(r.requests[0].headers['webhook-id']).to.equal(res.body.data.deliveryId);
    });

    it('reports a failed first attempt', async () => {
      const r = await receiver(() => ({ status: 500 }));
      const t = await tenantWithKey();
      const { webhook } = await t.hook(r.url);
      const res = await t.call('POST', '/test', { webhookId: webhook.id });
      expect(res.body.data).to.include({ status: 'failed' });
      expect(res.body.data.deliveries[0]).to.include({ status: 'failed', responseStatus: 500, errorMessage: 'receiver answered 500' });
    });

    it('answers queued with the delivery id when the first attempt takes longer than the wait', async () => {
      const r = await receiver(() => ({ delayMs: 900 }));
      const t = await tenantWithKey();
      const { webhook } = await t.hook(r.url);
      const res = await t.call('POST', '/test', { webhookId: webhook.id });
      expect(res.body.data).to.include({ status: 'queued' });
      const { deliveryId } = res.body.data;
      expect(deliveryId).to.be.a('string');
      const [attempt] = await t.attemptsOf(deliveryId, done);
      expect(attempt).to.include({ status: 'delivered', event: 'webhook.test' });
    });

    it('sends to every active endpoint when none is named', async () => {
      const [a, b] = [await receiver(), await receiver()];
      const t = await tenantWithKey();
      await t.hook(a.url);
      await t.hook(b.url, { events: ['contact.updated'] });
      const res = await t.call('POST', '/test', {});
      expect(res.body.data.status).to.equal('delivered');
      expect(res.body.data.deliveries).to.have.length(2);
      expect([a.requests.length, b.requests.length]).to.deep.equal([1, 1]);
    });

    it('refuses another event type, and a tenant without active webhooks', async () => {
      const t = await tenantWithKey();
      const none = await t.call('POST', '/test', {});
      expect(none.status).to.equal(404);
      expect(none.body.code).to.equal('SERVER_WEBHOOK_NOT_FOUND');
      const { webhook } = await t.hook('http://127.0.0.1:9/x');
      const other = await t.call('POST', '/test', { webhookId: webhook.id, event: 'contact.created' });
      expect(other.status).to.equal(400);
      expect(other.body.code).to.equal('SERVER_WEBHOOK_VALIDATION_FAILED');
    });
  });
});

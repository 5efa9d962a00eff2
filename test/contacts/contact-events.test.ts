import { expect } from 'chai';
import { Webhook as StandardWebhook } from 'standardwebhooks';
import { useTestApp } from '../support/test-app.ts';
import { startReceiver, type Receiver } from '../support/webhook-receiver.ts';

describe('contacts: webhook events', () => {
  const app = useTestApp();
  let receiver: Receiver;
  afterEach(() => receiver?.close());

  it('sends contact.created, contact.updated and contact.deleted, signed, for real changes only', async () => {
    const tenant = await app.seed.tenant();
    const key = await app.seed.serverKey(tenant.id, ['server:webhook:write', 'server:contacts:read', 'server:contacts:write']);
    const call = (method: string, path: string, json?: unknown) =>
      app.request(`/api/server/${path}`, { method, headers: { authorization: `Bearer ${key.secret}` }, ...(json !== undefined && { json }) });
    receiver = await startReceiver();
    const hook = await call('POST', 'webhooks', { url: receiver.url, events: ['contact.created', 'contact.updated', 'contact.deleted'] });
    expect(hook.status, hook.text).to.equal(201);
    const verifier = new StandardWebhook(hook.body.data.secret);

    const created = await call('POST', 'contacts', { externalId: 'crm-1', name: 'Ada', phone: '+14155552671' });
    expect(created.status, created.text).to.equal(200);
    const id = created.body.data.contact.id;
    await call('POST', 'contacts', { externalId: 'crm-1', name: 'Ada', phone: '+14155552671' }); // unchanged: no event
    const refused = await call('POST', 'contacts', { name: 'Bad', phone: 'not a phone' }); // refused: no event
    expect(refused.status).to.equal(400);
    await call('PATCH', `contacts/${id}`, { name: 'Ada Lovelace' });
    await call('DELETE', `contacts/${id}`);

    const requests = await receiver.waitFor(3);
    const events = requests.map((r) => verifier.verify(r.body, r.headers as Record<string, string>) as { type: string; tenantId: string; data: any });
    expect(events.map((e) => e.type).sort()).to.deep.equal(['contact.created', 'contact.deleted', 'contact.updated']);
    const byType = Object.fromEntries(events.map((e) => [e.type, e]));
    expect(byType['contact.created'].data.contact).to.include({ id, externalId: 'crm-1', name: 'Ada', phone: '+14155552671' });
    expect(byType['contact.updated'].data.contact).to.include({ id, name: 'Ada Lovelace' });
    expect(byType['contact.deleted'].data.contact).to.deep.equal({ id, externalId: 'crm-1' });
    expect(events.every((e) => e.tenantId === tenant.id)).to.equal(true);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(receiver.requests).to.have.length(3);
  });
});

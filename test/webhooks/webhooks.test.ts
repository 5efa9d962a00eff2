import { expect } from 'chai';
import { useTestApp } from '../support/test-app.ts';
import { expectContract } from '../support/contract.ts';
import { listAudit } from '../../src/audit/audit-log.ts';
import { startSiblingApp } from '../support/sibling-app.ts';

describe('webhook endpoints', () => {
  const app = useTestApp();

  async function keyed(scopes: ('server:webhook:read' | 'server:webhook:write')[] = ['server:webhook:read', 'server:webhook:write']) {
    const tenant = await app.seed.tenant();
    const key = await app.seed.serverKey(tenant.id, scopes);
    const call = (method: string, path: string, json?: unknown) =>
      app.request(`/api/server/webhooks${path}`, { method, headers: { authorization: `Bearer ${key.secret}` }, ...(json !== undefined && { json }) });
    return { tenant, call };
  }

  const hook = { url: 'http://127.0.0.1:9/hooks', events: ['contact.created'] };

  it('creates a webhook with a generated whsec_ secret shown once, then only its preview', async () => {
    const { call } = await keyed();
    const res = await call('POST', '', { ...hook, name: 'CRM sync' });
    expect(res.status).to.equal(201);
    expectContract(res, 'createWebhook');
    const { webhook, secret } = res.body.data;
    expect(secret).to.match(/^whsec_[A-Za-z0-9+/]+={0,2}$/);
    expect(Buffer.from(secret.slice(6), 'base64').length).to.be.at.least(24);
    expect(webhook).to.include({ name: 'CRM sync', url: hook.url, isActive: true, secretPreview: `whsec_…${secret.slice(-4)}` });
    expect(webhook.events).to.deep.equal(['contact.created']);

    const list = await call('GET', '');
    expect(list.status).to.equal(200);
    expectContract(list, 'listWebhooks');
    expect(list.body.data.webhooks.map((w: { id: string }) => w.id)).to.deep.equal([webhook.id]);
    expect(JSON.stringify(list.body)).not.to.include(secret);
    expect(list.body.data.availableEvents).to.have.members([
      'contact.created', 'contact.updated', 'contact.deleted', 'conversation.created', 'conversation.assigned', 'conversation.closed', 'message.created', 'message.updated', 'message.deleted',
      'call.started', 'call.answered', 'call.ended', 'call.missed', 'webhook.test',
    ]);
  });

  it('stores the signing secret encrypted, never in clear, and audits without it', async () => {
    const { tenant, call } = await keyed();
    const res = await call('POST', '', hook);
    const row = await app.deps.db('webhooks').where({ id: res.body.data.webhook.id }).first();
    expect(row.secret_ciphertext).to.be.a('string').and.not.include(res.body.data.secret.slice(6));
    const records = await listAudit(app.deps.db, { tenantId: tenant.id, action: 'webhook.created' });
    expect(records).to.have.length(1);
    expect(JSON.stringify(records)).not.to.include(res.body.data.secret);
  });

  it('accepts a supplied secret as strong as a generated one and refuses a weak one', async () => {
    const { call } = await keyed();
    const strong = `whsec_${Buffer.alloc(24, 7).toString('base64')}`;
    const ok = await call('POST', '', { ...hook, secret: strong });
    expect(ok.status).to.equal(201);
    expect(ok.body.data.secret).to.equal(strong);
    for (const weak of ['short', `whsec_${Buffer.alloc(16, 7).toString('base64')}`, 'whsec_not base64!']) {
      const res = await call('POST', '', { ...hook, secret: weak });
      expect(res.status, weak).to.equal(400);
      expect(res.body.code).to.equal('SERVER_WEBHOOK_VALIDATION_FAILED');
    }
  });

  it('refuses invalid input with SERVER_WEBHOOK_VALIDATION_FAILED naming every problem', async () => {
    const { call } = await keyed();
    const res = await call('POST', '', { url: 'http://user:pw@127.0.0.1:9/x', events: ['contact.created', 'contact.exploded'], name: ' ' });
    expect(res.status).to.equal(400);
    expectContract(res, 'createWebhook');
    expect(res.body.code).to.equal('SERVER_WEBHOOK_VALIDATION_FAILED');
    expect(res.body.details.join('\n')).to.include('credentials').and.include('contact.exploded').and.include('name');

    for (const [body, problem] of [
      [{ url: 'ftp://127.0.0.1/x', events: ['contact.created'] }, 'http'],
      [{ url: 'not a url', events: ['contact.created'] }, 'url'],
      [{ url: hook.url, events: [] }, 'at least one'],
      [{ url: hook.url, events: 'contact.created' }, 'events'],
      [{ events: ['contact.created'] }, 'url'],
    ] as const) {
      const bad = await call('POST', '', body);
      expect(bad.status, JSON.stringify(body)).to.equal(400);
      expect(bad.body.code, JSON.stringify(body)).to.equal('SERVER_WEBHOOK_VALIDATION_FAILED');
      expect(bad.body.details.join('\n'), JSON.stringify(body)).to.include(problem);
    }
  });

  it('edits name, url, events and isActive, and re-checks what changed', async () => {
    const { call } = await keyed();
    const { webhook } = (await call('POST', '', hook)).body.data;
    const res = await call('PATCH', `/${webhook.id}`, { name: 'Renamed', url: 'http://127.0.0.1:10/new', events: ['contact.updated', 'contact.deleted'] });
    expect(res.status).to.equal(200);
    expectContract(res, 'updateWebhook');
    expect(res.body.data.webhook).to.include({ name: 'Renamed', url: 'http://127.0.0.1:10/new', isActive: true });
    expect(res.body.data.webhook.events).to.deep.equal(['contact.updated', 'contact.deleted']);
    expect(res.body.data.webhook.secretPreview).to.equal(webhook.secretPreview);

    const bad = await call('PATCH', `/${webhook.id}`, { events: ['nope'] });
    expect(bad.status).to.equal(400);
    expect(bad.body.code).to.equal('SERVER_WEBHOOK_VALIDATION_FAILED');

    const off = await call('PATCH', `/${webhook.id}`, { isActive: false });
    expect(off.body.data.webhook.isActive).to.equal(false);
    const on = await call('PATCH', `/${webhook.id}`, { isActive: true });
    expect(on.body.data.webhook.isActive).to.equal(true);
  });

  it('disables on DELETE and keeps the webhook and its history', async () => {
    const { call } = await keyed();
    const { webhook } = (await call('POST', '', hook)).body.data;
    const res = await call('DELETE', `/${webhook.id}`);
    expect(res.status).to.equal(200);
    expectContract(res, 'disableWebhook');
    expect(res.body.data.webhook).to.include({ id: webhook.id, isActive: false });
    expect((await call('DELETE', `/${webhook.id}`)).status, 'disabling again is fine').to.equal(200);
    const list = await call('GET', '');
    expect(list.body.data.webhooks).to.have.length(1);
    expect(list.body.data.webhooks[0].isActive).to.equal(false);
  });

  it("answers 404 SERVER_WEBHOOK_NOT_FOUND for another tenant's webhook, and changes nothing", async () => {
    const mine = await keyed();
    const theirs = await keyed();
    const { webhook } = (await theirs.call('POST', '', hook)).body.data;
    for (const [method, path, body] of [
      ['PATCH', `/${webhook.id}`, { name: 'x' }], ['DELETE', `/${webhook.id}`, undefined],
      ['POST', '/test', { webhookId: webhook.id }], ['DELETE', '/not-a-uuid', undefined],
    ] as const) {
      const res = await mine.call(method, path, body);
      expect(res.status, `${method} ${path}`).to.equal(404);
      expect(res.body.code).to.equal('SERVER_WEBHOOK_NOT_FOUND');
    }
    expect((await mine.call('GET', '')).body.data.webhooks).to.deep.equal([]);
    const still = (await theirs.call('GET', '')).body.data.webhooks[0];
    expect(still).to.include({ isActive: true });
    expect(still.name).to.equal(undefined);
  });

  it('takes only https receivers in production', async () => {
    const production = await startSiblingApp(app, { NODE_ENV: 'production', ALLOW_EMBEDDED_DATABASE: 'true' });
    try {
      const tenant = await app.seed.tenant();
      const key = await app.seed.serverKey(tenant.id, ['server:webhook:write']);
      const create = (url: string) => production.request('/api/server/webhooks', {
        method: 'POST', headers: { authorization: `Bearer ${key.secret}` }, json: { url, events: ['contact.created'] },
      });
      const plain = await create('http://127.0.0.1:9/hooks');
      expect(plain.status).to.equal(400);
      expect(plain.body.details).to.deep.equal(['url must be https']);
      expect((await create('https://127.0.0.1:9/hooks')).status).to.equal(201);
    } finally {
      await production.stop();
    }
  });

  it('needs server:webhook:write to change webhooks and server:webhook:read to list them', async () => {
    const reader = await keyed(['server:webhook:read']);
    expect((await reader.call('GET', '')).status).to.equal(200);
    const res = await reader.call('POST', '', hook);
    expect(res.status).to.equal(403);
    expect(res.body.code).to.equal('SERVER_API_SCOPE_DENIED');
    const writer = await keyed(['server:webhook:write']);
    expect((await writer.call('GET', '/deliveries')).status).to.equal(403);
  });
});

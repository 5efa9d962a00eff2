import { expect } from 'chai';
import { knowledgeItemOf } from '../../src/ai/knowledge.ts';
import { chatTenant, visitorOf } from '../conversations/chat-support.ts';
import { useTestApp } from '../support/test-app.ts';
import { adminTokenOf, ingested, knowledgeAdmin, localServer, pdfOf, settled, visitorAi } from './ai-support.ts';

describe('AI knowledge base', () => {
  const app = useTestApp();

  async function setup() {
    const { tenant } = await chatTenant(app);
    const token = await adminTokenOf(app, tenant);
    const visitor = await visitorOf(app, tenant.slug);
    return { tenant, token, admin: knowledgeAdmin(app, token), search: (query: string, limit?: number) => visitorAi(app, visitor.token).search({ query, limit }) };
  }

  it('answers 201 at once with a queued item, then ingests text, Markdown, HTML and PDF', async () => {
    const { tenant, token, admin, search } = await setup();
    const res = await admin.upload('shipping.txt', 'We ship worldwide.\n\nParcels to Europe take three working days.');
    expect(res.status).to.equal(201);
    expect(res.body.data).to.include({ status: 'queued', sourceType: 'upload', contentType: 'text/plain', title: 'shipping' });
    expect((await settled(app, tenant.id, res.body.data.knowledgeItemId)).status).to.equal('ready');

    const md = await ingested(app, token, tenant.id, 'returns.md', '# Returns\n\nUnworn shoes can be returned within 30 days.\n\n## Refunds\n\nRefunds reach your card in five days.');
    expect(md).to.include({ status: 'ready', contentType: 'text/markdown', chunkCount: 2 });
    const html = await ingested(app, token, tenant.id, 'care.html',
      '<!doctype html><html><head><title>Care guide</title></head><body><nav>Home | Shop</nav><article><h1>Leather care</h1><p>Polish leather boots with beeswax every month to keep them supple and waterproof.</p><p>Never dry wet leather on a radiator: it cracks.</p></article></body></html>');
    expect(html).to.include({ status: 'ready', contentType: 'text/html' });
    const pdf = await ingested(app, token, tenant.id, 'warranty.pdf', pdfOf([['Warranty terms'], ['Soles are guaranteed for two years against splitting.']]));
    expect(pdf).to.include({ status: 'ready', contentType: 'application/pdf' });

    for (const [query, itemId] of [['Europe parcels', res.body.data.knowledgeItemId], ['refund card', md.knowledgeItemId], ['beeswax', html.knowledgeItemId], ['soles guaranteed', pdf.knowledgeItemId]]) {
      const found = await search(query);
      expect(found.status).to.equal(200);
      expect(found.body.data.results[0], query).to.include({ knowledgeItemId: itemId });
      expect(found.body.data.results[0].snippet).to.match(/\*\*/);
    }
  });

  it('fails a PDF with no text layer, with the reason', async () => {
    const { tenant, token } = await setup();
    const item = await ingested(app, token, tenant.id, 'scan.pdf', pdfOf([[]]));
    expect(item.status).to.equal('failed');
    expect(item.failureReason).to.match(/no text layer/);
  });

  it('judges the type from the bytes: an image or a binary named .txt is refused', async () => {
    const { admin } = await setup();
    const png = Buffer.from('89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489', 'hex');
    for (const [name, bytes] of [['photo.png', png], ['notes.txt', png], ['tool.txt', Buffer.from([0x4d, 0x5a, 0, 0, 1, 2, 3])]] as const) {
      const res = await admin.upload(name, bytes);
      expect(res.status, name).to.equal(415);
      expect(res.body.code).to.equal('UNSUPPORTED_MEDIA_TYPE');
    }
  });

  it('ingests a URL through the guard, once per tenant, with the page title', async () => {
    const { tenant, admin, search } = await setup();
    const site = await localServer((req) => (req.path === '/old'
      ? { status: 301, headers: { location: '/faq' }, body: '' }
      : { type: 'text/html; charset=utf-8', body: '<html><head><title>Store FAQ</title></head><body><main><h2>Opening hours</h2><p>The Berlin store opens at nine on weekdays and at ten on Saturdays.</p></main></body></html>' }));
    try {
      const first = await admin.url(`${site.url}/old`);
      expect(first.status).to.equal(201);
      expect(first.body.data).to.include({ status: 'queued', created: true, sourceType: 'url' });
      const again = await admin.url(`${site.url}/old`);
      expect(again.body.data).to.include({ knowledgeItemId: first.body.data.knowledgeItemId, created: false });
      const item = await settled(app, tenant.id, first.body.data.knowledgeItemId);
      expect(item).to.include({ status: 'ready', title: 'Store FAQ' });
      const found = await search('When does the store open on Saturday?');
      expect(found.body.data.results[0]).to.include({ knowledgeItemId: item.knowledgeItemId, sourceUrl: `${site.url}/old`, heading: 'Opening hours' });
    } finally {
      await site.close();
    }
  });

  it('refuses metadata and private addresses when saved, and a redirect to one when fetched', async () => {
    const { tenant, admin } = await setup();
    for (const url of ['http://169.254.169.254/latest/meta-data/', 'http://10.1.2.3/wiki', 'http://[fd00::1]/', 'ftp://example.com/x']) {
      const res = await admin.url(url);
      expect(res.status, url).to.equal(400);
      expect(res.body.code).to.equal('VALIDATION_FAILED');
    }
    const site = await localServer(() => ({ status: 302, headers: { location: 'http://169.254.169.254/latest/meta-data/' }, body: '' }));
    try {
      const res = await admin.url(`${site.url}/go`);
      const item = await settled(app, tenant.id, res.body.data.knowledgeItemId);
      expect(item.status).to.equal('failed');
      expect(item.failureReason).to.match(/refused.*169\.254\.169\.254.*link-local/);
    } finally {
      await site.close();
    }
  });

  it('reindexes an item and deletes it with its chunks', async () => {
    const { tenant, token, admin, search } = await setup();
    const item = await ingested(app, token, tenant.id, 'gift.txt', 'Gift cards never expire and can be used online.');
    const reindexed = await admin.reindex(item.knowledgeItemId);
    expect(reindexed.status).to.equal(200);
    expect(reindexed.body.data.status).to.equal('queued');
    expect((await settled(app, tenant.id, item.knowledgeItemId)).status).to.equal('ready');
    const deleted = await admin.remove(item.knowledgeItemId);
    expect(deleted.status).to.equal(200);
    expect(deleted.body.data).to.include({ knowledgeItemId: item.knowledgeItemId, deleted: true });
    expect((await search('gift cards')).body.data.results).to.deep.equal([]);
    expect(await knowledgeItemOf(app.deps.db, tenant.id, item.knowledgeItemId)).to.equal(undefined);
    expect((await admin.remove(item.knowledgeItemId)).status).to.equal(404);
  });

  it("keeps tenants apart: another tenant's admin and visitors neither see nor touch an item", async () => {
    const mine = await setup();
    const theirs = await setup();
    const item = await ingested(app, mine.token, mine.tenant.id, 'secret.txt', 'The staff discount code is ORANGE-42.');
    expect((await theirs.search('staff discount code')).body.data.results).to.deep.equal([]);
    expect((await mine.search('staff discount code')).body.data.results).to.have.length(1);
    for (const res of [await theirs.admin.remove(item.knowledgeItemId), await theirs.admin.reindex(item.knowledgeItemId)]) {
      expect(res.status).to.equal(404);
    }
  });

  it('takes over an item whose process died mid-ingest', async () => {
    const { tenant, admin } = await setup();
    const res = await admin.upload('restart.txt', 'Resumed ingest still indexes this sentence about umbrellas.');
    // As a process killed while reading it leaves it: processing, its claim run out.
    await app.deps.db('knowledge_items').where({ tenant_id: tenant.id, id: res.body.data.knowledgeItemId })
      .update({ status: 'processing', lease_token: crypto.randomUUID(), lease_until: new Date(Date.now() - 1000) });
    const item = await settled(app, tenant.id, res.body.data.knowledgeItemId);
    expect(item.status).to.equal('ready');
  });

  it('needs an admin token with the knowledge scope', async () => {
    const { tenant } = await setup();
    const visitor = await visitorOf(app, tenant.slug);
    const res = await knowledgeAdmin(app, visitor.token).url('https://example.com/');
    expect(res.status).to.equal(401);
    expect(res.body.code).to.equal('TOKEN_WRONG_KIND');
  });
});

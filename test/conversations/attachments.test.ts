import { expect } from 'chai';
import { request as httpRequest } from 'node:http';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { expectContract } from '../support/contract.ts';
import { useTestApp } from '../support/test-app.ts';
import { agentTokenOf, chatTenant, PNG, SESSION_HEADER, visitorOf } from './chat-support.ts';

/** The start of a Windows executable ("MZ" header and DOS stub). */
const EXE = Buffer.concat([Buffer.from('4d5a90000300000004000000ffff0000b800000000000000400000000000000000000000', 'hex'), Buffer.alloc(200), Buffer.from('This program cannot be run in DOS mode.')]);
const SVG = Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>');

describe('Visitor chat: attachments', () => {
  const app = useTestApp();

  async function setup() {
    const { tenant, agent } = await chatTenant(app);
    const visitor = await visitorOf(app, tenant.slug);
    const { conversationId } = await visitor.conversation();
    const upload = (file: Buffer, filename: string, token = visitor.token, query = '', type = 'application/octet-stream') => {
      const form = new FormData();
      form.append('file', new Blob([file], { type }), filename);
      return app.request(`/api/chat/visitor/conversations/${conversationId}/attachments/upload${query}`, {
        method: 'POST', headers: { [SESSION_HEADER]: token }, body: form,
      });
    };
    return { tenant, agent, visitor, conversationId, upload };
  }

  it('stores an uploaded picture as an attachment message that an agent downloads', async () => {
    const { tenant, agent, visitor, conversationId, upload } = await setup();
    const res = await upload(PNG, '../../etc/My <photo>.exe', visitor.token, '', 'text/html');
    expect(res.status, res.text).to.equal(201);
    expectContract(res, 'uploadVisitorConversationAttachment');
    const { attachment, message } = res.body.data;
    expect(attachment).to.include({ conversationId, filename: 'My photo.png', contentType: 'image/png', size: PNG.length, status: 'stored' });
    expect(message).to.include({ messageType: 'attachment', attachmentId: attachment.attachmentId, senderType: 'visitor' });

    const token = await agentTokenOf(app, tenant.id, agent.id);
    const download = await fetch(`${app.url}/api/chat/attachments/${attachment.attachmentId}`, { headers: { [SESSION_HEADER]: token } });
    expect(download.status).to.equal(200);
    expect(Buffer.from(await download.arrayBuffer()).equals(PNG)).to.equal(true);
    expect(download.headers.get('content-type')).to.equal('image/png');
    expect(download.headers.get('content-disposition')).to.equal('attachment; filename="My photo.png"');
    expect(download.headers.get('x-content-type-options')).to.equal('nosniff');

    const own = await fetch(`${app.url}/api/chat/attachments/${attachment.attachmentId}`, { headers: { [SESSION_HEADER]: visitor.token } });
    expect(own.status).to.equal(200);
    const stranger = await visitorOf(app, tenant.slug);
    const refused = await app.request(`/api/chat/attachments/${attachment.attachmentId}`, { headers: { [SESSION_HEADER]: stranger.token } });
    expect(refused.status).to.equal(404);
    const otherTenant = await chatTenant(app);
    const foreignAgent = await agentTokenOf(app, otherTenant.tenant.id, otherTenant.agent.id);
    expect((await app.request(`/api/chat/attachments/${attachment.attachmentId}`, { headers: { [SESSION_HEADER]: foreignAgent } })).status).to.equal(404);
  });

  it('fulfils a declared attachment once, and refuses declarations past the limits', async () => {
    const { visitor, conversationId, upload } = await setup();
    const declared = await visitor.call('POST', `visitor/conversations/${conversationId}/attachments`, { filename: 'notes.txt', contentType: 'text/plain', size: 12 });
    expect(declared.status, declared.text).to.equal(201);
    expectContract(declared, 'createVisitorConversationAttachment');
    const { attachment, upload: where } = declared.body.data;
    expect(attachment).to.include({ status: 'pending', filename: 'notes.txt' });
    expect(where).to.include({ method: 'POST', field: 'file', maxBytes: app.deps.config.chat.attachmentMaxBytes });
    expect(where.allowedTypes).to.include('image/png').and.not.include('image/svg+xml');

    const query = `?attachmentId=${attachment.attachmentId}`;
    const stored = await upload(Buffer.from('hello, world'), 'notes.txt', visitor.token, query);
    expect(stored.status, stored.text).to.equal(201);
    expect(stored.body.data.attachment).to.include({ attachmentId: attachment.attachmentId, contentType: 'text/plain', status: 'stored' });
    expect((await upload(Buffer.from('again'), 'notes.txt', visitor.token, query)).status).to.equal(409);

    const big = await visitor.call('POST', `visitor/conversations/${conversationId}/attachments`, { filename: 'x.pdf', size: 50 * 1024 * 1024 });
    expect(big.status).to.equal(413);
    const html = await visitor.call('POST', `visitor/conversations/${conversationId}/attachments`, { filename: 'x.html', contentType: 'text/html' });
    expect(html.status).to.equal(415);
  });

  it('refuses a renamed executable, SVG and HTML by their bytes, keeping nothing', async () => {
    const { tenant, conversationId, upload } = await setup();
    for (const [bytes, name] of [[EXE, 'holiday.png'], [SVG, 'logo.svg'], [SVG, 'logo.txt'], [Buffer.from('<!doctype html><p>hi'), 'page.txt'], [Buffer.from('plain words'), 'tool.exe']] as const) {
      const res = await upload(bytes, name);
      expect(res.status, name).to.equal(415);
      expect(res.body.code).to.equal('UNSUPPORTED_MEDIA_TYPE');
    }
    expect(await app.deps.db('messages').where({ conversation_id: conversationId })).to.have.length(0);
    const dir = path.join(app.deps.config.dataDir, 'attachments', tenant.id);
    expect(await readdir(dir).catch(() => [])).to.deep.equal([]);
  });

  it('refuses uploads into another visitor\'s conversation and bodies that are not multipart', async () => {
    const { tenant, conversationId, upload } = await setup();
    const stranger = await visitorOf(app, tenant.slug);
    const res = await upload(PNG, 'a.png', stranger.token);
    expect(res.status).to.equal(404);
    const json = await app.request(`/api/chat/visitor/conversations/${conversationId}/attachments/upload`, {
      method: 'POST', headers: { [SESSION_HEADER]: stranger.token }, json: { file: 'x' },
    });
    expect(json.status).to.be.oneOf([404, 415]);
  });

  it('cuts an oversized upload off at the cap instead of reading it all', async () => {
    const { visitor, conversationId, tenant } = await setup();
    const cap = app.deps.config.chat.attachmentMaxBytes;
    const total = cap * 6;
    const boundary = 'ringnity-test-boundary';
    const head = Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="big.png"\r\nContent-Type: image/png\r\n\r\n`);
    const chunk = Buffer.concat([PNG, Buffer.alloc(1024 * 1024 - PNG.length)]);
    const url = new URL(`/api/chat/visitor/conversations/${conversationId}/attachments/upload`, app.url);

    const { status, sent } = await new Promise<{ status: number; sent: number }>((resolve, reject) => {
      let sent = 0;
      let answered: number | undefined;
      const req = httpRequest(url, {
        method: 'POST',
        headers: { [SESSION_HEADER]: visitor.token, 'content-type': `multipart/form-data; boundary=${boundary}`, 'content-length': head.length + total + boundary.length + 8 },
      }, (res) => {
        answered = res.statusCode;
        res.resume();
        res.on('end', () => resolve({ status: answered!, sent }));
      });
      req.on('error', (err) => (answered ? resolve({ status: answered, sent }) : reject(err)));
      req.write(head);
      const pump = () => {
        while (sent < total && answered === undefined) {
          sent += chunk.length;
          if (!req.write(chunk)) return void req.once('drain', pump);
        }
        if (answered === undefined) req.end(`\r\n--${boundary}--\r\n`);
      };
      pump();
    });
    expect(status).to.equal(413);
    expect(sent, 'the server stopped reading long before the end').to.be.below(total);
    expect(await app.deps.db('conversation_attachments').where({ conversation_id: conversationId })).to.have.length(0);
    const dir = path.join(app.deps.config.dataDir, 'attachments', tenant.id);
    expect(await readdir(dir).catch(() => [])).to.deep.equal([]);
  });
});

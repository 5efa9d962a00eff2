import { expect } from 'chai';
import { setTenantActive } from '../../src/tenants/tenants.ts';
import { OPERATOR } from '../../src/audit/actor.ts';
import { expectContract } from '../support/contract.ts';
import { startSiblingApp } from '../support/sibling-app.ts';
import { useTestApp } from '../support/test-app.ts';
import { chatTenant, visitorOf, SESSION_HEADER } from './chat-support.ts';

describe('Visitor chat: sessions, conversations and messages', () => {
  const app = useTestApp();

  describe('sessions and availability', () => {
    it('issues a visitor session without one, and resolves the current one with it', async () => {
      const { tenant } = await chatTenant(app);
      const created = await app.request('/api/chat/visitor/sessions', { method: 'POST', json: { slug: tenant.slug } });
      expect(created.status, created.text).to.equal(201);
      expectContract(created, 'createVisitorChatSession');
      expect(created.body.data).to.include.keys('sessionToken', 'expiresAt', 'visitor', 'chat');
      expect(created.body.data.chat).to.deep.equal({ available: true, status: 'available' });

      const again = await app.request('/api/chat/visitor/sessions', { method: 'POST', headers: { [SESSION_HEADER]: created.body.data.sessionToken } });
      expect(again.status).to.equal(201);
      expect(again.body.data.visitor).to.deep.equal(created.body.data.visitor);
      expect(again.body.data).to.not.have.property('sessionToken');
    });

    it('answers availability by slug without a session, with the reason when chat is off', async () => {
      const { tenant } = await chatTenant(app);
      const open = await app.request(`/api/chat/visitor/availability?slug=${tenant.slug}`);
      expect(open.status, open.text).to.equal(200);
      expectContract(open, 'getVisitorChatAvailability');
      expect(open.body.data).to.deep.equal({ available: true, status: 'available' });

      const lonely = await app.seed.tenant({ plan: 'professional' });
      const none = await app.request(`/api/chat/visitor/availability?apiKey=${lonely.publicKey}`);
      expect(none.body.data).to.include({ available: false, status: 'not_configured' });
      expect(none.body.data.reason).to.be.a('string');

      const missing = await app.request('/api/chat/visitor/availability');
      expect(missing.status).to.equal(400);
      const unknown = await app.request('/api/chat/visitor/availability?slug=no-such-workspace');
      expect(unknown.body.code).to.equal('SDK_CLIENT_NOT_FOUND');
    });

    it('refuses every conversation operation without a session', async () => {
      const id = crypto.randomUUID();
      for (const [method, path] of [
        ['POST', 'visitor/conversations'], ['GET', 'visitor/tickets/open'], ['GET', `visitor/conversations/${id}`],
        ['POST', `visitor/conversations/${id}/messages`], ['PATCH', `visitor/conversations/${id}/messages/${id}`],
        ['DELETE', `visitor/conversations/${id}/messages/${id}`], ['POST', `visitor/conversations/${id}/attachments`],
        ['POST', `visitor/conversations/${id}/call-links`], ['POST', `conversations/${id}/messages/${id}/read`],
        ['POST', `conversations/${id}/messages/${id}/delivered`],
      ] as const) {
        const json = method === 'POST' || method === 'PATCH' ? { body: 'hi' } : undefined;
        const res = await app.request(`/api/chat/${path}`, { method, ...(json && { json }) });
        expect(res.status, `${method} ${path}`).to.equal(401);
        expect(res.body.code, `${method} ${path}`).to.equal('SDK_SESSION_REQUIRED');
      }
    });

    it('refuses a disabled tenant\'s visitor', async () => {
      const { tenant } = await chatTenant(app);
      const visitor = await visitorOf(app, tenant.slug);
      const conversation = await visitor.conversation();
      await setTenantActive(app.deps.db, OPERATOR, tenant.id, false);
      const res = await visitor.send(conversation.conversationId, { body: 'hello?' });
      expect(res.status).to.equal(401);
      expect(res.body.code).to.equal('TOKEN_REVOKED');
      const fresh = await app.request('/api/chat/visitor/sessions', { method: 'POST', json: { slug: tenant.slug } });
      expect(fresh.body.code).to.equal('SDK_CLIENT_INACTIVE');
    });
  });

  describe('conversations', () => {
    it('starts numbered conversations, and the open ticket is the newest open one', async () => {
      const { tenant } = await chatTenant(app);
      const visitor = await visitorOf(app, tenant.slug);
      const none = await visitor.call('GET', 'visitor/tickets/open');
      expect(none.status).to.equal(200);
      expectContract(none, 'getVisitorOpenTicket');
      expect(none.body.data).to.deep.equal({});

      const res = await visitor.call('POST', 'visitor/conversations', { subject: 'Order 42', metadata: { page: '/checkout' } });
      expect(res.status, res.text).to.equal(201);
      expectContract(res, 'createVisitorConversation');
      const first = res.body.data.conversation;
      expect(first).to.include({ conversationNumber: '1', ticketId: 'T-000001', status: 'open', priority: 'normal', channel: 'chat', subject: 'Order 42', visitorId: visitor.visitorId });
      const second = await visitor.conversation();
      expect(second.conversationNumber).to.equal('2');

      const ticket = await visitor.call('GET', 'visitor/tickets/open');
      expect(ticket.body.data.conversation.conversationId).to.equal(second.conversationId);
      const read = await visitor.call('GET', `visitor/conversations/${first.conversationId}`);
      expect(read.status).to.equal(200);
      expectContract(read, 'getVisitorConversation');
      expect(read.body.data.conversation).to.deep.equal(first);
    });

    it('numbers concurrent conversations of one tenant without gaps or repeats', async () => {
      const { tenant } = await chatTenant(app);
      const visitors = await Promise.all(Array.from({ length: 6 }, () => visitorOf(app, tenant.slug)));
      const made = await Promise.all(visitors.map((v) => v.conversation()));
      expect(made.map((c) => Number(c.conversationNumber)).sort((a, b) => a - b)).to.deep.equal([1, 2, 3, 4, 5, 6]);
    });

    it('shows a visitor only its own conversations', async () => {
      const { tenant } = await chatTenant(app);
      const alice = await visitorOf(app, tenant.slug);
      const bob = await visitorOf(app, tenant.slug);
      const conversation = await alice.conversation();
      const sent = await alice.send(conversation.conversationId, { body: 'private' });
      const messageId = sent.body.data.message.messageId;
      const id = conversation.conversationId;
      for (const [method, path, json] of [
        ['GET', `visitor/conversations/${id}`, undefined], ['POST', `visitor/conversations/${id}/messages`, { body: 'x' }],
        ['PATCH', `visitor/conversations/${id}/messages/${messageId}`, { body: 'x' }], ['DELETE', `visitor/conversations/${id}/messages/${messageId}`, undefined],
        ['POST', `visitor/conversations/${id}/attachments`, { filename: 'a.png' }], ['POST', `conversations/${id}/messages/${messageId}/read`, undefined],
        ['POST', `conversations/${id}/messages/${messageId}/delivered`, undefined], ['POST', `visitor/conversations/${id}/call-links`, {}],
      ] as const) {
        const res = await bob.call(method, path, json);
        expect(res.status, `${method} ${path}`).to.be.oneOf([404, 400]);
        if (res.status === 400) expect(res.body.code).to.equal('CALL_SESSION_CONVERSATION_REQUIRED');
      }
      const rows = await app.deps.db('messages').where({ conversation_id: id });
      expect(rows.map((r) => r.body)).to.deep.equal(['private']);
    });

    it('gives a verified visitor its conversations on every device and links it to its contact', async () => {
      const { tenant } = await chatTenant(app);
      const key = await app.seed.serverKey(tenant.id, ['server:visitor-context:write', 'server:contacts:write']);
      const server = (path: string, json: object) => app.request(`/api/server/${path}`, { method: 'POST', headers: { authorization: `Bearer ${key.secret}` }, json });
      const contact = await server('contacts', { externalId: 'crm-7', name: 'Ada', phone: '+14155550100', email: 'ada@example.com' });
      expect(contact.status, contact.text).to.be.oneOf([200, 201]);
      const contextToken = async () => (await server('visitor-context-token', { visitor: { externalId: 'crm-7', email: 'ada@example.com' } })).body.data.token;

      const laptop = await visitorOf(app, tenant.slug, { contextToken: await contextToken() });
      const conversation = await laptop.conversation();
      expect(conversation.contactId).to.equal(contact.body.data.contact.id);
      const phone = await visitorOf(app, tenant.slug, { contextToken: await contextToken() });
      const read = await phone.call('GET', `visitor/conversations/${conversation.conversationId}`);
      expect(read.status).to.equal(200);

      const anonymous = await visitorOf(app, tenant.slug, { visitor: { externalId: 'crm-7', email: 'ada@example.com' } });
      expect((await anonymous.call('GET', `visitor/conversations/${conversation.conversationId}`)).status).to.equal(404);
      const own = await anonymous.conversation({ visitor: { email: 'ada@example.com' } });
      expect(own).to.not.have.property('contactId');
    });

    it('refuses new conversations when chat is not in the plan', async () => {
      const tenant = await app.seed.tenant({ plan: 'starter' });
      await app.deps.db('tenants').where({ id: tenant.id }).update({ service_enablement: JSON.stringify({ chat: false }) });
      const visitor = await visitorOf(app, tenant.slug);
      const res = await visitor.call('POST', 'visitor/conversations', {});
      expect(res.status).to.equal(403);
      expect(res.body.code).to.equal('FEATURE_NOT_AVAILABLE');
    });
  });

  describe('messages', () => {
    it('sends a message and records the first visitor message once', async () => {
      const { tenant } = await chatTenant(app);
      const visitor = await visitorOf(app, tenant.slug);
      const { conversationId } = await visitor.conversation();
      const res = await visitor.send(conversationId, { body: 'Hello', clientMessageId: 'c-1' });
      expect(res.status, res.text).to.equal(201);
      expectContract(res, 'sendVisitorConversationMessage');
      expect(res.body.data.message).to.include({ conversationId, senderType: 'visitor', body: 'Hello', messageType: 'text', clientMessageId: 'c-1' });
      await visitor.send(conversationId, { body: 'Anyone?' });
      const facts = await app.deps.db('conversation_facts').where({ conversation_id: conversationId }).select('kind');
      expect(facts.map((f) => f.kind).sort()).to.deep.equal(['conversation_created', 'first_visitor_message']);
      const read = await visitor.call('GET', `visitor/conversations/${conversationId}`);
      expect(read.body.data.conversation.lastMessageAt).to.be.a('string');
    });

    it('makes one message of 5 concurrent retries, and refuses the same id with another body', async () => {
      const { tenant } = await chatTenant(app);
      const visitor = await visitorOf(app, tenant.slug);
      const { conversationId } = await visitor.conversation();
      const retries = await Promise.all(Array.from({ length: 5 }, () => visitor.send(conversationId, { body: 'Once', clientMessageId: 'retry-1' })));
      expect(retries.map((r) => r.status)).to.deep.equal([201, 201, 201, 201, 201]);
      expect(new Set(retries.map((r) => r.body.data.message.messageId)).size).to.equal(1);
      expect(retries.filter((r) => r.headers.get('idempotent-replayed') === 'true')).to.have.length(4);
      expect(await app.deps.db('messages').where({ conversation_id: conversationId })).to.have.length(1);

      const clash = await visitor.send(conversationId, { body: 'Different', clientMessageId: 'retry-1' });
      expect(clash.status).to.equal(409);
      expect(clash.body.code).to.equal('CONFLICT');
    });

    it('refuses bad messages with every problem and writes nothing', async () => {
      const { tenant } = await chatTenant(app);
      const visitor = await visitorOf(app, tenant.slug);
      const { conversationId } = await visitor.conversation();
      for (const [body, problem] of [
        [{ body: 'x'.repeat(10_001) }, 'at most 10000'],
        [{ body: '   ' }, 'must not be empty'],
        [{ body: 'x', messageType: 'system' }, 'messageType'],
        [{ body: 'x', messageType: 'attachment' }, 'messageType'],
        [{ body: '', messageType: 'rating', metadata: { score: 6 } }, 'score'],
        [{ body: 'x', metadata: { blob: 'y'.repeat(20_000) } }, 'metadata'],
        [{ body: 42 }, 'body.body'],
        [{}, 'body.body is required'],
      ] as const) {
        const res = await visitor.send(conversationId, body);
        expect(res.status, JSON.stringify(body)).to.equal(400);
        expect(res.body.code).to.equal('VALIDATION_FAILED');
        expect(res.body.details.join(' ')).to.include(problem);
      }
      expect(await app.deps.db('messages').where({ conversation_id: conversationId })).to.have.length(0);
    });

    it('takes one rating of 1 to 5 and records it as a fact', async () => {
      const { tenant } = await chatTenant(app);
      const visitor = await visitorOf(app, tenant.slug);
      const { conversationId } = await visitor.conversation();
      const rated = await visitor.send(conversationId, { body: 'Great help', messageType: 'rating', metadata: { score: 5 } });
      expect(rated.status, rated.text).to.equal(201);
      expect(rated.body.data.message).to.include({ messageType: 'rating', rating: 5 });
      const again = await visitor.send(conversationId, { body: '', messageType: 'rating', metadata: { score: 1 } });
      expect(again.status).to.equal(409);
      const fact = await app.deps.db('conversation_facts').where({ conversation_id: conversationId, kind: 'rating' }).first();
      expect(Number(fact.value)).to.equal(5);
    });

    it('edits and deletes only one\'s own messages, within the window, softly', async () => {
      const { tenant, agent } = await chatTenant(app);
      const visitor = await visitorOf(app, tenant.slug);
      const { conversationId } = await visitor.conversation();
      const sent = (await visitor.send(conversationId, { body: 'Helo', metadata: { lang: 'en' } })).body.data.message;
      const path = `visitor/conversations/${conversationId}/messages/${sent.messageId}`;

      const edited = await visitor.call('PATCH', path, { body: 'Hello' });
      expect(edited.status, edited.text).to.equal(200);
      expectContract(edited, 'editVisitorConversationMessage');
      expect(edited.body.data.message).to.include({ body: 'Hello' });
      expect(edited.body.data.message.editedAt).to.be.a('string');
      expect((await visitor.call('PATCH', path, {})).status).to.equal(400);

      // An agent's message in the same conversation is not the visitor's to change.
      const agentMessage = crypto.randomUUID();
      await app.deps.db('messages').insert({
        id: agentMessage, tenant_id: tenant.id, conversation_id: conversationId, seq: 99, sender_type: 'agent', sender_id: agent.id, message_type: 'text', body: 'Hi!',
      });
      const foreign = await visitor.call('PATCH', `visitor/conversations/${conversationId}/messages/${agentMessage}`, { body: 'hacked' });
      expect(foreign.status).to.equal(403);
      expect((await visitor.call('DELETE', `visitor/conversations/${conversationId}/messages/${agentMessage}`)).status).to.equal(403);

      const deleted = await visitor.call('DELETE', path);
      expect(deleted.status).to.equal(200);
      expectContract(deleted, 'deleteVisitorConversationMessage');
      const row = await app.deps.db('messages').where({ id: sent.messageId }).first();
      expect(row).to.include({ body: '' });
      expect(row.metadata).to.deep.equal({});
      expect(row.deleted_at).to.not.equal(null);
      expect((await visitor.call('PATCH', path, { body: 'back' })).status).to.equal(404);

      const old = (await visitor.send(conversationId, { body: 'old' })).body.data.message;
      await app.deps.db('messages').where({ id: old.messageId }).update({ created_at: app.deps.db.raw("now() - interval '16 minutes'") });
      const late = await visitor.call('PATCH', `visitor/conversations/${conversationId}/messages/${old.messageId}`, { body: 'new' });
      expect(late.status).to.equal(403);
      expect(late.body.message).to.include('15 minutes');
    });

    it('reopens a resolved conversation on a new message and refuses a closed one', async () => {
      const { tenant } = await chatTenant(app);
      const visitor = await visitorOf(app, tenant.slug);
      const { conversationId } = await visitor.conversation();
      await app.deps.db('conversations').where({ id: conversationId }).update({ status: 'resolved', resolved_at: app.deps.db.fn.now() });
      expect((await visitor.send(conversationId, { body: 'One more thing' })).status).to.equal(201);
      const reopened = await visitor.call('GET', `visitor/conversations/${conversationId}`);
      expect(reopened.body.data.conversation.status).to.equal('open');
      expect(await app.deps.db('conversation_facts').where({ conversation_id: conversationId, kind: 'reopened' })).to.have.length(1);

      await app.deps.db('conversations').where({ id: conversationId }).update({ status: 'closed' });
      const closed = await visitor.send(conversationId, { body: 'Hello?' });
      expect(closed.status).to.equal(409);
      expect(closed.body.message).to.include('closed');
    });
  });

  describe('rate limits', () => {
    it('counts a visitor\'s messages and uploads across processes', async () => {
      const sibling = await startSiblingApp(app, { CHAT_MESSAGES_PER_VISITOR_PER_MINUTE: '3', CHAT_UPLOADS_PER_VISITOR_PER_MINUTE: '1' });
      try {
        const { tenant } = await chatTenant(app);
        const visitor = await visitorOf(app, tenant.slug);
        const { conversationId } = await visitor.conversation();
        await visitor.send(conversationId, { body: 'one' });
        await visitor.send(conversationId, { body: 'two' });
        const headers = { [SESSION_HEADER]: visitor.token };
        const viaSibling = (path: string, json: object) => sibling.request(`/api/chat/visitor/conversations/${conversationId}/${path}`, { method: 'POST', headers, json });
        expect((await viaSibling('messages', { body: 'three' })).status).to.equal(201);
        const limited = await viaSibling('messages', { body: 'four' });
        expect(limited.status).to.equal(429);
        expect(limited.body.code).to.equal('RATE_LIMITED');
        expect(Number(limited.headers.get('retry-after'))).to.be.greaterThan(0);
        expect((await viaSibling('attachments', { filename: 'a.png' })).status).to.equal(201);
        expect((await viaSibling('attachments', { filename: 'b.png' })).status).to.equal(429);
        expect(await app.deps.db('messages').where({ conversation_id: conversationId })).to.have.length(3);
      } finally {
        await sibling.stop();
      }
    });
  });

  describe('receipts', () => {
    it('marks delivered and read as high-water marks that never move back', async () => {
      const { tenant } = await chatTenant(app);
      const visitor = await visitorOf(app, tenant.slug);
      const { conversationId } = await visitor.conversation();
      const ids: string[] = [];
      for (const body of ['one', 'two', 'three']) ids.push((await visitor.send(conversationId, { body })).body.data.message.messageId);
      const mark = (id: string, kind: 'delivered' | 'read') => visitor.call('POST', `conversations/${conversationId}/messages/${id}/${kind}`);

      const delivered = await mark(ids[1], 'delivered');
      expect(delivered.status, delivered.text).to.equal(200);
      expectContract(delivered, 'markChatMessageDelivered');
      expect(delivered.body.data.receipt).to.include({ conversationId, messageId: ids[1], side: 'visitor', deliveredUpTo: 2, readUpTo: 0 });

      const back = await mark(ids[0], 'delivered');
      expect(back.body.data.receipt).to.include({ deliveredUpTo: 2 });
      const read = await mark(ids[2], 'read');
      expectContract(read, 'markChatMessageRead');
      expect(read.body.data.receipt).to.include({ deliveredUpTo: 3, readUpTo: 3 });
      const readBack = await mark(ids[0], 'read');
      expect(readBack.body.data.receipt).to.include({ deliveredUpTo: 3, readUpTo: 3 });

      const concurrent = await Promise.all([mark(ids[0], 'read'), mark(ids[2], 'read'), mark(ids[1], 'read')]);
      expect(concurrent.every((r) => r.body.data.receipt.readUpTo === 3)).to.equal(true);
      expect((await mark(crypto.randomUUID(), 'read')).status).to.equal(404);
    });
  });
});

import { expect } from 'chai';
import { operatorIn } from '../../src/audit/actor.ts';
import { createDepartment } from '../../src/tenants/departments.ts';
import { expectContract } from '../support/contract.ts';
import { workspaceAuth } from '../support/dashboard-sessions.ts';
import { startSiblingApp } from '../support/sibling-app.ts';
import { useTestApp, type TestResponse } from '../support/test-app.ts';
import { agentTokenOf, chatTenant, PNG, SESSION_HEADER, visitorOf } from './chat-support.ts';


describe('Agent inbox', () => {
  const app = useTestApp();

  /** Calls of the agent SDK with one agent token. */
  const agentApi = (token: string) => (method: string, path: string, json?: unknown): Promise<TestResponse> =>
    app.request(`/api/agent-sdk${path}`, { method, headers: { [SESSION_HEADER]: token }, ...(json !== undefined && { json }) });

  async function workspace() {
    const { tenant, agent, agentToken } = await chatTenant(app);
    const actor = operatorIn(tenant.id);
    const sales = await createDepartment(app.deps.db, actor, 'Sales');
    const support = await createDepartment(app.deps.db, actor, 'Support');
    const member = async (role: 'agent' | 'supervisor', departmentId?: string) => {
      const account = await app.seed.account(tenant.id, { role, departmentId });
      const token = await agentTokenOf(app, tenant.id, account.id);
      return { account, token, call: agentApi(token) };
    };
    return { tenant, agent, agentToken, sales, support, member };
  }

  async function conversationIn(slug: string, departmentId?: string) {
    const visitor = await visitorOf(app, slug);
    const conversation = await visitor.conversation();
    await visitor.send(conversation.conversationId, { body: 'Hello, I need help' });
    if (departmentId) await app.deps.db('conversations').where({ id: conversation.conversationId }).update({ department_id: departmentId });
    return { visitor, id: conversation.conversationId };
  }

  describe('profile and presence', () => {
    it('answers the agent, its department, scopes and tenant', async () => {
      const { tenant, sales, member } = await workspace();
      const { account, call } = await member('agent', sales.id);
      const res = await call('GET', '/me');
      expect(res.status, res.text).to.equal(200);
      expectContract(res, 'getAgentProfile');
      expect(res.body.data.agent).to.include({ agentId: account.id, username: account.username, role: 'agent', departmentId: sales.id, departmentName: 'Sales' });
      expect(res.body.data.agent.scopes).to.include('agent:conversations:read').and.not.include('agent:conversations:assign');
      expect(res.body.data.tenant).to.include({ clientId: tenant.id, slug: tenant.slug });
    });

    it('combines the manual status with liveness, normalising the contract\'s words', async () => {
      const { member } = await workspace();
      const { call, account } = await member('agent');
      for (const [asked, shown] of [['busy', 'busy'], ['online', 'available'], ['unavailable', 'offline'], ['available', 'available']] as const) {
        const res = await call('PATCH', '/presence', { status: asked });
        expect(res.status, res.text).to.equal(200);
        expectContract(res, 'updateAgentPresence');
        expect(res.body.data).to.include({ agentId: account.id, status: shown, online: shown !== 'offline' });
      }
      const bad = await call('PATCH', '/presence', { status: 'sleeping' });
      expect(bad.status).to.equal(400);

      await app.deps.db('agent_presence').where({ account_id: account.id }).update({ last_seen_at: app.deps.db.raw("now() - interval '2 minutes'") });
      const stale = await app.request('/api/agent-sdk/presence', { headers: { [SESSION_HEADER]: (await agentTokenOf(app, account.tenantId, account.id)) } });
      expectContract(stale, 'getAgentPresence');
      // This read is itself a heartbeat of a new token, but the throttle of this process already wrote for the agent.
      expect(stale.body.data).to.include({ status: 'offline', online: false });
    });

    it('makes visitor chat available only while an agent is online, in every process', async () => {
      const sibling = await startSiblingApp(app, {});
      try {
        const tenant = await app.seed.tenant({ plan: 'professional' });
        const agent = await app.seed.account(tenant.id);
        const token = await agentTokenOf(app, tenant.id, agent.id);
        const availability = async () => (await app.request(`/api/chat/visitor/availability?slug=${tenant.slug}`)).body.data;
        expect(await availability()).to.include({ available: false, reason: 'No agent is online right now' });
        const viaSibling = await sibling.request('/api/agent-sdk/presence', { method: 'PATCH', headers: { [SESSION_HEADER]: token }, json: { status: 'available' } });
        expect(viaSibling.status).to.equal(200);
        expect(await availability()).to.deep.equal({ available: true, status: 'available' });
        const seen = await agentApi(token)('GET', '/presence');
        expect(seen.body.data).to.include({ status: 'available', online: true });
        await sibling.request('/api/agent-sdk/presence', { method: 'PATCH', headers: { [SESSION_HEADER]: token }, json: { status: 'busy' } });
        expect((await availability()).available).to.equal(false);
      } finally {
        await sibling.stop();
      }
    });
  });

  describe('visibility', () => {
    it('shows an agent its own and its department\'s unassigned conversations; supervisors all', async () => {
      const { tenant, sales, support, member } = await workspace();
      const seller = await member('agent', sales.id);
      const helper = await member('agent', support.id);
      const floater = await member('agent');
      const boss = await member('supervisor', support.id);
      const salesQueue = await conversationIn(tenant.slug, sales.id);
      const supportQueue = await conversationIn(tenant.slug, support.id);
      const anyone = await conversationIn(tenant.slug);
      const helpers = await conversationIn(tenant.slug, sales.id);
      expect((await helper.call('POST', `/conversations/${helpers.id}/assign`, {})).status).to.equal(404);
      await boss.call('POST', `/conversations/${helpers.id}/assign`, { assignedAgentId: helper.account.id });

      const inbox = async (who: { call: ReturnType<typeof agentApi> }) => {
        const res = await who.call('GET', '/conversations');
        expect(res.status, res.text).to.equal(200);
        expectContract(res, 'listAgentConversations');
        return res.body.data.conversations.map((c: { conversationId: string }) => c.conversationId).sort();
      };
      expect(await inbox(seller)).to.deep.equal([salesQueue.id, anyone.id].sort());
      expect(await inbox(helper)).to.deep.equal([supportQueue.id, anyone.id, helpers.id].sort());
      expect(await inbox(floater)).to.deep.equal([salesQueue.id, supportQueue.id, anyone.id].sort());
      expect(await inbox(boss)).to.deep.equal([salesQueue.id, supportQueue.id, anyone.id, helpers.id].sort());

      const hidden = await seller.call('GET', `/conversations/${supportQueue.id}`);
      expect(hidden.status).to.equal(404);
      expect((await seller.call('GET', `/conversations/${helpers.id}/messages`)).status).to.equal(404);
      const shown = await seller.call('GET', `/conversations/${salesQueue.id}`);
      expectContract(shown, 'getAgentConversation');
      const filtered = await boss.call('GET', `/conversations?departmentId=${sales.id}&status=open`);
      expect(filtered.body.data.conversations.map((c: { conversationId: string }) => c.conversationId).sort()).to.deep.equal([salesQueue.id, helpers.id].sort());
    });

    it('refuses visitor, admin and dashboard credentials and another tenant\'s agent', async () => {
      const { tenant, agent, agentToken } = await workspace();
      const { id, visitor } = await conversationIn(tenant.slug);
      const wrongKind = await app.request('/api/agent-sdk/conversations', { headers: { [SESSION_HEADER]: visitor.token } });
      expect(wrongKind.status).to.equal(401);
      expect(wrongKind.body.code).to.equal('TOKEN_WRONG_KIND');
      const key = await app.seed.serverKey(tenant.id, ['server:admin-token:write']);
      const admin = await app.request('/api/server/sdk-token/admin', { method: 'POST', headers: { authorization: `Bearer ${key.secret}` }, json: { adminActorId: tenant.owner.id } });
      const asAdmin = await app.request('/api/agent-sdk/conversations', { headers: { [SESSION_HEADER]: admin.body.data.token } });
      expect(asAdmin.body.code).to.equal('TOKEN_WRONG_KIND');
      const dashboard = await app.request('/api/agent-sdk/conversations', { headers: await workspaceAuth(app, tenant, agent) });
      expect(dashboard.status).to.equal(401);
      expect(dashboard.body.code).to.equal('SDK_SESSION_REQUIRED');
      const other = await chatTenant(app);
      expect((await agentApi(other.agentToken)('GET', `/conversations/${id}`)).status).to.equal(404);
      expect((await agentApi(agentToken)('GET', `/conversations/${id}`)).status).to.equal(200);
    });
  });

  describe('assignment', () => {
    it('lets exactly one of ten concurrent accepts win, with one history row', async () => {
      const { tenant, member } = await workspace();
      const agents = await Promise.all(Array.from({ length: 10 }, () => member('agent')));
      const { id } = await conversationIn(tenant.slug);
      const results = await Promise.all(agents.map((a) => a.call('POST', `/conversations/${id}/assign`, {})));
      expect(results.map((r) => r.status).sort()).to.deep.equal([200, ...Array(9).fill(409)]);
      const winner = results.find((r) => r.status === 200)!;
      expectContract(winner, 'assignAgentConversation');
      const winnerId = winner.body.data.assignment.assignedAgentId;
      expect(winner.body.data.conversation.assignedAgentId).to.equal(winnerId);
      const history = await app.deps.db('conversation_assignments').where({ conversation_id: id });
      expect(history).to.have.length(1);
      expect(history[0]).to.include({ assigned_agent_id: winnerId, assigned_by_agent_id: winnerId });
      const again = await agents.find((a) => a.account.id === winnerId)!.call('POST', `/conversations/${id}/assign`, {});
      expect(again.status).to.equal(200);
      expect(await app.deps.db('conversation_assignments').where({ conversation_id: id })).to.have.length(1);
    });

    it('transfers one\'s own conversation, sends it back to a team queue, and leaves others\' alone', async () => {
      const { tenant, sales, member } = await workspace();
      const first = await member('agent');
      const second = await member('agent');
      const third = await member('agent');
      const { id } = await conversationIn(tenant.slug);
      await first.call('POST', `/conversations/${id}/assign`, {});
      expect((await third.call('POST', `/conversations/${id}/assign`, { assignedAgentId: third.account.id })).status).to.equal(409);

      const transfer = await first.call('POST', `/conversations/${id}/assign`, { assignedAgentId: second.account.id, reason: 'Billing question', isTransfer: true });
      expect(transfer.status, transfer.text).to.equal(200);
      expect(transfer.body.data.assignment).to.include({ assignedAgentId: second.account.id, assignedByAgentId: first.account.id, reason: 'Billing question' });
      expect((await first.call('GET', `/conversations/${id}`)).status).to.equal(404);

      const queued = await second.call('POST', `/conversations/${id}/assign`, { assignedAgentId: null, assignedDepartmentId: sales.id });
      expect(queued.status, queued.text).to.equal(200);
      expect(queued.body.data.conversation).to.include({ departmentId: sales.id }).and.not.have.property('assignedAgentId');
      const unknownAgent = await second.call('POST', `/conversations/${id}/assign`, {});
      expect(unknownAgent.status).to.equal(200);
      expect((await second.call('POST', `/conversations/${id}/assign`, { assignedAgentId: crypto.randomUUID() })).status).to.equal(404);
      const history = await app.deps.db('conversation_assignments').where({ conversation_id: id }).orderBy('created_at');
      expect(history.map((h) => h.assigned_agent_id)).to.deep.equal([first.account.id, second.account.id, null, second.account.id]);
    });
  });

  describe('replies, reading and closing', () => {
    it('replies idempotently, records the first response, and keeps replies to the assignee', async () => {
      const { tenant, member } = await workspace();
      const mine = await member('agent');
      const other = await member('agent');
      const boss = await member('supervisor');
      const { id } = await conversationIn(tenant.slug);
      await mine.call('POST', `/conversations/${id}/assign`, {});
      const sent = await Promise.all([1, 2, 3].map(() => mine.call('POST', `/conversations/${id}/messages`, { body: 'Hi! How can I help?', clientMessageId: 'reply-1' })));
      expect(sent.map((r) => r.status)).to.deep.equal([201, 201, 201]);
      expectContract(sent[0], 'sendAgentConversationMessage');
      expect(new Set(sent.map((r) => r.body.data.message.messageId)).size).to.equal(1);
      expect(sent[0].body.data.message).to.include({ senderType: 'agent', senderAgentId: mine.account.id });
      const firstReply = await app.deps.db('conversation_facts').where({ conversation_id: id, kind: 'first_agent_reply' });
      expect(firstReply).to.have.length(1);
      expect(firstReply[0].agent_id).to.equal(mine.account.id);

      const list = await other.call('POST', `/conversations/${id}/messages`, { body: 'me too' });
      expect(list.status).to.equal(404);
      const supervised = await boss.call('POST', `/conversations/${id}/messages`, { body: 'Supervisor here' });
      expect(supervised.status).to.equal(201);
      const system = await mine.call('POST', `/conversations/${id}/messages`, { body: 'x', messageType: 'system' });
      expect(system.status).to.equal(400);
      expect((await app.deps.db('conversation_facts').where({ conversation_id: id, kind: 'first_agent_reply' }))).to.have.length(1);
    });

    it('pages messages backwards and the inbox forwards, stable while messages arrive', async () => {
      const { tenant, member } = await workspace();
      const boss = await member('supervisor');
      const conversations = [];
      for (let i = 0; i < 5; i++) conversations.push(await conversationIn(tenant.slug));
      const page1 = await boss.call('GET', '/conversations?limit=2');
      expect(page1.body.data.conversations.map((c: { conversationId: string }) => c.conversationId)).to.deep.equal([conversations[4].id, conversations[3].id]);
      // New activity between pages moves a conversation to the top; the pages after the cursor stay as they were.
      await conversations[0].visitor.send(conversations[0].id, { body: 'still there?' });
      const page2 = await boss.call('GET', `/conversations?limit=2&cursor=${page1.body.data.nextCursor}`);
      expect(page2.body.data.conversations.map((c: { conversationId: string }) => c.conversationId)).to.deep.equal([conversations[2].id, conversations[1].id]);
      // The conversation that moved up is not repeated below: the list ends here.
      expect(page2.body.data).to.not.have.property('nextCursor');
      expect((await boss.call('GET', '/conversations?cursor=bm9wZQ')).status).to.equal(400);

      const { id, visitor } = conversations[0];
      for (let i = 0; i < 4; i++) await visitor.send(id, { body: `m${i}` });
      const newest = await boss.call('GET', `/conversations/${id}/messages?limit=3`);
      expectContract(newest, 'listAgentConversationMessages');
      expect(newest.body.data.messages.map((m: { body: string }) => m.body)).to.deep.equal(['m3', 'm2', 'm1']);
      const older = await boss.call('GET', `/conversations/${id}/messages?limit=3&before=${newest.body.data.nextCursor}`);
      expect(older.body.data.messages.map((m: { body: string }) => m.body)).to.deep.equal(['m0', 'still there?', 'Hello, I need help']);
      expect(older.body.data).to.not.have.property('nextCursor');
    });

    it('moves the agent side\'s read mark forward only', async () => {
      const { tenant, agentToken } = await workspace();
      const { id, visitor } = await conversationIn(tenant.slug);
      const second = (await visitor.send(id, { body: 'two' })).body.data.message.messageId;
      const first = (await agentApi(agentToken)('GET', `/conversations/${id}/messages`)).body.data.messages.at(-1).messageId;
      const read = await agentApi(agentToken)('POST', `/conversations/${id}/messages/${second}/read`);
      expect(read.status, read.text).to.equal(200);
      expectContract(read, 'markAgentMessageRead');
      expect(read.body.data.receipt).to.include({ side: 'agent', readUpTo: 2 });
      const back = await agentApi(agentToken)('POST', `/conversations/${id}/messages/${first}/read`);
      expect(back.body.data.receipt.readUpTo).to.equal(2);
    });

    it('closes once, records the resolution, and the visitor can no longer write', async () => {
      const { tenant, agentToken, agent } = await workspace();
      const { id, visitor } = await conversationIn(tenant.slug);
      const closed = await agentApi(agentToken)('POST', `/conversations/${id}/close`);
      expect(closed.status, closed.text).to.equal(200);
      expectContract(closed, 'closeAgentConversation');
      expect(closed.body.data.conversation.status).to.equal('closed');
      const again = await agentApi(agentToken)('POST', `/conversations/${id}/close`);
      expect(again.body.data.conversation).to.deep.equal(closed.body.data.conversation);
      const facts = await app.deps.db('conversation_facts').where({ conversation_id: id, kind: 'resolved' });
      expect(facts).to.have.length(1);
      expect(facts[0].agent_id).to.equal(agent.id);
      expect((await visitor.send(id, { body: 'wait' })).status).to.equal(409);
      expect((await agentApi(agentToken)('POST', `/conversations/${id}/assign`, {})).status).to.equal(409);
    });

    it('removes an attachment so it can no longer be downloaded', async () => {
      const { tenant, agentToken } = await workspace();
      const { id, visitor } = await conversationIn(tenant.slug);
      const form = new FormData();
      form.append('file', new Blob([PNG]), 'pic.png');
      const uploaded = await app.request(`/api/chat/visitor/conversations/${id}/attachments/upload`, { method: 'POST', headers: { [SESSION_HEADER]: visitor.token }, body: form });
      const { attachment, message } = uploaded.body.data;
      const download = () => fetch(`${app.url}/api/chat/attachments/${attachment.attachmentId}`, { headers: { [SESSION_HEADER]: agentToken } });
      expect((await download()).status).to.equal(200);

      const removed = await agentApi(agentToken)('DELETE', `/conversations/${id}/messages/${message.messageId}/attachment`, { reason: 'Contains a card number' });
      expect(removed.status, removed.text).to.equal(200);
      expectContract(removed, 'deleteAgentConversationAttachment');
      expect(removed.body.data).to.include({ deleted: true });
      expect(removed.body.data.message.deletedAt).to.be.a('string');
      expect((await download()).status).to.equal(404);
      const [audited] = await app.deps.db('audit_log').where({ tenant_id: tenant.id, action: 'attachment.removed' });
      expect(audited.details).to.include({ reason: 'Contains a card number' });
      const text = (await visitor.send(id, { body: 'plain' })).body.data.message.messageId;
      expect((await agentApi(agentToken)('DELETE', `/conversations/${id}/messages/${text}/attachment`, {})).status).to.equal(404);
    });
  });
});

import { expect } from 'chai';
import { adminTokenOf } from '../ai/ai-support.ts';
import { agentTokenOf, chatTenant } from '../conversations/chat-support.ts';
import { platformAuth } from '../support/dashboard-sessions.ts';
import { sdkClient } from '../support/sdk.ts';
import { useTestApp } from '../support/test-app.ts';

/** The typed client on the tags the other client tests leave out, each through a real flow. */
describe('the typed SDK client on every area', () => {
  const app = useTestApp();

  async function visitorWithConversation(slug: string) {
    const session = await sdkClient(app).POST('/chat/visitor/sessions', { body: { slug } });
    const visitor = sdkClient(app, { runtimeSession: (session.data!.data as { sessionToken: string }).sessionToken });
    const created = await visitor.POST('/chat/visitor/conversations', { body: {} });
    return { visitor, conversationId: created.data!.data!.conversation!.conversationId };
  }

  it('Webhooks: registers an endpoint with a Server API key and lists it', async () => {
    const tenant = await app.seed.tenant();
    const key = await app.seed.serverKey(tenant.id, ['server:webhook:write', 'server:webhook:read']);
    const backend = sdkClient(app, { serverApiKey: key.secret });
    const created = await backend.POST('/server/webhooks', { body: { url: 'http://127.0.0.1:9/hooks', events: ['conversation.created'] } });
    expect(created.response.status, JSON.stringify(created.error)).to.equal(201);
    const listed = await backend.GET('/server/webhooks');
    expect(listed.data!.data!.webhooks!.map((w) => w.url)).to.deep.equal(['http://127.0.0.1:9/hooks']);
  });

  it('Chat, Agent CRM and Calls: a visitor writes, an agent accepts and answers the call', async () => {
    const { tenant, agent } = await chatTenant(app);
    const { visitor, conversationId } = await visitorWithConversation(tenant.slug);
    const sent = await visitor.POST('/chat/visitor/conversations/{conversationId}/messages', {
      params: { path: { conversationId } }, body: { body: 'Hello', clientMessageId: 'typed-1' },
    });
    expect(sent.response.status).to.equal(201);
    const inbox = sdkClient(app, { runtimeSession: await agentTokenOf(app, tenant.id, agent.id) });
    const accepted = await inbox.POST('/agent-sdk/conversations/{conversationId}/assign', { params: { path: { conversationId } }, body: {} });
    expect(accepted.data!.data.assignment.assignedAgentId).to.equal(agent.id);
    const call = await visitor.POST('/calls/sessions', { body: { conversationId, type: 'audio' } });
    expect(call.response.status, JSON.stringify(call.error)).to.equal(201);
    const answered = await inbox.POST('/calls/sessions/{callSessionId}/answer', { params: { path: { callSessionId: call.data!.data.callSession.id } } });
    expect(answered.data!.data.callSession.status).to.equal('answered');
  });

  it('AI and Admin Reports: an admin token reads the tenant and its report; a visitor asks for routing', async () => {
    const { tenant } = await chatTenant(app);
    const admin = sdkClient(app, { runtimeSession: await adminTokenOf(app, tenant) });
    const me = await admin.GET('/admin-sdk/tenant');
    expect(me.response.status, JSON.stringify(me.error)).to.equal(200);
    const summary = await admin.GET('/admin-sdk/reports/summary', { params: { query: { period: '7days' } } });
    expect(summary.response.status, JSON.stringify(summary.error)).to.equal(200);
    const { visitor } = await visitorWithConversation(tenant.slug);
    const routing = await visitor.GET('/ai/visitor/routing');
    expect(routing.response.status, JSON.stringify(routing.error)).to.equal(200);
  });

  it('Platform Administration: a platform admin reads plan contracts and AI pricing', async () => {
    const admin = await app.seed.platformAdmin('platform_support');
    const platform = sdkClient(app, { dashboardToken: (await platformAuth(app, admin)).authorization.slice('Bearer '.length) });
    expect((await platform.GET('/platform/plan-contracts')).response.status).to.equal(200);
    expect((await platform.GET('/platform/ai-pricing')).response.status).to.equal(200);
  });
});

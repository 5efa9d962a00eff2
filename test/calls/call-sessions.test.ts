import { expect } from 'chai';
import { expectContract } from '../support/contract.ts';
import { workspaceAuth } from '../support/dashboard-sessions.ts';
import { startSiblingApp } from '../support/sibling-app.ts';
import { useTestApp, type TestResponse } from '../support/test-app.ts';
import { agentTokenOf, chatTenant, SESSION_HEADER, visitorOf } from '../conversations/chat-support.ts';

describe('Call sessions', () => {
  const app = useTestApp();

  /** A visitor with a conversation, an agent with a runtime token, and call requests for either. */
  async function callSetup(plan = 'professional') {
    const { tenant, agent } = await chatTenant(app, plan);
    const visitor = await visitorOf(app, tenant.slug);
    const conversation = await visitor.conversation();
    const agentToken = await agentTokenOf(app, tenant.id, agent.id);
    const as = (token: string) => (method: string, path: string, json?: unknown): Promise<TestResponse> =>
      app.request(`/api/calls/sessions${path}`, { method, headers: { [SESSION_HEADER]: token }, ...(json !== undefined && { json }) });
    return { tenant, agent, visitor, conversationId: conversation.conversationId, byVisitor: as(visitor.token), byAgent: as(agentToken), as, agentToken };
  }

  it('runs a call from start through answer to end, and records its facts', async () => {
    const { byVisitor, byAgent, conversationId } = await callSetup();
    const started = await byVisitor('POST', '', { conversationId, type: 'video', metadata: { device: 'web' } });
    expect(started.status, started.text).to.equal(201);
    expectContract(started, 'createCallSession');
    const call = started.body.data.callSession;
    expect(call).to.include({ conversationId, type: 'video', direction: 'inbound', status: 'started', durationSeconds: null, endReason: null });

    const read = await byAgent('GET', `/${call.id}`);
    expect(read.status).to.equal(200);
    expectContract(read, 'getCallSession');

    const answered = await byAgent('POST', `/${call.id}/answer`);
    expect(answered.status, answered.text).to.equal(200);
    expectContract(answered, 'answerCallSession');
    expect(answered.body.data.callSession.status).to.equal('answered');
    expect(answered.body.data.callSession.answeredAt).to.be.a('string');

    const ended = await byVisitor('PATCH', `/${call.id}/end`, { reason: 'hung up' });
    expect(ended.status, ended.text).to.equal(200);
    expectContract(ended, 'endCallSession');
    expect(ended.body.data.callSession).to.include({ status: 'ended', endReason: 'hung up' });
    expect(ended.body.data.callSession.durationSeconds).to.be.a('number');

    const again = await byAgent('PATCH', `/${call.id}/end`, { reason: 'other' });
    expect(again.status).to.equal(200);
    expect(again.body.data.callSession).to.deep.equal(ended.body.data.callSession);

    const facts = await app.deps.db('conversation_facts').where({ conversation_id: conversationId }).whereLike('kind', 'call_%').orderBy('id');
    expect(facts.map((f) => f.kind)).to.deep.equal(['call_started', 'call_answered', 'call_ended']);
  });

  it('keeps one live call per conversation, and the caller cannot answer its own call', async () => {
    const { byVisitor, conversationId } = await callSetup();
    const [a, b] = await Promise.all([byVisitor('POST', '', { conversationId, type: 'audio' }), byVisitor('POST', '', { conversationId, type: 'audio' })]);
    expect([a.status, b.status].sort()).to.deep.equal([201, 409]);
    const call = (a.status === 201 ? a : b).body.data.callSession;
    const own = await byVisitor('POST', `/${call.id}/answer`);
    expect(own.status).to.equal(403);
    expect(own.body.code).to.equal('CALL_PERMISSION_DENIED');
  });

  it('lets exactly one of several concurrent answers win', async () => {
    const { tenant, byVisitor, as, conversationId } = await callSetup();
    const call = (await byVisitor('POST', '', { conversationId, type: 'audio' })).body.data.callSession;
    const agents = await Promise.all(Array.from({ length: 5 }, () => app.seed.account(tenant.id, { role: 'agent' })));
    const tokens = await Promise.all(agents.map((a) => agentTokenOf(app, tenant.id, a.id)));
    const answers = await Promise.all(tokens.map((t) => as(t)('POST', `/${call.id}/answer`)));
    expect(answers.map((r) => r.status).sort()).to.deep.equal([200, 409, 409, 409, 409]);
    const row = await app.deps.db('call_sessions').where({ id: call.id }).first();
    const winner = agents[answers.findIndex((r) => r.status === 200)];
    expect(row.answered_by_id).to.equal(winner.id);
  });

  it('follows the state machine: terminal states never change', async () => {
    const { byVisitor, byAgent, conversationId } = await callSetup();
    const start = async () => (await byVisitor('POST', '', { conversationId, type: 'audio' })).body.data.callSession;

    const unanswered = await start();
    const hungUp = await byVisitor('PATCH', `/${unanswered.id}/end`);
    expect(hungUp.body.data.callSession).to.include({ status: 'ended', durationSeconds: null });
    expect((await byAgent('POST', `/${unanswered.id}/answer`)).status).to.equal(409);

    const broken = await start();
    const failed = await byVisitor('PATCH', `/${broken.id}/end`, { status: 'failed', reason: 'ice failed' });
    expect(failed.body.data.callSession).to.include({ status: 'failed', endReason: 'ice failed' });
    const endFailed = await byAgent('PATCH', `/${broken.id}/end`);
    expect(endFailed.body.data.callSession.status).to.equal('failed');

    const running = await start();
    await byAgent('POST', `/${running.id}/answer`);
    const dropped = await byAgent('PATCH', `/${running.id}/end`, { status: 'failed' });
    expect(dropped.body.data.callSession.status).to.equal('failed');
    expect(dropped.body.data.callSession.durationSeconds).to.be.a('number');
    expect((await byAgent('POST', `/${running.id}/answer`)).status).to.equal(409);

    const bad = await byVisitor('PATCH', `/${running.id}/end`, { status: 'answered' });
    expect(bad.status).to.equal(400);
    const created = await byVisitor('POST', '', { conversationId, type: 'audio', status: 'answered' });
    expect(created.status).to.equal(400);
  });

  it('misses a call nobody answered in time, on read and on answer', async () => {
    const { byVisitor, byAgent, conversationId } = await callSetup();
    const call = (await byVisitor('POST', '', { conversationId, type: 'audio' })).body.data.callSession;
    await app.deps.db('call_sessions').where({ id: call.id }).update({ ring_deadline: app.deps.db.raw("now() - interval '1 second'") });
    const late = await byAgent('POST', `/${call.id}/answer`);
    expect(late.status).to.equal(409);
    const read = await byVisitor('GET', `/${call.id}`);
    expect(read.body.data.callSession).to.include({ status: 'missed', endReason: 'ring_timeout', durationSeconds: null });
    const ended = await byVisitor('PATCH', `/${call.id}/end`);
    expect(ended.body.data.callSession.status).to.equal('missed');
    expect(await app.deps.db('conversation_facts').where({ conversation_id: conversationId, kind: 'call_missed' })).to.have.length(1);
    // The next call may start: the missed one is no longer live.
    expect((await byVisitor('POST', '', { conversationId, type: 'audio' })).status).to.equal(201);
  });

  it('sweeps unanswered calls into missed in the background', async () => {
    const sibling = await startSiblingApp(app, { CALL_RING_TIMEOUT_SECONDS: '1' });
    try {
      const { tenant } = await chatTenant(app);
      const session = await sibling.request('/api/chat/visitor/sessions', { method: 'POST', json: { slug: tenant.slug } });
      const headers = { [SESSION_HEADER]: session.body.data.sessionToken };
      const conversation = await sibling.request('/api/chat/visitor/conversations', { method: 'POST', headers, json: {} });
      const conversationId = conversation.body.data.conversation.conversationId;
      const call = await sibling.request('/api/calls/sessions', { method: 'POST', headers, json: { conversationId, type: 'audio' } });
      expect(call.status, call.text).to.equal(201);
      const id = call.body.data.callSession.id;
      const deadline = Date.now() + 8000;
      let row = await app.deps.db('call_sessions').where({ id }).first();
      while (row.status === 'started' && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 200));
        row = await app.deps.db('call_sessions').where({ id }).first();
      }
      expect(row).to.include({ status: 'missed', end_reason: 'ring_timeout' });
    } finally {
      await sibling.stop();
    }
  });

  it('answers its own error codes for bad starts and unknown calls', async () => {
    const { tenant, byVisitor, conversationId } = await callSetup();
    const missing = await byVisitor('POST', '', { type: 'audio' });
    expect(missing.status).to.equal(400);
    expect(missing.body.code).to.equal('CALL_SESSION_CONVERSATION_REQUIRED');
    const unknown = await byVisitor('POST', '', { conversationId: crypto.randomUUID(), type: 'audio' });
    expect(unknown.body.code).to.equal('CALL_SESSION_CONVERSATION_REQUIRED');
    const type = await byVisitor('POST', '', { conversationId, type: 'fax' });
    expect(type.status).to.equal(400);
    expect(type.body.code).to.equal('CALL_SESSION_TYPE_INVALID');
    const outbound = await byVisitor('POST', '', { conversationId, type: 'audio', direction: 'outbound' });
    expect(outbound.body.code).to.equal('CALL_PERMISSION_DENIED');
    const none = await byVisitor('GET', `/${crypto.randomUUID()}`);
    expect(none.status).to.equal(404);
    expect(none.body.code).to.equal('CALL_SESSION_NOT_FOUND');

    const call = (await byVisitor('POST', '', { conversationId, type: 'audio' })).body.data.callSession;
    const stranger = await visitorOf(app, tenant.slug);
    const peek = await app.request(`/api/calls/sessions/${call.id}`, { headers: { [SESSION_HEADER]: stranger.token } });
    expect(peek.status).to.equal(404);
    expect(peek.body.code).to.equal('CALL_SESSION_NOT_FOUND');
  });

  it('refuses calls the plan does not include', async () => {
    const { byVisitor, conversationId } = await callSetup('starter');
    const res = await byVisitor('POST', '', { conversationId, type: 'video' });
    expect(res.status).to.equal(403);
    expect(res.body.code).to.equal('FEATURE_NOT_AVAILABLE');
  });

  it('takes a dashboard account as the answering side, and refuses an admin runtime token', async () => {
    const { tenant, agent, byVisitor, conversationId } = await callSetup();
    const call = (await byVisitor('POST', '', { conversationId, type: 'audio' })).body.data.callSession;
    const dashboard = await workspaceAuth(app, tenant, agent);
    const answered = await app.request(`/api/calls/sessions/${call.id}/answer`, { method: 'POST', headers: dashboard });
    expect(answered.status, answered.text).to.equal(200);
    const other = await app.seed.tenant({ plan: 'professional' });
    const outsider = await app.seed.account(other.id);
    const foreign = await app.request(`/api/calls/sessions/${call.id}`, { headers: await workspaceAuth(app, other, outsider) });
    expect(foreign.status).to.equal(404);
  });

  it('hands out a call link: the conversation\'s ringing call and where to answer it', async () => {
    const { visitor, byAgent, conversationId } = await callSetup();
    const link = await visitor.call('POST', `visitor/conversations/${conversationId}/call-links`, { service: 'video_call' });
    expect(link.status, link.text).to.equal(201);
    expectContract(link, 'createVisitorConversationCallLink');
    const { callLink, callSession } = link.body.data;
    expect(callSession).to.include({ type: 'video', status: 'started', conversationId });
    expect(callLink.url).to.equal(`${app.deps.config.issuer}/api/calls/sessions/${callSession.id}/answer`);
    const second = await visitor.call('POST', `visitor/conversations/${conversationId}/call-links`, { service: 'video_call' });
    expect(second.body.data.callSession.id).to.equal(callSession.id);
    const otherType = await visitor.call('POST', `visitor/conversations/${conversationId}/call-links`, { service: 'voice_call' });
    expect(otherType.status).to.equal(409);
    expect((await byAgent('POST', `/${callSession.id}/answer`)).status).to.equal(200);
  });
});

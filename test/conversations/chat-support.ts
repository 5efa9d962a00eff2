import type { TestApp, TestResponse } from '../support/test-app.ts';

export const SESSION_HEADER = 'x-ringnity-sdk-session';

/** The smallest valid PNG (1×1, transparent). */
export const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==', 'base64');

/** A visitor of a tenant, with its session and calls against visitor chat. */
export async function visitorOf(app: TestApp, slug: string, body: Record<string, unknown> = {}) {
  const res = await app.request('/api/chat/visitor/sessions', { method: 'POST', json: { slug, ...body } });
  if (res.status !== 201) throw new Error(`visitor session: ${res.status} ${res.text}`);
  const token: string = res.body.data.sessionToken;
  const call = (method: string, path: string, json?: unknown): Promise<TestResponse> =>
    app.request(`/api/chat/${path}`, { method, headers: { [SESSION_HEADER]: token }, ...(json !== undefined && { json }) });
  return {
    token,
    visitorId: res.body.data.visitor.id as string,
    call,
    async conversation(json: Record<string, unknown> = {}) {
      const created = await call('POST', 'visitor/conversations', json);
      if (created.status !== 201) throw new Error(`conversation: ${created.status} ${created.text}`);
      return created.body.data.conversation as { conversationId: string; status: string; [key: string]: unknown };
    },
    send: (conversationId: string, json: Record<string, unknown>) => call('POST', `visitor/conversations/${conversationId}/messages`, json),
  };
}

/** A tenant on a plan, with one agent online (its app reported in), so chat is available. */
export async function chatTenant(app: TestApp, plan = 'professional') {
  const tenant = await app.seed.tenant({ plan });
  const agent = await app.seed.account(tenant.id, { role: 'agent' });
  const agentToken = await agentTokenOf(app, tenant.id, agent.id);
  const online = await app.request('/api/agent-sdk/presence', { method: 'PATCH', headers: { [SESSION_HEADER]: agentToken }, json: { status: 'available' } });
  if (online.status !== 200) throw new Error(`presence: ${online.status} ${online.text}`);
  return { tenant, agent, agentToken };
}

/** An agent runtime token for an account of the tenant, minted by the customer's backend. */
export async function agentTokenOf(app: TestApp, tenantId: string, agentId: string): Promise<string> {
  const key = await app.seed.serverKey(tenantId, ['server:agent-token:write']);
  const res = await app.request('/api/server/sdk-token/agent', { method: 'POST', headers: { authorization: `Bearer ${key.secret}` }, json: { agentId } });
  if (res.status !== 201) throw new Error(`agent token: ${res.status} ${res.text}`);
  return res.body.data.token;
}

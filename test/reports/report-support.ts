import { operatorIn } from '../../src/audit/actor.ts';
import { setTenantTimezone } from '../../src/tenants/tenants.ts';
import type { TestApp, TestResponse } from '../support/test-app.ts';

/**
 * A tenant's history written straight into its tables at fixed instants, as the services
 * would have recorded it (tests may set up history directly; the report reads it back).
 */
export function historyOf(app: TestApp, tenantId: string) {
  const db = app.deps.db;
  let number = 0;
  const seqs = new Map<string, number>();
  const fact = (conversationId: string, kind: string, at: string, extra: { agentId?: string; value?: number } = {}) =>
    db('conversation_facts').insert({ tenant_id: tenantId, conversation_id: conversationId, kind, occurred_at: at, agent_id: extra.agentId ?? null, value: extra.value ?? null });
  return {
    fact,
    /** A conversation created at `at`, with its `conversation_created` fact. */
    async conversation(at: string): Promise<string> {
      const id = crypto.randomUUID();
      number += 1;
      await db('conversations').insert({ id, tenant_id: tenantId, number: String(number + 1_000_000), created_at: at, updated_at: at });
      await fact(id, 'conversation_created', at);
      return id;
    },
    async message(conversationId: string, sender: 'visitor' | 'agent' | 'system', at: string, senderId?: string) {
      const seq = (seqs.get(conversationId) ?? 0) + 1;
      seqs.set(conversationId, seq);
      await db('messages').insert({
        id: crypto.randomUUID(), tenant_id: tenantId, conversation_id: conversationId, seq: String(seq), sender_type: sender,
        sender_id: senderId ?? (sender === 'system' ? null : crypto.randomUUID()), message_type: sender === 'system' ? 'system' : 'text', body: 'x', created_at: at,
      });
    },
    async rating(conversationId: string, score: number, at: string, agentId?: string) {
      await fact(conversationId, 'rating', at, { agentId, value: score });
    },
    /** A call started at `startedAt`; answered and ended `answeredAfter`/`lasting` seconds later when given. */
    async call(conversationId: string, c: {
      startedAt: string; direction?: 'inbound' | 'outbound'; answeredBy?: string; startedBy?: string; answeredAfter?: number; lasting?: number;
      status?: 'started' | 'answered' | 'ended' | 'missed' | 'failed'; ringDeadline?: string;
    }) {
      const start = Date.parse(c.startedAt);
      const answeredAt = c.answeredAfter === undefined ? null : new Date(start + c.answeredAfter * 1000);
      const endedAt = answeredAt && c.lasting !== undefined ? new Date(answeredAt.getTime() + c.lasting * 1000) : null;
      await db('call_sessions').insert({
        id: crypto.randomUUID(), tenant_id: tenantId, conversation_id: conversationId, type: 'audio', direction: c.direction ?? 'inbound',
        status: c.status ?? (endedAt ? 'ended' : answeredAt ? 'answered' : 'missed'),
        started_by_type: c.startedBy ? 'account' : 'visitor', started_by_id: c.startedBy ?? crypto.randomUUID(),
        answered_by_type: c.answeredBy ? (c.direction === 'outbound' ? 'visitor' : 'account') : null,
        answered_by_id: c.answeredBy ?? null,
        started_at: c.startedAt, ring_deadline: c.ringDeadline ?? new Date(start + 45_000).toISOString(), answered_at: answeredAt, ended_at: endedAt,
      });
    },
  };
}

export async function zonedTenant(app: TestApp, timezone: string) {
  const tenant = await app.seed.tenant({ plan: 'enterprise' });
  await setTenantTimezone(app.deps.db, operatorIn(tenant.id), tenant.id, timezone);
  return tenant;
}

/** The Server API's report reads, with a key holding `server:reports:read`. */
export async function serverReports(app: TestApp, tenantId: string) {
  const key = await app.seed.serverKey(tenantId, ['server:reports:read']);
  return (path: string, query: Record<string, string> = {}): Promise<TestResponse> =>
    app.request(`/api/server/reports/${path}?${new URLSearchParams(query)}`, { headers: { authorization: `Bearer ${key.secret}` } });
}

/** An admin runtime token for the tenant's owner, minted by its backend. */
export async function adminTokenOf(app: TestApp, tenantId: string, adminActorId: string): Promise<string> {
  const key = await app.seed.serverKey(tenantId, ['server:admin-token:write']);
  const res = await app.request('/api/server/sdk-token/admin', { method: 'POST', headers: { authorization: `Bearer ${key.secret}` }, json: { adminActorId } });
  if (res.status !== 201) throw new Error(`admin token: ${res.status} ${res.text}`);
  return res.body.data.token;
}

/** The Admin SDK's reads with an admin token. */
export const adminSdk = (app: TestApp, token: string) => (path: string, query: Record<string, string> = {}): Promise<TestResponse> =>
  app.request(`/api/admin-sdk/${path}?${new URLSearchParams(query)}`, { headers: { 'x-ringnity-sdk-session': token } });

/** Visitor chat's hot path for the benchmark: one message sent (with a clientMessageId) per request. */
import { load, loadAtRate, type LoadResult } from './load.ts';
import type { ScenarioOptions } from './scenarios.ts';
import type { ServedTarget } from './server-under-test.ts';

const SESSION = 'x-ringnity-sdk-session';

type Visitor = { token: string; conversationId: string };

async function visitor(t: ServedTarget): Promise<Visitor> {
  const post = async (path: string, json: object, token?: string) => {
    const res = await fetch(t.url + path, {
      method: 'POST', headers: { 'content-type': 'application/json', ...(token && { [SESSION]: token }) }, body: JSON.stringify(json),
    });
    if (!res.ok) throw new Error(`${path}: ${res.status} ${await res.text()}`);
    return (await res.json() as { data: any }).data;
  };
  const { sessionToken } = await post('/api/chat/visitor/sessions', { slug: t.tenantSlug });
  const { conversation } = await post('/api/chat/visitor/conversations', {}, sessionToken);
  return { token: sessionToken, conversationId: conversation.conversationId };
}

const send = (t: ServedTarget) => async (v: Visitor) => {
  const res = await fetch(`${t.url}/api/chat/visitor/conversations/${v.conversationId}/messages`, {
    method: 'POST', headers: { 'content-type': 'application/json', [SESSION]: v.token },
    body: JSON.stringify({ body: 'Hello, is anyone there?', clientMessageId: crypto.randomUUID() }),
  });
  await res.arrayBuffer();
  return { ok: res.status === 201 };
};

/** The send at its peak (a visitor and conversation per connection), then open loop at half that rate. */
export async function chatScenarios(t: ServedTarget, opts: ScenarioOptions): Promise<LoadResult[]> {
  const peak = await load('sendVisitorConversationMessage (peak)', { ...opts, init: () => visitor(t) }, send(t));
  const visitors = await Promise.all(Array.from({ length: opts.connections }, () => visitor(t)));
  let next = 0;
  const half = await loadAtRate('sendVisitorConversationMessage (half peak, open loop)', { seconds: opts.seconds, perSecond: Math.max(1, Math.floor(peak.perSecond / 2)) },
    () => send(t)(visitors[next++ % visitors.length]));
  return [peak, half];
}

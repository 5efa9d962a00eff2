import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { knowledgeItemOf } from '../../src/ai/knowledge.ts';
import { SESSION_HEADER } from '../conversations/chat-support.ts';
import type { TestApp, TestResponse } from '../support/test-app.ts';

/** An admin runtime token for the tenant's owner, minted by the customer's backend. */
export async function adminTokenOf(app: TestApp, tenant: { id: string; owner: { username: string | null } }): Promise<string> {
  const key = await app.seed.serverKey(tenant.id, ['server:admin-token:write']);
  const res = await app.request('/api/server/sdk-token/admin', {
    method: 'POST', headers: { authorization: `Bearer ${key.secret}` }, json: { username: tenant.owner.username },
  });
  if (res.status !== 201) throw new Error(`admin token: ${res.status} ${res.text}`);
  return res.body.data.token;
}

type Requester = Pick<TestApp, 'request'>;

/** The Admin SDK's knowledge calls for one admin token. */
export function knowledgeAdmin(app: Requester, token: string) {
  const headers = { [SESSION_HEADER]: token };
  return {
    upload(filename: string, content: string | Buffer, type = 'application/octet-stream'): Promise<TestResponse> {
      const form = new FormData();
      form.append('file', new Blob([content], { type }), filename);
      return app.request('/api/admin-sdk/ai/knowledge/documents', { method: 'POST', headers, body: form });
    },
    url: (url: string) => app.request('/api/admin-sdk/ai/knowledge/urls', { method: 'POST', headers, json: { url } }),
    reindex: (id: string) => app.request(`/api/admin-sdk/ai/knowledge/${id}/reindex`, { method: 'POST', headers }),
    remove: (id: string) => app.request(`/api/admin-sdk/ai/knowledge/${id}`, { method: 'DELETE', headers }),
  };
}

/** Waits until the ingest worker has finished the item (ready or failed). */
export async function settled(app: TestApp, tenantId: string, id: string, timeoutMs = 10_000) {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const item = await knowledgeItemOf(app.deps.db, tenantId, id);
    if (item && (item.status === 'ready' || item.status === 'failed')) return item;
    if (Date.now() > until) throw new Error(`knowledge item ${id} still ${item?.status ?? 'missing'}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Uploads a document and waits for it to be ingested. */
export async function ingested(app: TestApp, token: string, tenantId: string, filename: string, content: string | Buffer) {
  const res = await knowledgeAdmin(app, token).upload(filename, content);
  if (res.status !== 201) throw new Error(`upload: ${res.status} ${res.text}`);
  return settled(app, tenantId, res.body.data.knowledgeItemId);
}

/** The visitor AI calls for one visitor session. */
export function visitorAi(app: Requester, token: string) {
  const headers = { [SESSION_HEADER]: token };
  return {
    routing: () => app.request('/api/ai/visitor/routing', { headers }),
    conversation: (json: Record<string, unknown> = {}) => app.request('/api/ai/visitor/conversations', { method: 'POST', headers, json }),
    send: (json: Record<string, unknown>) => app.request('/api/ai/visitor/chat', { method: 'POST', headers, json }),
    search: (json: Record<string, unknown>) => app.request('/api/ai/visitor/knowledge/search', { method: 'POST', headers, json }),
    realtime: (sdp: string, type = 'application/sdp') =>
      app.request('/api/ai/visitor/realtime/call', { method: 'POST', headers: { ...headers, 'content-type': type }, body: sdp }),
  };
}

/**
 * A PDF of one page per entry of `pages`, each line drawn with Helvetica: a real text layer
 * for the extractor to read (an empty list of lines makes a page with no text at all).
 */
export function pdfOf(pages: string[][], title?: string): Buffer {
  const objects: string[] = [];
  const kids: number[] = [];
  const font = 3;
  objects[1] = `<< /Type /Catalog /Pages 2 0 R >>`;
  objects[font] = '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>';
  let next = 4;
  for (const lines of pages) {
    const content = lines.length
      ? `BT /F1 12 Tf 72 720 Td 14 TL ${lines.map((l) => `(${l.replace(/[()\\]/g, '\\$&')}) Tj T*`).join(' ')} ET`
      : '';
    const page = next++;
    const stream = next++;
    objects[page] = `<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 ${font} 0 R >> >> /Contents ${stream} 0 R >>`;
    objects[stream] = `<< /Length ${Buffer.byteLength(content)} >>\nstream\n${content}\nendstream`;
    kids.push(page);
  }
  objects[2] = `<< /Type /Pages /Kids [${kids.map((k) => `${k} 0 R`).join(' ')}] /Count ${kids.length} >>`;
  const info = title ? next++ : undefined;
  if (info) objects[info] = `<< /Title (${title}) >>`;
  let out = '%PDF-1.4\n';
  const offsets: number[] = [];
  for (let i = 1; i < objects.length; i++) {
    offsets[i] = Buffer.byteLength(out);
    out += `${i} 0 obj\n${objects[i]}\nendobj\n`;
  }
  const xref = Buffer.byteLength(out);
  out += `xref\n0 ${objects.length}\n0000000000 65535 f \n${offsets.slice(1).map((o) => `${String(o).padStart(10, '0')} 00000 n \n`).join('')}`;
  out += `trailer\n<< /Size ${objects.length} /Root 1 0 R${info ? ` /Info ${info} 0 R` : ''} >>\nstartxref\n${xref}\n%%EOF\n`;
  return Buffer.from(out, 'latin1');
}

export type Recorded = { path: string; headers: IncomingMessage['headers']; body: string };

/**
 * A local HTTP server started by the test: the stand-in for an OpenAI-compatible provider
 * (chat completions and a realtime SDP endpoint) and for web pages to ingest. The tests have
 * no network, and a real provider's answers are not reproducible; this is the only stand-in.
 */
export async function localServer(handle: (req: Recorded) => { status?: number; type?: string; headers?: Record<string, string>; body: string }) {
  const requests: Recorded[] = [];
  const server: Server = createServer(async (req, res) => {
    const parts: Buffer[] = [];
    for await (const part of req) parts.push(part as Buffer);
    const recorded = { path: req.url ?? '/', headers: req.headers, body: Buffer.concat(parts).toString('utf8') };
    requests.push(recorded);
    const answer = handle(recorded);
    res.writeHead(answer.status ?? 200, { 'content-type': answer.type ?? 'application/json', ...answer.headers });
    res.end(answer.body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { url, requests, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

/** A chat-completions answer in the OpenAI wire format, as the local provider gives it. */
export function completion(content: unknown, usage = { prompt_tokens: 120, completion_tokens: 30 }) {
  return {
    body: JSON.stringify({
      id: 'chatcmpl-test', object: 'chat.completion', created: Math.floor(Date.now() / 1000), model: 'test-model',
      choices: [{ index: 0, finish_reason: 'stop', message: { role: 'assistant', content: typeof content === 'string' ? content : JSON.stringify(content) } }],
      usage: { ...usage, total_tokens: usage.prompt_tokens + usage.completion_tokens },
    }),
  };
}

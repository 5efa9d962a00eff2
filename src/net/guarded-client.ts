import http, { type IncomingHttpHeaders } from 'node:http';
import https from 'node:https';
import { isIP } from 'node:net';
import { guardedAgent, hostOf, isGuardRefusal, resolveTarget, type PrivateAllowList } from './ssrf-guard.ts';

export type OutboundRequest = {
  headers: Record<string, string>;
  body: string;
  /** The whole exchange: resolving, connecting, sending and reading the answer. */
  timeoutMs: number;
  /** The answer's body is read up to this many bytes, then the connection is dropped. */
  maxResponseBytes: number;
  allowPrivate: PrivateAllowList;
  signal?: AbortSignal;
};

export type OutboundResult =
  | { kind: 'response'; status: number; headers: IncomingHttpHeaders; body: string; durationMs: number }
  | { kind: 'error'; error: string; refused: boolean; durationMs: number };

/**
 * POSTs through the SSRF guard: the host is resolved once, every address checked, and the
 * socket opened to the checked address by a filtering agent that checks it again, so DNS
 * rebinding between check and connect gets nowhere. Redirects are never followed (node's
 * http client does not), so a 3xx is answered to the caller as it is. Never throws: every
 * way an exchange can end is a result.
 */
export async function guardedPost(url: string, request: OutboundRequest): Promise<OutboundResult> {
  const result = await exchange('POST', url, request);
  return result.kind === 'response' ? { ...result, body: result.body.toString('utf8') } : result;
}

export type GuardedGet = Omit<OutboundRequest, 'body'>;
export type GuardedGetResult =
  | { kind: 'response'; status: number; headers: IncomingHttpHeaders; body: Buffer; truncated: boolean; durationMs: number }
  | Extract<OutboundResult, { kind: 'error' }>;

/**
 * GETs through the same guard (URL ingest). A 3xx comes back as it is: a caller that follows
 * it calls again with the new URL, so every hop is resolved and checked anew. The body is read
 * up to `maxResponseBytes`; `truncated` says whether there was more.
 */
export function guardedGet(url: string, request: GuardedGet): Promise<GuardedGetResult> {
  return exchange('GET', url, { ...request, body: '' });
}

async function exchange(method: 'GET' | 'POST', url: string, request: OutboundRequest): Promise<GuardedGetResult> {
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  const target = new URL(url);
  const deadline = AbortSignal.timeout(request.timeoutMs);
  const signal = request.signal ? AbortSignal.any([request.signal, deadline]) : deadline;
  const failure = (error: string, refused = false): GuardedGetResult => ({ kind: 'error', error, refused, durationMs: elapsed() });
  const reason = () => (deadline.aborted ? `timed out after ${request.timeoutMs} ms` : 'aborted: the process is shutting down');

  const resolved = await Promise.race([resolveTarget(target, request.allowPrivate), aborted(signal)]);
  if (!resolved) return failure(reason());
  if (!resolved.ok) return failure(`refused: ${resolved.refusal}`, true);

  return new Promise<GuardedGetResult>((resolve) => {
    const host = hostOf(target);
    const req = (target.protocol === 'https:' ? https : http).request({
      protocol: target.protocol,
      host: resolved.address,
      port: target.port || undefined,
      path: `${target.pathname}${target.search}`,
      method,
      agent: guardedAgent(target.protocol, resolved.address, request.allowPrivate),
      // Connected by address: the certificate and the Host header still name the URL's host.
      ...(isIP(host) ? {} : { servername: host }),
      headers: { ...request.headers, host: target.host, ...(method === 'POST' && { 'content-length': String(Buffer.byteLength(request.body)) }) },
      signal,
    });
    req.on('error', (err) => {
      if (signal.aborted) resolve(failure(reason()));
      else if (isGuardRefusal(err)) resolve(failure(`refused at connect time: ${err.message}`, true));
      else resolve(failure(describeNetworkError(err)));
    });
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      const done = () => {
        res.destroy();
        const body = Buffer.concat(chunks).subarray(0, request.maxResponseBytes);
        resolve({ kind: 'response', status: res.statusCode ?? 0, headers: res.headers, body, truncated: size > request.maxResponseBytes, durationMs: elapsed() });
      };
      res.on('data', (chunk: Buffer) => {
        chunks.push(chunk);
        size += chunk.length;
        if (size > request.maxResponseBytes) done();
      });
      res.on('end', done);
      // The status arrived; a body cut short (timeout, reset) still leaves an answer to record.
      res.on('error', done);
      res.on('aborted', done);
    });
    req.end(method === 'POST' ? request.body : undefined);
  });
}

function aborted(signal: AbortSignal): Promise<undefined> {
  return new Promise((resolve) => {
    if (signal.aborted) resolve(undefined);
    signal.addEventListener('abort', () => resolve(undefined), { once: true });
  });
}

function describeNetworkError(err: NodeJS.ErrnoException): string {
  return err.code ? `${err.code}: ${err.message}` : err.message;
}

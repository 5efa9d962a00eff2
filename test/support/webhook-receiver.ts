import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';

export type ReceivedRequest = { headers: IncomingHttpHeaders; body: string; at: number };

/** What the receiver answers to its `n`th request (1-based). */
export type Answer = { status?: number; headers?: Record<string, string>; body?: string; delayMs?: number; hang?: boolean };

export type Receiver = {
  url: string;
  requests: ReceivedRequest[];
  /** Changes how later requests are answered. */
  answer(fn: (n: number, req: ReceivedRequest) => Answer): void;
  /** Resolves with the requests once there are at least `count`; rejects at the deadline. */
  waitFor(count: number, timeoutMs?: number): Promise<ReceivedRequest[]>;
  /** Answers every hanging request with 200 and stops listening. */
  close(): Promise<void>;
};

/** A real HTTP webhook receiver on loopback (the only stubbed external of webhook tests). */
export async function startReceiver(answer: (n: number, req: ReceivedRequest) => Answer = () => ({}), host = '127.0.0.1'): Promise<Receiver> {
  let respond = answer;
  const requests: ReceivedRequest[] = [];
  const hanging = new Set<() => void>();
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const received = { headers: req.headers, body: Buffer.concat(chunks).toString('utf8'), at: Date.now() };
      requests.push(received);
      const a = respond(requests.length, received);
      const send = () => {
        if (res.destroyed) return;
        res.writeHead(a.status ?? 200, a.headers ?? {});
        res.end(a.body ?? '');
      };
      if (a.hang) {
        hanging.add(send);
        return;
      }
      if (a.delayMs) setTimeout(send, a.delayMs);
      else send();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  const { port } = server.address() as { port: number };
  const base = host.includes(':') ? `[${host}]` : host;
  return {
    url: `http://${base}:${port}/hooks`,
    requests,
    answer(fn) { respond = fn; },
    waitFor: (count, timeoutMs = 5000) => waitUntil(() => (requests.length >= count ? requests : undefined), timeoutMs, `${count} requests (got ${requests.length})`),
    async close() {
      for (const send of hanging) send();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Polls `check` until it returns something, or fails after `timeoutMs` naming what it waited for. */
export async function waitUntil<T>(check: () => T | undefined | Promise<T | undefined>, timeoutMs = 5000, what = 'the condition'): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

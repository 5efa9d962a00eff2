import { AsyncLocalStorage } from 'node:async_hooks';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { TestApp } from './test-app.ts';

/** One HTTP request the app answered, with the SQL it sent (every statement is one round trip). */
export type CountedRequest = { method: string; path: string; queries: string[] };

type KnexQuery = { sql: string; __knexQueryUid?: string };

/** The test app or a sibling: the server whose requests are counted, and its database. */
type AppProcess = Pick<TestApp, 'server' | 'deps'>;

/**
 * Runs `send` and reports, per HTTP request the app received meanwhile, the queries that request
 * sent to the database (on either backend: knex emits `query` for each, transactions' BEGIN
 * and COMMIT included). Each request is handled inside its own async context, so queries of
 * background workers and of other requests are not counted; work a request left running after
 * its response (such as a best-effort stamp) is, once it has finished.
 */
export async function countQueries<T>(app: AppProcess, send: () => Promise<T>): Promise<{ result: T; requests: CountedRequest[] }> {
  const scope = new AsyncLocalStorage<CountedRequest>();
  const requests: CountedRequest[] = [];
  const inFlight = new Set<string>();
  const onQuery = (q: KnexQuery) => {
    const counted = scope.getStore();
    if (!counted) return;
    counted.queries.push(q.sql);
    if (q.__knexQueryUid) inFlight.add(q.__knexQueryUid);
  };
  const onDone = (_r: unknown, q: KnexQuery) => q.__knexQueryUid && inFlight.delete(q.__knexQueryUid);
  const { server, deps: { db } } = app;
  const handlers = server.listeners('request') as ((req: IncomingMessage, res: ServerResponse) => void)[];
  const counting = (req: IncomingMessage, res: ServerResponse) => {
    const counted = { method: req.method ?? '', path: (req.url ?? '').split('?')[0], queries: [] };
    requests.push(counted);
    scope.run(counted, () => handlers.forEach((handle) => handle.call(server, req, res)));
  };
  server.removeAllListeners('request').on('request', counting);
  db.on('query', onQuery).on('query-response', onDone).on('query-error', onDone);
  try {
    const result = await send();
    await settled(inFlight);
    return { result, requests };
  } finally {
    db.off('query', onQuery).off('query-response', onDone).off('query-error', onDone);
    server.removeListener('request', counting);
    handlers.forEach((handle) => server.on('request', handle));
  }
}

/** Waits (briefly) for queries a request started but did not wait for. */
async function settled(inFlight: Set<string>): Promise<void> {
  for (let i = 0; i < 100; i++) {
    await new Promise((resolve) => setTimeout(resolve, i === 0 ? 20 : 10));
    if (inFlight.size === 0) return;
  }
}

/** The queries of the one request `send` makes. */
export async function queriesOf<T>(app: AppProcess, send: () => Promise<T>): Promise<{ result: T; queries: string[] }> {
  const { result, requests } = await countQueries(app, send);
  if (requests.length !== 1) throw new Error(`expected one request, the app received ${requests.length}`);
  return { result, queries: requests[0].queries };
}

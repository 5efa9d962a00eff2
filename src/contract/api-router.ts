import Router from '@koa/router';
import { bodyParser } from '@koa/bodyparser';
import type { Context } from 'koa';
import type { Contract } from './contract.ts';
import { apiError } from '../http/api-error.ts';

/** The router name of the fallback below, so request metrics can tell "no route answered" from a route. */
export const UNANSWERED_ROUTE = 'unanswered';

/**
 * The `/api` router: JSON bodies with a size limit, then the areas' routers. A request no
 * area answered is judged against the contract: a known path with another method → 405,
 * a contract operation this release does not serve yet → 501, anything else → 404.
 */
export function apiRouter(contract: Contract, areas: Router[], options: { bodyLimit: string }): Router {
  const api = new Router({ prefix: '/api' });
  // DELETE too: the contract gives some deletions a body (unregistering a device push token).
  api.use(bodyParser({ enableTypes: ['json'], jsonLimit: options.bodyLimit, encoding: 'utf-8', parsedMethods: ['POST', 'PUT', 'PATCH', 'DELETE'] }) as any);
  for (const area of areas) api.use(area.routes());
  const unanswered = unansweredRequest(contract);
  api.all(UNANSWERED_ROUTE, '/{*rest}', unanswered);
  api.all(UNANSWERED_ROUTE, '/', unanswered);
  return api;
}

function unansweredRequest(contract: Contract) {
  const paths = [...contract.operations.values()]
    .filter((op) => op.servedAt.startsWith('/api/'))
    .map((op) => ({ method: op.method, pattern: new RegExp('^' + op.servedAt.replace(/\{\w+\}/g, '[^/]+') + '/?$') }));

  return (ctx: Context) => {
    const matching = paths.filter((p) => p.pattern.test(ctx.path));
    if (!matching.length) throw apiError('NOT_FOUND', 'No such endpoint');
    const allowed = matching.map((p) => p.method);
    if (!allowed.includes(ctx.method)) {
      throw apiError('METHOD_NOT_ALLOWED', `Use ${allowed.join(', ')} on this path`, { headers: { Allow: allowed.join(', ') } });
    }
    throw apiError('NOT_IMPLEMENTED', 'This operation is part of the contract but not available in this release');
  };
}

import Router from '@koa/router';
import type { RouteDeps } from '../deps.ts';
import { operation } from '../contract/operations.ts';
import { reply } from '../http/reply.ts';

export function runtimeRoutes(deps: RouteDeps): Router {
  const router = new Router();
  operation(deps, router, 'getRuntimeHealth', (ctx) => reply<'getRuntimeHealth'>(ctx, 200, undefined, 'ok'));
  return router;
}

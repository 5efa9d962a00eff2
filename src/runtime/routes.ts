import Router from '@koa/router';
import type { AppDeps } from '../deps.ts';
import { operation } from '../contract/operations.ts';
import { reply } from '../http/reply.ts';

export function runtimeRoutes({ contract }: AppDeps): Router {
  const router = new Router();
  operation(router, contract, 'getRuntimeHealth', (ctx) => reply(ctx, 200, undefined, 'ok'));
  return router;
}

import Router from '@koa/router';
import type { Contract } from './contract.ts';

/**
 * The project's contract, as served: `/openapi.json` for SDK generators and API reference
 * tools. It is the document the server validates against, additions included.
 */
export function contractRoutes(contract: Contract): Router {
  const router = new Router();
  const body = JSON.stringify(contract.document);
  router.get('/openapi.json', (ctx) => {
    ctx.type = 'application/json';
    ctx.set('Cache-Control', 'public, max-age=300');
    ctx.body = body;
  });
  return router;
}

import Router from '@koa/router';
import type { Middleware } from 'koa';
import type { AppDeps } from '../deps.ts';
import { operation } from '../contract/operations.ts';
import { reply } from '../http/reply.ts';
import { requireTenant } from '../tenants/tenants.ts';
import { toTenantIdentity } from '../tenants/tenant-identity.ts';
import { requireServerApiKey } from './guard.ts';
import type { ServerApiPrincipal } from './guard.ts';

export function serverApiRoutes({ contract, db }: AppDeps): Router {
  const router = new Router();
  const route = (operationId: string, handler: Middleware) =>
    operation(router, contract, operationId, requireServerApiKey(db, operationId), handler);

  route('getServerApiHealth', (ctx) => reply(ctx, 200, { status: 'ok' }, 'Server API credential is valid'));

  route('getServerTenant', async (ctx) => {
    const { tenantId } = ctx.state.principal as ServerApiPrincipal;
    reply(ctx, 200, { tenant: toTenantIdentity(await requireTenant(db, tenantId)) });
  });
  return router;
}

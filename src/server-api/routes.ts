import Router from '@koa/router';
import type { Middleware } from 'koa';
import type { RouteDeps } from '../deps.ts';
import { operation } from '../contract/operations.ts';
import { reply } from '../http/reply.ts';
import { requireTenant } from '../tenants/tenants.ts';
import { toTenantIdentity } from '../tenants/tenant-identity.ts';
import { serverKeyOf } from './guard.ts';

export function serverApiRoutes(deps: RouteDeps): Router {
  const { db } = deps;
  const router = new Router();
  const route = (operationId: string, handler: Middleware) => operation(deps, router, operationId, handler);

  route('getServerApiHealth', (ctx) => reply<'getServerApiHealth'>(ctx, 200, { status: 'ok' }, 'Server API credential is valid'));

  route('getServerTenant', async (ctx) => {
    reply<'getServerTenant'>(ctx, 200, { tenant: toTenantIdentity(await requireTenant(db, serverKeyOf(ctx).tenantId)) });
  });
  return router;
}

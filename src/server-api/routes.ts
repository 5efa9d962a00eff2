import Router from '@koa/router';
import type { Middleware } from 'koa';
import type { RouteDeps } from '../deps.ts';
import { inputOf, operation } from '../contract/operations.ts';
import { sdkReadiness } from '../developer/developer-settings.ts';
import { tenantActorOf } from '../http/request-actor.ts';
import { mintAccountToken, mintVisitorContextToken } from '../runtime/sdk-tokens.ts';
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

  route('getSdkReadiness', async (ctx) => reply<'getSdkReadiness'>(ctx, 200, await sdkReadiness(db, { realtimeConfigured: Boolean(deps.config.ai.realtimeUrl) }, serverKeyOf(ctx).tenantId)));

  route('createVisitorContextToken', async (ctx) => {
    reply<'createVisitorContextToken'>(ctx, 201, await mintVisitorContextToken(deps, tenantActorOf(ctx), inputOf<'createVisitorContextToken'>(ctx).body));
  });

  route('createAgentToken', async (ctx) => {
    const { agentId, ...rest } = inputOf<'createAgentToken'>(ctx).body;
    reply<'createAgentToken'>(ctx, 201, await mintAccountToken(deps, tenantActorOf(ctx), 'agent', { accountId: agentId, ...rest }));
  });

  route('createAdminToken', async (ctx) => {
    const { adminActorId, ...rest } = inputOf<'createAdminToken'>(ctx).body;
    reply<'createAdminToken'>(ctx, 201, await mintAccountToken(deps, tenantActorOf(ctx), 'admin', { accountId: adminActorId, ...rest }));
  });
  return router;
}

import Router from '@koa/router';
import type { Middleware } from 'koa';
import type { RouteDeps } from '../deps.ts';
import { operation } from '../contract/operations.ts';
import { reply } from '../http/reply.ts';
import { runtimeOf } from '../runtime/runtime-guard.ts';
import {
  getAdminAiReadiness, getAdminDomains, getAdminReadiness, getAdminServices, getAdminStaffSummary, getAdminSubscription, getAdminTenant,
  type AdminReadDeps,
} from './admin-reads.ts';
import { reportOperations } from './report-operations.ts';

/**
 * The Admin SDK (admin runtime tokens from `createAdminToken`; the runtime guard refuses
 * visitor and agent tokens): the workspace's setup, staff, and the same reports as the Server API.
 */
export function adminReportRoutes(deps: RouteDeps): Router {
  const { db } = deps;
  const router = new Router();
  const reads: AdminReadDeps = {
    db, presence: deps.presence, ai: { chatConfigured: deps.config.ai.chat !== undefined, realtimeConfigured: Boolean(deps.config.ai.realtimeUrl) },
  };
  const route = (operationId: string, handler: Middleware) => operation(deps, router, operationId, handler);
  const tenantOf = (ctx: Parameters<Middleware>[0]) => runtimeOf(ctx).tenantId;

  route('getAdminTenant', async (ctx) => {
    reply<'getAdminTenant'>(ctx, 200, await getAdminTenant(db, tenantOf(ctx), runtimeOf(ctx).account!));
  });
  route('getAdminReadiness', async (ctx) => reply<'getAdminReadiness'>(ctx, 200, await getAdminReadiness(reads, tenantOf(ctx))));
  route('getAdminDomains', async (ctx) => reply<'getAdminDomains'>(ctx, 200, await getAdminDomains(db, tenantOf(ctx))));
  route('getAdminServices', async (ctx) => reply<'getAdminServices'>(ctx, 200, await getAdminServices(reads, tenantOf(ctx))));
  route('getAdminSubscription', async (ctx) => reply<'getAdminSubscription'>(ctx, 200, await getAdminSubscription(db, tenantOf(ctx))));
  route('getAdminAiReadiness', async (ctx) => reply<'getAdminAiReadiness'>(ctx, 200, await getAdminAiReadiness(reads, tenantOf(ctx))));
  route('getAdminStaffSummary', async (ctx) => reply<'getAdminStaffSummary'>(ctx, 200, await getAdminStaffSummary(reads, tenantOf(ctx))));

  reportOperations(deps, router, {
    summary: 'getAdminReportSummary', timeseries: 'getAdminReportTimeseries', export: 'exportAdminReport', tenantOf,
  });
  return router;
}

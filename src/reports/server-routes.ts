import Router from '@koa/router';
import type { RouteDeps } from '../deps.ts';
import { serverKeyOf } from '../server-api/guard.ts';
import { reportOperations } from './report-operations.ts';

/** Reports for the customer's backend (Server API key with `server:reports:read`). */
export function serverReportRoutes(deps: RouteDeps): Router {
  const router = new Router();
  reportOperations(deps, router, {
    summary: 'getServerReportSummary', timeseries: 'getServerReportTimeseries', export: 'exportServerReport',
    tenantOf: (ctx) => serverKeyOf(ctx).tenantId,
  });
  return router;
}

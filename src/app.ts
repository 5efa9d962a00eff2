import Koa from 'koa';
import type Router from '@koa/router';
import type { AppDeps, RouteDeps } from './deps.ts';
import { dashboardSchemes } from './auth/guards.ts';
import type { SecuritySchemes } from './contract/security.ts';
import { serverApiKeyScheme } from './server-api/guard.ts';
import { dashboardAuthRoutes } from './auth/routes.ts';
import { apiRouter } from './contract/api-router.ts';
import { contractRoutes } from './contract/contract-routes.ts';
import { createIdentity, type Identity } from './identity/identity.ts';
import type { NodeHandler } from './identity/provider-mount.ts';
import { renderErrors } from './http/render-errors.ts';
import { requestContext } from './http/request-context.ts';
import { securityHeaders } from './http/security-headers.ts';
import { platformAuthRoutes } from './auth/platform-routes.ts';
import { runtimeCors } from './runtime/runtime-cors.ts';
import { runtimeBearerScheme } from './runtime/runtime-guard.ts';
import { runtimeRoutes } from './runtime/routes.ts';
import { serverApiRoutes } from './server-api/routes.ts';
import { developerRoutes } from './developer/routes.ts';
import { webhookRoutes } from './webhooks/routes.ts';
import { contactRoutes } from './contacts/routes.ts';
import { conversationRoutes } from './conversations/routes.ts';
import { callRoutes } from './calls/routes.ts';
import { aiRoutes } from './ai/routes.ts';
import { agentInboxRoutes } from './conversations/agent-routes.ts';
import { agentRoutes } from './agents/routes.ts';
import { planContractRoutes } from './plans/routes.ts';
import { billingRoutes } from './billing/routes.ts';
import { requestMetrics } from './monitoring/request-metrics.ts';
import { monitoringRoutes } from './monitoring/routes.ts';
import { serverReportRoutes } from './reports/server-routes.ts';
import { adminReportRoutes } from './reports/admin-routes.ts';

/** The composed app, and the security schemes its operations are guarded with. */
export type App = { koa: Koa; schemes: SecuritySchemes; handle: NodeHandler };

/** The `/api` areas, one router each; every route in them is a contract operation. */
export function apiAreas(deps: RouteDeps): Router[] {
  return [
    runtimeRoutes(deps), dashboardAuthRoutes(deps), platformAuthRoutes(deps), serverApiRoutes(deps), contactRoutes(deps), webhookRoutes(deps), developerRoutes(deps), planContractRoutes(deps), billingRoutes(deps),
    conversationRoutes(deps), callRoutes(deps), agentRoutes(deps), agentInboxRoutes(deps), aiRoutes(deps),
    serverReportRoutes(deps), adminReportRoutes(deps),
  ];
}

/** How each of the contract's security schemes is checked: the one registry every operation's guard comes from. */
export function securitySchemes(deps: AppDeps, identity: Pick<Identity, 'schemes'>): SecuritySchemes {
  return Object.freeze({
    ...dashboardSchemes(deps), ServerApiKey: serverApiKeyScheme(deps.db), RuntimeBearer: runtimeBearerScheme(deps, deps.presence.heartbeat), ...identity.schemes,
  });
}

/** Composes middleware, the identity provider and the `/api` routers; nothing else. */
export async function createApp(deps: AppDeps): Promise<App> {
  const app = new Koa({ proxy: deps.config.trustProxy });
  app.silent = true; // errors are logged by renderErrors with the request id

  // What every request runs first; oidc-provider's paths run it in the provider's own app (identity).
  const edge = [requestMetrics(deps.metrics), requestContext(deps.logger), securityHeaders];
  for (const middleware of edge) app.use(middleware);
  app.use(renderErrors);
  app.use(monitoringRoutes(deps).routes());

  // Login with Ringnity's pages and tenant endpoints come before the /api routers.
  const identity = await createIdentity(deps, edge);
  const schemes = securitySchemes(deps, identity);
  for (const middleware of identity.middleware(schemes)) app.use(middleware);
  app.on('close', identity.stop);

  app.use(runtimeCors(deps.db));
  const api = apiRouter(deps.contract, apiAreas({ ...deps, schemes }), { bodyLimit: deps.config.bodyLimit });
  app.use(api.routes());
  app.use(contractRoutes(deps.contract).routes());
  return { koa: app, schemes, handle: identity.dispatch(app.callback()) };
}

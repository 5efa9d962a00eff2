import Router from '@koa/router';
import { requireRoles } from '../auth/guards.ts';
import { inputOf, operation } from '../contract/operations.ts';
import type { RouteDeps } from '../deps.ts';
import { reply } from '../http/reply.ts';
import { actorOf } from '../http/request-actor.ts';
import { getPlatformPlanContracts, updatePlatformPlanContracts } from './plan-contracts.ts';

/** The platform console's plan contracts (README "Platform administration"): support reads, admins and owners write. */
export function planContractRoutes(deps: RouteDeps): Router {
  const { db } = deps;
  const router = new Router();
  operation(deps, router, 'getPlatformPlanContracts', requireRoles('platform_owner', 'platform_admin', 'platform_support'), async (ctx) => {
    reply<'getPlatformPlanContracts'>(ctx, 200, await getPlatformPlanContracts(db));
  });
  operation(deps, router, 'updatePlatformPlanContracts', requireRoles('platform_owner', 'platform_admin'), async (ctx) => {
    const { body } = inputOf<'updatePlatformPlanContracts'>(ctx);
    reply<'updatePlatformPlanContracts'>(ctx, 200, await updatePlatformPlanContracts(db, actorOf(ctx), body), 'Plan contracts updated');
  });
  return router;
}

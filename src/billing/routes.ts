import Router from '@koa/router';
import type { Middleware } from 'koa';
import { requireRoles } from '../auth/guards.ts';
import { inputOf, operation, type InputPolicy } from '../contract/operations.ts';
import type { RouteDeps } from '../deps.ts';
import { reply } from '../http/reply.ts';
import { actorOf } from '../http/request-actor.ts';
import { getPlatformAiBalance } from './ai-balance-overview.ts';
import { getPlatformAiPricing, pricingProblems, updatePlatformAiPricing } from './ai-pricing.ts';
import { settingsProblems, topUpPlatformAiBalance, topUpProblems, updatePlatformAiBalanceTenantSettings } from './balances.ts';

/** The platform console's AI pricing and balances (README "Platform administration"): support reads, admins and owners write. */
export function billingRoutes(deps: RouteDeps): Router {
  const { db } = deps;
  const router = new Router();
  const reads = requireRoles('platform_owner', 'platform_admin', 'platform_support');
  const writes = requireRoles('platform_owner', 'platform_admin');
  const route = (operationId: string, role: Middleware, handler: Middleware, rules?: InputPolicy['rules']) =>
    operation({ ...deps, input: { rules } }, router, operationId, role, handler);

  route('getPlatformAiPricing', reads, async (ctx) => {
    reply<'getPlatformAiPricing'>(ctx, 200, await getPlatformAiPricing(db));
  });
  route('updatePlatformAiPricing', writes, async (ctx) => {
    const { body } = inputOf<'updatePlatformAiPricing'>(ctx);
    reply<'updatePlatformAiPricing'>(ctx, 200, await updatePlatformAiPricing(db, actorOf(ctx), body), 'AI pricing updated');
  }, ({ body }) => pricingProblems(body));

  route('getPlatformAiBalance', reads, async (ctx) => {
    reply<'getPlatformAiBalance'>(ctx, 200, await getPlatformAiBalance(db));
  });
  route('topUpPlatformAiBalance', writes, async (ctx) => {
    const { params, body } = inputOf<'topUpPlatformAiBalance'>(ctx);
    const { replayed, ...result } = await topUpPlatformAiBalance(db, actorOf(ctx), params.clientId, body, ctx.get('idempotency-key') || undefined);
    if (replayed) ctx.set('Idempotent-Replayed', 'true');
    reply<'topUpPlatformAiBalance'>(ctx, 200, result, replayed ? 'Top-up already applied with this Idempotency-Key' : 'Top-up applied');
  }, ({ body }) => topUpProblems(body));
  route('updatePlatformAiBalanceTenantSettings', writes, async (ctx) => {
    const { params, body } = inputOf<'updatePlatformAiBalanceTenantSettings'>(ctx);
    reply<'updatePlatformAiBalanceTenantSettings'>(ctx, 200,
      await updatePlatformAiBalanceTenantSettings(db, actorOf(ctx), params.clientId, body), 'AI balance settings updated');
  }, ({ body }) => settingsProblems(body));
  return router;
}

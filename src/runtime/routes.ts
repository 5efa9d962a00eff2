import Router from '@koa/router';
import type { RouteDeps } from '../deps.ts';
import { inputOf, operation } from '../contract/operations.ts';
import { reply } from '../http/reply.ts';
import { registerDevicePushToken, unregisterDevicePushToken, type UnregisterInput } from './device-tokens.ts';
import { runtimeLimits } from './rate-limits.ts';
import { allowCorsOrigin } from './runtime-cors.ts';
import { runtimeOf } from './runtime-guard.ts';
import { bootstrapRuntime, createRuntimeSession, runtimeCallerOf } from './runtime-sessions.ts';

export function runtimeRoutes(deps: RouteDeps): Router {
  const router = new Router();
  const limits = runtimeLimits(deps.db, deps.config.runtimeLimits);

  operation(deps, router, 'getRuntimeHealth', (ctx) => reply<'getRuntimeHealth'>(ctx, 200, undefined, 'ok'));

  operation(deps, router, 'bootstrapRuntime', async (ctx) => {
    const { query } = inputOf<'bootstrapRuntime'>(ctx);
    await limits.bootstrap(ctx.ip);
    const { origin, bootstrap } = await bootstrapRuntime(deps, query, runtimeCallerOf(ctx), query.debug === true);
    allowCorsOrigin(ctx, origin);
    ctx.vary('Origin');
    // Answered on every page view: browsers and CDNs may reuse it briefly; diagnostics never.
    ctx.set('Cache-Control', query.debug ? 'no-store' : 'public, max-age=60');
    reply<'bootstrapRuntime'>(ctx, 200, bootstrap);
  });

  operation(deps, router, 'createRuntimeSession', async (ctx) => {
    const { body } = inputOf<'createRuntimeSession'>(ctx);
    const { origin, session } = await createRuntimeSession(deps, limits, body, runtimeCallerOf(ctx));
    allowCorsOrigin(ctx, origin);
    ctx.set('Cache-Control', 'no-store');
    reply<'createRuntimeSession'>(ctx, 201, session);
  });

  operation(deps, router, 'registerDevicePushToken', async (ctx) => {
    const device = await registerDevicePushToken(deps.db, runtimeOf(ctx).token, inputOf<'registerDevicePushToken'>(ctx).body);
    reply<'registerDevicePushToken'>(ctx, 201, { device });
  });

  operation(deps, router, 'unregisterDevicePushToken', async (ctx) => {
    const disabled = await unregisterDevicePushToken(deps.db, runtimeOf(ctx).token, inputOf<'unregisterDevicePushToken'>(ctx).body as UnregisterInput);
    reply<'unregisterDevicePushToken'>(ctx, 200, { disabled });
  });
  return router;
}

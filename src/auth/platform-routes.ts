import Router from '@koa/router';
import { requestMeta } from '../http/request-meta.ts';
import { inputOf, operation } from '../contract/operations.ts';
import type { RouteDeps } from '../deps.ts';
import { reply } from '../http/reply.ts';
import { loginPlatformAdmin, refreshPlatformAdminSession } from './platform-sessions.ts';

/** Platform console sign-in (`/platform/auth/*`); the console's other operations guard with PlatformBearer. */
export function platformAuthRoutes(deps: RouteDeps): Router {
  const router = new Router();
  const { checkPassword } = deps;

  operation(deps, router, 'loginPlatformAdmin', async (ctx) => {
    const { body } = inputOf<'loginPlatformAdmin'>(ctx);
    reply<'loginPlatformAdmin'>(ctx, 200, await loginPlatformAdmin(deps, checkPassword, body, requestMeta(ctx)));
  });
  operation(deps, router, 'refreshPlatformAdminSession', async (ctx) => {
    const { body } = inputOf<'refreshPlatformAdminSession'>(ctx);
    reply<'refreshPlatformAdminSession'>(ctx, 200, await refreshPlatformAdminSession(deps, body.refreshToken, requestMeta(ctx)));
  });
  return router;
}

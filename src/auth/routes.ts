import Router from '@koa/router';
import { inputOf, operation } from '../contract/operations.ts';
import type { RouteDeps } from '../deps.ts';
import { ApiError, apiError } from '../http/api-error.ts';
import { reply } from '../http/reply.ts';
import { createWorkspaceEntryToken } from './entry-tokens.ts';
import { createGoogleVerifier } from './google-identity.ts';
import { ownerOf } from './guards.ts';
import { bearerTokenOf } from '../http/bearer.ts';
import { logout } from './logout.ts';
import { clearOwnerRefreshCookie, ownerRefreshCookie, setOwnerRefreshCookie } from './owner-cookie.ts';
import { loginOwnerWithGoogle } from './owner-google-login.ts';
import { getOwnerSession, loginOwner, refreshOwnerSession } from './owner-sessions.ts';
import { requestMeta } from '../http/request-meta.ts';
import { workspaceSlugOf } from '../tenants/workspace-address.ts';
import { autoLoginWorkspace, loginWorkspace, refreshWorkspaceSession } from './workspace-sessions.ts';

type RefreshBody = { refreshToken?: string };

const missingRefreshToken = (where: string) => apiError('VALIDATION_FAILED', `Send the refresh token ${where}`, { details: ['refreshToken is required'] });

/** The "Dashboard Auth" operations: owner (ringnity.com) and workspace ({slug} subdomain) sessions. */
export function dashboardAuthRoutes(deps: RouteDeps): Router {
  const router = new Router();
  const { checkPassword } = deps;
  const verifyGoogle = createGoogleVerifier(deps.config);

  operation(deps, router, 'loginOwner', async (ctx) => {
    const { body } = inputOf<'loginOwner'>(ctx);
    const session = await loginOwner(deps, checkPassword, body, requestMeta(ctx));
    setOwnerRefreshCookie(ctx, session.refreshToken);
    reply<'loginOwner'>(ctx, 200, session);
  });

  operation(deps, router, 'loginOwnerWithGoogle', async (ctx) => {
    const { body } = inputOf<'loginOwnerWithGoogle'>(ctx);
    const result = await loginOwnerWithGoogle(deps, verifyGoogle, body.idToken, requestMeta(ctx));
    if (!result.requiresRegistration) setOwnerRefreshCookie(ctx, result.refreshToken);
    reply<'loginOwnerWithGoogle'>(ctx, 200, result);
  });

  operation(deps, router, 'getOwnerSession', async (ctx) => {
    reply<'getOwnerSession'>(ctx, 200, await getOwnerSession(deps.db, deps.config, ownerOf(ctx)));
  });

  operation(deps, router, 'refreshOwnerSession', async (ctx) => {
    const { body } = inputOf<'refreshOwnerSession'>(ctx);
    // A trusted client's explicit body token wins; browsers send the cookie.
    const token = body.refreshToken || ownerRefreshCookie(ctx);
    if (!token) throw missingRefreshToken('in the ownerRefreshToken cookie or as body refreshToken');
    const pair = await refreshOwnerSession(deps, token, requestMeta(ctx)).catch((err) => {
      // A dead cookie would only fail again: drop it so the dashboard goes to its login page.
      if (!body.refreshToken && err instanceof ApiError && err.status === 401) clearOwnerRefreshCookie(ctx);
      throw err;
    });
    setOwnerRefreshCookie(ctx, pair.refreshToken);
    reply<'refreshOwnerSession'>(ctx, 200, pair);
  });

  operation(deps, router, 'logoutOwner', async (ctx) => {
    const { body } = inputOf<'logoutOwner'>(ctx);
    await logout(deps, 'owner', {
      refreshToken: bodyToken(body) ?? ownerRefreshCookie(ctx), accessToken: bearerTokenOf(ctx),
    }, requestMeta(ctx));
    clearOwnerRefreshCookie(ctx);
    reply<'logoutOwner'>(ctx, 200, undefined, 'Logged out');
  });

  operation(deps, router, 'createWorkspaceEntryToken', async (ctx) => {
    reply<'createWorkspaceEntryToken'>(ctx, 200, await createWorkspaceEntryToken(deps, ownerOf(ctx), requestMeta(ctx)));
  });

  operation(deps, router, 'loginWorkspace', async (ctx) => {
    const { body } = inputOf<'loginWorkspace'>(ctx);
    const tenantSlug = workspaceSlugOf(deps.config, { host: ctx.host, bodySlug: body.slug, header: ctx.get('x-ringnity-tenant') });
    reply<'loginWorkspace'>(ctx, 200, await loginWorkspace(deps, checkPassword, { tenantSlug, username: body.username, password: body.password }, requestMeta(ctx)));
  });

  operation(deps, router, 'autoLoginWorkspace', async (ctx) => {
    const { query } = inputOf<'autoLoginWorkspace'>(ctx);
    reply(ctx, 200, await autoLoginWorkspace(deps, query.token, requestMeta(ctx)));
  });

  operation(deps, router, 'refreshWorkspaceSession', async (ctx) => {
    const { body } = inputOf<'refreshWorkspaceSession'>(ctx);
    if (!body.refreshToken) throw missingRefreshToken('as body refreshToken');
    reply<'refreshWorkspaceSession'>(ctx, 200, await refreshWorkspaceSession(deps, body.refreshToken, requestMeta(ctx)));
  });

  operation(deps, router, 'logoutWorkspace', async (ctx) => {
    const { body } = inputOf<'logoutWorkspace'>(ctx);
    await logout(deps, 'workspace', { refreshToken: bodyToken(body), accessToken: bearerTokenOf(ctx) }, requestMeta(ctx));
    reply<'logoutWorkspace'>(ctx, 200, undefined, 'Logged out');
  });

  return router;
}

/** logout bodies are optional and never rejected: a logout always succeeds. */
const bodyToken = (body: unknown): string | undefined => {
  const token = (body as RefreshBody | undefined)?.refreshToken;
  return typeof token === 'string' && token ? token : undefined;
};

import type { Context, Middleware } from 'koa';
import { UNANSWERED_ROUTE } from '../contract/api-router.ts';
import { OIDC_ROUTES } from '../identity/provider.ts';
import { DISCOVERY_PATHS, servedByProvider } from '../identity/provider-mount.ts';
import type { Metrics } from './metrics.ts';

/** oidc-provider's fixed endpoint paths name themselves; its other paths carry ids (`/oauth/authorize/:uid`). */
const OIDC_ENDPOINTS = new Set<string>([...DISCOVERY_PATHS, ...Object.values(OIDC_ROUTES)]);

type RoutedContext = Context & { _matchedRoute?: string; _matchedRouteName?: string };

/**
 * The `route` label: the matched route's template (`/api/server/webhooks/:id`), an OIDC
 * endpoint, `oidc` or `unmatched`. Never the raw path: ids and garbage paths would make a
 * new time series each.
 */
export function routeLabel(ctx: RoutedContext): string {
  if (ctx._matchedRoute && ctx._matchedRouteName !== UNANSWERED_ROUTE) return ctx._matchedRoute;
  if (servedByProvider(ctx.path)) return OIDC_ENDPOINTS.has(ctx.path) ? ctx.path : 'oidc';
  return 'unmatched';
}

/** Times every request, the provider's too (it answers on ctx.res; its promise ends when it has). */
export function requestMetrics(metrics: Pick<Metrics, 'requestDuration'>): Middleware {
  return async function observeRequest(ctx, next) {
    const end = metrics.requestDuration.startTimer();
    try {
      await next();
    } finally {
      end({ method: ctx.method, route: routeLabel(ctx), status: String(ctx.status) });
    }
  };
}

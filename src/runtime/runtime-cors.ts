import type { Context, Middleware, Next } from 'koa';
import type { Db } from '../db/database.ts';
import { apiError } from '../http/api-error.ts';
import { isDomainAllowed } from '../tenants/allowed-domains.ts';
import { originDomain } from '../tenants/domains.ts';

/** Where browsers call the runtime from customer sites (the dashboard's /api/sdk/developer is not among them). */
const RUNTIME_PATHS = ['/api/sdk/health', '/api/sdk/bootstrap', '/api/sdk/session', '/api/sdk/devices/', '/api/chat/', '/api/calls/', '/api/ai/', '/api/agent-sdk/', '/api/admin-sdk/'];

/** The refusal of a browser origin its workspace does not allow (by domain, when it has one). */
export const originNotAllowed = (origin: string, domain: string | undefined) =>
  apiError('SDK_ORIGIN_NOT_ALLOWED', `${domain ?? origin} is not an allowed domain of this workspace`);

/**
 * Lets the page at the request's Origin read this answer. Called by whoever checked the
 * origin against a tenant: bootstrap and session creation (the tenant's allowed domains) and
 * the runtime guard (the origin the session was created for).
 */
export function allowCorsOrigin(ctx: Context, origin: string | undefined): void {
  if (origin && ctx.get('origin') === origin) ctx.state.corsOrigin = origin;
}

/**
 * CORS for the runtime. A preflight names no tenant, so it is answered for origins some active
 * tenant allows; the request itself is then checked against its own tenant, and only an answer
 * whose origin passed that check carries `Access-Control-Allow-Origin`.
 */
export function runtimeCors(db: Db): Middleware {
  return async (ctx: Context, next: Next) => {
    const origin = ctx.get('origin');
    if (!origin || !RUNTIME_PATHS.some((p) => ctx.path.startsWith(p))) return next();
    ctx.vary('Origin');
    if (ctx.method === 'OPTIONS' && ctx.get('access-control-request-method')) {
      const domain = originDomain(origin);
      if (!domain || !await isDomainAllowed(db, domain)) {
        throw apiError('SDK_ORIGIN_NOT_ALLOWED', 'This origin is not an allowed domain of any workspace');
      }
      ctx.set({
        'Access-Control-Allow-Origin': origin,
        'Access-Control-Allow-Methods': 'GET, POST, PATCH, DELETE',
        'Access-Control-Allow-Headers': 'Content-Type, X-Ringnity-SDK-Session, X-Request-Id',
        'Access-Control-Max-Age': '600',
      });
      ctx.status = 204;
      return;
    }
    try {
      await next();
    } finally {
      if (ctx.state.corsOrigin === origin) {
        ctx.set('Access-Control-Allow-Origin', origin);
        ctx.set('Access-Control-Expose-Headers', 'Retry-After, X-Request-Id');
      }
    }
  };
}

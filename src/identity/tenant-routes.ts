import Router from '@koa/router';
import { bodyParser } from '@koa/bodyparser';
import type { Context, Middleware, Next } from 'koa';
import { inputOf, operation, type OperationDeps } from '../contract/operations.ts';
import { ApiError } from '../http/api-error.ts';
import type { Config } from '../config.ts';
import { dashboardUrl } from '../tenants/workspace-address.ts';
import type { Db } from '../db/database.ts';
import { isDatabaseUnavailable } from '../db/errors.ts';
import { addAllowedDomainWithinQuota, allowedDomainSummary, type AllowedDomainSummary } from '../tenants/allowed-domains.ts';
import { normalizeDomain } from '../tenants/domains.ts';
import type { Tenant } from '../tenants/tenant.ts';
import { findTenantById } from '../tenants/tenants.ts';
import { BearerError, oauthCallerOf, requireOAuthScope } from './oauth-bearer.ts';
import { answerTemporarilyUnavailable, oauthErrorBody } from './oauth-errors.ts';

export type TenantRouteDeps = OperationDeps & { config: Config; db: Db };

/**
 * The contract's OAuth tenant endpoints: what a Login with Ringnity app (e.g. the WordPress
 * plugin) may read and change about the signed-in user's tenant with its access token.
 */
export function oauthTenantRoutes(deps: TenantRouteDeps): Router {
  const router = new Router();
  // Ahead of every route's guard and body parser, so their errors are OAuthError too.
  router.use(oauthErrors);

  operation(deps, router, 'getRingnityOAuthWidgetKey', requireOAuthScope('developer.read', 'sdk.keys.read'), async (ctx) => {
    const tenant = await callerTenant(ctx, deps.db);
    ctx.set('Cache-Control', 'no-store');
    ctx.body = { success: true, data: widgetKeyData(deps.config, tenant, await allowedDomainSummary(deps.db, tenant)) };
  });

  const parseBody = bodyParser({ enableTypes: ['json'], jsonLimit: '4kb', encoding: 'utf-8' }) as Middleware;
  operation(deps, router, 'addRingnityOAuthAllowedDomain', requireOAuthScope('tenant.domains.write'), parseBody, async (ctx) => {
    const tenant = await callerTenant(ctx, deps.db);
    const normalized = normalizeDomain(inputOf<'addRingnityOAuthAllowedDomain'>(ctx).body.domain);
    if ('problem' in normalized) {
      ctx.status = 400;
      ctx.body = oauthErrorBody('invalid_request', normalized.problem);
      return;
    }
    const result = await addAllowedDomainWithinQuota(deps.db, tenant, normalized.domain);
    if (result.kind === 'quota_exceeded') {
      ctx.status = 409;
      ctx.body = oauthErrorBody('quota_exceeded', `the plan allows ${result.summary.allowedDomainsLimit} allowed domains; remove one in the dashboard first`);
      return;
    }
    ctx.set('Cache-Control', 'no-store');
    ctx.body = {
      success: true,
      data: {
        ...widgetKeyData(deps.config, tenant, result.summary),
        domain: normalized.domain, domainAdded: result.kind === 'added', domainAlreadyAllowed: result.kind === 'already_allowed',
      },
    };
  });
  return router;
}

async function callerTenant(ctx: Context, db: Db): Promise<Tenant> {
  const tenant = await findTenantById(db, oauthCallerOf(ctx).tenantId);
  if (!tenant?.active) throw new BearerError(401, 'invalid_token', 'the tenant of this token is not active');
  return tenant;
}

function widgetKeyData(config: Config, tenant: Tenant, summary: AllowedDomainSummary) {
  return {
    tenantId: tenant.id, tenantSlug: tenant.slug, publicWidgetKey: tenant.publicKey, ...summary,
    dashboardDeveloperUrl: `${dashboardUrl(config, tenant.slug)}/developer`,
  };
}

/** OAuth endpoints answer OAuthError (RFC 6750 §3 for bearer problems), never the /api envelope. */
async function oauthErrors(ctx: Context, next: Next) {
  try {
    await next();
  } catch (err) {
    if (err instanceof BearerError) {
      ctx.status = err.status;
      ctx.set('WWW-Authenticate', `Bearer realm="ringnity", error="${err.error}", error_description="${err.description}"${err.scope ? `, scope="${err.scope}"` : ''}`);
      ctx.body = oauthErrorBody(err.error, err.description);
      return;
    }
    const e = err as { status?: number; statusCode?: number; expose?: boolean; message?: string };
    if (isDatabaseUnavailable(err) || e.statusCode === 503) return answerTemporarilyUnavailable(ctx);
    if (err instanceof ApiError && err.code === 'VALIDATION_FAILED') {
      ctx.status = 400;
      ctx.body = oauthErrorBody('invalid_request', err.details?.join('; ') ?? err.message);
      return;
    }
    const status = e.status ?? e.statusCode ?? 500;
    if (status >= 400 && status < 500) {
      // Body parser errors (malformed JSON carries a 400 status without `expose`), too large, wrong content type.
      ctx.status = status === 413 ? 413 : 400;
      ctx.body = oauthErrorBody('invalid_request', status === 413 ? 'the request body is too large' : 'send a JSON body {"domain": "..."}');
      return;
    }
    throw err;
  }
}

import { createHmac } from 'node:crypto';
import Router from '@koa/router';
import { bodyParser } from '@koa/bodyparser';
import type { Context, Next } from 'koa';
import type Provider from 'oidc-provider';
import type { Db } from '../db/database.ts';
import { isDatabaseUnavailable } from '../db/errors.ts';
import { sameSecret } from '../secrets.ts';
import type { Tenant } from '../tenants/tenant.ts';
import type { ClientRegistryCache } from './client-registry-cache.ts';
import type { AttemptLogin } from './login.ts';
import type { ProviderHolder } from './provider-holder.ts';
import { findScope } from '../oauth-clients/scopes.ts';
import { rememberConsent } from './consents.ts';
import { claimsAllowedFor, requestedClaims } from './requested-claims.ts';
import { renderSignInUnavailable, renderView } from './views.ts';

type Interaction = Awaited<ReturnType<Provider['interactionDetails']>>;
type Page = {
  interaction: Interaction; provider: Provider; tenant: Tenant; clientName: string; csrf: string;
  /** The claims this client may ask for by name (the `claims` parameter). */
  allowedClaims: Set<string>;
};

export type InteractionDeps = { db: Db; holder: ProviderHolder; clientRegistry: ClientRegistryCache; attemptLogin: AttemptLogin; csrfKey: string };

/**
 * The login and consent pages at /interaction/:uid. CSRF: oidc-provider's interaction
 * cookie (SameSite=Lax, so absent from cross-site POSTs) plus a form token bound to it.
 * Every redirect goes to oidc-provider's own resume URL, never to a URL from the request.
 */
export function interactionRoutes(deps: InteractionDeps): Router {
  const router = new Router({ prefix: '/interaction/:uid' });
  router.use(htmlErrors);
  const form = bodyParser({ enableTypes: ['form'], formLimit: '16kb' }) as any;

  router.get('/', async (ctx) => {
    const page = await loadPage(ctx, deps);
    const { prompt } = page.interaction;
    if (prompt.name === 'login') return renderLogin(ctx, page);
    if (prompt.name === 'consent') return renderConsent(ctx, page);
    return renderView(ctx, 'error', { title: 'Sign-in problem', error: 'invalid_request', description: 'Unknown sign-in step' }, 400);
  });

  router.post('/login', form, async (ctx) => {
    const page = await loadPage(ctx, deps, { checkCsrf: true });
    if (page.interaction.prompt.name !== 'login') return restart(ctx, page);
    const body = ctx.request.body as Record<string, string | undefined>;
    const login = typeof body.login === 'string' ? body.login.slice(0, 254) : '';
    const outcome = await deps.attemptLogin({
      tenantId: page.tenant.id, clientId: String(page.interaction.params.client_id), login,
      password: typeof body.password === 'string' ? body.password.slice(0, 1024) : '', ip: ctx.ip, userAgent: ctx.get('user-agent'),
    });
    switch (outcome.kind) {
      case 'success':
        return finish(ctx, page, { login: { accountId: outcome.accountId } }, { mergeWithLastSubmission: false });
      case 'other_tenant':
        return finish(ctx, page, { error: 'access_denied', error_description: 'this account cannot sign in to this application' });
      case 'locked':
        ctx.set('Retry-After', String(outcome.retryAfterSeconds));
        return renderLogin(ctx, page, { login, status: 429, error: `Too many sign-in attempts. Try again in ${Math.ceil(outcome.retryAfterSeconds / 60)} minute(s).` });
      default:
        return renderLogin(ctx, page, { login, status: 401, error: 'Incorrect email, username or password.' });
    }
  });

  router.post('/confirm', form, async (ctx) => {
    const page = await loadPage(ctx, deps, { checkCsrf: true });
    const { prompt, params, session, grantId } = page.interaction;
    if (prompt.name !== 'consent' || !session?.accountId) return restart(ctx, page);
    const missing = prompt.details as { missingOIDCScope?: string[]; missingOIDCClaims?: string[]; missingResourceScopes?: Record<string, string[]> };
    const grant = grantId
      ? await page.provider.Grant.find(grantId)
      : new page.provider.Grant({ accountId: session.accountId, clientId: String(params.client_id) });
    if (!grant) return restart(ctx, page);
    if (missing.missingOIDCScope?.length) grant.addOIDCScope(missing.missingOIDCScope.join(' '));
    // Claims asked for by name are granted only when the client's scopes may release them;
    // the rest are recorded as refused, so the provider neither releases nor asks for them again.
    const claims = missing.missingOIDCClaims ?? [];
    const granted = claims.filter((claim) => page.allowedClaims.has(claim));
    if (granted.length) grant.addOIDCClaims(granted);
    if (granted.length < claims.length) grant.rejectOIDCClaims(claims.filter((claim) => !page.allowedClaims.has(claim)));
    for (const [indicator, scopes] of Object.entries(missing.missingResourceScopes ?? {})) grant.addResourceScope(indicator, scopes.join(' '));
    const savedGrantId = await grant.save();
    await rememberConsent(deps.db, {
      tenantId: page.tenant.id, clientId: grant.clientId!, accountId: session.accountId,
      scopes: grant.getOIDCScope().split(' ').filter(Boolean), claims: grant.getOIDCClaims(),
    });
    return finish(ctx, page, { consent: { grantId: savedGrantId } }, { mergeWithLastSubmission: true });
  });

  router.post('/abort', form, async (ctx) => {
    const page = await loadPage(ctx, deps, { checkCsrf: true });
    return finish(ctx, page, { error: 'access_denied', error_description: 'the user did not allow access' });
  });

  return router;
}

async function loadPage(ctx: Context, deps: InteractionDeps, options: { checkCsrf?: boolean } = {}): Promise<Page> {
  const { provider } = await deps.holder.current();
  const interaction = await provider.interactionDetails(ctx.req, ctx.res);
  if (interaction.uid !== ctx.params.uid) throw new PageError(400, 'This sign-in link is not valid any more. Start again from the application.');
  const csrf = createHmac('sha256', deps.csrfKey).update(interaction.jti).digest('base64url');
  if (options.checkCsrf) {
    const sent = (ctx.request.body as Record<string, unknown> | undefined)?.csrf;
    if (typeof sent !== 'string' || !sameSecret(sent, csrf)) throw new PageError(403, 'The form expired or was not sent from this page. Start again from the application.');
  }
  const client = await deps.clientRegistry.activeClient(String(interaction.params.client_id));
  const tenant = client && await deps.clientRegistry.tenant(client.tenantId);
  if (!client || !tenant?.active) throw new PageError(400, 'This application is not available any more.');
  return { interaction, provider, tenant, clientName: client.name, csrf, allowedClaims: claimsAllowedFor(client.allowedScopes) };
}

function renderLogin(ctx: Context, page: Page, state: { login?: string; error?: string; status?: number } = {}) {
  const hint = page.interaction.params.login_hint;
  return renderView(ctx, 'login', {
    ...common(page),
    login: state.login ?? (typeof hint === 'string' ? hint : ''),
    error: state.error ?? null,
  }, state.status ?? 200);
}

function renderConsent(ctx: Context, page: Page) {
  const requested = String(page.interaction.params.scope ?? '').split(' ').filter(Boolean);
  const scopes = requested.map((scope) => findScope(scope)).filter((s) => s !== undefined);
  // What the client names with the claims parameter, the ones it needs (essential) marked.
  const claims = requestedClaims(page.interaction.params.claims).filter((c) => page.allowedClaims.has(c.claim));
  return renderView(ctx, 'consent', { ...common(page), scopes, claims });
}

const common = (page: Page) => ({
  uid: page.interaction.uid, csrf: page.csrf, clientName: page.clientName,
  tenantName: page.tenant.name, logoUrl: page.tenant.logoUrl?.startsWith('https://') ? page.tenant.logoUrl : null,
});

/**
 * oidc-provider's interactionResult, on the interaction this request has read and checked
 * (loadPage): the library's own would read it and its session again, two round trips per step.
 */
async function finish(ctx: Context, page: Page, result: Record<string, unknown>, { mergeWithLastSubmission = true } = {}) {
  const { interaction } = page;
  interaction.result = mergeWithLastSubmission && !('error' in result) ? { ...interaction.lastSubmission, ...result } : result;
  await interaction.save(interaction.exp - Math.floor(Date.now() / 1000));
  ctx.redirect(interaction.returnTo);
  ctx.status = 303; // the browser must follow with GET
}

/** A form for a step that is already done (e.g. a second tab): go back through the provider. */
async function restart(ctx: Context, page: Page) {
  ctx.redirect(page.provider.urlFor('authorization') + '/' + page.interaction.uid);
  ctx.status = 303;
}

class PageError extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
  }
}

/** These are browser pages: errors render the HTML error page, never a JSON envelope or a stack. */
async function htmlErrors(ctx: Context, next: Next) {
  try {
    await next();
  } catch (err) {
    const e = err as { status?: number; statusCode?: number; expose?: boolean; error_description?: string; message: string };
    if (err instanceof PageError) {
      return renderView(ctx, 'error', { title: 'Sign-in problem', error: null, description: err.message }, err.status);
    }
    if (isDatabaseUnavailable(err) || e.statusCode === 503) return renderSignInUnavailable(ctx);
    if (e.expose && (e.statusCode ?? e.status ?? 500) < 500) {
      // SessionNotFound and friends: the interaction cookie is missing or expired.
      return renderView(ctx, 'error', { title: 'Sign-in problem', error: null, description: 'Your sign-in session expired or cookies are blocked. Start again from the application.' }, 400);
    }
    throw err;
  }
}

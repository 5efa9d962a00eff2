import type { ServerResponse } from 'node:http';
import type { Middleware } from 'koa';
import Provider, { errors, type Configuration, type KoaContextWithOIDC } from 'oidc-provider';
import type { Db } from '../db/database.ts';
import type { Config } from '../config.ts';
import type { Logger } from '../logger.ts';
import type { Metrics } from '../monitoring/metrics.ts';
import type { clientUseRecorder } from '../oauth-clients/oauth-clients.ts';
import { hashSecret, sameSecret } from '../secrets.ts';
import { createAdapterFactory, type AdapterCaches } from './adapter.ts';
import { accountFinder } from './claims.ts';
import { providerGate } from './provider-mount.ts';
import { EXTRA_CLIENT_METADATA } from './client-metadata.ts';
import { findConsent } from './consents.ts';
import { unlessDatabaseDown } from './oauth-errors.ts';
import { rotatesRefreshToken, withRefreshRetry } from './refresh-retry.ts';
import { createRequestScopes, type RequestScopes } from './request-scope.ts';
import { committingResumes, committingWrites } from './token-writes.ts';
import { AVAILABLE_SCOPES, SCOPE_CATALOG, SCOPE_CLAIMS } from '../oauth-clients/scopes.ts';
import type { Keyring } from '../keys/signing-keys.ts';
import { renderView } from './views.ts';

/** The contract's paths for oidc-provider's endpoints (plus the introspection and logout additions). */
export const OIDC_ROUTES = {
  authorization: '/oauth/authorize',
  token: '/oauth/token',
  userinfo: '/oauth/userinfo',
  jwks: '/oauth/jwks.json',
  revocation: '/oauth/revoke',
  introspection: '/oauth/introspect',
  end_session: '/oauth/logout',
} as const;

const COOKIE_NAMES = { session: 'rn_session', interaction: 'rn_interaction', resume: 'rn_interaction_resume' } as const;

const DAY = 24 * 60 * 60;

/** Token lifetimes in seconds. Access tokens: 900 s (contract example, DESIGN.md). */
export const TTL = {
  AccessToken: 900,
  AuthorizationCode: 60,
  IdToken: 3600,
  RefreshToken: 30 * DAY,
  Interaction: 30 * 60,
  Session: 14 * DAY,
  Grant: 365 * DAY,
} as const;

type ProviderDeps = {
  config: Config; db: Db; logger: Logger; metrics: Pick<Metrics, 'tokenIssued'>; recordClientUse: ReturnType<typeof clientUseRecorder>;
  /** Outlive provider rebuilds (key rotations), like the process they belong to. */
  caches: AdapterCaches;
  /** The middleware every request runs first (metrics, request id and log, security headers), as in the `/api` app. */
  edge: Middleware[];
};
/** A built client: oidc-provider keeps extra metadata (EXTRA_CLIENT_METADATA) under its snake_case name. */
type ClientExtras = { tenant_id?: string; require_pkce?: boolean; clientAuthMethod: string; clientId: string };

/** Public clients always, confidential ones when their registry entry says so (RFC 9700 §2.1.1). */
const pkceRequired = (_ctx: KoaContextWithOIDC, client: ClientExtras) => client.clientAuthMethod === 'none' || client.require_pkce === true;

/** CORS only for the origins of the client's registered web redirect URIs. */
function clientBasedCORS(_ctx: KoaContextWithOIDC, origin: string, client: { redirectUris?: string[] }): boolean {
  if (!origin || origin === 'null') return false;
  return (client.redirectUris ?? []).some((uri) => {
    const url = URL.parse(uri);
    return (url?.protocol === 'https:' || url?.protocol === 'http:') && url.origin === origin;
  });
}

/** Introspection is for confidential clients, about their own tokens. */
async function introspectionAllowed(ctx: KoaContextWithOIDC, client: ClientExtras, token: { clientId?: string }): Promise<boolean> {
  if (client.clientAuthMethod === 'none') throw new errors.InvalidClient('introspection is only available to confidential clients');
  return token.clientId === client.clientId && ctx.oidc.client?.clientId === client.clientId;
}

/** A client may revoke only its own tokens. */
const revocationAllowed = async (_ctx: KoaContextWithOIDC, client: ClientExtras, token: { clientId?: string }) => token.clientId === client.clientId;

/**
 * Consent is remembered per client and account (consent records), grants are not shared: the
 * browser session's own grant serves single sign-on in that browser, and any other sign-in
 * (another device or browser) gets a new grant built from the remembered consent, so each
 * has its own tokens and refresh-token family and a reuse revokes that sign-in only.
 */
function grantLoader(db: Db) {
  return async function loadExistingGrant(ctx: KoaContextWithOIDC) {
    const { client, session, provider, result } = ctx.oidc;
    const { clientId, tenant_id: tenantId } = client as unknown as ClientExtras;
    const accountId = session?.accountId;
    const grantId = result?.consent?.grantId || session?.grantIdFor(clientId);
    const grant = grantId ? await provider.Grant.find(grantId) : undefined;
    if (grant && grant.accountId === accountId) return grant;
    if (!accountId || !tenantId) return undefined;
    const consent = await unlessDatabaseDown(() => findConsent(db, tenantId, clientId, accountId));
    if (!consent) return undefined;
    const fresh = new provider.Grant({ accountId, clientId });
    if (consent.scopes.length) fresh.addOIDCScope(consent.scopes.join(' '));
    if (consent.claims.length) fresh.addOIDCClaims(consent.claims);
    await fresh.save();
    return fresh;
  };
}

/** oidc-provider's own names for errors RFC 6749 §4.1.2.1 calls `invalid_request` (with a description saying which). */
const RFC6749_CODE: Record<string, string> = { invalid_redirect_uri: 'invalid_request' };

/**
 * An error that cannot be sent back to the client: an HTML page for browsers, titled for what
 * the user was doing; API clients that ask for JSON get the contract's OAuthError.
 */
async function renderError(ctx: KoaContextWithOIDC, raw: { error: string; error_description?: string }): Promise<void> {
  const status = ctx.status;
  const out = { ...raw, error: RFC6749_CODE[raw.error] ?? raw.error };
  if (ctx.accepts('html', 'json') === 'json') {
    ctx.body = out;
    return;
  }
  const loggingOut = ctx.oidc?.route?.startsWith('end_session');
  await renderView(ctx as any, 'error', {
    title: loggingOut ? 'Sign-out problem' : 'Sign-in problem', error: out.error, description: out.error_description ?? '',
    fallback: loggingOut ? 'Something went wrong while signing out.' : 'Something went wrong while signing in.',
  }, status);
}

async function logoutSource(ctx: KoaContextWithOIDC, form: string): Promise<void> {
  await renderView(ctx as any, 'logout', { form });
}

async function postLogoutSuccessSource(ctx: KoaContextWithOIDC): Promise<void> {
  await renderView(ctx as any, 'logged-out', { clientName: ctx.oidc.client?.clientName ?? null });
}

export function providerConfiguration({ db, caches }: ProviderDeps, keyring: Keyring, cookieKeys: string[], scopes: RequestScopes): Configuration {
  const ttl = (seconds: number) => () => seconds;
  return {
    adapter: createAdapterFactory(db, scopes, caches),
    jwks: { keys: keyring.privateJwks as any },
    findAccount: accountFinder(db, scopes) as Configuration['findAccount'],
    // Every catalog scope is known to the provider, so a planned scope a client isn't allowed
    // is refused (invalid_scope) instead of being silently dropped; discovery lists only available ones.
    scopes: SCOPE_CATALOG.map((s) => s.scope),
    claims: SCOPE_CLAIMS as Configuration['claims'],
    // Claims of the granted scopes go into the ID token too, not only to userinfo.
    conformIdTokenClaims: false,
    responseTypes: ['code'],
    clientAuthMethods: ['client_secret_basic', 'client_secret_post', 'none'],
    enabledJWA: { idTokenSigningAlgValues: ['RS256'], userinfoSigningAlgValues: ['RS256'] } as Configuration['enabledJWA'],
    // The contract requires redirect_uri on every authorize request; it must match exactly (RFC 9700 §2.1).
    allowOmittingSingleRegisteredRedirectUri: false,
    pkce: { required: pkceRequired as any },
    extraClientMetadata: { properties: EXTRA_CLIENT_METADATA },
    routes: OIDC_ROUTES,
    // OIDC Core §3.1.2.1: the authorization endpoint accepts POST (form-encoded) as well as GET;
    // so does RP-initiated logout. A client site's form POST is a cross-site request, which
    // carries only SameSite=None cookies: oidc-provider therefore requires the session cookie
    // to be None (see keepSessionCookieUsableOnHttp for plain http).
    enableHttpPostMethods: true,
    cookies: {
      keys: cookieKeys,
      names: COOKIE_NAMES,
      // Secure follows the request protocol (TRUST_PROXY). The interaction cookies stay Lax: they
      // are set by the authorize response and read only by our own pages and the same-site resume.
      long: { httpOnly: true, sameSite: 'none', signed: true },
      short: { httpOnly: true, sameSite: 'lax', signed: true },
    },
    features: {
      // OIDC Core §5.5: a client may ask for claims by name; consent grants only those its scopes
      // may release (interaction-routes.ts), and shows the ones it says it needs.
      claimsParameter: { enabled: true },
      devInteractions: { enabled: false },
      // Sender-constrained tokens are not offered yet: off, so discovery does not advertise them.
      dPoP: { enabled: false },
      introspection: { enabled: true, allowedPolicy: introspectionAllowed as any },
      revocation: { enabled: true, allowedPolicy: revocationAllowed as any },
      rpInitiatedLogout: { enabled: true, logoutSource: logoutSource as any, postLogoutSuccessSource: postLogoutSuccessSource as any },
      pushedAuthorizationRequests: { enabled: false },
      userinfo: { enabled: true },
    },
    interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
    loadExistingGrant: grantLoader(db) as Configuration['loadExistingGrant'],
    // Rotate on every use, except when answering the one retry a rotation allows (refresh-retry.ts).
    rotateRefreshToken: rotatesRefreshToken as Configuration['rotateRefreshToken'],
    clientBasedCORS: clientBasedCORS as Configuration['clientBasedCORS'],
    renderError: renderError as Configuration['renderError'],
    ttl: {
      AccessToken: ttl(TTL.AccessToken),
      AuthorizationCode: ttl(TTL.AuthorizationCode),
      IdToken: ttl(TTL.IdToken),
      RefreshToken: ttl(TTL.RefreshToken),
      Interaction: ttl(TTL.Interaction),
      Session: ttl(TTL.Session),
      Grant: ttl(TTL.Grant),
      ClientCredentials: ttl(600),
      DeviceCode: ttl(600),
      BackchannelAuthenticationRequest: ttl(600),
      PreAuthorizedCode: ttl(600),
    } as Configuration['ttl'],
  };
}

/**
 * Browsers drop a SameSite=None cookie that isn't Secure, and Secure can't be set over plain
 * http (the local issuer): there the session cookie keeps SameSite=Lax, as before POST was
 * enabled, so signing in still works in development; only a cross-site POST then starts
 * without the session (the user signs in again). Over https it is `SameSite=None; Secure`.
 */
function keepSessionCookieUsableOnHttp(ctx: { secure: boolean; res: ServerResponse }, sessionCookie: string): void {
  if (ctx.secure) return;
  const cookies = ctx.res.getHeader('set-cookie');
  if (!Array.isArray(cookies)) return;
  ctx.res.setHeader('set-cookie', cookies.map((line) =>
    line.startsWith(`${sessionCookie}=`) || line.startsWith(`${sessionCookie}.sig=`) ? line.replace(/; samesite=none/i, '; samesite=lax') : line));
}

/**
 * The app's CSP has no script-src, so the default-src 'self' blocks the one inline script of
 * oidc-provider's own pages (the form_post answer submits itself with it). An explicit
 * script-src 'self' changes nothing else, and lets the provider add that script's hash to it.
 */
function allowProviderInlineScripts(ctx: { response: { get(name: string): string }; set(name: string, value: string): void }): void {
  const csp = ctx.response.get('content-security-policy');
  if (csp && !/(^|;)\s*script-src\s/.test(csp)) ctx.set('content-security-policy', `${csp}; script-src 'self'`);
}

/**
 * oidc-provider registers its grant handlers while it is being constructed; this subclass
 * commits the code exchange's and the refresh grant's writes as one statement each
 * (token-writes.ts) and gives the refresh grant its retry grace (refresh-retry.ts), for its
 * instances only.
 */
function providerClass(db: Db, scopes: RequestScopes): typeof Provider {
  const wrap = (name: string, handler: any) => {
    if (name === 'authorization_code') return committingWrites(db, scopes, handler);
    if (name === 'refresh_token') return withRefreshRetry(db, scopes, committingWrites(db, scopes, handler));
    return handler;
  };
  return class RingnityProvider extends Provider {
    override registerGrantType(name: string, handler: any, ...rest: any[]) {
      super.registerGrantType(name, wrap(name, handler), ...rest);
    }
  };
}

/**
 * Builds the provider for one keyring. Everything here is per instance (no global
 * patching): the client secret comparison and the response adjustments the contract needs.
 */
export function buildProvider(deps: ProviderDeps, keyring: Keyring, cookieKeys: string[]): Provider {
  const scopes = createRequestScopes();
  const provider = new (providerClass(deps.db, scopes))(deps.config.issuer, providerConfiguration(deps, keyring, cookieKeys, scopes));
  provider.proxy = deps.config.trustProxy;
  for (const middleware of [...deps.edge, providerGate(deps.config.issuer)]) provider.use(middleware);
  // Next, so every lookup of the request runs inside its scope (request-scope.ts).
  provider.use((ctx, next) => scopes.enter(ctx as unknown as KoaContextWithOIDC, next));
  provider.use(committingResumes(deps.db, scopes, OIDC_ROUTES.authorization));

  // The registry keeps only the secret's hash as `client_secret`, so compare hashes (constant time).
  (provider.Client.prototype as any).compareClientSecret = function compareClientSecret(this: { clientSecret?: string }, actual: string) {
    return typeof this.clientSecret === 'string' && typeof actual === 'string' && sameSecret(this.clientSecret, hashSecret(actual));
  };

  // OIDC Core §12.2: an ID token from a refresh answers no authentication request, so it
  // carries no nonce (oidc-provider copies the original request's nonce into it).
  const setIdTokenClaim = provider.IdToken.prototype.set;
  provider.IdToken.prototype.set = function set(this: { ctx?: KoaContextWithOIDC }, key: string, value: unknown) {
    if (key === 'nonce' && this.ctx?.oidc?.params?.grant_type === 'refresh_token') return;
    setIdTokenClaim.call(this, key, value);
  };

  provider.use(async (ctx, next) => {
    allowProviderInlineScripts(ctx);
    await next();
    keepSessionCookieUsableOnHttp(ctx, COOKIE_NAMES.session);
    const route = (ctx as unknown as KoaContextWithOIDC).oidc?.route;
    if (route === 'discovery' && ctx.status === 200) {
      const body = ctx.body as Record<string, unknown>;
      body.scopes_supported = [...AVAILABLE_SCOPES];
      // The code flow answers in the query or, on request, with an auto-submitted form (form_post);
      // a fragment never reaches a web client's server, so discovery does not suggest it.
      body.response_modes_supported = ['query', 'form_post'];
    } else if (route === 'revocation' && ctx.status === 200) {
      ctx.body = { success: true }; // the contract answers SuccessEnvelope, not RFC 7009's empty body
    } else if (route === 'authorization' && ctx.method === 'GET' && ctx.status === 303) {
      // The contract's authorize answers 302; for a GET the two mean the same to a browser.
      ctx.status = 302;
    }
    // temporarily_unavailable (database down): say when to retry, as the /api answers do (RFC 9110 §10.2.3).
    if (ctx.status === 503) ctx.set('Retry-After', '5');
  });

  provider.on('grant.success', (ctx: KoaContextWithOIDC) => {
    // Only grant types the provider supports get this far, so the label stays a short list.
    deps.metrics.tokenIssued(String(ctx.oidc.params?.grant_type));
    const clientId = ctx.oidc.client?.clientId;
    // Best effort: a failed "last used" stamp must not fail the token response already sent.
    if (clientId) deps.recordClientUse(clientId).catch((err) => deps.logger.warn({ err: { message: err.message } }, 'could not stamp OAuth client last use'));
  });
  provider.on('server_error', (_ctx, err) => deps.logger.error({ err }, 'oidc-provider server error'));
  return provider;
}

import Router from '@koa/router';
import type { Middleware } from 'koa';
import type { RouteDeps } from '../deps.ts';
import { dashboardOf, requireRoles } from '../auth/guards.ts';
import { tenantActorOf } from '../http/request-actor.ts';
import { inputOf, operation } from '../contract/operations.ts';
import { reply } from '../http/reply.ts';
import { AVAILABLE_SCOPES, RECOMMENDED_SCOPES, SCOPE_CATALOG } from '../oauth-clients/scopes.ts';
import {
  createOAuthClient, deleteRevokedOAuthClient, listOAuthClients, revokeOAuthClient, rotateOAuthClientSecret,
  updateOAuthClient, type OAuthClient,
} from '../oauth-clients/oauth-clients.ts';
import {
  createServerApiCredential, disableServerApiCredential, listServerApiCredentials, rotateServerApiCredential,
  updateServerApiCredential, type ServerApiCredential,
} from '../server-api/credentials.ts';
import { getDeveloperSettings, testDeveloperSdkSettings, updateDeveloperAllowedDomains } from './developer-settings.ts';

const SECRET_WARNING = 'Store this secret now: it is shown only once. Keep it on your server, never in a browser or app.';

// The contract's shapes: the tenant is implied by the caller, so it is not repeated.
const clientView = ({ tenantId: _tenantId, ...client }: OAuthClient) => client;
// The contract's lastUsedAt is a non-nullable date-time: a never-used key leaves it out.
const credentialView = ({ tenantId: _tenantId, lastUsedAt, ...credential }: ServerApiCredential) =>
  ({ ...credential, ...(lastUsedAt ? { lastUsedAt } : {}) });

export function developerRoutes(deps: RouteDeps): Router {
  const { db, config } = deps;
  const router = new Router();
  // Owners and workspace admins manage developer settings; supervisors and agents may only read the summary.
  const requireManager = requireRoles('owner', 'admin');
  const read = (id: string, handler: Middleware) => operation(deps, router, id, handler);
  const manage = (id: string, handler: Middleware) => operation(deps, router, id, requireManager, handler);
  const services = { realtimeConfigured: Boolean(config.ai.realtimeUrl) };

  read('getDeveloperSettings', async (ctx) => {
    reply<'getDeveloperSettings'>(ctx, 200, await getDeveloperSettings(db, services, dashboardOf(ctx).tenantId));
  });

  manage('updateDeveloperAllowedDomains', async (ctx) => {
    reply<'updateDeveloperAllowedDomains'>(ctx, 200, await updateDeveloperAllowedDomains(db, services, tenantActorOf(ctx), inputOf<'updateDeveloperAllowedDomains'>(ctx).body.allowedDomains));
  });

  read('testDeveloperSdkSettings', async (ctx) => {
    reply<'testDeveloperSdkSettings'>(ctx, 200, await testDeveloperSdkSettings(db, services, dashboardOf(ctx).tenantId, inputOf<'testDeveloperSdkSettings'>(ctx).body));
  });

  manage('listServerApiCredentials', async (ctx) => {
    const credentials = await listServerApiCredentials(db, tenantActorOf(ctx));
    reply<'listServerApiCredentials'>(ctx, 200, { credentials: credentials.map(credentialView) });
  });

  manage('createServerApiCredential', async (ctx) => {
    const { name, environment, scopes } = inputOf<'createServerApiCredential'>(ctx).body;
    const { credential, secret } = await createServerApiCredential(db, tenantActorOf(ctx), { name, environment, scopes });
    reply<'createServerApiCredential'>(ctx, 201, { credential: credentialView(credential), secret }, SECRET_WARNING);
  });

  manage('updateServerApiCredential', async (ctx) => {
    const { params, body } = inputOf<'updateServerApiCredential'>(ctx);
    const { name, environment, scopes, isActive } = body;
    const credential = await updateServerApiCredential(db, tenantActorOf(ctx), params.credentialId, { name, environment, scopes, isActive });
    reply<'updateServerApiCredential'>(ctx, 200, { credential: credentialView(credential) });
  });

  manage('disableServerApiCredential', async (ctx) => {
    const credential = await disableServerApiCredential(db, tenantActorOf(ctx), inputOf<'disableServerApiCredential'>(ctx).params.credentialId);
    reply<'disableServerApiCredential'>(ctx, 200, { credential: credentialView(credential) });
  });

  manage('rotateServerApiCredential', async (ctx) => {
    const { credential, secret } = await rotateServerApiCredential(db, tenantActorOf(ctx), inputOf<'rotateServerApiCredential'>(ctx).params.credentialId);
    reply<'rotateServerApiCredential'>(ctx, 200, { credential: credentialView(credential), secret }, SECRET_WARNING);
  });

  manage('listOAuthClients', async (ctx) => {
    const clients = await listOAuthClients(db, tenantActorOf(ctx));
    reply(ctx, 200, {
      oauthClients: clients.map(clientView),
      availableScopes: AVAILABLE_SCOPES,
      recommendedScopes: RECOMMENDED_SCOPES,
      scopeCatalog: SCOPE_CATALOG,
      clientTypes: ['confidential', 'public'],
      discoveryUrl: `${config.issuer}/.well-known/openid-configuration`,
    });
  });

  manage('createOAuthClient', async (ctx) => {
    // Only the contract's fields: the tenant is the caller's, never something the body names.
    const { name, type, redirectUris, postLogoutRedirectUris, allowedScopes, requirePkce } = inputOf<'createOAuthClient'>(ctx).body;
    const { oauthClient, clientSecret } = await createOAuthClient(db, tenantActorOf(ctx), { name, type, redirectUris, postLogoutRedirectUris, allowedScopes, requirePkce });
    const warning = clientSecret ? SECRET_WARNING : 'Public clients have no secret: they must use PKCE (S256).';
    reply(ctx, 201, { oauthClient: clientView(oauthClient), ...(clientSecret ? { clientSecret } : {}), warning });
  });

  manage('updateOAuthClient', async (ctx) => {
    const { params, body } = inputOf<'updateOAuthClient'>(ctx);
    const { name, type, redirectUris, postLogoutRedirectUris, allowedScopes, requirePkce, status } = body;
    const oauthClient = await updateOAuthClient(db, tenantActorOf(ctx), params.oauthClientId, { name, type, redirectUris, postLogoutRedirectUris, allowedScopes, requirePkce, status });
    reply(ctx, 200, { oauthClient: clientView(oauthClient) });
  });

  manage('revokeOAuthClient', async (ctx) => {
    const oauthClient = await revokeOAuthClient(db, tenantActorOf(ctx), inputOf<'revokeOAuthClient'>(ctx).params.oauthClientId);
    reply(ctx, 200, { oauthClient: clientView(oauthClient) });
  });

  manage('rotateOAuthClientSecret', async (ctx) => {
    const { oauthClient, clientSecret } = await rotateOAuthClientSecret(db, tenantActorOf(ctx), inputOf<'rotateOAuthClientSecret'>(ctx).params.oauthClientId);
    reply(ctx, 200, { oauthClient: clientView(oauthClient), clientSecret, warning: SECRET_WARNING });
  });

  manage('deleteRevokedOAuthClient', async (ctx) => {
    const { oauthClientId } = inputOf<'deleteRevokedOAuthClient'>(ctx).params;
    await deleteRevokedOAuthClient(db, tenantActorOf(ctx), oauthClientId);
    reply<'deleteRevokedOAuthClient'>(ctx, 200, { oauthClientId, deleted: true });
  });

  return router;
}

import Router from '@koa/router';
import type { Context, Middleware } from 'koa';
import type { AppDeps } from '../deps.ts';
import { audit } from '../audit/audit-log.ts';
import { dashboardGuards, dashboardOf, requireRoles } from '../auth/guards.ts';
import { requestMeta } from '../http/request-meta.ts';
import { inputOf, operation, type Input } from '../contract/operations.ts';
import { reply } from '../http/reply.ts';
import { AVAILABLE_SCOPES, RECOMMENDED_SCOPES, SCOPE_CATALOG } from '../oauth-clients/scopes.ts';
import {
  createOAuthClient, deleteRevokedOAuthClient, listOAuthClients, revokeOAuthClient, rotateOAuthClientSecret,
  updateOAuthClient, type NewOAuthClientInput, type OAuthClient,
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

export function developerRoutes(deps: AppDeps): Router {
  const { contract, db, config } = deps;
  const router = new Router();
  const { requireDashboard } = dashboardGuards(deps);
  // Owners and workspace admins manage developer settings; supervisors and agents may only read the summary.
  const requireManager = requireRoles('owner', 'admin');
  const read = (id: string, handler: Middleware) => operation(router, contract, id, requireDashboard, handler);
  const manage = (id: string, handler: Middleware) => operation(router, contract, id, requireDashboard, requireManager, handler);

  /** Records a change by the signed-in dashboard user; never secrets. */
  const record = (ctx: Context, action: string, targetType: string, targetId: string, details?: Record<string, unknown>) => {
    const principal = dashboardOf(ctx);
    return audit(db, {
      action, outcome: 'success', tenantId: principal.tenantId, actorType: 'account', actorId: principal.accountId,
      targetType, targetId, ...requestMeta(ctx), details,
    });
  };

  read('getDeveloperSettings', async (ctx) => {
    reply(ctx, 200, await getDeveloperSettings(db, dashboardOf(ctx).tenantId));
  });

  manage('updateDeveloperAllowedDomains', async (ctx) => {
    const { tenantId } = dashboardOf(ctx);
    const settings = await updateDeveloperAllowedDomains(db, tenantId, inputOf(ctx).body.allowedDomains);
    await record(ctx, 'allowed_domains.updated', 'tenant', tenantId, { allowedDomains: settings.allowedDomains });
    reply(ctx, 200, settings);
  });

  read('testDeveloperSdkSettings', async (ctx) => {
    reply(ctx, 200, await testDeveloperSdkSettings(db, dashboardOf(ctx).tenantId, inputOf(ctx).body));
  });

  manage('listServerApiCredentials', async (ctx) => {
    const credentials = await listServerApiCredentials(db, dashboardOf(ctx).tenantId);
    reply(ctx, 200, { credentials: credentials.map(credentialView) });
  });

  manage('createServerApiCredential', async (ctx) => {
    const { name, environment, scopes } = inputOf(ctx).body;
    const { credential, secret } = await createServerApiCredential(db, dashboardOf(ctx).tenantId, { name, environment, scopes });
    await record(ctx, 'server_api_credential.created', 'server_api_credential', credential.id, { scopes: credential.scopes, environment: credential.environment });
    reply(ctx, 201, { credential: credentialView(credential), secret }, SECRET_WARNING);
  });

  manage('updateServerApiCredential', async (ctx) => {
    const { params, body } = inputOf(ctx);
    const { name, environment, scopes, isActive } = body;
    const credential = await updateServerApiCredential(db, dashboardOf(ctx).tenantId, params.credentialId, { name, environment, scopes, isActive });
    await record(ctx, 'server_api_credential.updated', 'server_api_credential', credential.id, { fields: Object.keys(body) });
    reply(ctx, 200, { credential: credentialView(credential) });
  });

  manage('disableServerApiCredential', async (ctx) => {
    const credential = await disableServerApiCredential(db, dashboardOf(ctx).tenantId, inputOf(ctx).params.credentialId);
    await record(ctx, 'server_api_credential.disabled', 'server_api_credential', credential.id);
    reply(ctx, 200, { credential: credentialView(credential) });
  });

  manage('rotateServerApiCredential', async (ctx) => {
    const { credential, secret } = await rotateServerApiCredential(db, dashboardOf(ctx).tenantId, inputOf(ctx).params.credentialId);
    await record(ctx, 'server_api_credential.rotated', 'server_api_credential', credential.id);
    reply(ctx, 200, { credential: credentialView(credential), secret }, SECRET_WARNING);
  });

  manage('listOAuthClients', async (ctx) => {
    const clients = await listOAuthClients(db, dashboardOf(ctx).tenantId);
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
    const { name, type, redirectUris, allowedScopes, requirePkce } = inputOf<Input<NewOAuthClientInput>>(ctx).body;
    const { oauthClient, clientSecret } = await createOAuthClient(db, { tenantId: dashboardOf(ctx).tenantId, name, type, redirectUris, allowedScopes, requirePkce });
    await record(ctx, 'oauth_client.created', 'oauth_client', oauthClient.id, { clientId: oauthClient.clientId, type: oauthClient.type });
    const warning = clientSecret ? SECRET_WARNING : 'Public clients have no secret: they must use PKCE (S256).';
    reply(ctx, 201, { oauthClient: clientView(oauthClient), ...(clientSecret ? { clientSecret } : {}), warning });
  });

  manage('updateOAuthClient', async (ctx) => {
    const { params, body } = inputOf(ctx);
    const { name, type, redirectUris, allowedScopes, requirePkce, status } = body;
    const oauthClient = await updateOAuthClient(db, dashboardOf(ctx).tenantId, params.oauthClientId, { name, type, redirectUris, allowedScopes, requirePkce, status });
    await record(ctx, 'oauth_client.updated', 'oauth_client', oauthClient.id, { clientId: oauthClient.clientId, fields: Object.keys(body) });
    reply(ctx, 200, { oauthClient: clientView(oauthClient) });
  });

  manage('revokeOAuthClient', async (ctx) => {
    const oauthClient = await revokeOAuthClient(db, dashboardOf(ctx).tenantId, inputOf(ctx).params.oauthClientId);
    await record(ctx, 'oauth_client.revoked', 'oauth_client', oauthClient.id, { clientId: oauthClient.clientId });
    reply(ctx, 200, { oauthClient: clientView(oauthClient) });
  });

  manage('rotateOAuthClientSecret', async (ctx) => {
    const { oauthClient, clientSecret } = await rotateOAuthClientSecret(db, dashboardOf(ctx).tenantId, inputOf(ctx).params.oauthClientId);
    await record(ctx, 'oauth_client.secret_rotated', 'oauth_client', oauthClient.id, { clientId: oauthClient.clientId });
    reply(ctx, 200, { oauthClient: clientView(oauthClient), clientSecret, warning: SECRET_WARNING });
  });

  manage('deleteRevokedOAuthClient', async (ctx) => {
    const { oauthClientId } = inputOf(ctx).params;
    await deleteRevokedOAuthClient(db, dashboardOf(ctx).tenantId, oauthClientId);
    await record(ctx, 'oauth_client.deleted', 'oauth_client', oauthClientId);
    reply(ctx, 200, { oauthClientId, deleted: true });
  });

  return router;
}

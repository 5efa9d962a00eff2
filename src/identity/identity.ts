import type { Middleware } from 'koa';
import { sharedSecret } from '../db/app-secrets.ts';
import type { SecuritySchemes } from '../contract/security.ts';
import type { AppDeps } from '../deps.ts';
import { oauthAccessTokenScheme } from './oauth-bearer.ts';
import { interactionRoutes } from './interaction-routes.ts';
import { createLoginService } from './login.ts';
import { startPayloadPurge } from './payload-purge.ts';
import { buildProvider } from './provider.ts';
import { clientUseRecorder } from '../oauth-clients/oauth-clients.ts';
import { createProviderHolder } from './provider-holder.ts';
import { dispatchRequests, providerUnavailable, type NodeHandler } from './provider-mount.ts';
import { oauthTenantRoutes } from './tenant-routes.ts';

export type Identity = {
  /** The OAuthAccessToken security scheme, checked against this identity's provider. */
  schemes: Pick<SecuritySchemes, 'OAuthAccessToken'>;
  /** Login with Ringnity in the `/api` app, in order: interaction pages, OAuth tenant endpoints (guarded by `schemes`), the provider paths' fallback. */
  middleware(schemes: SecuritySchemes): Middleware[];
  /** The server's handler: oidc-provider's paths to the provider, everything else to `api` (provider-mount.ts). */
  dispatch(api: NodeHandler): NodeHandler;
  /** Stops background work (the expired-artifact purge). */
  stop(): void;
};

/** Everything Login with Ringnity needs, built from the app's dependencies; state lives in this closure. */
/** `edge`: the middleware every request runs first, in the `/api` app and in the provider's own. */
export async function createIdentity(deps: AppDeps, edge: Middleware[]): Promise<Identity> {
  const { config, db, logger, keys, metrics, tokenContexts, clientRegistry } = deps;
  // Shared by every process through the database, so any process can read another's cookies.
  const cookieKeys = [await sharedSecret(db, 'oidc-cookie-key')];
  const csrfKey = await sharedSecret(db, 'oidc-interaction-csrf-key');
  // Outlives provider rebuilds (key rotations), so its once-a-minute memory does too.
  const recordClientUse = clientUseRecorder(db);
  const holder = createProviderHolder(keys, (keyring) => buildProvider({ config, db, logger, metrics, recordClientUse, caches: { tokenContexts, clientRegistry }, edge }, keyring, cookieKeys));
  await holder.current(); // configuration mistakes surface at start, not on the first request

  const interactions = interactionRoutes({ db, holder, clientRegistry, attemptLogin: createLoginService(db, deps.checkPassword), csrfKey });
  const purge = startPayloadPurge(db, logger);
  return {
    schemes: { OAuthAccessToken: oauthAccessTokenScheme(db, holder) },
    middleware: (schemes) => {
      const tenant = oauthTenantRoutes({ config, db, contract: deps.contract, schemes });
      return [interactions.routes() as Middleware, tenant.routes() as Middleware, providerUnavailable];
    },
    dispatch: (api) => dispatchRequests(holder, api, logger),
    stop: purge.stop,
  };
}

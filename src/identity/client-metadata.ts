import type { ClientMetadata } from 'oidc-provider';
import type { OAuthClientWithSecret } from '../oauth-clients/oauth-client.ts';

/** Our own client properties, declared to oidc-provider as `extraClientMetadata`. */
export const EXTRA_CLIENT_METADATA = ['tenant_id', 'require_pkce'];

/**
 * A registry client as oidc-provider metadata. `client_secret` holds the secret's HASH:
 * client authentication compares hashes (see provider.ts, compareClientSecret), so the
 * plaintext never exists outside the one response that shows it.
 */
export function clientMetadata(client: OAuthClientWithSecret): ClientMetadata {
  const confidential = client.type === 'confidential';
  return {
    client_id: client.clientId,
    client_name: client.name,
    ...(confidential && client.secretHash ? { client_secret: client.secretHash } : {}),
    token_endpoint_auth_method: confidential ? 'client_secret_basic' : 'none',
    application_type: isNativeApp(client) ? 'native' : 'web',
    redirect_uris: client.redirectUris,
    post_logout_redirect_uris: client.postLogoutRedirectUris,
    response_types: ['code'],
    grant_types: client.allowedScopes.includes('offline_access') ? ['authorization_code', 'refresh_token'] : ['authorization_code'],
    scope: client.allowedScopes.join(' '),
    id_token_signed_response_alg: 'RS256',
    tenant_id: client.tenantId,
    require_pkce: client.requirePkce,
  };
}

/**
 * A public client with a custom-scheme or loopback redirect URI is a native app (RFC 8252):
 * oidc-provider then accepts any loopback port and custom schemes, and, because such a
 * client can be impersonated (§8.6), asks the user every time instead of reusing consent.
 * Public single-page apps with https redirects stay `web`.
 */
function isNativeApp(client: OAuthClientWithSecret): boolean {
  if (client.type !== 'public') return false;
  return client.redirectUris.some((uri) => {
    const url = URL.parse(uri);
    return !url || url.protocol !== 'https:';
  });
}

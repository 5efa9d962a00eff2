/** An OAuth 2.0 / OpenID Connect client a tenant registered ("Login with Ringnity" on its site or app). */
export type OAuthClientType = 'confidential' | 'public';
export type OAuthClientStatus = 'active' | 'revoked';

/** The contract's `OAuthClient`, plus the tenant it belongs to. */
export type OAuthClient = {
  id: string;
  clientId: string;
  tenantId: string;
  name: string;
  type: OAuthClientType;
  status: OAuthClientStatus;
  allowedScopes: string[];
  redirectUris: string[];
  /** Where RP-initiated logout may send the user back to (post_logout_redirect_uri). */
  postLogoutRedirectUris: string[];
  requirePkce: boolean;
  lastUsedAt: string | null;
  revokedAt: string | null;
  createdAt: string;
  updatedAt: string;
};

/** A client with its secret hash: only client authentication ever sees this. */
export type OAuthClientWithSecret = OAuthClient & { secretHash: string | null };

import type { ClientMetadata } from 'oidc-provider';
import type { Db } from '../db/database.ts';
import { hasControlCharacter } from '../http/control-characters.ts';
import { CLIENT_ID_PREFIX } from '../oauth-clients/oauth-clients.ts';
import type { OAuthClientWithSecret } from '../oauth-clients/oauth-client.ts';
import { clientMetadata } from './client-metadata.ts';
import type { OidcPayload } from './oidc-payload-table.ts';
import { REFRESH_RETRY_GRACE_SECONDS } from './refresh-retry.ts';
import { foundByUidKey, foundKey, type RequestScope } from './request-scope.ts';
import type { TokenContextCache } from './token-context-cache.ts';
import { findTokenContext } from './token-context-table.ts';

/**
 * The artifacts whose first lookup in a request reads their grant, client and account along:
 * tokens and codes, and the interaction an authorization request resumes with.
 */
export const CONTEXT_TYPES: ReadonlySet<string> = new Set(['AccessToken', 'RefreshToken', 'AuthorizationCode', 'Interaction']);

/**
 * The code or refresh token a token request presents: known from its parameters before the
 * client is authenticated, so the client lookup, the first one, can read everything at once.
 */
export function presentedArtifact(scope: RequestScope): { type: string; id: string } | undefined {
  const oidc = scope.ctx.oidc;
  if (oidc?.route !== 'token') return undefined;
  const { grant_type: grantType, refresh_token: refreshToken, code } = oidc.params ?? {};
  const presented = grantType === 'refresh_token' ? { type: 'RefreshToken', id: refreshToken }
    : grantType === 'authorization_code' ? { type: 'AuthorizationCode', id: code } : undefined;
  if (typeof presented?.id !== 'string' || !presented.id || hasControlCharacter(presented.id)) return undefined;
  return presented as { type: string; id: string };
}

/**
 * Reads a token with its grant, client (`clientId`, else the token's), account (and session,
 * for one that expires with it) in one round trip, and keeps each answer in the request scope for oidc-provider's next lookups,
 * as the adapter and findAccount would each have answered them. An access token's read may
 * come from the cross-request cache instead; codes, refresh tokens and interactions are single
 * use, so theirs is always fresh.
 */
export async function readTokenContext(db: Db, cache: TokenContextCache, scope: RequestScope, q: { type: string; id: string; clientId?: string }): Promise<OidcPayload | undefined> {
  const read = () => findTokenContext(db, { ...q, graceSeconds: q.type === 'RefreshToken' ? REFRESH_RETRY_GRACE_SECONDS : 0 });
  const context = q.type === 'AccessToken' && q.clientId === undefined ? await cache.read(q.id, read) : await read();
  scope.found.set(foundKey(q.type, q.id), context.token);
  if (context.grant) scope.found.set(foundKey('Grant', context.grant.id), context.grant.payload);
  if (context.client) scope.found.set(foundKey('Client', context.client.clientId), activeClientMetadata(context.client.entry));
  if (context.account) scope.found.set(foundKey('Account', context.account.id), context.account.entry);
  if (context.session) scope.found.set(foundByUidKey('Session', context.session.uid), context.session.found?.payload);
  return context.token;
}

/** The registry's rule (findActiveOAuthClient): only active clients with one of its client ids exist for the provider. */
export function activeClientMetadata(client: OAuthClientWithSecret | undefined): ClientMetadata | undefined {
  const known = client && client.status === 'active' && client.clientId.startsWith(CLIENT_ID_PREFIX) && client.clientId.length <= 100;
  return known ? clientMetadata(client) : undefined;
}

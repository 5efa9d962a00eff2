import { withoutHash, type Account } from '../accounts/account.ts';
import { findOwnerByEmail, findOwnerByGoogleSubject, linkGoogleSubject } from '../accounts/accounts.ts';
import { apiError } from '../http/api-error.ts';
import { findTenantById } from '../tenants/tenants.ts';
import { assertActive, auditAccount, auditDisabled } from './active-subjects.ts';
import type { AuthDeps } from './auth-deps.ts';
import type { GoogleIdentity, GoogleVerifier } from './google-identity.ts';
import { openOwnerSession, type OwnerSession } from './owner-sessions.ts';
import type { RequestMeta } from '../http/request-meta.ts';

export type OwnerGoogleLogin =
  | ({ requiresRegistration: false } & OwnerSession)
  | { requiresRegistration: true; googleProfile: Record<string, unknown> };

/**
 * Google sign-in for owners. A known owner is found by the linked Google subject, or on first
 * use by the verified email, which then links the subject. Anyone else is handed back to
 * registration with the Google profile.
 */
export async function loginOwnerWithGoogle(
  deps: AuthDeps, verifyGoogle: GoogleVerifier | undefined, idToken: string, meta: RequestMeta,
): Promise<OwnerGoogleLogin> {
  if (!verifyGoogle) throw apiError('NOT_CONFIGURED', 'Google sign-in is not configured on this server (GOOGLE_CLIENT_ID is not set)');
  const google = await verifyGoogle(idToken);
  if (!google.emailVerified || !google.email) throw apiError('GOOGLE_TOKEN_INVALID', 'The Google account has no verified email address');

  const owner = await findOwnerByGoogleSubject(deps.db, google.subject) ?? await linkByEmail(deps, google, meta);
  if (!owner) return { requiresRegistration: true, googleProfile: profileOf(google) };

  const tenant = await findTenantById(deps.db, owner.tenantId);
  await auditDisabled(deps.db, 'owner.login', owner, meta, () => assertActive(owner, tenant));
  await auditAccount(deps.db, 'owner.login', 'success', owner, meta, { method: 'google' });
  return { requiresRegistration: false, ...await openOwnerSession(deps, tenant!, owner) };
}

async function linkByEmail(deps: AuthDeps, google: GoogleIdentity, meta: RequestMeta): Promise<Account | undefined> {
  const found = await findOwnerByEmail(deps.db, google.email!);
  if (!found) return undefined;
  const owner = withoutHash(found);
  if (!await linkGoogleSubject(deps.db, owner.tenantId, owner.id, google.subject)) {
    await auditAccount(deps.db, 'owner.google_linked', 'failure', owner, meta, { reason: 'linked_to_another_google_account' });
    throw apiError('CONFLICT', 'This owner is already linked to another Google account');
  }
  await auditAccount(deps.db, 'owner.google_linked', 'success', owner, meta);
  return owner;
}

const profileOf = (g: GoogleIdentity) => ({
  email: g.email, emailVerified: g.emailVerified, name: g.name, givenName: g.givenName, familyName: g.familyName, picture: g.picture,
});

import { withoutHash, type Account } from '../accounts/account.ts';
import { findOwnerByEmail } from '../accounts/accounts.ts';
import type { ReplyOf } from '../contract/types.ts';
import type { Db } from '../db/database.ts';
import { apiError } from '../http/api-error.ts';
import { findPlanById } from '../plans/plan-catalog.ts';
import type { Tenant } from '../tenants/tenant.ts';
import { findTenantById } from '../tenants/tenants.ts';
import { assertActive, auditAccount, auditDisabled, loadActiveAccount } from './active-subjects.ts';
import type { AuthDeps } from './auth-deps.ts';
import { signAccessToken } from './dashboard-tokens.ts';
import type { OwnerPrincipal } from './guards.ts';
import type { PasswordChecker } from '../accounts/password-check.ts';
import { rotateRefreshToken, startSession } from './refresh-families.ts';
import type { RequestMeta } from '../http/request-meta.ts';
import { dashboardUrl } from '../tenants/workspace-address.ts';

/** What owner-me answers; owner login adds the token pair. */
/** What `owner-me` answers: the contract's owner session, without tokens. */
export type OwnerProfile = Exclude<ReplyOf<'getOwnerSession'>, undefined>;

export type TokenPair = { accessToken: string; refreshToken: string; expiresIn: number };
export type OwnerSession = OwnerProfile & TokenPair & { sessionToken: string };

export async function ownerProfile(db: Db, config: AuthDeps['config'], tenant: Tenant, owner: Account): Promise<OwnerProfile> {
  const plan = await findPlanById(db, tenant.planId);
  return {
    // OwnerClient: the tenant, whose id is the client id (DESIGN.md).
    client: {
      id: tenant.id, name: tenant.name, email: tenant.email, slug: tenant.slug, companyName: tenant.companyName,
      logoUrl: tenant.logoUrl, phone: tenant.phone, industry: tenant.industry, isActive: tenant.active,
      onboardingCompleted: tenant.onboardingCompleted, apiKey: tenant.publicKey,
    },
    // The owner is also a workspace account (one account store), so this is never null today.
    admin: { agentId: owner.id, username: owner.username, name: owner.name },
    subscription: { planName: plan?.name ?? tenant.planId, planSlug: plan?.slug ?? tenant.planId, status: tenant.active ? 'active' : 'suspended' },
    dashboardUrl: dashboardUrl(config, tenant.slug),
  };
}

/** Opens an owner session for an owner already authenticated (password or Google). */
export async function openOwnerSession(deps: AuthDeps, tenant: Tenant, owner: Account): Promise<OwnerSession> {
  const { session, refreshToken } = await startSession(deps.db, { kind: 'owner', subjectId: owner.id, tenantId: tenant.id });
  const { accessToken, expiresIn } = await signAccessToken(deps.keys, deps.config.issuer, {
    kind: 'owner', subject: owner.id, sessionId: session.id, tenantId: tenant.id, role: 'owner',
  });
  return { ...await ownerProfile(deps.db, deps.config, tenant, owner), accessToken, refreshToken, expiresIn, sessionToken: accessToken };
}

export async function loginOwner(
  deps: AuthDeps, checkPassword: PasswordChecker, input: { email: string; password: string }, meta: RequestMeta,
): Promise<OwnerSession> {
  const owner = await findOwnerByEmail(deps.db, input.email);
  const verified = await checkPassword(deps.db, {
    action: 'owner.login', accountKey: `owner:${input.email}`, subject: owner, password: input.password, meta,
    actor: owner && { tenantId: owner.tenantId, type: 'account', id: owner.id },
  });
  const account = withoutHash(verified);
  const tenant = await findTenantById(deps.db, account.tenantId);
  await auditDisabled(deps.db, 'owner.login', account, meta, () => assertActive(account, tenant));
  await auditAccount(deps.db, 'owner.login', 'success', account, meta, { method: 'password' });
  return openOwnerSession(deps, tenant!, account);
}

export async function getOwnerSession(db: Db, config: AuthDeps['config'], principal: OwnerPrincipal): Promise<OwnerProfile> {
  const { account, tenant } = await loadActiveAccount(db, principal.accountId);
  return ownerProfile(db, config, tenant, account);
}

export async function refreshOwnerSession(deps: AuthDeps, refreshToken: string, meta: RequestMeta): Promise<TokenPair & { sessionToken: string }> {
  const rotated = await rotateRefreshToken(deps.db, 'owner', refreshToken, meta, async (trx, session) => {
    const { account } = await loadActiveAccount(trx, session.subjectId);
    if (account.role !== 'owner') throw apiError('ACCOUNT_DISABLED', 'This account is no longer the owner');
    return account;
  });
  const { accessToken, expiresIn } = await signAccessToken(deps.keys, deps.config.issuer, {
    kind: 'owner', subject: rotated.subject.id, sessionId: rotated.session.id, tenantId: rotated.subject.tenantId, role: 'owner',
  });
  return { accessToken, refreshToken: rotated.refreshToken, expiresIn, sessionToken: accessToken };
}

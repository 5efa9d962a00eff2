import type { Context, Middleware, Next } from 'koa';
import type { Role } from '../accounts/account.ts';
import type { SecurityScheme } from '../contract/security.ts';
import type { AppDeps } from '../deps.ts';
import { ApiError, apiError } from '../http/api-error.ts';
import { bearerTokenOf } from '../http/bearer.ts';
import { requestActor } from '../http/request-actor.ts';
import type { PlatformRole } from '../platform/admin.ts';
import { loadActiveAccount, loadActiveAdmin } from './active-subjects.ts';
import { verifyAccessToken, type AccessClaims, type TokenKind } from './dashboard-tokens.ts';
import { findLiveSession } from './session-table.ts';

/** Who a dashboard request acts for; the schemes' guards put it on `ctx.state.principal`. */
export type OwnerPrincipal = { kind: 'owner'; tenantId: string; accountId: string; role: 'owner'; sessionId: string };
export type WorkspacePrincipal = { kind: 'workspace'; tenantId: string; accountId: string; role: Role; sessionId: string };
export type DashboardPrincipal = OwnerPrincipal | WorkspacePrincipal;
export type PlatformPrincipal = { kind: 'platform'; adminId: string; role: PlatformRole; sessionId: string };
export type Principal = DashboardPrincipal | PlatformPrincipal;

export type DashboardSchemes = Record<'OwnerBearer' | 'WorkspaceBearer' | 'DashboardBearer' | 'PlatformBearer', SecurityScheme>;

/**
 * The contract's dashboard security schemes. Besides the token itself they check the live
 * state on every request (one indexed read each): the session is not logged out or revoked
 * for reuse, the account (or admin) and its tenant still exist and are active. The role on
 * the principal is the current one, not the one at sign-in.
 */
export function dashboardSchemes({ db, keys, config }: Pick<AppDeps, 'db' | 'keys' | 'config'>): DashboardSchemes {
  const scheme = (accepted: TokenKind[]): SecurityScheme => ({
    presentIn: (ctx) => bearerTokenOf(ctx) !== undefined,
    guard: () => async (ctx: Context, next: Next) => {
      const claims = await verifyAccessToken(keys, config.issuer, bearerToken(ctx), accepted);
      const principal = await principalFor(claims);
      ctx.state.principal = principal;
      ctx.state.actor = principal.kind === 'platform'
        ? { ...requestActor(ctx), type: 'platform_admin', id: principal.adminId }
        : { ...requestActor(ctx), tenantId: principal.tenantId, type: 'account', id: principal.accountId };
      await next();
    },
  });

  async function principalFor(claims: AccessClaims): Promise<Principal> {
    const session = await findLiveSession(db, claims.sessionId);
    if (!session || session.kind !== claims.kind || session.subjectId !== claims.subject) throw revoked('The session has ended; sign in again');
    if (claims.kind === 'platform') {
      const admin = await loadActiveAdmin(db, claims.subject).catch(asRevoked);
      return { kind: 'platform', adminId: admin.id, role: admin.role, sessionId: session.id };
    }
    const { account } = await loadActiveAccount(db, claims.subject).catch(asRevoked);
    if (account.tenantId !== claims.tenantId) throw revoked('The account moved');
    if (claims.kind === 'owner') {
      if (account.role !== 'owner') throw revoked('The account is no longer the owner');
      return { kind: 'owner', tenantId: account.tenantId, accountId: account.id, role: 'owner', sessionId: session.id };
    }
    return { kind: 'workspace', tenantId: account.tenantId, accountId: account.id, role: account.role, sessionId: session.id };
  }

  return {
    OwnerBearer: scheme(['owner']),
    WorkspaceBearer: scheme(['workspace']),
    DashboardBearer: scheme(['owner', 'workspace']),
    PlatformBearer: scheme(['platform']),
  };
}

const revoked = (message: string) => apiError('TOKEN_REVOKED', message);

/** A token of a disabled or deleted subject is a 401 at a guarded endpoint, not the 403 a login gets. */
function asRevoked(err: unknown): never {
  if (err instanceof ApiError && err.status === 403) throw revoked(err.message);
  throw err;
}

function bearerToken(ctx: Context): string {
  const token = bearerTokenOf(ctx);
  if (token) return token;
  throw apiError('UNAUTHORIZED', 'Send an access token as "Authorization: Bearer <token>"', { headers: { 'WWW-Authenticate': 'Bearer' } });
}

function principalOf<K extends Principal['kind']>(ctx: Context, kinds: K[]): Extract<Principal, { kind: K }> {
  const principal = ctx.state.principal as Principal | undefined;
  // Reaching here without a guard is a wiring mistake in a route, not a client error.
  if (!principal || !kinds.includes(principal.kind as K)) throw new Error(`route needs a ${kinds.join('/')} guard`);
  return principal as Extract<Principal, { kind: K }>;
}

/**
 * After a guard: only these roles pass (e.g. `requireRoles('owner', 'admin')` for workspace
 * administration, `requireRoles('platform_owner')` in the console); others get 403.
 */
export function requireRoles(...roles: (Role | PlatformRole)[]): Middleware {
  return async (ctx: Context, next: Next) => {
    const principal = principalOf(ctx, ['owner', 'workspace', 'platform']);
    if (!roles.includes(principal.role)) throw apiError('FORBIDDEN', `This needs one of the roles ${roles.join(', ')}`);
    await next();
  };
}

export const ownerOf = (ctx: Context) => principalOf(ctx, ['owner']);
export const dashboardOf = (ctx: Context) => principalOf(ctx, ['owner', 'workspace']);

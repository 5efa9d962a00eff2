import type { Context, Next } from 'koa';
import type { Account } from '../accounts/account.ts';
import { findAccountInTenant } from '../accounts/accounts.ts';
import type { SecurityScheme } from '../contract/security.ts';
import type { AppDeps } from '../deps.ts';
import { apiError } from '../http/api-error.ts';
import { requestActor } from '../http/request-actor.ts';
import { isDomainAllowed } from '../tenants/allowed-domains.ts';
import { originDomain } from '../tenants/domains.ts';
import { isTenantActive } from '../tenants/tenants.ts';
import { allowCorsOrigin, originNotAllowed } from './runtime-cors.ts';
import { RUNTIME_SCOPE_OF_OPERATION, kindsHolding, scopesAllowed, type RuntimeKind } from './runtime-scopes.ts';
import { verifyRuntimeToken, type RuntimeClaims } from './runtime-tokens.ts';

export const RUNTIME_HEADER = 'x-ringnity-sdk-session';

/**
 * A runtime request's caller, with the scopes it holds now (its token's, narrowed to the
 * account's current role) and, for agent and admin tokens, the account as it is now.
 */
export type RuntimePrincipal = { kind: 'runtime'; tenantId: string; token: RuntimeClaims; account?: Account };

/** Called on every request an agent token makes: its sign of life (presence). */
export type AgentHeartbeat = (tenantId: string, accountId: string) => Promise<void>;

/**
 * The RuntimeBearer scheme: `X-Ringnity-SDK-Session: <runtime token>`. The operation's runtime
 * scope decides which token kinds it takes (an agent operation refuses a visitor token, and so
 * on). On every request the tenant, and for agent and admin tokens the account, must still be
 * active (one indexed read), and the page's Origin must be the one the session was made for.
 */
export function runtimeBearerScheme(
  { db, keys, config }: Pick<AppDeps, 'db' | 'keys' | 'config'>, heartbeat: AgentHeartbeat,
): SecurityScheme {
  async function live(claims: RuntimeClaims): Promise<{ claims: RuntimeClaims; account?: Account }> {
    if (claims.kind === 'visitor') {
      if (!await isTenantActive(db, claims.tenantId)) throw revoked();
      return { claims };
    }
    const account = await findAccountInTenant(db, claims.subject);
    if (!account?.active || !account.tenantActive || account.tenantId !== claims.tenantId) throw revoked();
    const allowed = scopesAllowed(claims.kind, account.role);
    if (claims.kind === 'agent') await heartbeat(claims.tenantId, account.id);
    return { claims: { ...claims, scopes: claims.scopes.filter((s) => allowed.includes(s)) }, account };
  }

  return {
    presentIn: (ctx) => Boolean(ctx.get(RUNTIME_HEADER)),
    guard: (op) => {
      const scope = RUNTIME_SCOPE_OF_OPERATION[op.id];
      if (!scope) throw new Error(`no runtime scope is mapped for ${op.id}`);
      const kinds = kindsHolding(scope);
      return async (ctx: Context, next: Next) => {
        const token = ctx.get(RUNTIME_HEADER);
        if (!token) throw apiError('SDK_SESSION_REQUIRED', 'Send the runtime session token as "X-Ringnity-SDK-Session"');
        const verified = await verifyRuntimeToken(keys, config.issuer, token);
        if ('expired' in verified) {
          allowCorsOrigin(ctx, verified.expired.origin);
          throw apiError('TOKEN_EXPIRED', 'The runtime session has expired; create a new one');
        }
        if ('invalid' in verified) throw apiError('TOKEN_INVALID', verified.invalid);
        const { claims } = verified;
        const origin = ctx.get('origin');
        if (claims.origin && origin && origin !== claims.origin) {
          throw apiError('SDK_ORIGIN_NOT_ALLOWED', 'This session was created for another origin');
        }
        allowCorsOrigin(ctx, claims.origin);
        if (!kinds.includes(claims.kind)) throw wrongKind(kinds);
        const { claims: current, account } = await live(claims);
        // Tokens minted by a backend name no origin; a page using one must be on an allowed domain.
        if (!claims.origin && origin) {
          const domain = originDomain(origin);
          if (!domain || !await isDomainAllowed(db, domain, claims.tenantId)) {
            throw originNotAllowed(origin, domain);
          }
          allowCorsOrigin(ctx, origin);
        }
        if (!current.scopes.includes(scope)) throw apiError('FORBIDDEN', `This session lacks the "${scope}" scope`);
        ctx.state.principal = { kind: 'runtime', tenantId: claims.tenantId, token: current, ...(account && { account }) } satisfies RuntimePrincipal;
        ctx.state.actor = { ...requestActor(ctx), tenantId: claims.tenantId, type: claims.kind === 'visitor' ? 'visitor' : 'account', id: claims.subject };
        await next();
      };
    },
  };
}

const revoked = () => apiError('TOKEN_REVOKED', 'The tenant or account of this session is no longer active');
const wrongKind = (kinds: readonly RuntimeKind[]) =>
  apiError('TOKEN_WRONG_KIND', `This endpoint needs a ${kinds.join(' or ')} runtime session`);

/** The runtime session a request was authenticated with; only after the RuntimeBearer guard. */
export function runtimeOf(ctx: Context): RuntimePrincipal {
  const principal = ctx.state.principal as RuntimePrincipal | undefined;
  if (principal?.kind !== 'runtime') throw new Error('route needs the RuntimeBearer guard');
  return principal;
}

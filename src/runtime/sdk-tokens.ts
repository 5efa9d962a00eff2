import type { Account } from '../accounts/account.ts';
import { withoutHash } from '../accounts/account.ts';
import { findAccountById, findByUsername } from '../accounts/accounts.ts';
import type { TenantActor } from '../audit/actor.ts';
import { audit } from '../audit/audit-log.ts';
import { isUuid } from '../db/rows.ts';
import type { AppDeps } from '../deps.ts';
import { apiError } from '../http/api-error.ts';
import { isRuntimeScope, scopesAllowed, type RuntimeKind, type RuntimeScope } from './runtime-scopes.ts';
import { signContextToken, signRuntimeToken, tokenLifetime, type VisitorIdentity } from './runtime-tokens.ts';

type Deps = Pick<AppDeps, 'db' | 'keys' | 'config'>;

/** The contract's SdkToken. */
export type SdkToken = { token: string; tokenType: 'Bearer'; expiresIn: number; expiresAt: string; scopes?: string[] };

/** A short-lived token vouching for the customer's signed-in user, for the page to exchange at /sdk/session. */
export async function mintVisitorContextToken(
  deps: Deps, actor: TenantActor, input: { visitor?: VisitorIdentity; metadata?: Record<string, unknown>; expiresIn?: number },
): Promise<SdkToken> {
  const visitor = input.visitor ?? {};
  if (!visitor.externalId && !visitor.email) {
    throw apiError('VALIDATION_FAILED', 'Name the visitor with visitor.externalId or visitor.email', { details: ['visitor.externalId or visitor.email is required'] });
  }
  const issued = await signContextToken(deps.keys, deps.config.issuer, { tenantId: actor.tenantId, visitor, metadata: input.metadata ?? {} }, tokenLifetime(input.expiresIn));
  return { token: issued.token, tokenType: 'Bearer', expiresIn: issued.expiresIn, expiresAt: issued.expiresAt };
}

export type AccountTokenInput = {
  /** agentId (agent tokens) or adminActorId (admin tokens): the account's id. */
  accountId?: string;
  username?: string;
  name?: string;
  departmentId?: string;
  role?: string;
  scopes?: string[];
  expiresIn?: number;
};

/**
 * A runtime token for an existing, active account of the key's tenant: an agent token for any
 * staff member, an admin token for owners and admins. Fields that are given must agree with
 * the account; scopes must be within what its role allows (all of those by default).
 */
export async function mintAccountToken(deps: Deps, actor: TenantActor, kind: Exclude<RuntimeKind, 'visitor'>, input: AccountTokenInput): Promise<SdkToken> {
  const account = await findAccount(deps, actor.tenantId, input);
  if (!account.active) throw apiError('ACCOUNT_DISABLED', 'This account is disabled');
  const contradictions = [
    ...(input.name !== undefined && input.name !== account.name ? [`name "${input.name}" is not this account's name`] : []),
    ...(input.departmentId !== undefined && input.departmentId !== account.departmentId ? ['departmentId is not this account\'s department'] : []),
    ...(input.role !== undefined && input.role !== account.role ? [`role "${input.role}" is not this account's role (${account.role})`] : []),
  ];
  if (contradictions.length) throw apiError('VALIDATION_FAILED', 'The request contradicts the account', { details: contradictions });

  const allowed = scopesAllowed(kind, account.role);
  if (!allowed.length) throw apiError('FORBIDDEN', `A ${account.role} account cannot have ${kind} tokens`);
  const scopes = grantedScopes(input.scopes, allowed, account);
  const issued = await signRuntimeToken(deps.keys, deps.config.issuer, { kind, tenantId: actor.tenantId, subject: account.id, scopes }, tokenLifetime(input.expiresIn));
  await audit(deps.db, actor, `sdk_token.${kind}_issued`, { type: 'account', id: account.id }, { scopes, expiresIn: issued.expiresIn });
  return { token: issued.token, tokenType: 'Bearer', expiresIn: issued.expiresIn, expiresAt: issued.expiresAt, scopes };
}

async function findAccount(deps: Deps, tenantId: string, input: AccountTokenInput): Promise<Account> {
  if (!input.accountId && !input.username) throw apiError('VALIDATION_FAILED', 'Name the account by its id or username');
  const byId = input.accountId && isUuid(input.accountId) ? await findAccountById(deps.db, input.accountId) : undefined;
  const byName = !input.accountId && input.username ? await findByUsername(deps.db, tenantId, input.username) : undefined;
  const account = byId ?? (byName && withoutHash(byName));
  if (!account || account.tenantId !== tenantId) throw apiError('NOT_FOUND', 'No such account in this workspace');
  if (input.accountId && input.username && input.username.toLowerCase() !== account.username) {
    throw apiError('VALIDATION_FAILED', 'The request contradicts the account', { details: [`username "${input.username}" is not this account's username`] });
  }
  return account;
}

function grantedScopes(requested: string[] | undefined, allowed: readonly RuntimeScope[], account: Account): RuntimeScope[] {
  if (!requested) return [...allowed];
  const unknown = requested.filter((s) => !isRuntimeScope(s));
  if (unknown.length) throw apiError('VALIDATION_FAILED', 'Unknown runtime scopes', { details: unknown.map((s) => `unknown scope "${s}"`) });
  const beyond = requested.filter((s) => !allowed.includes(s as RuntimeScope));
  if (beyond.length) throw apiError('FORBIDDEN', `A ${account.role} account cannot be given ${beyond.join(', ')}`);
  return [...new Set(requested as RuntimeScope[])];
}

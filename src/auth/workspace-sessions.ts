import { withoutHash, type Account } from '../accounts/account.ts';
import { findByUsername } from '../accounts/accounts.ts';
import { apiError } from '../http/api-error.ts';
import type { Tenant } from '../tenants/tenant.ts';
import { findTenantBySlug } from '../tenants/tenants.ts';
import { findDepartment, type Department } from '../tenants/departments.ts';
import { assertActive, auditAccount, auditDisabled, loadActiveAccount } from './active-subjects.ts';
import type { AuthDeps } from './auth-deps.ts';
import { signAccessToken } from './dashboard-tokens.ts';
import { redeemEntryToken } from './entry-tokens.ts';
import type { TokenPair } from './owner-sessions.ts';
import type { PasswordChecker } from '../accounts/password-check.ts';
import { rotateRefreshToken, startSession } from './refresh-families.ts';
import type { RequestMeta } from '../http/request-meta.ts';

export type WorkspaceAgent = {
  agentId: string; username: string; name: string; isOwner: boolean; isAdmin: boolean; role: Account['role'];
  clientId: string; clientSlug: string; profileImage: string | null; typeCall: string | null; department?: { id: string; name: string };
};

export type WorkspaceSession = TokenPair & { token: string; agent: WorkspaceAgent; agentId: string; username: string; name: string };

export function workspaceAgent(account: Account, tenant: Tenant, department?: Department): WorkspaceAgent {
  return {
    agentId: account.id, username: account.username, name: account.name,
    isOwner: account.role === 'owner', isAdmin: account.role === 'owner' || account.role === 'admin', role: account.role,
    clientId: tenant.id, clientSlug: tenant.slug, profileImage: null, typeCall: null,
    ...(department ? { department: { id: department.id, name: department.name } } : {}),
  };
}

async function openWorkspaceSession(deps: AuthDeps, account: Account, tenant: Tenant): Promise<WorkspaceSession> {
  const { session, refreshToken } = await startSession(deps.db, { kind: 'workspace', subjectId: account.id, tenantId: tenant.id });
  const { accessToken, expiresIn } = await signAccessToken(deps.keys, deps.config.issuer, {
    kind: 'workspace', subject: account.id, sessionId: session.id, tenantId: tenant.id, role: account.role,
  });
  const department = account.departmentId ? await findDepartment(deps.db, tenant.id, account.departmentId) : undefined;
  return {
    accessToken, refreshToken, expiresIn, token: accessToken,
    agent: workspaceAgent(account, tenant, department), agentId: account.id, username: account.username, name: account.name,
  };
}

export async function loginWorkspace(
  deps: AuthDeps, checkPassword: PasswordChecker, input: { tenantSlug: string | undefined; username: string; password: string }, meta: RequestMeta,
): Promise<WorkspaceSession> {
  if (!input.tenantSlug) {
    throw apiError('VALIDATION_FAILED', 'Which workspace? Sign in on {slug}.<dashboard domain>, or send a "slug" body field or an X-Ringnity-Tenant header');
  }
  const username = input.username.trim().toLowerCase();
  // An unknown workspace is answered like an unknown user: same time, same error.
  const tenant = await findTenantBySlug(deps.db, input.tenantSlug);
  const found = tenant && await findByUsername(deps.db, tenant.id, username);
  const verified = await checkPassword(deps.db, {
    action: 'workspace.login', accountKey: `workspace:${input.tenantSlug}:${username}`, subject: found,
    password: input.password, meta, actor: found && { tenantId: found.tenantId, type: 'account', id: found.id },
  });
  const account = withoutHash(verified);
  await auditDisabled(deps.db, 'workspace.login', account, meta, () => assertActive(account, tenant));
  await auditAccount(deps.db, 'workspace.login', 'success', account, meta, { method: 'password' });
  return openWorkspaceSession(deps, account, tenant!);
}

/** The second half of the owner → workspace bridge: a one-time entry token becomes a workspace session. */
export async function autoLoginWorkspace(deps: AuthDeps, token: string, meta: RequestMeta): Promise<WorkspaceSession> {
  const entry = await redeemEntryToken(deps.db, token);
  const { account, tenant } = await loadActiveAccount(deps.db, entry.accountId);
  await auditAccount(deps.db, 'workspace.login', 'success', account, meta, { method: 'entry_token' });
  return openWorkspaceSession(deps, account, tenant);
}

export async function refreshWorkspaceSession(deps: AuthDeps, refreshToken: string, meta: RequestMeta): Promise<TokenPair> {
  const rotated = await rotateRefreshToken(deps.db, 'workspace', refreshToken, meta, async (trx, session) => (await loadActiveAccount(trx, session.subjectId)).account);
  const { accessToken, expiresIn } = await signAccessToken(deps.keys, deps.config.issuer, {
    kind: 'workspace', subject: rotated.subject.id, sessionId: rotated.session.id, tenantId: rotated.subject.tenantId, role: rotated.subject.role,
  });
  return { accessToken, refreshToken: rotated.refreshToken, expiresIn };
}

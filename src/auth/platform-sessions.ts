import type { Actor } from '../audit/actor.ts';
import { audit, auditFailure } from '../audit/audit-log.ts';
import { loadActiveAdmin } from './active-subjects.ts';
import { signAccessToken } from './dashboard-tokens.ts';
import type { AuthDeps } from './auth-deps.ts';
import type { PasswordChecker } from '../accounts/password-check.ts';
import { rotateRefreshToken, startSession } from './refresh-families.ts';
import type { RequestMeta } from '../http/request-meta.ts';
import { apiError } from '../http/api-error.ts';
import type { PlatformAdmin } from '../platform/admin.ts';
import { findPlatformAdminByEmail } from '../platform/admins.ts';

export type PlatformSession = Pick<PlatformAdmin, 'email' | 'name' | 'role'> & {
  adminId: string; accessToken: string; refreshToken: string; expiresIn: number;
};

async function sessionView(deps: AuthDeps, admin: PlatformAdmin, sessionId: string, refreshToken: string): Promise<PlatformSession> {
  const { accessToken, expiresIn } = await signAccessToken(deps.keys, deps.config.issuer, {
    kind: 'platform', subject: admin.id, sessionId, tenantId: null, role: admin.role,
  });
  return { adminId: admin.id, email: admin.email, name: admin.name, role: admin.role, accessToken, refreshToken, expiresIn };
}

export async function loginPlatformAdmin(
  deps: AuthDeps, checkPassword: PasswordChecker, input: { email: string; password: string }, meta: RequestMeta,
): Promise<PlatformSession> {
  const found = await findPlatformAdminByEmail(deps.db, input.email);
  const verified = await checkPassword(deps.db, {
    action: 'platform.login', accountKey: `platform:${input.email}`, subject: found, password: input.password, meta,
    actor: found && { tenantId: null, type: 'platform_admin', id: found.id },
  });
  const { passwordHash: _hash, ...admin } = verified;
  const who: Actor = { ...meta, tenantId: null, type: 'platform_admin', id: admin.id };
  if (!admin.active) {
    await auditFailure(deps.db, who, 'platform.login', undefined, { reason: 'ACCOUNT_DISABLED' });
    throw apiError('ACCOUNT_DISABLED', 'This platform admin is disabled');
  }
  await audit(deps.db, who, 'platform.login');
  const { session, refreshToken } = await startSession(deps.db, { kind: 'platform', subjectId: admin.id, tenantId: null });
  return sessionView(deps, admin, session.id, refreshToken);
}

export async function refreshPlatformAdminSession(deps: AuthDeps, refreshToken: string, meta: RequestMeta): Promise<PlatformSession> {
  const rotated = await rotateRefreshToken(deps.db, 'platform', refreshToken, meta, (trx, session) => loadActiveAdmin(trx, session.subjectId));
  return sessionView(deps, rotated.subject, rotated.session.id, rotated.refreshToken);
}

import type { Db } from '../db/database.ts';
import type { AccountWithHash } from '../accounts/account.ts';
import { findByTenantEmail, findByUsername, findOwnerByEmail } from '../accounts/accounts.ts';
import { isEmail } from '../accounts/account-rules.ts';
import type { PasswordChecker } from '../accounts/password-check.ts';
import type { Actor } from '../audit/actor.ts';
import { audit, auditFailure } from '../audit/audit-log.ts';
import { ApiError } from '../http/api-error.ts';

export type LoginAttempt = { tenantId: string; clientId: string; login: string; password: string; ip: string; userAgent?: string };

export type LoginOutcome =
  | { kind: 'success'; accountId: string }
  /** Unknown account, wrong password or disabled account: the user is told the same thing. */
  | { kind: 'invalid' }
  | { kind: 'locked'; retryAfterSeconds: number }
  /** Right password, but the account belongs to another tenant than the client's. */
  | { kind: 'other_tenant' };

/**
 * The Login with Ringnity password check: the same throttled, audited check as the
 * dashboards (per account and per IP, shared by every process), with the outcome the
 * login page shows. A disabled account is checked like an unknown one.
 */
export function createLoginService(db: Db, checkPassword: PasswordChecker) {

  async function findCandidate(tenantId: string, login: string): Promise<AccountWithHash | undefined> {
    if (!isEmail(login)) return findByUsername(db, tenantId, login);
    // An owner signs in by email anywhere; finding one of another tenant lets us answer access_denied.
    return (await findByTenantEmail(db, tenantId, login)) ?? (await findOwnerByEmail(db, login));
  }

  return async function attemptLogin(attempt: LoginAttempt): Promise<LoginOutcome> {
    const login = attempt.login.trim().toLowerCase();
    const account = login && attempt.password ? await findCandidate(attempt.tenantId, login) : undefined;
    const target = { type: 'oauth_client', id: attempt.clientId };
    let verified: AccountWithHash;
    try {
      verified = await checkPassword(db, {
        action: 'oidc.login', accountKey: `oidc:${attempt.tenantId}:${login}`,
        subject: account?.active ? account : undefined, password: attempt.password,
        actor: { tenantId: attempt.tenantId, type: account ? 'account' : 'anonymous', id: account?.id ?? null },
        target, meta: { ip: attempt.ip, userAgent: attempt.userAgent },
      });
    } catch (err) {
      if (!(err instanceof ApiError)) throw err;
      if (err.code === 'RATE_LIMITED') return { kind: 'locked', retryAfterSeconds: Number(err.headers?.['Retry-After']) };
      if (err.code === 'INVALID_CREDENTIALS') return { kind: 'invalid' };
      throw err;
    }
    const who: Actor = { tenantId: attempt.tenantId, type: 'account', id: verified.id, ip: attempt.ip, userAgent: attempt.userAgent };
    if (verified.tenantId !== attempt.tenantId) {
      await auditFailure(db, who, 'oidc.login', target, { reason: 'other_tenant' });
      return { kind: 'other_tenant' };
    }
    await audit(db, who, 'oidc.login', target);
    return { kind: 'success', accountId: verified.id };
  };
}

export type AttemptLogin = ReturnType<typeof createLoginService>;

import type { Db } from '../db/database.ts';
import { findByTenantEmail, findByUsername, findOwnerByEmail, type AccountWithHash } from '../accounts/account-table.ts';
import { isEmail } from '../accounts/account-rules.ts';
import { dummyHash, verifyPassword, type PasswordParams } from '../accounts/passwords.ts';
import { audit } from '../audit/audit-log.ts';
import { clearFailures, lockedFor, recordFailure, type ThrottleKey } from '../accounts/login-throttle.ts';

export type LoginAttempt = { tenantId: string; clientId: string; login: string; password: string; ip: string; userAgent?: string };

export type LoginOutcome =
  | { kind: 'success'; accountId: string }
  /** Unknown account, wrong password or disabled account: the user is told the same thing. */
  | { kind: 'invalid' }
  | { kind: 'locked'; retryAfterSeconds: number }
  /** Right password, but the account belongs to another tenant than the client's. */
  | { kind: 'other_tenant' };

/**
 * The Login with Ringnity password check, with per-account and per-IP throttling shared
 * by every process (login_throttle) and an audit entry for each outcome. The dummy hash
 * is made once per factory so unknown accounts cost one verification, like known ones.
 */
export function createLoginService(db: Db, passwords: PasswordParams) {
  let dummy: Promise<string> | undefined;
  const dummyHashOnce = () => (dummy ??= dummyHash(passwords));

  async function findCandidate(tenantId: string, login: string): Promise<AccountWithHash | undefined> {
    if (!isEmail(login)) return findByUsername(db, tenantId, login);
    // An owner signs in by email anywhere; finding one of another tenant lets us answer access_denied.
    return (await findByTenantEmail(db, tenantId, login)) ?? (await findOwnerByEmail(db, login));
  }

  return async function attemptLogin(attempt: LoginAttempt): Promise<LoginOutcome> {
    const login = attempt.login.trim().toLowerCase();
    const keys: ThrottleKey[] = [{ kind: 'account', id: `oidc:${attempt.tenantId}:${login}` }, { kind: 'ip', id: attempt.ip }];
    const base = { tenantId: attempt.tenantId, ip: attempt.ip, userAgent: attempt.userAgent, targetType: 'oauth_client', targetId: attempt.clientId };

    const retryAfterSeconds = await lockedFor(db, keys);
    if (retryAfterSeconds > 0) {
      await audit(db, { ...base, action: 'oidc.login', outcome: 'failure', actorType: 'anonymous', details: { reason: 'throttled' } });
      return { kind: 'locked', retryAfterSeconds };
    }

    const account = login && attempt.password ? await findCandidate(attempt.tenantId, login) : undefined;
    const matches = await verifyPassword(account?.passwordHash ?? await dummyHashOnce(), attempt.password);
    if (!account || !matches || !account.active) {
      await recordFailure(db, keys);
      await audit(db, { ...base, action: 'oidc.login', outcome: 'failure', actorType: 'anonymous', details: { reason: 'invalid_credentials' } });
      return { kind: 'invalid' };
    }
    await clearFailures(db, keys[0]);
    if (account.tenantId !== attempt.tenantId) {
      await audit(db, { ...base, action: 'oidc.login', outcome: 'failure', actorType: 'account', actorId: account.id, details: { reason: 'other_tenant' } });
      return { kind: 'other_tenant' };
    }
    await audit(db, { ...base, action: 'oidc.login', outcome: 'success', actorType: 'account', actorId: account.id });
    return { kind: 'success', accountId: account.id };
  };
}

export type AttemptLogin = ReturnType<typeof createLoginService>;

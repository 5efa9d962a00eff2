import type { Actor } from '../audit/actor.ts';
import { auditFailure, type AuditTarget } from '../audit/audit-log.ts';
import { dummyHash, verifyPassword, type PasswordParams } from './passwords.ts';
import type { Db } from '../db/database.ts';
import { apiError } from '../http/api-error.ts';
import { clearFailures, recordFailure, throttleState, type ThrottleKey } from './login-throttle.ts';
import type { RequestMeta } from '../http/request-meta.ts';

/** Why an attempt was refused, as audited. */
export type LoginRefusal = 'unknown_account' | 'wrong_password' | 'rate_limited';

export type PasswordAttempt<T extends { passwordHash: string }> = {
  /** Audit action, e.g. `owner.login`. */
  action: string;
  /** What the caller typed to name the account, namespaced per login kind (`owner:alice@example.com`). */
  accountKey: string;
  /** The account the caller named, with its stored hash; undefined when no such account exists. */
  subject: T | undefined;
  password: string;
  /** Who the attempt was for, when known, and what it was for (for the audit log). */
  actor?: Pick<Actor, 'tenantId' | 'type' | 'id'>;
  target?: AuditTarget;
  meta: RequestMeta;
};

/** Resolves to the attempt's subject once its password is verified; throws otherwise. */
export type PasswordChecker = <T extends { passwordHash: string }>(db: Db, attempt: PasswordAttempt<T>) => Promise<T>;

const invalidCredentials = () => apiError('INVALID_CREDENTIALS', 'The credentials are not valid');

/**
 * Checks a password login with the brute-force limits (per account key and per client IP,
 * counted in the database so every process shares them). An unknown account is verified
 * against a dummy hash, so it costs the same time and gets the same error as a wrong password.
 * The dummy hash is made once, when the checker is created, so no attempt pays for it.
 * `onRefused` hears of every refusal (the metrics count them; the audit log has the details).
 */
export function createPasswordChecker(params: PasswordParams, { onRefused }: { onRefused?: (action: string, reason: LoginRefusal) => void } = {}): PasswordChecker {
  const dummy = dummyHash(params);
  return async (db, attempt) => {
    const keys: ThrottleKey[] = [{ kind: 'account', id: attempt.accountKey }, { kind: 'ip', id: attempt.meta.ip }];
    const who: Actor = { tenantId: null, type: 'anonymous', id: null, ...attempt.actor, ...attempt.meta };
    const refused = async (reason: LoginRefusal) => {
      await auditFailure(db, who, attempt.action, attempt.target, { reason, account: attempt.accountKey });
      onRefused?.(attempt.action, reason);
    };

    const throttle = await throttleState(db, keys);
    if (throttle.lockedForSeconds > 0) {
      await refused('rate_limited');
      throw apiError('RATE_LIMITED', 'Too many failed sign-in attempts; try again later', { headers: { 'Retry-After': String(throttle.lockedForSeconds) } });
    }
    const { subject } = attempt;
    const ok = await verifyPassword(subject?.passwordHash ?? await dummy, attempt.password);
    if (!ok || !subject) {
      await recordFailure(db, keys);
      await refused(subject?.passwordHash ? 'wrong_password' : 'unknown_account');
      throw invalidCredentials();
    }
    // Most sign-ins have nothing to clear, and skip the statement. A failure counted after the
    // read above stays counted, which errs on the side of the limit.
    if (throttle.counted.includes(keys[0])) await clearFailures(db, keys[0]);
    return subject;
  };
}

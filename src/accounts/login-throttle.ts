import type { Db } from '../db/database.ts';
import { hashSecret } from '../secrets.ts';

/** Limits per key kind: failures allowed inside the window, then a lockout. */
export const THROTTLE_POLICY = {
  account: { maxFailures: 5, windowSeconds: 15 * 60, lockSeconds: 15 * 60 },
  ip: { maxFailures: 20, windowSeconds: 15 * 60, lockSeconds: 15 * 60 },
} as const;

export type ThrottleKey = { kind: keyof typeof THROTTLE_POLICY; id: string };

// Hashed: what a caller typed as a login name can be any length, and a key must fit the index.
export const throttleRowKey = (k: ThrottleKey) => `${k.kind}:${hashSecret(k.id.toLowerCase())}`;

/** Where a sign-in stands: seconds until the first of its keys is unlocked (0 when none is), and the keys that have failures counted. */
export type ThrottleState = { lockedForSeconds: number; counted: ThrottleKey[] };

export async function throttleState(db: Db, keys: ThrottleKey[]): Promise<ThrottleState> {
  const rowKeys = keys.map(throttleRowKey);
  const rows: { key: string; seconds: number }[] = await db('login_throttle').whereIn('key', rowKeys)
    .select('key', db.raw('greatest(0, ceil(extract(epoch from locked_until - now())))::int as seconds'));
  return {
    lockedForSeconds: Math.max(0, ...rows.map((r) => Number(r.seconds ?? 0))),
    counted: keys.filter((_, i) => rows.some((r) => r.key === rowKeys[i])),
  };
}

/** Counts one failure against each key, locking a key that reaches its limit inside its window. */
export async function recordFailure(db: Db, keys: ThrottleKey[]): Promise<void> {
  for (const k of keys) {
    const p = THROTTLE_POLICY[k.kind];
    // One statement per key: concurrent failures from several processes all count.
    await db.raw(`
      INSERT INTO login_throttle (key, failures, window_started_at) VALUES (?, 1, now())
      ON CONFLICT (key) DO UPDATE SET
        failures = CASE WHEN login_throttle.window_started_at < now() - make_interval(secs => ?) THEN 1 ELSE login_throttle.failures + 1 END,
        window_started_at = CASE WHEN login_throttle.window_started_at < now() - make_interval(secs => ?) THEN now() ELSE login_throttle.window_started_at END,
        locked_until = CASE
          WHEN login_throttle.window_started_at >= now() - make_interval(secs => ?) AND login_throttle.failures + 1 >= ?
          THEN now() + make_interval(secs => ?) ELSE login_throttle.locked_until END`,
    [throttleRowKey(k), p.windowSeconds, p.windowSeconds, p.windowSeconds, p.maxFailures, p.lockSeconds]);
  }
}

/** A successful login clears the account's counter (the IP's stays: it may be guessing many accounts). */
export async function clearFailures(db: Db, key: ThrottleKey): Promise<void> {
  await db('login_throttle').where({ key: throttleRowKey(key) }).del().returning('key');
}

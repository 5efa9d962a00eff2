import type { Knex } from 'knex';
import { pendingMigrations } from '../db/migrate.ts';
import type { KeyStore } from '../keys/signing-keys.ts';
import type { Logger } from '../logger.ts';

/**
 * How long one check may take. A silent database (a partition) answers nothing, so without
 * this a probe would wait on the pool for many seconds, long after the prober gave up.
 */
export const CHECK_TIMEOUT_MS = 2_000;

type ReadinessDeps = { db: Knex; keys: KeyStore; logger: Logger };

/** Each check resolves when it passes and throws, saying why, when it does not. */
const CHECKS = {
  async database({ db }: ReadinessDeps) {
    await db.raw('select 1');
  },
  async migrations({ db }: ReadinessDeps) {
    const pending = await pendingMigrations(db);
    if (pending.length) throw new Error(`migrations pending: ${pending.join(', ')}`);
  },
  async signingKeys({ keys }: ReadinessDeps) {
    await keys.get(); // the cached keyring, re-read at most every minute
  },
};

export type CheckName = keyof typeof CHECKS;
export type CheckResult = 'ok' | 'failed' | 'timeout';
export type Readiness = { ready: boolean; checks: Record<CheckName, CheckResult> };

/** Whether this process can serve traffic. The checks run at once, so the whole takes at most CHECK_TIMEOUT_MS. */
export async function checkReadiness(deps: ReadinessDeps): Promise<Readiness> {
  const results = await Promise.all(Object.entries(CHECKS).map(async ([name, check]) => {
    const { result, err } = await bounded(() => check(deps));
    // The probe's answer names the check; why it failed (hosts, migration names) is for the log.
    if (err) deps.logger.warn({ check: name, err: { message: err.message } }, 'readiness check failed');
    return [name, result] as const;
  }));
  return { ready: results.every(([, result]) => result === 'ok'), checks: Object.fromEntries(results) as Readiness['checks'] };
}

async function bounded(check: () => Promise<void>): Promise<{ result: CheckResult; err?: Error }> {
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<{ result: CheckResult; err: Error }>((resolve) => {
    timer = setTimeout(() => resolve({ result: 'timeout', err: new Error(`no answer within ${CHECK_TIMEOUT_MS} ms`) }), CHECK_TIMEOUT_MS);
  });
  const outcome = check().then(() => ({ result: 'ok' as const }), (err: Error) => ({ result: 'failed' as const, err }));
  try {
    return await Promise.race([outcome, timedOut]);
  } finally {
    clearTimeout(timer);
  }
}

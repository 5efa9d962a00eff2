import type { Actor } from '../audit/actor.ts';
import { audit } from '../audit/audit-log.ts';
import type { Db } from '../db/database.ts';
import { apiError } from '../http/api-error.ts';
import type { PlanContractCatalog } from './plan-contract.ts';
import { catalogProblems } from './plan-contract-rules.ts';
import * as table from './plan-contract-table.ts';

export type { PlanContractCatalog } from './plan-contract.ts';
export { catalogProblems } from './plan-contract-rules.ts';

/** A foreign key refused the change (23503): here, a removed plan that tenants are still on. */
const isForeignKeyViolation = (err: unknown) => (err as { code?: string })?.code === '23503';

export function getPlatformPlanContracts(db: Db): Promise<PlanContractCatalog> {
  return table.readCatalog(db);
}

/**
 * Replaces the whole matrix in one transaction, audited with the catalog before and after.
 * Replaces serialise on the version row, so a `version` read before another admin's change
 * is a 409, never a silent overwrite. Entitlement checks read the tables on every request,
 * so the new matrix applies at once in every process.
 */
export async function updatePlatformPlanContracts(db: Db, actor: Actor, next: PlanContractCatalog): Promise<PlanContractCatalog> {
  const problems = catalogProblems(next);
  if (problems.length) throw apiError('VALIDATION_FAILED', 'The plan contracts are invalid', { details: problems });
  try {
    return await db.transaction(async (trx) => {
      const current = await table.lockVersion(trx);
      if (next.version !== undefined && next.version !== current) {
        throw apiError('CONFLICT', `The plan contracts changed since version ${next.version}; read them again (current version ${current})`);
      }
      const before = await table.readCatalog(trx);
      await table.replaceCatalog(trx, next);
      const after = await table.readCatalog(trx);
      await audit(trx, actor, 'plan_contracts.updated', { type: 'plan_contracts', id: String(after.version) }, { before, after });
      return after;
    });
  } catch (err) {
    if (isForeignKeyViolation(err)) {
      throw apiError('CONFLICT', 'A plan that tenants are on cannot be removed; set its isActive to false instead');
    }
    throw err;
  }
}

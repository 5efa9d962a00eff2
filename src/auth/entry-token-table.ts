import type { Db } from '../db/database.ts';

export async function insertEntryToken(db: Db, t: { tokenHash: string; tenantId: string; accountId: string; lifetimeSeconds: number }): Promise<void> {
  await db('workspace_entry_tokens').insert({
    token_hash: t.tokenHash, tenant_id: t.tenantId, account_id: t.accountId,
    expires_at: db.raw('now() + make_interval(secs => ?)', [t.lifetimeSeconds]),
  });
}

/**
 * Uses an unexpired, unused token in one statement (so it works exactly once, even when two
 * requests race); returns the account it was issued for.
 */
export async function consumeEntryToken(db: Db, tokenHash: string): Promise<{ accountId: string } | undefined> {
  const [row] = await db('workspace_entry_tokens').where({ token_hash: tokenHash }).whereNull('used_at')
    .where('expires_at', '>', db.fn.now()).update({ used_at: db.fn.now() }).returning('account_id');
  return row && { accountId: row.account_id };
}

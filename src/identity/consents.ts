import type { TenantActor } from '../audit/actor.ts';
import { audit } from '../audit/audit-log.ts';
import type { Db } from '../db/database.ts';
import { isUuid } from '../db/rows.ts';
import { apiError } from '../http/api-error.ts';
import { findOAuthClientByClientId } from '../oauth-clients/oauth-clients.ts';
import * as consents from './consent-table.ts';
import { destroyGrantsOfAccount } from './oidc-payload-table.ts';

export type { Consent } from './consent-table.ts';

export const findConsent = consents.findConsent;

/** Remembers what the user approved on the consent page, added to what they approved before. */
export const rememberConsent = consents.upsertConsent;

export type WithdrawConsentInput = { clientId: string; accountId: string };

/**
 * Withdraws an account's consent to a client: the consent record goes, and so does every
 * grant of the account at that client with all their codes and tokens, so each of the
 * account's devices is signed out of the client and the next sign-in asks for consent again.
 */
export async function withdrawConsent(db: Db, actor: TenantActor, input: WithdrawConsentInput): Promise<{ consentRemoved: boolean }> {
  return db.transaction(async (trx) => {
    const client = await findOAuthClientByClientId(trx, input.clientId);
    if (!client || client.tenantId !== actor.tenantId) throw apiError('NOT_FOUND', 'OAuth client not found');
    if (!isUuid(input.accountId)) throw apiError('NOT_FOUND', 'Account not found');
    const consentRemoved = await consents.deleteConsent(trx, actor.tenantId, client.clientId, input.accountId);
    await destroyGrantsOfAccount(trx, client.clientId, input.accountId);
    await audit(trx, actor, 'oauth_consent.withdrawn', { type: 'oauth_client', id: client.id }, { clientId: client.clientId, accountId: input.accountId });
    return { consentRemoved };
  });
}

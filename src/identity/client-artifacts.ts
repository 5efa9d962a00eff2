import type { Db } from '../db/database.ts';
import { deleteConsentsOfClient } from './consent-table.ts';
import { destroyPayloadsByClientId } from './oidc-payload-table.ts';

/**
 * What the OAuth client registry asks of the identity core when a client is revoked or
 * deleted: every grant, code and token issued to it goes, in the caller's transaction, so
 * none of them works a moment longer than the client; so do the consents given to it, so a
 * client activated again asks its users anew.
 */
export async function forgetClientArtifacts(db: Db, clientId: string): Promise<void> {
  await destroyPayloadsByClientId(db, clientId);
  await deleteConsentsOfClient(db, clientId);
}

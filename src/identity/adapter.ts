import { errors, type Adapter, type AdapterPayload } from 'oidc-provider';
import type { Db } from '../db/database.ts';
import { findActiveOAuthClient } from '../oauth-clients/oauth-clients.ts';
import { hasControlCharacter } from '../http/control-characters.ts';
import { clientMetadata } from './client-metadata.ts';
import { unlessDatabaseDown } from './oauth-errors.ts';
import * as payloads from './oidc-payload-table.ts';
import { REFRESH_RETRY_GRACE_SECONDS, RefreshTokenConsumedConcurrently } from './refresh-retry.ts';

/**
 * oidc-provider's storage: every artifact model in `oidc_payloads`, and clients read from
 * the `oauth_clients` registry on each lookup (the provider caches the built client by a
 * hash of its metadata, so a dashboard change is seen by the next request in every process).
 */
export function createAdapterFactory(db: Db): (name: string) => Adapter {
  return (name) => (name === 'Client' ? clientAdapter(db) : payloadAdapter(db, name));
}

/**
 * Codes, tokens and client ids arrive in form bodies the provider parses itself: one holding a
 * control character is none this server issued, and is not sent to PostgreSQL (which refuses NUL).
 */
const lookup = <T>(key: string, find: () => Promise<T>) => (hasControlCharacter(key) ? Promise.resolve(undefined) : unlessDatabaseDown(find));

function payloadAdapter(db: Db, type: string): Adapter {
  const find = type === 'RefreshToken'
    ? (id: string) => payloads.findRefreshToken(db, id, REFRESH_RETRY_GRACE_SECONDS)
    : (id: string) => payloads.findPayload(db, type, id);
  return {
    upsert: (id, payload, expiresIn) => unlessDatabaseDown(() => payloads.upsertPayload(db, type, id, payload as payloads.OidcPayload, expiresIn)),
    find: (id) => lookup(id, () => find(id)) as Promise<AdapterPayload | undefined>,
    findByUid: (uid) => lookup(uid, () => payloads.findPayloadByUid(db, type, uid)) as Promise<AdapterPayload | undefined>,
    findByUserCode: (code) => lookup(code, () => payloads.findPayloadByUserCode(db, type, code)) as Promise<AdapterPayload | undefined>,
    consume: (id) => unlessDatabaseDown(() => consumeOnce(db, type, id)),
    destroy: (id) => unlessDatabaseDown(() => payloads.destroyPayload(db, type, id)),
    revokeByGrantId: (grantId) => unlessDatabaseDown(() => payloads.destroyPayloadsByGrantId(db, type, grantId)),
  };
}

/**
 * oidc-provider checks `consumed` before it consumes, which two concurrent requests can both
 * pass. The update is atomic, so a loser is a reuse: like a replayed code it revokes the whole
 * grant (RFC 6749 §4.1.2). A refresh token that lost is left to the retry policy, which
 * revokes the grant unless the loss is the one retry a rotation allows (refresh-retry.ts).
 */
async function consumeOnce(db: Db, type: string, id: string): Promise<void> {
  if (await payloads.consumePayload(db, type, id)) return;
  if (type === 'RefreshToken') throw new RefreshTokenConsumedConcurrently();
  await payloads.destroyGrantOf(db, type, id);
  throw new errors.InvalidGrant('grant request is invalid');
}

function clientAdapter(db: Db): Adapter {
  const readOnly = async () => {
    throw new Error('OAuth clients are managed through the registry, not through oidc-provider');
  };
  return {
    async find(clientId) {
      const client = await lookup(clientId, () => findActiveOAuthClient(db, clientId));
      return client && (clientMetadata(client) as AdapterPayload);
    },
    upsert: readOnly,
    findByUid: readOnly,
    findByUserCode: readOnly,
    consume: readOnly,
    destroy: readOnly,
    revokeByGrantId: readOnly,
  };
}

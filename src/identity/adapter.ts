import type { Adapter, AdapterPayload } from 'oidc-provider';
import type { Db } from '../db/database.ts';
import { hasControlCharacter } from '../http/control-characters.ts';
import { clientMetadata } from './client-metadata.ts';
import type { ClientRegistryCache } from './client-registry-cache.ts';
import { unlessDatabaseDown } from './oauth-errors.ts';
import * as payloads from './oidc-payload-table.ts';
import { REFRESH_RETRY_GRACE_SECONDS } from './refresh-retry.ts';
import { foundByUidKey, foundKey, recall, type HeldWrite, type RequestScopes } from './request-scope.ts';
import type { TokenContextCache } from './token-context-cache.ts';
import { CONTEXT_TYPES, presentedArtifact, readTokenContext } from './token-context.ts';
import { consumeLost } from './token-writes.ts';

/** Where the adapter's reads may come from besides the database: the process's caches, kept current by notifications. */
export type AdapterCaches = { tokenContexts: TokenContextCache; clientRegistry: ClientRegistryCache };

/**
 * oidc-provider's storage: every artifact model in `oidc_payloads`, and clients from the
 * `oauth_clients` registry, through the process's client cache (the provider caches the built
 * client by a hash of its metadata, so a dashboard change is seen in every process within the
 * cache's bound). Inside a provider request the first token lookup also reads what the next
 * ones will ask for (an access token's possibly from the token cache), and a token grant's
 * writes are held and committed together (request-scope.ts).
 */
export function createAdapterFactory(db: Db, scopes: RequestScopes, caches: AdapterCaches): (name: string) => Adapter {
  return (name) => (name === 'Client' ? clientAdapter(db, scopes, caches) : payloadAdapter(db, scopes, caches.tokenContexts, name));
}

/**
 * Codes, tokens and client ids arrive in form bodies the provider parses itself: one holding a
 * control character is none this server issued, and is not sent to PostgreSQL (which refuses NUL).
 */
const lookup = <T>(key: string, find: () => Promise<T>) => (hasControlCharacter(key) ? Promise.resolve(undefined) : unlessDatabaseDown(find));

function payloadAdapter(db: Db, scopes: RequestScopes, cache: TokenContextCache, type: string): Adapter {
  const findOne = type === 'RefreshToken'
    ? (id: string) => payloads.findRefreshToken(db, id, REFRESH_RETRY_GRACE_SECONDS)
    : (id: string) => payloads.findPayload(db, type, id);
  const find = (id: string) => {
    const scope = scopes.current();
    return recall(scope, foundKey(type, id), () => (scope && CONTEXT_TYPES.has(type) ? readTokenContext(db, cache, scope, { type, id }) : findOne(id)));
  };
  /** What this request read of an artifact is out of date once it is written; a grant's revocation outdates all of it. */
  const written = (id: string, uid?: string) => {
    scopes.current()?.found.delete(foundKey(type, id));
    if (uid) scopes.current()?.found.delete(foundByUidKey(type, uid));
  };
  /** A held write is this request's answer for the artifact from now on: the database has not seen it yet. */
  const holding = (held: HeldWrite[], write: HeldWrite & { kind: 'upsert' | 'destroy' }) => {
    held.push(write);
    const found = scopes.current()!.found;
    const payload = write.kind === 'upsert' ? write.payload : undefined;
    found.set(foundKey(type, write.id), payload);
    if (payload?.uid) found.set(foundByUidKey(type, payload.uid), payload);
  };
  const forgetAll = () => scopes.current()?.found.clear();
  // This process's next request sees its own change at once; other processes hear of it from
  // the database (migration 057), and this one too, a moment later.
  const changed = (id: string) => cache.invalidate(foundKey(type, id));
  return {
    async upsert(id, payload, expiresIn) {
      written(id, payload.uid);
      const held = scopes.current()?.held;
      if (held) holding(held, { kind: 'upsert', type, id, payload: payload as payloads.OidcPayload, expiresIn });
      else await unlessDatabaseDown(() => payloads.upsertPayload(db, type, id, payload as payloads.OidcPayload, expiresIn));
      changed(id);
    },
    find: (id) => lookup(id, () => find(id)) as Promise<AdapterPayload | undefined>,
    findByUid: (uid) => lookup(uid, () => recall(scopes.current(), foundByUidKey(type, uid), () => payloads.findPayloadByUid(db, type, uid))) as Promise<AdapterPayload | undefined>,
    findByUserCode: (code) => lookup(code, () => payloads.findPayloadByUserCode(db, type, code)) as Promise<AdapterPayload | undefined>,
    async consume(id) {
      written(id);
      const held = scopes.current()?.held;
      if (held) held.push({ kind: 'consume', type, id });
      else if (!await unlessDatabaseDown(() => payloads.consumePayload(db, type, id))) await consumeLost(db, type, id);
    },
    async destroy(id) {
      written(id);
      const held = scopes.current()?.held;
      if (held) holding(held, { kind: 'destroy', type, id });
      else await unlessDatabaseDown(() => payloads.destroyPayload(db, type, id));
      changed(id);
    },
    async revokeByGrantId(grantId) {
      forgetAll();
      await unlessDatabaseDown(() => payloads.destroyPayloadsByGrantId(db, type, grantId));
      cache.invalidate(foundKey('Grant', grantId));
    },
  };
}

function clientAdapter(db: Db, scopes: RequestScopes, { tokenContexts, clientRegistry }: AdapterCaches): Adapter {
  const readOnly = async () => {
    throw new Error('OAuth clients are managed through the registry, not through oidc-provider');
  };
  // Client authentication outside token requests (revocation, introspection) compares the
  // cached secret hash: a rotation changes the row, whose notification drops the entry.
  const findClient = async (clientId: string) => {
    const client = await clientRegistry.activeClient(clientId);
    return client && clientMetadata(client);
  };
  return {
    find(clientId) {
      const scope = scopes.current();
      const presented = scope && presentedArtifact(scope);
      return lookup(clientId, () => recall(scope, foundKey('Client', clientId), async () => {
        if (!presented) return findClient(clientId);
        // A token request: the client, the code or refresh token and what it names, at once.
        await readTokenContext(db, tokenContexts, scope!, { ...presented, clientId });
        return recall(scope, foundKey('Client', clientId), () => findClient(clientId));
      })) as Promise<AdapterPayload | undefined>;
    },
    upsert: readOnly,
    findByUid: readOnly,
    findByUserCode: readOnly,
    consume: readOnly,
    destroy: readOnly,
    revokeByGrantId: readOnly,
  };
}

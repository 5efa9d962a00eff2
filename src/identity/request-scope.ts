import { AsyncLocalStorage } from 'node:async_hooks';
import type { KoaContextWithOIDC } from 'oidc-provider';
import type { OidcPayload } from './oidc-payload-table.ts';

/** A write the adapter holds back until the request has built its whole answer (token-writes.ts). */
export type HeldWrite =
  | { kind: 'upsert'; type: string; id: string; payload: OidcPayload; expiresIn: number | undefined }
  | { kind: 'consume'; type: string; id: string }
  | { kind: 'destroy'; type: string; id: string };

/**
 * What one provider request has read so far, and the writes it holds back. oidc-provider asks
 * its adapter for the token, then the client, the account and the grant, one by one; the first
 * lookup reads them all in one query (token-context.ts) and the rest are answered from here.
 * Nothing outlives the request, so nothing here can be stale for longer than one request is,
 * except what an access token's read brought from the cross-request cache, which is stale by at
 * most its bound (token-context-cache.ts).
 */
export type RequestScope = {
  readonly ctx: KoaContextWithOIDC;
  /** Answers by model and id (`Client:rn_oauth_…`); a key holding undefined is a known miss. */
  readonly found: Map<string, unknown>;
  /** Set while a token grant or an authorization's resumption runs: its writes, committed together once the answer is built. */
  held?: HeldWrite[];
};

export type RequestScopes = {
  /** A provider middleware: the rest of the request runs inside its own scope. */
  enter(ctx: KoaContextWithOIDC, next: () => Promise<void>): Promise<void>;
  current(): RequestScope | undefined;
};

export function createRequestScopes(): RequestScopes {
  const storage = new AsyncLocalStorage<RequestScope>();
  return {
    enter: (ctx, next) => storage.run({ ctx, found: new Map() }, next),
    current: () => storage.getStore(),
  };
}

export const foundKey = (model: string, id: string) => `${model}:${id}`;

/** The key of a lookup by uid (a session, as a session-bound token's use checks it). */
export const foundByUidKey = (model: string, uid: string) => `${model}:uid:${uid}`;

/** The answer this request already read for `key` (token-context.ts), else `load`ed from the database. */
export function recall<T>(scope: RequestScope | undefined, key: string, load: () => Promise<T>): Promise<T> {
  return scope?.found.has(key) ? Promise.resolve(scope.found.get(key) as T) : load();
}

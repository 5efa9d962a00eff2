import type Provider from 'oidc-provider';
import type { Keyring, KeyStore } from '../keys/signing-keys.ts';

export type HeldProvider = { provider: Provider; handle: ReturnType<Provider['callback']> };

/**
 * What the provider was built from: the signing kid and every published kid, so a key that
 * leaves the JWKS after its retention (no rotation involved) also gets a new provider.
 */
const keyringVersion = (keyring: Keyring) => [keyring.current.kid, ...keyring.published.map((k) => k.kid)].join(' ');

export type ProviderHolder = {
  /** The provider for the current keyring, rebuilt when its signing or published keys change. */
  current(): Promise<HeldProvider>;
};

/**
 * oidc-provider takes its signing keys at construction, so a rotation (seen through the
 * key store, which re-reads the database at most every KEY_REFRESH_SECONDS) swaps in a new
 * provider. All state lives in the database, so requests on the old one finish normally.
 * While the database is unreachable the last provider keeps serving.
 */
export function createProviderHolder(keys: KeyStore, build: (keyring: Keyring) => Provider): ProviderHolder {
  let held: (HeldProvider & { keyring: Keyring; version: string }) | undefined;
  return {
    async current() {
      let keyring: Keyring;
      try {
        keyring = await keys.get();
      } catch (err) {
        if (held) return held;
        throw err;
      }
      if (held?.keyring === keyring) return held; // the store's cached keyring: the common case
      const version = keyringVersion(keyring);
      if (held?.version === version) {
        held.keyring = keyring;
      } else {
        const provider = build(keyring);
        held = { keyring, version, provider, handle: provider.callback() };
      }
      return held;
    },
  };
}

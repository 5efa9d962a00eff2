import type Provider from 'oidc-provider';
import type { Keyring, KeyStore } from './signing-keys.ts';

export type HeldProvider = { kid: string; provider: Provider; handle: ReturnType<Provider['callback']> };

export type ProviderHolder = {
  /** The provider for the current signing key, rebuilt when the keyring's current kid changes. */
  current(): Promise<HeldProvider>;
};

/**
 * oidc-provider takes its signing keys at construction, so a rotation (seen through the
 * key store, which re-reads the database at most every KEY_REFRESH_SECONDS) swaps in a new
 * provider. All state lives in the database, so requests on the old one finish normally.
 * While the database is unreachable the last provider keeps serving.
 */
export function createProviderHolder(keys: KeyStore, build: (keyring: Keyring) => Provider): ProviderHolder {
  let held: HeldProvider | undefined;
  return {
    async current() {
      let keyring: Keyring;
      try {
        keyring = await keys.get();
      } catch (err) {
        if (held) return held;
        throw err;
      }
      if (held?.kid !== keyring.current.kid) {
        const provider = build(keyring);
        held = { kid: keyring.current.kid, provider, handle: provider.callback() };
      }
      return held;
    },
  };
}

import { urlTargetRefusal, type PrivateAllowList } from '../net/ssrf-guard.ts';

/** Where receivers may be: https only in production; non-public addresses only through the allow-list. */
export type ReceiverPolicy = { requireHttps: boolean; allowPrivate: PrivateAllowList };

const MAX_URL_LENGTH = 2048;

/**
 * Problems with a receiver URL, checked when it is saved: absolute http(s), no credentials,
 * and a host that is (or resolves only to) public addresses. The same guard checks the
 * address again when each delivery connects, so a host re-pointed later is refused then.
 */
export async function receiverUrlProblems(value: string, policy: ReceiverPolicy): Promise<string[]> {
  const url = URL.parse(value);
  if (!url || !['http:', 'https:'].includes(url.protocol)) return ['url must be an absolute http or https URL'];
  if (value.length > MAX_URL_LENGTH) return [`url must be at most ${MAX_URL_LENGTH} characters`];
  if (url.username || url.password) return ['url must not contain credentials (use the signature to authenticate deliveries)'];
  if (policy.requireHttps && url.protocol !== 'https:') return ['url must be https'];
  const refusal = await urlTargetRefusal(url, policy.allowPrivate);
  return refusal ? [`url is not reachable from here: ${refusal}`] : [];
}

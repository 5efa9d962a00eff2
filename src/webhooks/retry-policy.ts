import type { OutboundResult } from '../net/guarded-client.ts';

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;

/**
 * The wait before each attempt (README "Retries"): the first at once, then 5 s, 5 min,
 * 30 min, 2 h, 5 h, 10 h and 10 h. After the eighth attempt fails the delivery has failed.
 */
export const RETRY_DELAYS_MS = [0, 5 * SECOND, 5 * MINUTE, 30 * MINUTE, 2 * HOUR, 5 * HOUR, 10 * HOUR, 10 * HOUR] as const;
export const MAX_ATTEMPTS = RETRY_DELAYS_MS.length;

/** An endpoint whose attempts have all failed for this long is disabled. */
export const DISABLE_AFTER_FAILING_MS = 5 * 24 * HOUR;

/** A receiver's Retry-After is honoured up to this. */
const MAX_RETRY_AFTER_MS = 24 * HOUR;

/** ±20 %, so endpoints that failed together don't all come back at the same instant. */
const jitter = (ms: number, random: () => number) => ms * (0.8 + 0.4 * random());

/**
 * The wait before attempt `next` (2…MAX_ATTEMPTS), scaled by `scale` (tests), never shorter
 * than a Retry-After the receiver asked for; undefined when no attempt is left.
 */
export function retryDelay(next: number, options: { scale: number; retryAfterMs?: number; random?: () => number }): number | undefined {
  if (next > MAX_ATTEMPTS) return undefined;
  const scheduled = jitter(RETRY_DELAYS_MS[next - 1] * options.scale, options.random ?? Math.random);
  return Math.max(scheduled, Math.min(options.retryAfterMs ?? 0, MAX_RETRY_AFTER_MS));
}

/** `Retry-After` as seconds or an HTTP date (RFC 9110 §10.2.3), in ms from `now`. */
export function parseRetryAfter(value: string | undefined, now = Date.now()): number | undefined {
  if (!value) return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * SECOND;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/** How one exchange with a receiver counts. */
export type Verdict =
  | { kind: 'delivered' }
  | { kind: 'failed'; error?: string; gone: boolean; retryAfterMs?: number };

/** 2xx is delivered; a redirect is not followed, so it is a failure like any other status; 410 means the endpoint is gone. */
export function judge(result: OutboundResult): Verdict {
  if (result.kind === 'error') return { kind: 'failed', error: result.error, gone: false };
  const { status, headers } = result;
  if (status >= 200 && status < 300) return { kind: 'delivered' };
  const retryAfter = status === 429 || status === 503 ? parseRetryAfter(headers['retry-after'] as string | undefined) : undefined;
  const error = status >= 300 && status < 400
    ? `redirect (${status}${headers.location ? ` to ${headers.location}` : ''}) not followed`
    : `receiver answered ${status}`;
  return { kind: 'failed', error, gone: status === 410, retryAfterMs: retryAfter };
}

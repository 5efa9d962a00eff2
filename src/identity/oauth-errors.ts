import { errors } from 'oidc-provider';
import { isDatabaseUnavailable } from '../http/render-errors.ts';

/**
 * RFC 6749 §4.1.2.1 `temporarily_unavailable`, answered with 503. oidc-provider hides
 * every 5xx as `server_error`, so this one is marked exposed.
 */
export class TemporarilyUnavailable extends errors.OIDCProviderError {
  error_description = 'the service is temporarily unavailable, retry shortly';

  constructor(options?: { cause?: unknown }) {
    super(503, 'temporarily_unavailable', options as any);
    this.expose = true;
  }
}

/** Runs a storage call, turning "the database is down" into `temporarily_unavailable`. */
export async function unlessDatabaseDown<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    throw isDatabaseUnavailable(err) ? new TemporarilyUnavailable({ cause: err }) : err;
  }
}

/** The OAuthError body for errors raised outside oidc-provider's own handlers. */
export const oauthErrorBody = (error: string, description: string) => ({ error, error_description: description });

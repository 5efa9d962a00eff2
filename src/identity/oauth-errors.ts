import type { Context } from 'koa';
import { errors } from 'oidc-provider';
import { isDatabaseUnavailable } from '../db/errors.ts';

/**
 * RFC 6749 §4.1.2.1 `temporarily_unavailable`, answered with 503. oidc-provider hides
 * every 5xx as `server_error`, so this one is marked exposed.
 */
const UNAVAILABLE_DESCRIPTION = 'the service is temporarily unavailable, retry shortly';

export class TemporarilyUnavailable extends errors.OIDCProviderError {
  error_description = UNAVAILABLE_DESCRIPTION;

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

/** 503 temporarily_unavailable with Retry-After, for answers given outside oidc-provider. */
export function answerTemporarilyUnavailable(ctx: Context): void {
  ctx.status = 503;
  ctx.set('Retry-After', '5');
  ctx.body = oauthErrorBody('temporarily_unavailable', UNAVAILABLE_DESCRIPTION);
}

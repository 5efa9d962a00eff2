import type { Context, Next } from 'koa';
import { ApiError, apiError } from './api-error.ts';
import { isDatabaseUnavailable, isUniqueViolation } from '../db/errors.ts';

/** Errors thrown by body parsing and koa itself carry an HTTP status; map them to contract codes (any other 4xx: VALIDATION_FAILED). */
function fromHttpError(err: { status: number; message: string; expose?: boolean }): ApiError {
  switch (err.status) {
    case 413: return apiError('PAYLOAD_TOO_LARGE', 'The request body is too large');
    case 415: return apiError('UNSUPPORTED_MEDIA_TYPE', 'Send the body as application/json');
    case 400: return apiError('VALIDATION_FAILED', 'The request body is not valid JSON');
    default: return apiError(err.status === 404 ? 'NOT_FOUND' : 'VALIDATION_FAILED', err.expose ? err.message : 'The request is invalid');
  }
}

/**
 * Renders every error as the contract's ErrorEnvelope. Unknown errors are logged with the
 * request id and answered with a generic 500: no stack, no internal message.
 */
export async function renderErrors(ctx: Context, next: Next): Promise<void> {
  try {
    await next();
  } catch (err) {
    const e = toApiError(ctx, err);
    ctx.status = e.status;
    if (e.headers) ctx.set(e.headers);
    ctx.body = { success: false, code: e.code, message: e.message, ...(e.details?.length ? { details: e.details } : {}) };
  }
}

function toApiError(ctx: Context, err: unknown): ApiError {
  if (err instanceof ApiError) return err;
  const status = (err as { status?: number }).status;
  // Body parsing throws plain errors carrying a 4xx status (a JSON SyntaxError has no `expose`).
  if (typeof status === 'number' && status >= 400 && status < 500) {
    return fromHttpError(err as { status: number; message: string; expose?: boolean });
  }
  if (isUniqueViolation(err)) return alreadyExists();
  if (isDatabaseUnavailable(err)) {
    ctx.state.log?.warn({ err: { message: (err as Error).message } }, 'database unavailable');
    return apiError('SERVICE_UNAVAILABLE', 'The service is temporarily unavailable', { headers: { 'Retry-After': '5' } });
  }
  ctx.state.log?.error({ err }, 'unexpected error');
  return apiError('INTERNAL_ERROR', 'An unexpected error occurred');
}

/** A unique index refused a concurrent creation that passed the service's own check: a 409, not a 500. */
export const alreadyExists = () => apiError('CONFLICT', 'It already exists (created by a concurrent request); reload and try again');

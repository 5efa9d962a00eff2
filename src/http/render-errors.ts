import type { Context, Next } from 'koa';
import { ApiError } from './api-error.ts';

/** Errors thrown by body parsing and koa itself carry an HTTP status; map them to contract codes. */
function fromHttpError(err: { status: number; message: string; expose?: boolean }): ApiError {
  switch (err.status) {
    case 413: return new ApiError('PAYLOAD_TOO_LARGE', 413, 'The request body is too large');
    case 415: return new ApiError('UNSUPPORTED_MEDIA_TYPE', 415, 'Send the body as application/json');
    case 400: return new ApiError('VALIDATION_FAILED', 400, 'The request body is not valid JSON');
    default: return new ApiError(err.status === 404 ? 'NOT_FOUND' : 'VALIDATION_FAILED', err.status, err.expose ? err.message : 'The request is invalid');
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
    return new ApiError('SERVICE_UNAVAILABLE', 503, 'The service is temporarily unavailable', undefined, { 'Retry-After': '5' });
  }
  ctx.state.log?.error({ err }, 'unexpected error');
  return new ApiError('INTERNAL_ERROR', 500, 'An unexpected error occurred');
}

/**
 * Services check uniqueness first for a clear message; two concurrent creations can still
 * both pass that check, and then the unique index decides: the loser gets a 409, not a 500.
 */
export const isUniqueViolation = (err: unknown): boolean => (err as { code?: string })?.code === '23505';
export const alreadyExists = () => new ApiError('CONFLICT', 409, 'It already exists (created by a concurrent request); reload and try again');

const UNAVAILABLE = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', '57P01', '57P03', '53300', '08006', '08001', '08003']);

/**
 * node-postgres reports a connection lost mid-handshake or mid-query, and its own connect
 * timeout, as plain errors without a code (pg/lib/client.js), so they are known by message;
 * knex prefixes the SQL of a failed query ("select … - Connection terminated unexpectedly").
 */
const CONNECTION_LOST = /(^| - )(Connection terminated( unexpectedly| due to connection timeout)?|timeout expired)$/;

/** The database is down or refusing connections (or knex timed out waiting for one). */
export function isDatabaseUnavailable(err: unknown): boolean {
  const code = (err as { code?: string })?.code;
  return (code !== undefined && UNAVAILABLE.has(code)) || (err as Error)?.name === 'KnexTimeoutError'
    || (code === undefined && CONNECTION_LOST.test((err as Error)?.message ?? ''));
}

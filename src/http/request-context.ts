import type { Context, Next } from 'koa';
import type { Logger } from '../logger.ts';

const REQUEST_ID = /^[\w.-]{1,100}$/;

/**
 * Gives each request an id (kept from X-Request-Id when it is sane), a child logger on
 * ctx.state.log, and one access log line. The path is logged without its query string,
 * which can carry one-time tokens.
 */
export function requestContext(logger: Logger) {
  return async function requestContextMiddleware(ctx: Context, next: Next): Promise<void> {
    const started = process.hrtime.bigint();
    const incoming = ctx.get('x-request-id');
    const id = REQUEST_ID.test(incoming) ? incoming : crypto.randomUUID();
    ctx.state.requestId = id;
    ctx.state.log = logger.child({ requestId: id });
    ctx.set('X-Request-Id', id);
    try {
      await next();
    } finally {
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      ctx.state.log.info({ method: ctx.method, path: ctx.path, status: ctx.status, ms: Math.round(ms * 10) / 10 }, 'request');
    }
  };
}

import type { Context } from 'koa';

/** The contract's success envelope: `{ success: true, data, message? }`. */
export function reply(ctx: Context, status: number, data?: unknown, message?: string): void {
  ctx.status = status;
  ctx.body = { success: true, ...(data === undefined ? {} : { data }), ...(message ? { message } : {}) };
}

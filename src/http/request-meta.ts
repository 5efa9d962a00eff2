import type { Context } from 'koa';

/** Who is calling, before anyone knows who they are: recorded in the audit log and used for per-IP throttling. */
export type RequestMeta = { ip: string; userAgent?: string; requestId?: string };

// ctx.ip honours X-Forwarded-For only when TRUST_PROXY is on (koa `proxy`), so it can't be spoofed otherwise.
export const requestMeta = (ctx: Context): RequestMeta => ({
  ip: ctx.ip, userAgent: ctx.get('user-agent') || undefined, requestId: ctx.state.requestId,
});

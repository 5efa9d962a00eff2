import type { Context } from 'koa';

/** Who is calling, as recorded in the audit log and used for per-IP throttling. */
export type RequestMeta = { ip: string; userAgent?: string };

// ctx.ip honours X-Forwarded-For only when TRUST_PROXY is on (koa `proxy`), so it can't be spoofed otherwise.
export const requestMeta = (ctx: Context): RequestMeta => ({ ip: ctx.ip, userAgent: ctx.get('user-agent') || undefined });

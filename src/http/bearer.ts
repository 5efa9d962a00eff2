import type { Context } from 'koa';

/** The token of `Authorization: Bearer <token>` (RFC 6750 §2.1), or undefined. */
export function bearerTokenOf(ctx: Context): string | undefined {
  return /^Bearer +([\x21-\x7e]+) *$/i.exec(ctx.get('authorization'))?.[1];
}

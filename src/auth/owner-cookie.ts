import type { Context } from 'koa';
import { SESSION_POLICY } from './refresh-families.ts';

export const OWNER_REFRESH_COOKIE = 'ownerRefreshToken';

// Only the endpoints that read it (owner-refresh, owner-logout) receive the cookie; a cookie
// path must end at a "/" boundary, so /api/auth is the narrowest one covering both.
const COOKIE_PATH = '/api/auth';

/**
 * httpOnly keeps the refresh token away from page scripts; SameSite=Lax keeps cross-site
 * POSTs (CSRF) from carrying it; Secure whenever the request came over https
 * (X-Forwarded-Proto is honoured only with TRUST_PROXY).
 */
export function setOwnerRefreshCookie(ctx: Context, refreshToken: string): void {
  ctx.cookies.set(OWNER_REFRESH_COOKIE, refreshToken, {
    httpOnly: true, sameSite: 'lax', secure: ctx.secure, path: COOKIE_PATH,
    maxAge: SESSION_POLICY.owner.refreshSeconds * 1000, overwrite: true,
  });
}

export function clearOwnerRefreshCookie(ctx: Context): void {
  ctx.cookies.set(OWNER_REFRESH_COOKIE, '', { httpOnly: true, sameSite: 'lax', secure: ctx.secure, path: COOKIE_PATH, maxAge: 0, overwrite: true });
}

export const ownerRefreshCookie = (ctx: Context): string | undefined => ctx.cookies.get(OWNER_REFRESH_COOKIE) || undefined;

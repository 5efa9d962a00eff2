import { ApiError } from '../http/api-error.ts';
import { verifyAccessToken, type TokenKind } from './dashboard-tokens.ts';
import type { AuthDeps } from './auth-deps.ts';
import { endSession, findSessionOfKind, sessionOfRefreshToken } from './refresh-families.ts';
import type { RequestMeta } from '../http/request-meta.ts';

export type LogoutCredentials = { refreshToken?: string; accessToken?: string };

/**
 * Ends the session named by a refresh token and/or an access token of this kind. Logout is
 * idempotent: unknown, foreign or already-ended tokens end nothing and are not an error.
 */
export async function logout(deps: AuthDeps, kind: TokenKind, from: LogoutCredentials, meta: RequestMeta): Promise<void> {
  const sessions = [
    from.refreshToken ? await sessionOfRefreshToken(deps.db, kind, from.refreshToken) : undefined,
    from.accessToken ? await sessionOfAccessToken(deps, kind, from.accessToken) : undefined,
  ];
  for (const session of sessions) if (session) await endSession(deps.db, session, meta);
}

async function sessionOfAccessToken(deps: AuthDeps, kind: TokenKind, token: string) {
  try {
    const claims = await verifyAccessToken(deps.keys, deps.config.issuer, token, [kind]);
    return await findSessionOfKind(deps.db, kind, claims.sessionId);
  } catch (err) {
    if (err instanceof ApiError) return undefined; // an unusable access token names no session to end
    throw err;
  }
}

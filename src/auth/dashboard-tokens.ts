import { SignJWT, errors, jwtVerify, type JWTPayload } from 'jose';
import { apiError } from '../http/api-error.ts';
import type { KeyStore } from '../keys/signing-keys.ts';
import { verificationKey } from '../keys/verification-key.ts';

/** The three dashboard token kinds; each is its own audience and `scope` claim. */
export type TokenKind = 'owner' | 'workspace' | 'platform';

/** Access tokens are short-lived: a stolen one is useful for at most this long. */
export const ACCESS_TOKEN_TTL_SECONDS = 15 * 60;

// Distinct audiences keep the kinds apart even if a `scope` check were forgotten, and keep
// every other JWT signed with the same keys (ID tokens: aud = client id) out.
const AUDIENCE: Record<TokenKind, string> = {
  owner: 'urn:ringnity:dashboard:owner',
  workspace: 'urn:ringnity:dashboard:workspace',
  platform: 'urn:ringnity:platform',
};

export type AccessClaims = {
  kind: TokenKind;
  /** accounts.id, or platform_admins.id for platform tokens. */
  subject: string;
  /** The dashboard session (refresh-token family) the token belongs to. */
  sessionId: string;
  tenantId: string | null;
  role: string;
};

export type SignedAccessToken = { accessToken: string; expiresIn: number };

export async function signAccessToken(keys: KeyStore, issuer: string, claims: AccessClaims): Promise<SignedAccessToken> {
  const { current } = await keys.get();
  const accessToken = await new SignJWT({
    scope: claims.kind, sid: claims.sessionId, role: claims.role, ...(claims.tenantId ? { tid: claims.tenantId } : {}),
  })
    .setProtectedHeader({ alg: current.alg, kid: current.kid, typ: 'JWT' })
    .setIssuer(issuer)
    .setAudience(AUDIENCE[claims.kind])
    .setSubject(claims.subject)
    .setJti(crypto.randomUUID())
    .setIssuedAt()
    .setExpirationTime(`${ACCESS_TOKEN_TTL_SECONDS}s`)
    .sign(current.privateKey);
  return { accessToken, expiresIn: ACCESS_TOKEN_TTL_SECONDS };
}

const invalid = (message: string) => apiError('TOKEN_INVALID', message);
const wrongKind = (accepted: TokenKind[]) =>
  apiError('TOKEN_WRONG_KIND', `This endpoint needs a ${accepted.join(' or ')} access token`);

/**
 * Verifies a dashboard access token and returns its claims when it is one of the accepted
 * kinds. Signature (RS256 only, so `alg: none` never passes), issuer and expiry come first;
 * then the kind, judged by audience and `scope` together.
 */
export async function verifyAccessToken(keys: KeyStore, issuer: string, token: string, accepted: TokenKind[]): Promise<AccessClaims> {
  const key = await keyFor(keys, token);
  let payload: JWTPayload;
  try {
    ({ payload } = await jwtVerify(token, key, { algorithms: ['RS256'], issuer }));
  } catch (err) {
    if (err instanceof errors.JWTExpired) throw apiError('TOKEN_EXPIRED', 'The access token has expired; refresh the session');
    throw invalid('The access token is not valid');
  }
  // SDK runtime tokens carry `kind` (visitor, agent, admin); they never open a dashboard.
  if ('kind' in payload) throw wrongKind(accepted);
  const kind = accepted.find((k) => payload.scope === k && audienceIncludes(payload.aud, AUDIENCE[k]));
  if (!kind) throw wrongKind(accepted);
  if (typeof payload.sub !== 'string' || typeof payload.sid !== 'string' || typeof payload.role !== 'string') {
    throw invalid('The access token is missing claims');
  }
  return { kind, subject: payload.sub, sessionId: payload.sid, role: payload.role, tenantId: typeof payload.tid === 'string' ? payload.tid : null };
}

async function keyFor(keys: KeyStore, token: string) {
  const found = await verificationKey(keys, token);
  if ('problem' in found) throw invalid(`The access token ${found.problem}`);
  return found.key;
}

function audienceIncludes(aud: JWTPayload['aud'], expected: string): boolean {
  return Array.isArray(aud) ? aud.length === 1 && aud[0] === expected : aud === expected;
}

import { SignJWT, errors, jwtVerify, type JWTPayload } from 'jose';
import { apiError } from '../http/api-error.ts';
import type { KeyStore } from '../keys/signing-keys.ts';
import { verificationKey } from '../keys/verification-key.ts';
import { RUNTIME_KINDS, isRuntimeScope, type RuntimeKind, type RuntimeScope } from './runtime-scopes.ts';

/** Lifetimes: what the caller asks for, within [60 s, 1 h]; 15 min when it names none. */
export const DEFAULT_TOKEN_SECONDS = 900;
export const MAX_TOKEN_SECONDS = 3600;
const MIN_TOKEN_SECONDS = 60;
export const tokenLifetime = (requested: number | undefined) =>
  Math.min(MAX_TOKEN_SECONDS, Math.max(MIN_TOKEN_SECONDS, Math.floor(requested ?? DEFAULT_TOKEN_SECONDS)));

// Their own audiences: no dashboard token, ID token or context token passes as a runtime
// token, and a runtime token never opens anything else (dashboard tokens refuse `kind`).
const RUNTIME_AUDIENCE = 'urn:ringnity:sdk:runtime';
const CONTEXT_AUDIENCE = 'urn:ringnity:sdk:visitor-context';

export type RuntimeClaims = {
  kind: RuntimeKind;
  tenantId: string;
  /** visitors.id, or accounts.id for agent and admin tokens. */
  subject: string;
  scopes: RuntimeScope[];
  /** The browser origin the session was created from; absent for native apps and backends. */
  origin?: string;
  /** Visitors only: whether the customer's backend vouched for this visitor. */
  verified?: boolean;
};

export type VisitorIdentity = { externalId?: string; email?: string; name?: string; phone?: string };
export type ContextClaims = { tenantId: string; visitor: VisitorIdentity; metadata: Record<string, unknown> };

export type IssuedToken = { token: string; expiresIn: number; expiresAt: string };

type Signed = { audience: string; subject: string; seconds: number; claims: JWTPayload };

async function sign(keys: KeyStore, issuer: string, { audience, subject, seconds, claims }: Signed): Promise<IssuedToken> {
  const { current } = await keys.get();
  const now = Math.floor(Date.now() / 1000);
  const token = await new SignJWT(claims)
    .setProtectedHeader({ alg: current.alg, kid: current.kid, typ: 'JWT' })
    .setIssuer(issuer).setAudience(audience).setSubject(subject).setJti(crypto.randomUUID())
    .setIssuedAt(now).setExpirationTime(now + seconds)
    .sign(current.privateKey);
  return { token, expiresIn: seconds, expiresAt: new Date((now + seconds) * 1000).toISOString() };
}

export function signRuntimeToken(keys: KeyStore, issuer: string, claims: RuntimeClaims, seconds: number): Promise<IssuedToken> {
  return sign(keys, issuer, {
    audience: RUNTIME_AUDIENCE, subject: claims.subject, seconds,
    claims: {
      kind: claims.kind, tid: claims.tenantId, scope: claims.scopes.join(' '),
      ...(claims.origin ? { origin: claims.origin } : {}), ...(claims.kind === 'visitor' ? { vrf: claims.verified === true } : {}),
    },
  });
}

export function signContextToken(keys: KeyStore, issuer: string, claims: ContextClaims, seconds: number): Promise<IssuedToken> {
  const { visitor } = claims;
  return sign(keys, issuer, {
    audience: CONTEXT_AUDIENCE, subject: visitor.externalId ?? `email:${visitor.email}`, seconds,
    claims: { kind: 'visitor_context', tid: claims.tenantId, visitor: { ...visitor }, metadata: claims.metadata },
  });
}

/** Whether the token failed because it expired (it was ours and otherwise valid) and what it claimed. */
type Verified = { payload: JWTPayload } | { expired: JWTPayload } | { invalid: string };

async function verify(keys: KeyStore, issuer: string, token: string, audience: string): Promise<Verified> {
  const found = await verificationKey(keys, token);
  if ('problem' in found) return { invalid: `The token ${found.problem}` };
  try {
    const { payload } = await jwtVerify(token, found.key, { algorithms: ['RS256'], issuer, audience });
    return { payload };
  } catch (err) {
    if (err instanceof errors.JWTExpired) return { expired: err.payload };
    return { invalid: 'The token is not valid' };
  }
}

/** What a runtime token claims; `expired` keeps its origin so an expired session's answer can still be read by its page. */
export type RuntimeVerification = { claims: RuntimeClaims } | { expired: { origin?: string } } | { invalid: string };

export async function verifyRuntimeToken(keys: KeyStore, issuer: string, token: string): Promise<RuntimeVerification> {
  const result = await verify(keys, issuer, token, RUNTIME_AUDIENCE);
  if ('invalid' in result) return result;
  if ('expired' in result) return { expired: { origin: stringClaim(result.expired.origin) } };
  const p = result.payload;
  const kind = RUNTIME_KINDS.find((k) => k === p.kind);
  if (!kind || typeof p.tid !== 'string' || typeof p.sub !== 'string' || typeof p.scope !== 'string') {
    return { invalid: 'The token is not a runtime session token' };
  }
  return {
    claims: {
      kind, tenantId: p.tid, subject: p.sub, scopes: p.scope.split(' ').filter(isRuntimeScope),
      origin: stringClaim(p.origin), ...(kind === 'visitor' ? { verified: p.vrf === true } : {}),
    },
  };
}

/** The visitor a context token vouches for, if it is valid and was minted for this tenant. */
export async function verifyContextToken(keys: KeyStore, issuer: string, token: string, tenantId: string): Promise<ContextClaims> {
  const result = await verify(keys, issuer, token, CONTEXT_AUDIENCE);
  const refused = (why: string) => apiError('SDK_CONTEXT_TOKEN_INVALID', `The visitor context token ${why}`);
  if ('expired' in result) throw refused('has expired; ask your backend for a new one');
  if ('invalid' in result) throw refused('is not valid');
  const p = result.payload;
  if (p.kind !== 'visitor_context' || typeof p.visitor !== 'object' || p.visitor === null) throw refused('is not valid');
  if (p.tid !== tenantId) throw refused('was minted for another tenant');
  const v = p.visitor as Record<string, unknown>;
  const visitor: VisitorIdentity = {
    externalId: stringClaim(v.externalId), email: stringClaim(v.email), name: stringClaim(v.name), phone: stringClaim(v.phone),
  };
  if (!visitor.externalId && !visitor.email) throw refused('names no visitor');
  return { tenantId, visitor, metadata: (typeof p.metadata === 'object' && p.metadata) ? p.metadata as Record<string, unknown> : {} };
}

const stringClaim = (value: unknown) => (typeof value === 'string' && value ? value : undefined);

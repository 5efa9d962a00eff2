import { createRemoteJWKSet, errors, jwtVerify } from 'jose';
import type { Config } from '../config.ts';
import { ApiError, apiError } from '../http/api-error.ts';

/** What a verified Google ID token tells us about its holder. */
export type GoogleIdentity = {
  subject: string;
  email: string | undefined;
  emailVerified: boolean;
  name: string | undefined;
  givenName: string | undefined;
  familyName: string | undefined;
  picture: string | undefined;
};

export type GoogleVerifier = (idToken: string) => Promise<GoogleIdentity>;

// https://developers.google.com/identity/gsi/web/guides/verify-google-id-token
const GOOGLE_ISSUERS = ['accounts.google.com', 'https://accounts.google.com'];

/**
 * A verifier for Google Identity ID tokens, or undefined when GOOGLE_CLIENT_ID is not set.
 * The JWKS is fetched from GOOGLE_JWKS_URL and cached by jose inside this verifier (one per
 * app), refetched when a token names a key it has not seen (Google rotates its keys).
 */
export function createGoogleVerifier(config: Pick<Config, 'googleClientId' | 'googleJwksUrl'>): GoogleVerifier | undefined {
  const audience = config.googleClientId;
  if (!audience) return undefined;
  const jwks = createRemoteJWKSet(new URL(config.googleJwksUrl), { timeoutDuration: 5_000, cooldownDuration: 30_000 });
  return async (idToken) => {
    try {
      const { payload } = await jwtVerify(idToken, jwks, { issuer: GOOGLE_ISSUERS, audience, algorithms: ['RS256'] });
      if (typeof payload.sub !== 'string' || !payload.sub) throw invalid('The Google ID token has no subject');
      const str = (v: unknown) => (typeof v === 'string' ? v : undefined);
      return {
        subject: payload.sub,
        email: str(payload.email)?.toLowerCase(),
        // Older tokens carry the string "true".
        emailVerified: payload.email_verified === true || payload.email_verified === 'true',
        name: str(payload.name), givenName: str(payload.given_name), familyName: str(payload.family_name), picture: str(payload.picture),
      };
    } catch (err) {
      throw toApiError(err);
    }
  };
}

const invalid = (message: string) => apiError('GOOGLE_TOKEN_INVALID', message);

function toApiError(err: unknown): ApiError {
  if (err instanceof ApiError) return err;
  if (err instanceof errors.JWTExpired) return invalid('The Google ID token has expired');
  if (err instanceof errors.JWTClaimValidationFailed) return invalid(`The Google ID token is not for this server (${err.claim} does not match)`);
  if (err instanceof errors.JWKSNoMatchingKey) return invalid('The Google ID token was signed with an unknown key');
  if (err instanceof errors.JWKSTimeout || !(err instanceof errors.JOSEError)) {
    // Google's keys could not be fetched: not the caller's fault, and worth retrying.
    return apiError('SERVICE_UNAVAILABLE', 'Google sign-in is temporarily unavailable', { headers: { 'Retry-After': '5' } });
  }
  return invalid('The Google ID token is not valid');
}

import { SCOPE_CLAIMS } from '../oauth-clients/scopes.ts';

export type RequestedClaim = { claim: string; essential: boolean };

/**
 * The claims a client may ask for by name with the `claims` request parameter (OIDC Core
 * §5.5): those its allowed scopes release. A request for any other claim is refused at
 * consent, so it is never released.
 */
export function claimsAllowedFor(allowedScopes: readonly string[]): Set<string> {
  return new Set(allowedScopes.flatMap((scope) => SCOPE_CLAIMS[scope] ?? []));
}

/**
 * The user claims the `claims` parameter names (userinfo and id_token members), essential
 * when either member says so. The provider has already refused a malformed parameter.
 */
export function requestedClaims(claimsParameter: unknown): RequestedClaim[] {
  if (typeof claimsParameter !== 'string') return [];
  let parsed: Record<string, Record<string, { essential?: unknown } | null> | undefined>;
  try {
    parsed = JSON.parse(claimsParameter);
  } catch {
    return [];
  }
  const found = new Map<string, boolean>();
  for (const member of [parsed?.userinfo, parsed?.id_token]) {
    for (const [claim, request] of Object.entries(member ?? {})) {
      found.set(claim, found.get(claim) === true || request?.essential === true);
    }
  }
  return [...found].map(([claim, essential]) => ({ claim, essential }));
}

import { nameProblem } from '../display-name.ts';
import { findScope } from './scopes.ts';
import type { OAuthClientType } from './oauth-client.ts';

/** Hosts where plain http is acceptable (RFC 8252 §7.3, RFC 9700 §2.6). */
const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);
/** Schemes that can run code or read files in the browser: never a redirect target. */
const DANGEROUS_SCHEMES = new Set(['javascript:', 'data:', 'vbscript:', 'file:', 'blob:', 'about:']);

export const isLoopbackHost = (hostname: string) => LOOPBACK_HOSTS.has(hostname);

/**
 * Why a redirect URI is unacceptable for this client type, or undefined when it is fine:
 * absolute, no fragment, https (http only on loopback), custom schemes (RFC 8252 §7.1)
 * only for public (native) clients. Post-logout redirect URIs follow the same rules (`kind`
 * names which list the URI is in).
 */
export function redirectUriProblem(uri: string, type: OAuthClientType, kind = 'redirect URI'): string | undefined {
  const url = URL.parse(uri);
  if (!url) return `${kind} "${uri}" must be an absolute URI`;
  if (uri.includes('#')) return `${kind} "${uri}" must not contain a fragment`;
  if (url.protocol === 'https:') return url.hostname ? undefined : `${kind} "${uri}" must have a host`;
  if (url.protocol === 'http:') {
    return isLoopbackHost(url.hostname) ? undefined : `${kind} "${uri}" must use https (http is only allowed on loopback hosts)`;
  }
  if (DANGEROUS_SCHEMES.has(url.protocol)) return `${kind} "${uri}" uses a forbidden scheme`;
  if (type !== 'public') return `${kind} "${uri}": custom schemes are only allowed for public (native) clients`;
  return undefined;
}

export function scopeProblem(scope: string): string | undefined {
  const entry = findScope(scope);
  if (!entry) return `unknown scope "${scope}"`;
  if (entry.status !== 'available') return `scope "${scope}" is planned and can't be chosen yet`;
  return undefined;
}

export type ClientSettings = { name: string; type: OAuthClientType; redirectUris: string[]; postLogoutRedirectUris: string[]; allowedScopes: string[] };

/** Every rule a client's settings break, as readable sentences (empty when valid). */
export function clientProblems(settings: ClientSettings): string[] {
  const problems: string[] = [];
  const name = nameProblem(settings.name);
  if (name) problems.push(name);
  if (settings.type !== 'confidential' && settings.type !== 'public') problems.push('type must be confidential or public');
  if (!settings.redirectUris.length) problems.push('at least one redirect URI is required');
  if (settings.redirectUris.length > 20) problems.push('at most 20 redirect URIs are allowed');
  for (const uri of settings.redirectUris) {
    const problem = redirectUriProblem(uri, settings.type);
    if (problem) problems.push(problem);
  }
  if (settings.postLogoutRedirectUris.length > 20) problems.push('at most 20 post-logout redirect URIs are allowed');
  for (const uri of settings.postLogoutRedirectUris) {
    const problem = redirectUriProblem(uri, settings.type, 'post-logout redirect URI');
    if (problem) problems.push(problem);
  }
  if (!settings.allowedScopes.length) problems.push('at least one scope is required');
  for (const scope of settings.allowedScopes) {
    const problem = scopeProblem(scope);
    if (problem) problems.push(problem);
  }
  return problems;
}

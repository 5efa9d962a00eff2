import { isIP } from 'node:net';

/**
 * Widget domain rules, shared by the OAuth tenant endpoint and the dashboard's
 * allowed-domains setting: lowercase host names, scheme/port/path stripped, an optional
 * leading `*.` wildcard; IP addresses, single labels and malformed names are refused.
 */
export type NormalizedDomain = { domain: string } | { problem: string };

const LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;

export function normalizeDomain(input: unknown): NormalizedDomain {
  if (typeof input !== 'string' || !input.trim()) return { problem: 'domain must be a non-empty string' };
  let value = input.trim().toLowerCase();
  if (value.length > 300) return { problem: 'domain is too long' };
  value = value.replace(/^[a-z][a-z0-9+.-]*:\/\//, ''); // scheme
  value = value.replace(/[/?#].*$/, ''); // path, query, fragment
  value = value.replace(/^[^@]*@/, ''); // userinfo
  if (value.startsWith('[')) return { problem: `"${input}" is an IP address; use a domain name` };
  value = value.replace(/:\d*$/, ''); // port
  value = value.replace(/\.$/, ''); // fully-qualified trailing dot
  const wildcard = value.startsWith('*.');
  const host = wildcard ? value.slice(2) : value;
  if (isIP(host)) return { problem: `"${input}" is an IP address; use a domain name` };
  let ascii: string;
  try {
    ascii = new URL(`http://${host}`).hostname; // IDN → punycode
  } catch {
    return { problem: `"${input}" is not a valid domain name` };
  }
  const labels = ascii.split('.');
  if (ascii.length > 253 || labels.length < 2 || !labels.every((l) => LABEL.test(l)) || /^\d+$/.test(labels.at(-1)!)) {
    return { problem: `"${input}" is not a valid domain name` };
  }
  return { domain: wildcard ? `*.${ascii}` : ascii };
}

/** Whether an allowed entry covers a domain: the same name, or a wildcard covering a subdomain. */
export function domainCovers(allowed: string, domain: string): boolean {
  if (allowed === domain) return true;
  if (!allowed.startsWith('*.')) return false;
  // *.example.com covers a.example.com, b.a.example.com and *.a.example.com, not example.com itself.
  const host = domain.startsWith('*.') ? domain.slice(2) : domain;
  return host.endsWith(allowed.slice(1));
}

export const isDomainCovered = (allowedDomains: string[], domain: string) => allowedDomains.some((a) => domainCovers(a, domain));

/** The domain of a browser `Origin` header (`https://shop.example.com:8443` → `shop.example.com`), if it has one. */
export function originDomain(origin: string): string | undefined {
  const normalized = normalizeDomain(origin);
  return 'domain' in normalized && !normalized.domain.startsWith('*.') ? normalized.domain : undefined;
}

/** The allowed-domain entries that would cover a domain: itself and the wildcards of its parents. */
export function entriesCovering(domain: string): string[] {
  const labels = domain.split('.');
  return [domain, ...labels.slice(1, -1).map((_, i) => `*.${labels.slice(i + 1).join('.')}`)];
}

import { lookup } from 'node:dns/promises';
import type { Agent } from 'node:http';
import { isIP } from 'node:net';
import ipaddr from 'ipaddr.js';
import { RequestFilteringHttpAgent, RequestFilteringHttpsAgent } from 'request-filtering-agent';

/**
 * The SSRF guard every outbound request to a customer-chosen URL goes through (webhook
 * delivery, URL ingest): only public unicast addresses may be reached, unless the operator's
 * allow-list names the address or its range. The rule is ipaddr.js's `range()`, the one
 * request-filtering-agent applies at connect time, so a URL accepted when it is saved is
 * judged the same way when it is called.
 */

/** IP addresses (normalised) and CIDR ranges that may be reached although they are not public. */
export type PrivateAllowList = readonly string[];

/**
 * Parses the operator's comma-separated allow-list. Host names are refused: a name can be
 * re-pointed at any address, so only addresses and ranges can be trusted.
 */
export function parseAllowList(value: string): { entries: string[]; problems: string[] } {
  const entries: string[] = [];
  const problems: string[] = [];
  for (const raw of value.split(',').map((s) => s.trim()).filter(Boolean)) {
    const entry = raw.replace(/^\[(.*)\]$/, '$1');
    if (ipaddr.isValidCIDR(entry)) {
      const [address, bits] = ipaddr.parseCIDR(entry);
      entries.push(`${address.toString()}/${bits}`);
    } else if (ipaddr.isValid(entry) && isIP(entry)) {
      entries.push(ipaddr.parse(entry).toString());
    } else {
      problems.push(`"${raw}" is not an IP address or CIDR range`);
    }
  }
  return { entries, problems };
}

const RANGE_NAMES: Record<string, string> = {
  unspecified: 'unspecified', loopback: 'loopback', private: 'private', uniqueLocal: 'private (unique local)',
  linkLocal: 'link-local', multicast: 'multicast', broadcast: 'broadcast', carrierGradeNat: 'carrier-grade NAT',
  reserved: 'reserved', benchmarking: 'benchmarking', ipv4Mapped: 'IPv4-mapped',
};

const familyOf = (address: string) => (isIP(address) === 6 ? 'ipv6' : 'ipv4');

function allowed(address: ipaddr.IPv4 | ipaddr.IPv6, allow: PrivateAllowList): boolean {
  return allow.some((entry) => {
    if (!entry.includes('/')) return ipaddr.parse(entry).toString() === address.toString();
    const cidr = ipaddr.parseCIDR(entry);
    return cidr[0].kind() === address.kind() && address.match(cidr);
  });
}

/** Why `address` may not be reached, or undefined when it may. */
export function addressRefusal(address: string, allow: PrivateAllowList): string | undefined {
  if (!ipaddr.isValid(address)) return `${address} is not an IP address`;
  const parsed = ipaddr.parse(address);
  if (allowed(parsed, allow)) return undefined;
  const range = parsed.range();
  if (range === 'unicast') return undefined;
  return `${address} is a ${RANGE_NAMES[range] ?? range} address, not a public one`;
}

/** A URL's host as an address or a name: `[::1]` → `::1`. */
export const hostOf = (url: URL) => url.hostname.replace(/^\[(.*)\]$/, '$1');

export type ResolvedTarget = { ok: true; address: string } | { ok: false; refusal: string };

/**
 * Resolves the URL's host and checks every address it has (a name with one private address
 * among public ones is refused: which one a connection gets is not ours to choose).
 */
export async function resolveTarget(url: URL, allow: PrivateAllowList): Promise<ResolvedTarget> {
  const host = hostOf(url);
  let addresses: string[];
  if (isIP(host)) {
    addresses = [host];
  } else {
    try {
      addresses = (await lookup(host, { all: true, verbatim: true })).map((a) => a.address);
    } catch (err) {
      return { ok: false, refusal: `${host} does not resolve (${(err as NodeJS.ErrnoException).code ?? 'lookup failed'})` };
    }
  }
  for (const address of addresses) {
    const refusal = addressRefusal(address, allow);
    if (refusal) return { ok: false, refusal: host === address ? refusal : `${host} resolves to ${refusal}` };
  }
  if (!addresses.length) return { ok: false, refusal: `${host} has no address` };
  return { ok: true, address: addresses[0] };
}

/** The save-time check: why requests to `url` would be refused, or undefined. */
export async function urlTargetRefusal(url: URL, allow: PrivateAllowList): Promise<string | undefined> {
  const target = await resolveTarget(url, allow);
  return target.ok ? undefined : target.refusal;
}

/**
 * The connect-time check: an agent that refuses any socket to a non-public address not on
 * the allow-list (request-filtering-agent). It is given only the allow-list entries of the
 * address's own family, because the library warns on the console for every range of the
 * other family it compares an address with.
 */
export function guardedAgent(protocol: string, address: string, allow: PrivateAllowList): Agent {
  const key = `${protocol}|${address}|${allow.join(',')}`;
  const cached = agents.get(key);
  if (cached) return cached;
  const family = familyOf(address);
  const allowIPAddressList = allow.filter((entry) => familyOf(entry.split('/')[0]) === family);
  // Kept alive: a receiver gets many deliveries, and a connection is only ever to the address checked for it.
  const options = { keepAlive: true, timeout: IDLE_SOCKET_MS, allowPrivateIPAddress: false, allowMetaIPAddress: false, allowIPAddressList };
  const agent = protocol === 'https:' ? new RequestFilteringHttpsAgent(options) : new RequestFilteringHttpAgent(options);
  if (agents.size >= MAX_AGENTS) {
    const [oldest, old] = agents.entries().next().value!;
    agents.delete(oldest);
    old.destroy();
  }
  agents.set(key, agent);
  return agent;
}

/** One agent per checked address (and allow-list), so connections to it are reused; the oldest goes past MAX_AGENTS. */
const agents = new Map<string, Agent>();
const MAX_AGENTS = 256;
/** An idle kept-alive connection is closed after this. */
const IDLE_SOCKET_MS = 5_000;

/** request-filtering-agent's refusal of a socket, told apart from network errors by its message. */
export const isGuardRefusal = (err: Error) => /is not allowed\. Because/.test(err.message);

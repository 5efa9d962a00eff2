import type { Config } from '../config.ts';

type AddressConfig = Pick<Config, 'dashboardBaseDomain' | 'dashboardScheme'>;

/** Each tenant's workspace dashboard lives on its own subdomain: `{slug}.<DASHBOARD_BASE_DOMAIN>`. */
export function dashboardUrl(config: AddressConfig, slug: string): string {
  return `${config.dashboardScheme}://${slug}.${config.dashboardBaseDomain}`;
}

/**
 * The tenant slug named by a request's host, when the host is `{slug}.<base domain>`. A
 * base domain without a port also matches a host with one (a proxy may add it).
 */
export function slugFromHost(config: AddressConfig, host: string): string | undefined {
  const base = config.dashboardBaseDomain.toLowerCase();
  const candidates = [host.toLowerCase()];
  if (!base.includes(':')) candidates.push(host.toLowerCase().replace(/:\d+$/, ''));
  for (const h of candidates) {
    if (!h.endsWith(`.${base}`)) continue;
    const label = h.slice(0, -(base.length + 1));
    if (/^[a-z0-9-]+$/.test(label)) return label; // one label only: a.b.<base> names no tenant
  }
  return undefined;
}

/**
 * Which tenant a workspace login is for (DESIGN.md): the host `{slug}.<base domain>`, else a
 * `slug` body field, else the `X-Ringnity-Tenant` header (local development without subdomains).
 */
export function workspaceSlugOf(config: AddressConfig, from: { host: string; bodySlug?: unknown; header?: string }): string | undefined {
  const fromBody = typeof from.bodySlug === 'string' && from.bodySlug.trim() ? from.bodySlug.trim().toLowerCase() : undefined;
  return slugFromHost(config, from.host) ?? fromBody ?? (from.header?.trim().toLowerCase() || undefined);
}

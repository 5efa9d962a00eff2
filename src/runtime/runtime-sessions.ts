import type { Context } from 'koa';
import { hasReadyKnowledge } from '../ai/readiness.ts';
import type { AppDeps } from '../deps.ts';
import { apiError } from '../http/api-error.ts';
import { isDomainCovered, originDomain } from '../tenants/domains.ts';
import { capabilitiesOf } from '../tenants/service-capabilities.ts';
import { findRuntimeTenant, type RuntimeTenant } from '../tenants/tenants.ts';
import type { RuntimeLimits } from './rate-limits.ts';
import { originNotAllowed } from './runtime-cors.ts';
import { VISITOR_SCOPES } from './runtime-scopes.ts';
import {
  DEFAULT_TOKEN_SECONDS, MAX_TOKEN_SECONDS, signRuntimeToken, verifyContextToken, type IssuedToken, type VisitorIdentity,
} from './runtime-tokens.ts';
import { insertAnonymousVisitor, upsertVerifiedVisitor, type VisitorRecord } from './visitor-table.ts';

type Deps = Pick<AppDeps, 'db' | 'keys' | 'config'>;

/** How the page names its workspace: the tenant slug, or the public widget key. */
export type RuntimeEntry = { slug?: string; apiKey?: string };
/** Where the request comes from: the browser's Origin (absent for native apps) and the client address. */
export type RuntimeCaller = { origin?: string; ip: string };

export const runtimeCallerOf = (ctx: Context): RuntimeCaller => ({ origin: ctx.get('origin') || undefined, ip: ctx.ip });

async function resolveTenant(deps: Deps, entry: RuntimeEntry): Promise<RuntimeTenant> {
  if (!entry.slug && !entry.apiKey) throw apiError('VALIDATION_FAILED', 'Name the workspace with "slug" or with the public widget key "apiKey"');
  const found = await findRuntimeTenant(deps.db, entry.slug ? { slug: entry.slug } : { publicKey: entry.apiKey! });
  if (!found || (entry.slug && entry.apiKey && found.tenant.publicKey !== entry.apiKey)) {
    throw apiError('SDK_CLIENT_NOT_FOUND', 'No workspace has this slug or widget key');
  }
  if (!found.tenant.active) throw apiError('SDK_CLIENT_INACTIVE', 'This workspace is not active');
  return found;
}

/** The origin, once it is known to be one of the tenant's allowed domains (exact or `*.` wildcard); undefined without one. */
function allowedOrigin(origin: string | undefined, { allowedDomains }: RuntimeTenant): string | undefined {
  if (!origin) return undefined;
  const domain = originDomain(origin);
  if (!domain || !isDomainCovered(allowedDomains, domain)) {
    throw originNotAllowed(origin, domain);
  }
  return origin;
}

/** The workspace a page names, once its Origin is known to be allowed (no session yet: visitor chat's availability). */
export async function runtimeTenantFor(deps: Deps, entry: RuntimeEntry, caller: RuntimeCaller): Promise<{ tenantId: string; origin?: string }> {
  const runtime = await resolveTenant(deps, entry);
  return { tenantId: runtime.tenant.id, origin: allowedOrigin(caller.origin, runtime) };
}

/** What a page needs before it starts: public tenant fields, branding, services and SDK settings. */
export async function bootstrapRuntime(deps: Deps, entry: RuntimeEntry, caller: RuntimeCaller, debug: boolean) {
  const runtime = await resolveTenant(deps, entry);
  const origin = allowedOrigin(caller.origin, runtime);
  const { tenant } = runtime;
  // Knowledge readiness is a second read, made only where AI chat could be offered at all.
  const aiChatOn = runtime.features.has('ai_chat') && tenant.serviceEnablement.ai_chat !== false;
  const all = capabilitiesOf(tenant, runtime.features, {
    knowledgeReady: aiChatOn && await hasReadyKnowledge(deps.db, tenant.id), realtimeConfigured: Boolean(deps.config.ai.realtimeUrl),
  });
  // Why a service is blocked is developer diagnostics: only with debug=true.
  const services = debug ? all : all.map(({ reason: _reason, ...service }) => service);
  return {
    origin,
    bootstrap: {
      // Public fields only: the owner's email and phone stay private.
      tenant: { clientId: tenant.id, slug: tenant.slug, name: tenant.name, timezone: tenant.timezone, isActive: tenant.active, ...(tenant.companyName ? { companyName: tenant.companyName } : {}) },
      branding: tenant.branding,
      services,
      sdk: {
        sessionPath: '/api/sdk/session',
        sessionHeader: 'X-Ringnity-SDK-Session',
        sessionTtlSeconds: DEFAULT_TOKEN_SECONDS,
        maxSessionTtlSeconds: MAX_TOKEN_SECONDS,
        ...(debug ? { blocked: all.filter((s) => !s.allowed).map((s) => ({ service: s.key, status: s.status, reason: s.reason })) } : {}),
      },
    },
  };
}

export type SessionInput = RuntimeEntry & { contextToken?: string; visitor?: VisitorIdentity; metadata?: Record<string, unknown> };

/**
 * A visitor session. With a context token from the customer's backend the visitor is verified
 * and the same person on every device (one visitor row per externalId, else per email);
 * without one it is a new anonymous visitor whose self-description is kept but never trusted.
 */
export async function createRuntimeSession(deps: Deps, limits: RuntimeLimits, input: SessionInput, caller: RuntimeCaller) {
  const runtime = await resolveTenant(deps, input);
  const origin = allowedOrigin(caller.origin, runtime);
  const tenantId = runtime.tenant.id;
  await limits.session(caller.ip, tenantId);
  const visitor = input.contextToken
    ? await verifiedVisitor(deps, tenantId, input.contextToken)
    : await insertAnonymousVisitor(deps.db, tenantId, input.visitor ?? {}, input.metadata ?? {});
  const session: IssuedToken = await signRuntimeToken(deps.keys, deps.config.issuer, {
    kind: 'visitor', tenantId, subject: visitor.id, scopes: [...VISITOR_SCOPES], origin, verified: visitor.verified,
  }, DEFAULT_TOKEN_SECONDS);
  return {
    origin, tenantId, visitor: { id: visitor.id, verified: visitor.verified },
    session: { sessionToken: session.token, expiresIn: session.expiresIn, expiresAt: session.expiresAt },
  };
}

async function verifiedVisitor(deps: Deps, tenantId: string, contextToken: string): Promise<VisitorRecord> {
  const { visitor, metadata } = await verifyContextToken(deps.keys, deps.config.issuer, contextToken, tenantId);
  const key = visitor.externalId ? `ext:${visitor.externalId}` : `email:${visitor.email!.toLowerCase()}`;
  return upsertVerifiedVisitor(deps.db, tenantId, key, visitor, metadata);
}

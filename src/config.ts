import { readFileSync } from 'node:fs';
import path from 'node:path';
import { getSupportedRegionCodes } from 'awesome-phonenumber';
import { parseAllowList } from './net/ssrf-guard.ts';

export type Environment = 'development' | 'test' | 'production';
export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

export type Config = Readonly<{
  env: Environment;
  port: number;
  issuer: string;
  databaseUrl: string | undefined;
  /** PostgreSQL: how long one query may take before the server cancels it and the client gives up on the connection; 0 = unbounded. */
  databaseQueryTimeoutMs: number;
  /** Entries each of a process's OIDC caches keeps: access tokens' reads for userinfo, clients, tenants (README "Login with Ringnity"); 0 = none. */
  oidcTokenCacheSize: number;
  dataDir: string;
  logLevel: LogLevel;
  trustProxy: boolean;
  demo: boolean;
  bodyLimit: string;
  argon2: Readonly<{ memoryCost: number; timeCost: number; parallelism: number }>;
  /** Dashboards live at https://{slug}.<dashboardBaseDomain>. */
  dashboardBaseDomain: string;
  /** Scheme of dashboard URLs: DASHBOARD_SCHEME, else http for a localhost base domain and https otherwise. */
  dashboardScheme: 'http' | 'https';
  googleClientId: string | undefined;
  googleJwksUrl: string;
  /** The region (ISO 3166-1 alpha-2) a contact's phone number written without `+` is read in. */
  defaultPhoneRegion: string;
  /** GET /metrics: off in production unless a token guards it; with a token, only `Bearer <token>` may scrape. */
  metrics: Readonly<{ enabled: boolean; token: string | undefined }>;
  /** Limits on the public runtime, per minute: sessions per client IP and per tenant (all processes), bootstraps per IP (per process). */
  runtimeLimits: Readonly<{ sessionsPerIp: number; sessionsPerTenant: number; bootstrapsPerIp: number }>;
  chat: ChatSettings;
  /** Report reads (summary, timeseries, export; Server API and Admin SDK together) per tenant per minute, across all processes. */
  reports: Readonly<{ perTenantPerMinute: number }>;
  /** Webhook delivery (README "Webhooks"). */
  webhooks: WebhookSettings;
  /** The AI providers, knowledge ingest and its limits (README "AI"). */
  ai: AiSettings;
}>;

export type AiSettings = Readonly<{
  /** An OpenAI-compatible chat-completions API; without all three the built-in extractive answerer replies. */
  chat: Readonly<{ baseUrl: string; apiKey: string; model: string }> | undefined;
  /** An OpenAI-Realtime-style endpoint taking an SDP offer; unset, realtime calls answer AI_NOT_READY. */
  realtimeUrl: string | undefined;
  /** Sent as `Authorization: Bearer` to the providers. */
  apiKey: string | undefined;
  /** One provider call (chat or realtime), per attempt. */
  timeoutMs: number;
  /** Largest knowledge upload, and largest page a URL ingest reads. */
  uploadMaxBytes: number;
  urlMaxBytes: number;
  urlTimeoutMs: number;
  urlMaxRedirects: number;
  /** Non-public addresses URL ingest may fetch from (its own list: what it fetches becomes visitor-facing text). */
  allowedPrivateHosts: readonly string[];
  ingestPollIntervalMs: number;
}>;

/** Visitor chat's rate limits (per minute, shared by every process), its upload cap and the calls' ring timeout. */
export type ChatSettings = Readonly<{
  conversationsPerVisitor: number; conversationsPerIp: number; messagesPerVisitor: number; messagesPerIp: number;
  uploadsPerVisitor: number; attachmentMaxBytes: number; ringTimeoutSeconds: number;
  /** An agent is online while its last request is younger than this. */
  presenceWindowSeconds: number;
}>;

export type WebhookSettings = Readonly<{
  /** How often the delivery worker looks for due deliveries (it is also woken by local emits). */
  pollIntervalMs: number;
  /** The whole exchange with a receiver, per attempt. */
  timeoutMs: number;
  /** Multiplies the retry schedule (tests shrink it; 1 in production). */
  retryScale: number;
  /** Sends in flight at once, per process. */
  concurrency: number;
  /** How long testWebhook waits for the first attempt's outcome before answering `queued`. */
  testWaitMs: number;
  /** Non-public addresses and ranges receivers may have (the SSRF guard refuses all others). */
  allowedPrivateHosts: readonly string[];
  /** Receivers must be https (production). */
  requireHttps: boolean;
}>;

/** A configuration problem the operator must fix; main prints its message without a stack. */
export class ConfigError extends Error {}

const ENVIRONMENTS: Environment[] = ['development', 'test', 'production'];
const LOG_LEVELS: LogLevel[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

export const projectRoot = path.resolve(import.meta.dirname, '..');

function readDefaults(env: Environment) {
  return JSON.parse(readFileSync(path.join(projectRoot, 'config', `${env}.json`), 'utf8'));
}

type Env = Record<string, string | undefined>;

export function loadConfig(env: Env = process.env): Config {
  const problems: string[] = [];
  const nodeEnv = (env.NODE_ENV || 'development') as Environment;
  if (!ENVIRONMENTS.includes(nodeEnv)) {
    throw new ConfigError(`Invalid configuration: NODE_ENV must be one of ${ENVIRONMENTS.join(', ')} (got "${env.NODE_ENV}")`);
  }
  const defaults = readDefaults(nodeEnv);

  const port = readPort(env.PORT, problems);
  const issuer = env.ISSUER || `http://localhost:${port}`;
  if (!isHttpUrl(issuer) || issuer.endsWith('/')) problems.push(`ISSUER must be an absolute http(s) URL without a trailing slash (got "${issuer}")`);

  const databaseUrl = env.DATABASE_URL || undefined;
  if (databaseUrl && !/^postgres(ql)?:\/\//.test(databaseUrl)) problems.push('DATABASE_URL must be a postgres:// or postgresql:// URL');
  const databaseQueryTimeoutMs = readQueryTimeout(env.DATABASE_QUERY_TIMEOUT_MS, problems);
  const oidcTokenCacheSize = readCacheSize(env.OIDC_TOKEN_CACHE_SIZE, problems);

  const logLevel = (env.LOG_LEVEL || defaults.logLevel) as LogLevel;
  if (!LOG_LEVELS.includes(logLevel)) problems.push(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')} (got "${env.LOG_LEVEL}")`);

  const trustProxy = readBoolean('TRUST_PROXY', env.TRUST_PROXY, false, problems);
  const demo = readBoolean('DEMO', env.DEMO, false, problems);

  const dashboardBaseDomain = env.DASHBOARD_BASE_DOMAIN || defaults.dashboardBaseDomain;
  if (!/^[a-z0-9.-]+(:\d+)?$/i.test(dashboardBaseDomain)) problems.push(`DASHBOARD_BASE_DOMAIN must be a host name, optionally with a port (got "${dashboardBaseDomain}")`);

  const dashboardScheme = (env.DASHBOARD_SCHEME || (/^(localhost|127\.0\.0\.1)(:\d+)?$|\.localhost(:\d+)?$/i.test(dashboardBaseDomain) ? 'http' : 'https')) as 'http' | 'https';
  if (!['http', 'https'].includes(dashboardScheme)) problems.push(`DASHBOARD_SCHEME must be http or https (got "${env.DASHBOARD_SCHEME}")`);

  const googleJwksUrl = env.GOOGLE_JWKS_URL || defaults.googleJwksUrl;
  if (!isHttpUrl(googleJwksUrl)) problems.push(`GOOGLE_JWKS_URL must be an absolute http(s) URL (got "${googleJwksUrl}")`);

  // The demo client's secret is published in the README: never let it near production.
  if (demo && nodeEnv === 'production') problems.push('DEMO must not be enabled when NODE_ENV=production');

  const overrides = {
    insecureIssuer: readBoolean('ALLOW_INSECURE_ISSUER', env.ALLOW_INSECURE_ISSUER, false, problems),
    embeddedDatabase: readBoolean('ALLOW_EMBEDDED_DATABASE', env.ALLOW_EMBEDDED_DATABASE, false, problems),
  };
  if (nodeEnv === 'production') problems.push(...productionProblems(issuer, databaseUrl, overrides));

  const metricsToken = env.METRICS_TOKEN || undefined;
  if (metricsToken !== undefined && metricsToken.length < 16) problems.push('METRICS_TOKEN must be at least 16 characters');

  const runtimeLimits = Object.freeze({
    sessionsPerIp: readPositiveInt('SDK_SESSIONS_PER_IP_PER_MINUTE', env.SDK_SESSIONS_PER_IP_PER_MINUTE, 30, problems),
    sessionsPerTenant: readPositiveInt('SDK_SESSIONS_PER_TENANT_PER_MINUTE', env.SDK_SESSIONS_PER_TENANT_PER_MINUTE, 3000, problems),
    bootstrapsPerIp: readPositiveInt('SDK_BOOTSTRAPS_PER_IP_PER_MINUTE', env.SDK_BOOTSTRAPS_PER_IP_PER_MINUTE, 300, problems),
  });

  const chat = Object.freeze({
    conversationsPerVisitor: readPositiveInt('CHAT_CONVERSATIONS_PER_VISITOR_PER_MINUTE', env.CHAT_CONVERSATIONS_PER_VISITOR_PER_MINUTE, 10, problems),
    conversationsPerIp: readPositiveInt('CHAT_CONVERSATIONS_PER_IP_PER_MINUTE', env.CHAT_CONVERSATIONS_PER_IP_PER_MINUTE, 30, problems),
    messagesPerVisitor: readPositiveInt('CHAT_MESSAGES_PER_VISITOR_PER_MINUTE', env.CHAT_MESSAGES_PER_VISITOR_PER_MINUTE, 60, problems),
    messagesPerIp: readPositiveInt('CHAT_MESSAGES_PER_IP_PER_MINUTE', env.CHAT_MESSAGES_PER_IP_PER_MINUTE, 600, problems),
    uploadsPerVisitor: readPositiveInt('CHAT_UPLOADS_PER_VISITOR_PER_MINUTE', env.CHAT_UPLOADS_PER_VISITOR_PER_MINUTE, 10, problems),
    attachmentMaxBytes: readPositiveInt('CHAT_ATTACHMENT_MAX_BYTES', env.CHAT_ATTACHMENT_MAX_BYTES, 10 * 1024 * 1024, problems),
    ringTimeoutSeconds: readPositiveInt('CALL_RING_TIMEOUT_SECONDS', env.CALL_RING_TIMEOUT_SECONDS, 45, problems),
    presenceWindowSeconds: readPositiveInt('AGENT_PRESENCE_WINDOW_SECONDS', env.AGENT_PRESENCE_WINDOW_SECONDS, 60, problems),
  });

  const reports = Object.freeze({
    perTenantPerMinute: readPositiveInt('REPORTS_PER_TENANT_PER_MINUTE', env.REPORTS_PER_TENANT_PER_MINUTE, 120, problems),
  });

  const defaultPhoneRegion = (env.DEFAULT_PHONE_REGION || 'US').toUpperCase();
  if (!getSupportedRegionCodes().includes(defaultPhoneRegion)) {
    problems.push(`DEFAULT_PHONE_REGION must be a two-letter region code such as US or DE (got "${env.DEFAULT_PHONE_REGION}")`);
  }

  const webhooks = readWebhookSettings(env, nodeEnv, problems);
  const ai = readAiSettings(env, problems);

  if (problems.length) throw new ConfigError(`Invalid configuration: ${problems.join('; ')}`);

  return Object.freeze({
    env: nodeEnv,
    port,
    issuer,
    databaseUrl,
    databaseQueryTimeoutMs,
    oidcTokenCacheSize,
    dataDir: path.resolve(env.DATA_DIR || 'data'),
    logLevel,
    trustProxy,
    demo,
    bodyLimit: defaults.bodyLimit,
    argon2: Object.freeze({ ...defaults.argon2 }),
    dashboardBaseDomain,
    dashboardScheme,
    googleClientId: env.GOOGLE_CLIENT_ID || undefined,
    googleJwksUrl,
    defaultPhoneRegion,
    metrics: Object.freeze({ enabled: nodeEnv !== 'production' || metricsToken !== undefined, token: metricsToken }),
    runtimeLimits,
    chat,
    reports,
    webhooks,
    ai,
  });
}

function readAiSettings(env: Env, problems: string[]): AiSettings {
  const chatVars = [env.AI_BASE_URL, env.AI_API_KEY, env.AI_CHAT_MODEL];
  if ((env.AI_BASE_URL || env.AI_CHAT_MODEL) && !chatVars.every(Boolean)) problems.push('AI_BASE_URL, AI_API_KEY and AI_CHAT_MODEL must be set together (or none of them)');
  for (const name of ['AI_BASE_URL', 'AI_REALTIME_URL'] as const) {
    if (env[name] && !isHttpUrl(env[name]!)) problems.push(`${name} must be an absolute http(s) URL (got "${env[name]}")`);
  }
  const allowList = parseAllowList(env.KNOWLEDGE_ALLOWED_PRIVATE_HOSTS ?? '');
  problems.push(...allowList.problems.map((p) => `KNOWLEDGE_ALLOWED_PRIVATE_HOSTS: ${p}`));
  return Object.freeze({
    chat: chatVars.every(Boolean) ? Object.freeze({ baseUrl: env.AI_BASE_URL!, apiKey: env.AI_API_KEY!, model: env.AI_CHAT_MODEL! }) : undefined,
    realtimeUrl: env.AI_REALTIME_URL || undefined,
    apiKey: env.AI_API_KEY || undefined,
    timeoutMs: readPositiveInt('AI_TIMEOUT_MS', env.AI_TIMEOUT_MS, 20_000, problems),
    uploadMaxBytes: readPositiveInt('KNOWLEDGE_UPLOAD_MAX_BYTES', env.KNOWLEDGE_UPLOAD_MAX_BYTES, 20 * 1024 * 1024, problems),
    urlMaxBytes: readPositiveInt('KNOWLEDGE_URL_MAX_BYTES', env.KNOWLEDGE_URL_MAX_BYTES, 5 * 1024 * 1024, problems),
    urlTimeoutMs: readPositiveInt('KNOWLEDGE_URL_TIMEOUT_MS', env.KNOWLEDGE_URL_TIMEOUT_MS, 10_000, problems),
    urlMaxRedirects: readPositiveInt('KNOWLEDGE_URL_MAX_REDIRECTS', env.KNOWLEDGE_URL_MAX_REDIRECTS, 5, problems),
    allowedPrivateHosts: Object.freeze(allowList.entries),
    ingestPollIntervalMs: readPositiveInt('KNOWLEDGE_POLL_INTERVAL_MS', env.KNOWLEDGE_POLL_INTERVAL_MS, 1000, problems),
  });
}

function readWebhookSettings(env: Env, nodeEnv: Environment, problems: string[]): WebhookSettings {
  const retryScale = env.WEBHOOK_RETRY_SCALE ? Number(env.WEBHOOK_RETRY_SCALE) : 1;
  if (!(retryScale > 0 && retryScale <= 1000)) problems.push(`WEBHOOK_RETRY_SCALE must be a number above 0 and at most 1000 (got "${env.WEBHOOK_RETRY_SCALE}")`);
  const allowList = parseAllowList(env.WEBHOOK_ALLOWED_PRIVATE_HOSTS ?? '');
  problems.push(...allowList.problems.map((p) => `WEBHOOK_ALLOWED_PRIVATE_HOSTS: ${p}`));
  return Object.freeze({
    pollIntervalMs: readPositiveInt('WEBHOOK_POLL_INTERVAL_MS', env.WEBHOOK_POLL_INTERVAL_MS, 1000, problems),
    timeoutMs: readPositiveInt('WEBHOOK_TIMEOUT_MS', env.WEBHOOK_TIMEOUT_MS, 15_000, problems),
    retryScale,
    concurrency: readPositiveInt('WEBHOOK_CONCURRENCY', env.WEBHOOK_CONCURRENCY, 10, problems),
    testWaitMs: readPositiveInt('WEBHOOK_TEST_WAIT_MS', env.WEBHOOK_TEST_WAIT_MS, 5000, problems),
    allowedPrivateHosts: Object.freeze(allowList.entries),
    requireHttps: nodeEnv === 'production',
  });
}

/**
 * Mistakes that work in development but hurt in production, each with its explicit override:
 * tokens and cookies sent in clear text, and a single-process database that loses nothing
 * only while one process runs.
 */
function productionProblems(issuer: string, databaseUrl: string | undefined, allow: { insecureIssuer: boolean; embeddedDatabase: boolean }): string[] {
  const problems: string[] = [];
  const url = URL.parse(issuer);
  if (url?.protocol === 'http:' && !isLoopback(url.hostname) && !allow.insecureIssuer) {
    problems.push(`ISSUER must be https when NODE_ENV=production (got "${issuer}"); set ALLOW_INSECURE_ISSUER=true to allow it`);
  }
  if (!databaseUrl && !allow.embeddedDatabase) {
    problems.push('DATABASE_URL must be set when NODE_ENV=production (the embedded database is for one process); set ALLOW_EMBEDDED_DATABASE=true to allow it');
  }
  return problems;
}

const isLoopback = (hostname: string) => hostname === 'localhost' || hostname === '[::1]' || /^127(\.\d{1,3}){3}$/.test(hostname);

function readPort(value: string | undefined, problems: string[]): number {
  if (value === undefined || value === '') return 8192;
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    problems.push(`PORT must be an integer between 0 and 65535 (got "${value}")`);
    return 8192;
  }
  return port;
}

function readPositiveInt(name: string, value: string | undefined, fallback: number, problems: string[]): number {
  if (value === undefined || value === '') return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) {
    problems.push(`${name} must be a positive integer (got "${value}")`);
    return fallback;
  }
  return n;
}

/** How long one query may take unless DATABASE_QUERY_TIMEOUT_MS says otherwise (README "Configuration"). */
export const DEFAULT_QUERY_TIMEOUT_MS = 2_000;

/** 0 lifts the bound (a long migration); anything else below 100 ms would refuse ordinary queries. */
function readQueryTimeout(value: string | undefined, problems: string[]): number {
  if (value === undefined || value === '') return DEFAULT_QUERY_TIMEOUT_MS;
  const ms = Number(value);
  if (!Number.isInteger(ms) || (ms !== 0 && ms < 100)) {
    problems.push(`DATABASE_QUERY_TIMEOUT_MS must be 0 (no bound) or an integer of at least 100 (got "${value}")`);
    return DEFAULT_QUERY_TIMEOUT_MS;
  }
  return ms;
}

/** How many entries each OIDC cache keeps unless OIDC_TOKEN_CACHE_SIZE says otherwise; 0 turns them off. */
const DEFAULT_TOKEN_CACHE_SIZE = 10_000;

function readCacheSize(value: string | undefined, problems: string[]): number {
  if (value === undefined || value === '') return DEFAULT_TOKEN_CACHE_SIZE;
  const size = Number(value);
  if (!Number.isInteger(size) || size < 0) {
    problems.push(`OIDC_TOKEN_CACHE_SIZE must be 0 (off) or a positive integer (got "${value}")`);
    return DEFAULT_TOKEN_CACHE_SIZE;
  }
  return size;
}

function readBoolean(name: string, value: string | undefined, fallback: boolean, problems: string[]): boolean {
  if (value === undefined || value === '') return fallback;
  if (['1', 'true', 'yes'].includes(value.toLowerCase())) return true;
  if (['0', 'false', 'no'].includes(value.toLowerCase())) return false;
  problems.push(`${name} must be true or false (got "${value}")`);
  return fallback;
}

function isHttpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return url.protocol === 'http:' || url.protocol === 'https:';
  } catch {
    return false;
  }
}

import { readFileSync } from 'node:fs';
import path from 'node:path';

export type Environment = 'development' | 'test' | 'production';
export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

export type Config = Readonly<{
  env: Environment;
  port: number;
  issuer: string;
  databaseUrl: string | undefined;
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

  if (problems.length) throw new ConfigError(`Invalid configuration: ${problems.join('; ')}`);

  return Object.freeze({
    env: nodeEnv,
    port,
    issuer,
    databaseUrl,
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
  });
}

function readPort(value: string | undefined, problems: string[]): number {
  if (value === undefined || value === '') return 8192;
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    problems.push(`PORT must be an integer between 0 and 65535 (got "${value}")`);
    return 8192;
  }
  return port;
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

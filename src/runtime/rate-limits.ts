import { RateLimiterMemory, RateLimiterPostgres, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import type { ChatSettings, Config } from '../config.ts';
import type { Db } from '../db/database.ts';
import { apiError } from '../http/api-error.ts';

export type RuntimeLimits = {
  /** Counts one session creation by this client and tenant; 429 RATE_LIMITED with Retry-After past either limit. */
  session(ip: string, tenantId: string): Promise<void>;
  /** Counts one bootstrap by this client, in this process. */
  bootstrap(ip: string): Promise<void>;
};

/**
 * rate-limiter-flexible's PostgreSQL store speaks node-postgres (`query({ text, values })`,
 * `$n` placeholders); this hands its statements to knex, so it runs on PostgreSQL and on
 * PGlite alike, on the product's own connection pool. The table is created by a migration.
 */
function pgStoreClient(db: Db) {
  return {
    query: async ({ text, values = [] }: { text: string; values?: unknown[] }) => {
      const bindings: unknown[] = [];
      const sql = text.replace(/\$(\d+)/g, (_, n: string) => { bindings.push(values[Number(n) - 1]); return '?'; });
      return db.raw(sql, bindings as never[]) as unknown as Promise<{ rows: unknown[] }>;
    },
  };
}

/**
 * Session creation is limited across all processes (PostgreSQL counters): it writes a visitor
 * and is what a flood would aim at. Bootstrap is a cached read answered on every page view, so
 * its per-IP limit is kept in memory, per process, and costs no round trip.
 */
export function runtimeLimits(db: Db, limits: Config['runtimeLimits']): RuntimeLimits {
  const postgres = sharedLimiter(db);
  const perIp = postgres('sdk-session-ip', limits.sessionsPerIp);
  const perTenant = postgres('sdk-session-tenant', limits.sessionsPerTenant);
  const bootstraps = new RateLimiterMemory({ keyPrefix: 'sdk-bootstrap-ip', points: limits.bootstrapsPerIp, duration: 60 });

  return {
    session: async (ip, tenantId) => {
      await consume(perIp, ip, 'Too many sessions from this address; try again later');
      await consume(perTenant, tenantId, 'Too many sessions for this workspace; try again later');
    },
    bootstrap: (ip) => consume(bootstraps, ip, 'Too many requests from this address; try again later'),
  };
}

/** A per-minute limiter counted in PostgreSQL, so every process shares its counters. */
const sharedLimiter = (db: Db) => (keyPrefix: string, points: number) => new RateLimiterPostgres({
  storeClient: pgStoreClient(db), storeType: 'pool', tableName: 'rate_limits', tableCreated: true, keyPrefix, points, duration: 60,
});

export type ChatLimits = {
  /** Counts one new conversation by this visitor from this address. */
  conversation(visitorId: string, ip: string): Promise<void>;
  /** Counts one message write (send, edit, delete) by this visitor from this address. */
  message(visitorId: string, ip: string): Promise<void>;
  /** Counts one attachment upload or declaration by this visitor. */
  upload(visitorId: string): Promise<void>;
};

/** Public chat writes, limited per visitor and per address across all processes. */
export function chatLimits(db: Db, settings: ChatSettings): ChatLimits {
  const postgres = sharedLimiter(db);
  const conversationsPerVisitor = postgres('chat-conversation-visitor', settings.conversationsPerVisitor);
  const conversationsPerIp = postgres('chat-conversation-ip', settings.conversationsPerIp);
  const messagesPerVisitor = postgres('chat-message-visitor', settings.messagesPerVisitor);
  const messagesPerIp = postgres('chat-message-ip', settings.messagesPerIp);
  const uploadsPerVisitor = postgres('chat-upload-visitor', settings.uploadsPerVisitor);
  return {
    conversation: async (visitorId, ip) => {
      await consume(conversationsPerVisitor, visitorId, 'Too many new conversations; try again later');
      await consume(conversationsPerIp, ip, 'Too many new conversations from this address; try again later');
    },
    message: async (visitorId, ip) => {
      await consume(messagesPerVisitor, visitorId, 'Too many messages; slow down');
      await consume(messagesPerIp, ip, 'Too many messages from this address; slow down');
    },
    upload: (visitorId) => consume(uploadsPerVisitor, visitorId, 'Too many uploads; try again later'),
  };
}

/** Counts one report read (summary, timeseries or export, on either surface) for the tenant. */
export type ReportLimits = { report(tenantId: string): Promise<void> };

/**
 * Report reads aggregate a tenant's whole period in the database, so each tenant gets a
 * per-minute budget shared by its Server API keys and admin tokens, across all processes.
 */
export function reportLimits(db: Db, perTenantPerMinute: number): ReportLimits {
  const perTenant = sharedLimiter(db)('report-tenant', perTenantPerMinute);
  return { report: (tenantId) => consume(perTenant, tenantId, 'Too many report requests for this workspace; try again later') };
}

async function consume(limiter: RateLimiterAbstract, key: string, message: string): Promise<void> {
  try {
    await limiter.consume(key);
  } catch (err) {
    if (!(err instanceof RateLimiterRes)) throw err; // the store failed: a database error, answered as such
    throw apiError('RATE_LIMITED', message, { headers: { 'Retry-After': String(Math.max(1, Math.ceil(err.msBeforeNext / 1000))) } });
  }
}

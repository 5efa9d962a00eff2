/**
 * Services check uniqueness first for a clear message; two concurrent creations can still
 * both pass that check, and then the unique index decides (a unique violation, 23505).
 */
export const isUniqueViolation = (err: unknown): boolean => (err as { code?: string })?.code === '23505';

/**
 * Refused or lost connections, the server shutting down or full, and the query bounds
 * (src/db/database.ts): 57014 is a statement the server cancelled at statement_timeout, 25P03 a
 * transaction it ended for idling.
 */
const UNAVAILABLE = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', '57P01', '57P03', '53300', '08006', '08001', '08003', '57014', '25P03']);

/** node-postgres's error when query_timeout passes without an answer (pg/lib/client.js). */
export const QUERY_READ_TIMEOUT = 'Query read timeout';

/**
 * node-postgres reports a connection lost mid-handshake or mid-query, its own connect and
 * query timeouts, and queries on a connection closed after such a timeout as plain errors
 * without a code (pg/lib/client.js), so they are known by message; knex prefixes the SQL of a
 * failed query ("select … - Connection terminated unexpectedly").
 */
const CONNECTION_LOST = new RegExp(`(^| - )(Connection terminated( unexpectedly| due to connection timeout)?|timeout expired|${QUERY_READ_TIMEOUT}|Client (was closed|has encountered a connection error) and is not queryable)$`);

/** The database is down or refusing connections (or knex timed out waiting for one). */
export function isDatabaseUnavailable(err: unknown): boolean {
  const code = (err as { code?: string })?.code;
  return (code !== undefined && UNAVAILABLE.has(code)) || (err as Error)?.name === 'KnexTimeoutError'
    || (code === undefined && CONNECTION_LOST.test((err as Error)?.message ?? ''));
}

/**
 * Services check uniqueness first for a clear message; two concurrent creations can still
 * both pass that check, and then the unique index decides (a unique violation, 23505).
 */
export const isUniqueViolation = (err: unknown): boolean => (err as { code?: string })?.code === '23505';

const UNAVAILABLE = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', '57P01', '57P03', '53300', '08006', '08001', '08003']);

/**
 * node-postgres reports a connection lost mid-handshake or mid-query, and its own connect
 * timeout, as plain errors without a code (pg/lib/client.js), so they are known by message;
 * knex prefixes the SQL of a failed query ("select … - Connection terminated unexpectedly").
 */
const CONNECTION_LOST = /(^| - )(Connection terminated( unexpectedly| due to connection timeout)?|timeout expired)$/;

/** The database is down or refusing connections (or knex timed out waiting for one). */
export function isDatabaseUnavailable(err: unknown): boolean {
  const code = (err as { code?: string })?.code;
  return (code !== undefined && UNAVAILABLE.has(code)) || (err as Error)?.name === 'KnexTimeoutError'
    || (code === undefined && CONNECTION_LOST.test((err as Error)?.message ?? ''));
}

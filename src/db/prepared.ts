import type { Knex } from 'knex';
import type { Db } from './database.ts';

/**
 * Runs `sql` (knex `?` placeholders) as a named prepared statement. On PostgreSQL each
 * connection parses and plans it once and then only binds values, and knex builds no query
 * object: on the OIDC hot path (userinfo, token grants) that made a lookup about 1.6× cheaper
 * than the query builder (docs/benchmarks.md). PGlite ignores the name and runs it as usual.
 * One name must always go with the same SQL text; node-postgres refuses a reuse with other text.
 * Behind PgBouncer in transaction mode this needs PgBouncer 1.21+ with max_prepared_statements.
 */
export async function preparedQuery<Row>(db: Db, name: string, sql: string, bindings: readonly Knex.RawBinding[]): Promise<Row[]> {
  const result = await db.raw(sql, bindings).options({ name });
  return (result as { rows: Row[] }).rows;
}

import knex from 'knex';

/**
 * PostgreSQL's WAL position in bytes, as a meter (load.ts): what the whole server wrote to its
 * log, so a benchmark reading it must be the only thing writing to that server meanwhile.
 */
export function walPosition(url: string): { read(): Promise<number>; close(): Promise<void> } {
  const db = knex({ client: 'pg', connection: url, pool: { min: 0, max: 1 } });
  return {
    async read() {
      const { rows } = await db.raw("select (pg_current_wal_lsn() - '0/0'::pg_lsn)::bigint as bytes");
      return Number(rows[0].bytes);
    },
    close: () => db.destroy(),
  };
}

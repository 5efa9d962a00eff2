/** Generic conversions between PostgreSQL rows and domain values. */

export const iso = (value: Date | string | null | undefined): string | null =>
  value == null ? null : new Date(value).toISOString();

/** jsonb columns: knex passes JS arrays as PostgreSQL arrays, so arrays must be serialised. */
export const json = (value: unknown): string => JSON.stringify(value);

export const count = (row: { count?: string | number } | undefined): number => Number(row?.count ?? 0);

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Ids in paths are untrusted: a non-uuid can't name a row, and must not reach a uuid column. */
export const isUuid = (value: string): boolean => UUID.test(value);

/** Generic conversions between PostgreSQL rows and domain values. */

export const iso = (value: Date | string | null | undefined): string | null =>
  value == null ? null : new Date(value).toISOString();

/** jsonb columns: knex passes JS arrays as PostgreSQL arrays, so arrays must be serialised. */
export const json = (value: unknown): string => JSON.stringify(value);

export const count = (row: { count?: string | number } | undefined): number => Number(row?.count ?? 0);

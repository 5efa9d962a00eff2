import { readdirSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Knex } from 'knex';
import { projectRoot } from '../config.ts';

const MIGRATIONS_DIR = path.join(projectRoot, 'migrations');

// Migrations are TypeScript modules loaded through the running loader, so the
// same files run from `npm start`, `npm run migrate` and the tests. The compiled build
// (dist/) has them as `.js`; a migration keeps its source name either way, so one database
// is migrated alike by both.
const source: Knex.MigrationSource<string> = {
  async getMigrations() {
    return readdirSync(MIGRATIONS_DIR).filter((f) => /^\d{3}-[\w-]+\.(ts|js)$/.test(f)).sort();
  },
  getMigrationName: (file) => file.replace(/\.js$/, '.ts'),
  getMigration: (file) => import(pathToFileURL(path.join(MIGRATIONS_DIR, file)).href),
};

/** Applies every pending migration; returns the names applied. */
export async function migrate(db: Knex): Promise<string[]> {
  const [, applied] = await db.migrate.latest({ migrationSource: source });
  return applied;
}

/**
 * Names of the migrations this build has and the database has not applied yet: a process
 * started before a deploy whose migrations another process is still running sees them here.
 */
export async function pendingMigrations(db: Knex): Promise<string[]> {
  const [, pending] = await db.migrate.list({ migrationSource: source }) as [unknown, string[]];
  return pending;
}

import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import knex from 'knex';
import { openDatabase, type Database } from '../../src/db/database.ts';
import { migrate } from '../../src/db/migrate.ts';

/**
 * A fresh, migrated database for one test run: a new PostgreSQL database on the server
 * named by TEST_DATABASE_URL (as CI does), else an embedded PGlite in a temporary folder.
 */
export async function createTestDatabase(): Promise<Database & { url?: string; dataDir?: string }> {
  const serverUrl = process.env.TEST_DATABASE_URL;
  if (!serverUrl) {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'ringnity-test-'));
    const database = await openDatabase({ dataDir, databaseUrl: undefined });
    await migrate(database.db);
    return { ...database, dataDir, close: async () => { await database.close(); rmSync(dataDir, { recursive: true, force: true }); } };
  }
  const name = `ringnity_test_${Date.now()}_${process.pid}`;
  const admin = knex({ client: 'pg', connection: serverUrl, pool: { min: 0, max: 1 } });
  await admin.raw(`CREATE DATABASE ${name}`);
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  const database = await openDatabase({ databaseUrl: url.toString(), dataDir: '' });
  await migrate(database.db);
  return {
    ...database,
    url: url.toString(),
    async close() {
      await database.close();
      await admin.raw(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await admin.destroy();
    },
  };
}

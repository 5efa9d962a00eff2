import { expect } from 'chai';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import knex from 'knex';
import { openDatabase, type Database } from '../../src/db/database.ts';
import { migrate } from '../../src/db/migrate.ts';

const TABLES = ['tenants', 'accounts', 'platform_admins', 'departments', 'plans', 'plan_feature_keys', 'plan_quota_keys',
  'plan_features', 'plan_quotas', 'tenant_allowed_domains', 'audit_log', 'app_secrets', 'signing_keys'];

async function checkMigrations(database: Database) {
  const applied = await migrate(database.db);
  expect(applied.length).to.be.greaterThan(5);
  expect(await migrate(database.db), 'a second run applies nothing').to.deep.equal([]);
  const rows = await database.db('information_schema.tables').where({ table_schema: 'public' }).select('table_name');
  expect(rows.map((r) => r.table_name)).to.include.members(TABLES);
  const plans = await database.db('plans').orderBy('sort_order').pluck('slug');
  expect(plans).to.deep.equal(['starter', 'professional', 'enterprise']);
  const quotas = await database.db('plan_quota_keys').orderBy('sort_order').pluck('quota_key');
  expect(quotas).to.deep.equal(['agents', 'allowed_domains', 'ai_chat_replies', 'ai_voice_minutes']);
}

describe('migrations', function () {
  this.timeout(60_000);

  it('run forward on a fresh embedded PGlite database, once', async () => {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'ringnity-mig-'));
    const database = await openDatabase({ dataDir, databaseUrl: undefined });
    try {
      await checkMigrations(database);
    } finally {
      await database.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('run forward on a fresh PostgreSQL database, once', async function () {
    const serverUrl = process.env.TEST_DATABASE_URL;
    if (!serverUrl) this.skip(); // PGlite-only runs have no server
    const name = `ringnity_mig_${Date.now()}`;
    const admin = knex({ client: 'pg', connection: serverUrl, pool: { min: 0, max: 1 } });
    await admin.raw(`CREATE DATABASE ${name}`);
    const url = new URL(serverUrl!);
    url.pathname = `/${name}`;
    const database = await openDatabase({ databaseUrl: url.toString(), dataDir: '' });
    try {
      await checkMigrations(database);
    } finally {
      await database.close();
      await admin.raw(`DROP DATABASE ${name} WITH (FORCE)`);
      await admin.destroy();
    }
  });
});

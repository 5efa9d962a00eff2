import { expect } from 'chai';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createTestDatabase } from '../support/test-database.ts';
import { runEntry } from '../support/spawn.ts';
import { unique } from '../support/seed.ts';

const PASSWORD = 'a-long-enough-password';

describe('operator CLI', function () {
  this.timeout(60_000);
  let env: Record<string, string>;
  let cleanup: () => Promise<void>;

  // Its own database: an embedded one cannot be shared with the running test app.
  before(async () => {
    if (process.env.TEST_DATABASE_URL) {
      const database = await createTestDatabase();
      await database.db.destroy();
      env = { NODE_ENV: 'test', DATABASE_URL: database.url! };
      cleanup = () => database.close();
    } else {
      const dataDir = mkdtempSync(path.join(os.tmpdir(), 'ringnity-cli-'));
      env = { NODE_ENV: 'test', DATA_DIR: dataDir };
      cleanup = async () => rmSync(dataDir, { recursive: true, force: true });
    }
  });
  after(() => cleanup());

  const cli = async (...args: string[]) => {
    const result = await runEntry('src/cli.ts', args, env).finished;
    const lines = result.stdout.trim().split('\n');
    return { ...result, json: result.code === 0 ? JSON.parse(lines[lines.length - 1]) : undefined };
  };

  const slug = `acme-${unique()}`;

  it('creates a tenant with its owner and prints one JSON object last', async () => {
    const res = await cli('tenant:create', '--slug', slug, '--name', 'Acme', '--owner-email', `owner@${slug}.test`, '--owner-password', PASSWORD, '--plan', 'professional');
    expect(res.code, res.stderr).to.equal(0);
    expect(res.json).to.have.keys('tenantId', 'slug', 'ownerId', 'publicKey');
    expect(res.json.slug).to.equal(slug);
    expect(res.json.publicKey).to.match(/^rn_pk_[\w-]{24,}$/);
  });

  it('creates a workspace agent and a platform admin', async () => {
    const agent = await cli('agent:create', '--tenant', slug, '--username', 'maria', '--password', PASSWORD, '--name', 'Maria', '--role', 'supervisor', '--email', 'maria@example.com');
    expect(agent.code, agent.stderr).to.equal(0);
    expect(agent.json.agentId).to.be.a('string');
    const admin = await cli('platform-admin:create', '--email', `root-${unique()}@ringnity.test`, '--password', PASSWORD, '--name', 'Root', '--role', 'platform_owner');
    expect(admin.code, admin.stderr).to.equal(0);
    expect(admin.json.adminId).to.be.a('string');
  });

  const refusals: Array<[string, string[], RegExp]> = [
    ['a duplicate slug', ['tenant:create', '--slug', slug, '--name', 'Again', '--owner-email', `other-${unique()}@x.test`, '--owner-password', PASSWORD], /already taken/],
    ['a bad slug', ['tenant:create', '--slug', 'Bad_Slug', '--name', 'X', '--owner-email', 'x@x.test', '--owner-password', PASSWORD], /slug must be/],
    ['a bad email', ['tenant:create', '--slug', `ok-${unique()}`, '--name', 'X', '--owner-email', 'not-an-email', '--owner-password', PASSWORD], /email must be/],
    ['a short password', ['tenant:create', '--slug', `ok-${unique()}`, '--name', 'X', '--owner-email', 'x@x.test', '--owner-password', 'short'], /at least 10 characters/],
    ['an unknown plan', ['tenant:create', '--slug', `ok-${unique()}`, '--name', 'X', '--owner-email', `p-${unique()}@x.test`, '--owner-password', PASSWORD, '--plan', 'gold'], /unknown plan "gold"/],
    ['an unknown role', ['agent:create', '--tenant', slug, '--username', 'bob', '--password', PASSWORD, '--name', 'Bob', '--role', 'boss'], /role must be one of/],
    ['a duplicate username', ['agent:create', '--tenant', slug, '--username', 'maria', '--password', PASSWORD, '--name', 'M2', '--role', 'agent'], /already taken/],
    ['an unknown tenant', ['agent:create', '--tenant', 'nope-nope', '--username', 'bob', '--password', PASSWORD, '--name', 'Bob', '--role', 'agent'], /no tenant with slug/],
    ['an unknown platform role', ['platform-admin:create', '--email', 'a@b.test', '--password', PASSWORD, '--name', 'A', '--role', 'god'], /role must be one of/],
    ['a missing flag', ['tenant:create', '--slug', 'abc'], /missing --name, --owner-email, --owner-password/],
    ['an unknown flag', ['tenant:create', '--slug', 'abc', '--colour', 'red'], /Unknown option '--colour'/],
    ['an unknown command', ['tenant:destroy'], /unknown command "tenant:destroy"/],
  ];
  for (const [what, args, message] of refusals) {
    it(`refuses ${what} with a clear message and exit code 1`, async () => {
      const res = await cli(...args);
      expect(res.code).to.equal(1);
      expect(res.stderr).to.match(message);
      expect(res.stderr).to.not.match(/\n\s+at /); // no stack trace
      expect(res.stdout.trim()).to.equal('');
    });
  }

  it('writes nothing when it refuses: the refused slug stays free', async () => {
    const fresh = `fresh-${unique()}`;
    const refused = await cli('tenant:create', '--slug', fresh, '--name', 'X', '--owner-email', 'x@x.test', '--owner-password', 'short');
    expect(refused.code).to.equal(1);
    const created = await cli('tenant:create', '--slug', fresh, '--name', 'X', '--owner-email', `f-${unique()}@x.test`, '--owner-password', PASSWORD);
    expect(created.code, created.stderr).to.equal(0);
  });
});

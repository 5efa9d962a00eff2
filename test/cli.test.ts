import { expect } from 'chai';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CliError, cliHelp, runCli } from '../src/cli.ts';
import { listAudit } from '../src/audit/audit-log.ts';
import { KEY_ACTIVATION_SECONDS } from '../src/keys/signing-keys.ts';
import { findActiveOAuthClient } from '../src/oauth-clients/oauth-clients.ts';
import { findTenantBySlug } from '../src/tenants/tenants.ts';
import { ownerAuth, workspaceAuth } from './support/dashboard-sessions.ts';
import { runEntry } from './support/spawn.ts';
import { unique } from './support/seed.ts';
import { useTestApp } from './support/test-app.ts';

const PASSWORD = 'a-long-enough-password';

/**
 * The commands run in-process against the shared test database (runCli is what the process
 * runs after opening the database); three spawned runs check the process itself.
 */
describe('operator CLI', () => {
  const app = useTestApp();
  const cli = (...argv: string[]) => runCli(argv, app.deps);

  /** The CliError a refused command throws (a test failure if it succeeds or throws anything else). */
  async function refused(argv: string[]): Promise<CliError> {
    const err = await cli(...argv).then(() => undefined, (e: unknown) => e);
    expect(err, `${argv.join(' ')} succeeded`).to.be.instanceOf(CliError);
    return err as CliError;
  }

  it('creates a tenant whose owner can sign in, and audits it', async () => {
    const slug = `acme-${unique()}`;
    const ownerEmail = `owner@${slug}.test`;
    const res = await cli('tenant:create', '--slug', slug, '--name', 'Acme', '--owner-email', ownerEmail, '--owner-password', PASSWORD, '--plan', 'professional');
    expect(res).to.have.keys('tenantId', 'slug', 'ownerId', 'publicKey');
    expect(res.slug).to.equal(slug);
    expect(res.publicKey).to.match(/^rn_pk_[\w-]{24,}$/);

    const tenant = await findTenantBySlug(app.deps.db, slug);
    expect(tenant).to.include({ id: res.tenantId, publicKey: res.publicKey });
    await ownerAuth(app, { ownerEmail, password: PASSWORD });
    const [created] = await listAudit(app.deps.db, { tenantId: tenant!.id, action: 'tenant.created' });
    expect(created).to.include({ outcome: 'success' });
  });

  it('creates a workspace agent who can sign in, and a platform admin who can sign in', async () => {
    const tenant = await app.seed.tenant();
    const agent = await cli('agent:create', '--tenant', tenant.slug, '--username', 'maria', '--password', PASSWORD, '--name', 'Maria', '--role', 'supervisor', '--email', 'maria@example.com');
    expect(agent).to.have.keys('agentId');
    await workspaceAuth(app, tenant, { username: 'maria', password: PASSWORD });

    const email = `root-${unique()}@ringnity.test`;
    const admin = await cli('platform-admin:create', '--email', email, '--password', PASSWORD, '--name', 'Root', '--role', 'platform_owner');
    expect(admin).to.have.keys('adminId');
    const login = await app.request('/api/platform/auth/login', { method: 'POST', json: { email, password: PASSWORD } });
    expect(login.status, login.text).to.equal(200);
  });

  it('creates a department and an agent in it, whom the workspace session names with its department', async () => {
    const tenant = await app.seed.tenant();
    const department = await cli('department:create', '--tenant', tenant.slug, '--name', 'Billing');
    expect(department).to.have.keys('departmentId', 'name');
    await cli('agent:create', '--tenant', tenant.slug, '--username', 'ben', '--password', PASSWORD, '--name', 'Ben', '--role', 'agent', '--department', 'billing');
    const login = await app.request('/api/auth/workspace-login', { method: 'POST', json: { username: 'ben', password: PASSWORD, slug: tenant.slug } });
    expect(login.body.data.agent.department).to.deep.equal({ id: department.departmentId, name: 'Billing' });
    expect((await refused(['department:create', '--tenant', tenant.slug, '--name', 'BILLING'])).message).to.match(/already exists/);
    const unknown = await refused(['agent:create', '--tenant', tenant.slug, '--username', 'eve', '--password', PASSWORD, '--name', 'Eve', '--role', 'agent', '--department', 'Nope']);
    expect(unknown.message).to.match(/no department "Nope"/);
  });

  it('creates an OAuth client, returning the secret once', async () => {
    const tenant = await app.seed.tenant();
    const res = await cli('oauth-client:create', '--tenant', tenant.slug, '--name', 'CLI app', '--type', 'confidential',
      '--redirect-uri', 'https://a.example/cb', '--redirect-uri', 'https://b.example/cb', '--scopes', 'openid profile', '--require-pkce', 'false');
    expect(res.clientId).to.match(/^rn_oauth_/);
    expect(res.clientSecret).to.be.a('string');
    const client = await findActiveOAuthClient(app.deps.db, res.clientId as string);
    expect(client).to.include({ requirePkce: false, type: 'confidential' });
    expect(client!.redirectUris).to.deep.equal(['https://a.example/cb', 'https://b.example/cb']);
    expect(client!.allowedScopes).to.deep.equal(['openid', 'profile']);

    const publicClient = await cli('oauth-client:create', '--tenant', tenant.slug, '--name', 'SPA', '--type', 'public', '--redirect-uri', 'https://a.example/cb');
    expect(publicClient).to.have.keys('clientId');
  });

  it('rotates the signing key: the new kid is published beside the previous one and says when it starts signing', async () => {
    const before = (await app.deps.keys.get()).current.kid;
    const { kid, activatesAt } = await cli('keys:rotate');
    expect(Date.parse(activatesAt as string) - Date.now()).to.be.closeTo(KEY_ACTIVATION_SECONDS * 1000, 5_000);
    await app.deps.keys.refresh(); // what every process does within KEY_REFRESH_SECONDS
    expect((await app.deps.keys.get()).current.kid, 'signing only from activatesAt').to.equal(before);
    const jwks = await app.request('/oauth/jwks.json');
    expect(jwks.body.keys.map((k: { kid: string }) => k.kid)).to.include.members([kid, before]);
  });

  it('lists every tenant with its slug, name, plan, active flag and creation time', async () => {
    const slug = `list-${unique()}`;
    await cli('tenant:create', '--slug', slug, '--name', 'Listed', '--owner-email', `owner@${slug}.test`, '--owner-password', PASSWORD, '--plan', 'enterprise');
    const other = await app.seed.tenant();
    const { tenants } = await cli('tenant:list') as { tenants: Array<Record<string, unknown>> };
    const listed = tenants.find((t) => t.slug === slug);
    expect(listed).to.have.keys('slug', 'name', 'plan', 'active', 'createdAt');
    expect(listed).to.include({ name: 'Listed', plan: 'enterprise', active: true });
    expect(Date.parse(listed!.createdAt as string)).to.be.closeTo(Date.now(), 60_000);
    expect(tenants.find((t) => t.slug === other.slug)).to.include({ plan: 'starter' });
    const slugs = tenants.map((t) => t.slug);
    expect(slugs.indexOf(slug), 'oldest first').to.be.below(slugs.indexOf(other.slug));
  });

  it("lists a tenant's OAuth clients, and only that tenant's, without secrets", async () => {
    const tenant = await app.seed.tenant();
    const confidential = await app.seed.oauthClient(tenant.id, { type: 'confidential', redirectUris: ['https://a.example/cb', 'https://b.example/cb'] });
    const spa = await app.seed.oauthClient(tenant.id, { type: 'public' });
    const elsewhere = await app.seed.oauthClient((await app.seed.tenant()).id);

    const { oauthClients } = await cli('oauth-client:list', '--tenant', tenant.slug) as { oauthClients: Array<Record<string, unknown>> };
    expect(oauthClients.map((c) => c.clientId)).to.have.members([confidential.clientId, spa.clientId]).and.not.include(elsewhere.clientId);
    expect(oauthClients.find((c) => c.clientId === confidential.clientId)).to.deep.equal({
      clientId: confidential.clientId, name: confidential.name, type: 'confidential', status: 'active', redirectUris: ['https://a.example/cb', 'https://b.example/cb'],
    });
    expect(JSON.stringify(oauthClients)).to.not.include(confidential.clientSecret!);
  });

  describe('help', () => {
    for (const argv of [['--help'], ['-h'], ['help']]) {
      it(`prints every command's usage for ${argv.join(' ')}`, () => {
        const text = cliHelp(argv)!;
        expect(text).to.match(/^usage: npm run --silent cli -- <command> \[flags\]\n/);
        for (const usage of ['migrate', 'tenant:create --slug S', 'tenant:list', 'oauth-client:list --tenant SLUG', 'keys:rotate', 'platform-admin:create --email E']) {
          expect(text).to.include(`\n  ${usage}`);
        }
      });
    }

    it("prints one command's usage and what it does for <command> --help, -h and help <command>", () => {
      const expected = 'usage: oauth-client:list --tenant SLUG\n  Lists a tenant\'s OAuth clients: clientId, name, type, status, redirectUris (never a secret).\n';
      expect(cliHelp(['oauth-client:list', '--help'])).to.equal(expected);
      expect(cliHelp(['oauth-client:list', '-h'])).to.equal(expected);
      expect(cliHelp(['help', 'oauth-client:list'])).to.equal(expected);
      expect(cliHelp(['tenant:create', '--slug', 'x', '--help'])).to.match(/^usage: tenant:create --slug S --name N/);
    });

    it('asks for no help when argv names a command to run', () => {
      expect(cliHelp(['tenant:list'])).to.equal(undefined);
      expect(cliHelp(['oauth-client:list', '--tenant', 'acme'])).to.equal(undefined);
      expect(cliHelp([])).to.equal(undefined);
    });
  });

  it('answers migrate with {"migrated":true}', async () => {
    expect(await cli('migrate')).to.deep.equal({ migrated: true });
  });

  describe('refusals', () => {
    let tenant: Awaited<ReturnType<typeof app.seed.tenant>>;
    let taken: string;
    before(async () => {
      tenant = await app.seed.tenant();
      taken = (await app.seed.account(tenant.id)).username;
    });

    const refusals: Array<[string, () => string[], RegExp, string]> = [
      ['a duplicate slug', () => ['tenant:create', '--slug', tenant.slug, '--name', 'Again', '--owner-email', `other-${unique()}@x.test`, '--owner-password', PASSWORD], /already taken/, 'CONFLICT'],
      ['a bad slug', () => ['tenant:create', '--slug', 'Bad_Slug', '--name', 'X', '--owner-email', 'x@x.test', '--owner-password', PASSWORD], /slug must be/, 'VALIDATION_FAILED'],
      ['a bad email', () => ['tenant:create', '--slug', `ok-${unique()}`, '--name', 'X', '--owner-email', 'not-an-email', '--owner-password', PASSWORD], /email must be/, 'VALIDATION_FAILED'],
      ['a short password', () => ['tenant:create', '--slug', `ok-${unique()}`, '--name', 'X', '--owner-email', 'x@x.test', '--owner-password', 'short'], /at least 10 characters/, 'VALIDATION_FAILED'],
      ['an unknown plan', () => ['tenant:create', '--slug', `ok-${unique()}`, '--name', 'X', '--owner-email', `p-${unique()}@x.test`, '--owner-password', PASSWORD, '--plan', 'gold'], /unknown plan "gold"/, 'VALIDATION_FAILED'],
      ['an unknown role', () => ['agent:create', '--tenant', tenant.slug, '--username', 'bob', '--password', PASSWORD, '--name', 'Bob', '--role', 'boss'], /role must be one of/, 'VALIDATION_FAILED'],
      ['a duplicate username', () => ['agent:create', '--tenant', tenant.slug, '--username', taken, '--password', PASSWORD, '--name', 'M2', '--role', 'agent'], /already taken/, 'CONFLICT'],
      ['an unknown tenant', () => ['agent:create', '--tenant', 'nope-nope', '--username', 'bob', '--password', PASSWORD, '--name', 'Bob', '--role', 'agent'], /no tenant with slug/, 'NOT_FOUND'],
      ['an unknown platform role', () => ['platform-admin:create', '--email', 'a@b.test', '--password', PASSWORD, '--name', 'A', '--role', 'god'], /role must be one of/, 'VALIDATION_FAILED'],
      ['a bad --require-pkce', () => ['oauth-client:create', '--tenant', tenant.slug, '--name', 'N', '--type', 'public', '--redirect-uri', 'https://a.example/cb', '--require-pkce', 'maybe'], /--require-pkce must be true or false/, 'VALIDATION_FAILED'],
      ['a missing flag', () => ['tenant:create', '--slug', 'abc'], /missing --name, --owner-email, --owner-password\nusage: tenant:create/, 'USAGE'],
      ['an unknown flag', () => ['tenant:create', '--slug', 'abc', '--colour', 'red'], /Unknown option '--colour'/, 'USAGE'],
      ['oauth-client:list without --tenant', () => ['oauth-client:list'], /missing --tenant\nusage: oauth-client:list --tenant SLUG/, 'USAGE'],
      ['oauth-client:list of an unknown tenant', () => ['oauth-client:list', '--tenant', 'nope-nope'], /no tenant with slug "nope-nope"/, 'NOT_FOUND'],
      ['an unknown command', () => ['tenant:destroy'], /unknown command "tenant:destroy"\ncommands:\n {2}migrate/, 'USAGE'],
      ['no command', () => [], /no command given/, 'USAGE'],
    ];
    for (const [what, argv, message, code] of refusals) {
      it(`refuses ${what} with a clear message`, async () => {
        const err = await refused(argv());
        expect(err.message).to.match(message);
        expect(err.code).to.equal(code);
      });
    }

    it('names every violation, one per line', async () => {
      const err = await refused(['tenant:create', '--slug', 'Bad_Slug', '--name', 'X', '--owner-email', 'nope', '--owner-password', 'short']);
      expect(err.message.split('\n  ')).to.have.length(4); // "Invalid tenant" and its three problems
    });
  });

  it('writes nothing when it refuses: the refused slug stays free', async () => {
    const fresh = `fresh-${unique()}`;
    await refused(['tenant:create', '--slug', fresh, '--name', 'X', '--owner-email', 'x@x.test', '--owner-password', 'short']);
    expect(await findTenantBySlug(app.deps.db, fresh)).to.equal(undefined);
    await cli('tenant:create', '--slug', fresh, '--name', 'X', '--owner-email', `f-${unique()}@x.test`, '--owner-password', PASSWORD);
  });

  it('is one transaction: a failing audit write leaves no tenant behind', async () => {
    const { db } = app.deps;
    const fresh = `audit-${unique()}`;
    await db.raw(`CREATE OR REPLACE FUNCTION test_refuse_cli_audit() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN RAISE EXCEPTION 'audit write refused'; END $$`);
    await db.raw(`CREATE TRIGGER test_refuse_cli_audit BEFORE INSERT ON audit_log FOR EACH ROW
      WHEN (NEW.action = 'tenant.created') EXECUTE FUNCTION test_refuse_cli_audit()`);
    try {
      const err = await cli('tenant:create', '--slug', fresh, '--name', 'X', '--owner-email', `a-${unique()}@x.test`, '--owner-password', PASSWORD)
        .then(() => undefined, (e: Error) => e);
      expect(err?.message).to.match(/audit write refused/);
    } finally {
      await db.raw('DROP TRIGGER test_refuse_cli_audit ON audit_log');
      await db.raw('DROP FUNCTION test_refuse_cli_audit()');
    }
    expect(await findTenantBySlug(db, fresh)).to.equal(undefined);
  });

  describe('the process', function () {
    this.timeout(60_000);
    let dataDir: string | undefined;
    after(() => { if (dataDir) rmSync(dataDir, { recursive: true, force: true }); });

    it('prints the message on stderr, nothing on stdout, and exits 1 for an unknown command', async () => {
      const res = await runEntry('src/cli.ts', ['tenant:destroy'], { NODE_ENV: 'test' }).finished;
      expect(res.code).to.equal(1);
      expect(res.stderr).to.match(/^error: unknown command "tenant:destroy"\ncommands:\n/);
      expect(res.stderr).to.not.match(/\n\s+at /); // no stack trace
      expect(res.stdout.trim()).to.equal('');
    });

    it('prints the help on stdout and exits 0 without opening the database', async () => {
      // A database that is not there: opening it would fail the run.
      const res = await runEntry('src/cli.ts', ['--help'], { NODE_ENV: 'test', DATABASE_URL: 'postgres://nobody@127.0.0.1:1/none' }).finished;
      expect(res.code, res.stderr).to.equal(0);
      expect(res.stdout).to.equal(cliHelp(['--help']));
      expect(res.stderr).to.not.match(/error/i);
    });

    it('prints the result as the last stdout line and exits 0', async () => {
      // PostgreSQL: the shared database. PGlite: the test app holds its folder, so a fresh one.
      const database: Record<string, string> = app.databaseUrl
        ? { DATABASE_URL: app.databaseUrl }
        : { DATA_DIR: (dataDir = mkdtempSync(path.join(os.tmpdir(), 'ringnity-cli-'))) };
      const slug = `proc-${unique()}`;
      const res = await runEntry('src/cli.ts', ['tenant:create', '--slug', slug, '--name', 'Proc', '--owner-email', `owner@${slug}.test`, '--owner-password', PASSWORD],
        { NODE_ENV: 'test', ...database }).finished;
      expect(res.code, res.stderr).to.equal(0);
      const result = JSON.parse(res.stdout.trim().split('\n').at(-1)!);
      expect(result).to.have.keys('tenantId', 'slug', 'ownerId', 'publicKey');
      expect(result.slug).to.equal(slug);
    });
  });
});

import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { Knex } from 'knex';
import { ConfigError, loadConfig, type Config } from './config.ts';
import { openDatabase } from './db/database.ts';
import { DataDirLockedError } from './db/data-dir-lock.ts';
import { migrate } from './db/migrate.ts';
import type { Db } from './db/database.ts';
import { ApiError, apiError, type ErrorCode } from './http/api-error.ts';
import { alreadyExists } from './http/render-errors.ts';
import { isUniqueViolation } from './db/errors.ts';
import { OPERATOR, operatorIn } from './audit/actor.ts';
import { audit } from './audit/audit-log.ts';
import { createAccount } from './tenants/tenant-accounts.ts';
import { createDepartment, findDepartmentByName } from './tenants/departments.ts';
import type { Role } from './accounts/account.ts';
import { createPlatformAdmin } from './platform/admins.ts';
import { createTenant, findTenantBySlug, listTenants, setTenantTimezone } from './tenants/tenants.ts';
import { createOAuthClient, listOAuthClients, type OAuthClientType } from './oauth-clients/oauth-clients.ts';
import { withdrawConsent } from './identity/consents.ts';
import { findPlanById } from './plans/plan-catalog.ts';
import { rotateSigningKey } from './keys/signing-keys.ts';

type Flags = Record<string, string | string[] | undefined>;
type Command = {
  usage: string;
  /** One line for `--help`: what the command does. */
  summary: string;
  flags: Record<string, { multiple?: boolean }>;
  required: string[];
  run(db: Db, config: CliConfig, flags: Flags): Promise<Record<string, unknown>>;
};
type CliConfig = Pick<Config, 'argon2'>;

const str = (flags: Flags, name: string) => flags[name] as string | undefined;

/** Operator commands. Each returns one JSON object, which the process prints as its last stdout line. */
const COMMANDS: Record<string, Command> = {
  migrate: {
    usage: 'migrate',
    summary: 'Applies pending database migrations (the server applies them at start too).',
    flags: {},
    required: [],
    run: async () => ({ migrated: true }),
  },
  'tenant:create': {
    usage: 'tenant:create --slug S --name N --owner-email E --owner-password P [--plan SLUG] [--timezone IANA_ZONE]',
    summary: 'Creates a tenant and its owner account.',
    flags: { slug: {}, name: {}, 'owner-email': {}, 'owner-password': {}, plan: {}, timezone: {} },
    required: ['slug', 'name', 'owner-email', 'owner-password'],
    async run(db, config, flags) {
      const { tenant, owner } = await createTenant(db, config.argon2, {
        slug: str(flags, 'slug')!, name: str(flags, 'name')!, ownerEmail: str(flags, 'owner-email')!,
        ownerPassword: str(flags, 'owner-password')!, planSlug: str(flags, 'plan'), timezone: str(flags, 'timezone'),
      });
      await audit(db, operatorIn(tenant.id), 'tenant.created', { type: 'tenant', id: tenant.id });
      return { tenantId: tenant.id, slug: tenant.slug, ownerId: owner.id, publicKey: tenant.publicKey };
    },
  },
  'tenant:list': {
    usage: 'tenant:list',
    summary: 'Lists every tenant, oldest first: slug, name, plan, active, createdAt.',
    flags: {},
    required: [],
    async run(db) {
      const tenants = await listTenants(db);
      const planSlugs = await planSlugsById(db, tenants.map((t) => t.planId));
      return {
        tenants: tenants.map((t) => ({ slug: t.slug, name: t.name, plan: planSlugs.get(t.planId), active: t.active, createdAt: t.createdAt })),
      };
    },
  },
  'tenant:set-timezone': {
    usage: 'tenant:set-timezone --tenant SLUG --timezone IANA_ZONE',
    summary: "Sets the IANA time zone (e.g. Europe/Berlin) a tenant's reports count days in.",
    flags: { tenant: {}, timezone: {} },
    required: ['tenant', 'timezone'],
    async run(db, _config, flags) {
      const tenant = await tenantBySlug(db, str(flags, 'tenant')!);
      const updated = await setTenantTimezone(db, operatorIn(tenant.id), tenant.id, str(flags, 'timezone')!);
      return { slug: updated.slug, timezone: updated.timezone };
    },
  },
  'department:create': {
    usage: 'department:create --tenant SLUG --name N',
    summary: 'Creates a department (a team of agents with its own conversation queue) in a tenant.',
    flags: { tenant: {}, name: {} },
    required: ['tenant', 'name'],
    async run(db, _config, flags) {
      const tenant = await tenantBySlug(db, str(flags, 'tenant')!);
      const department = await createDepartment(db, operatorIn(tenant.id), str(flags, 'name')!);
      return { departmentId: department.id, name: department.name };
    },
  },
  'agent:create': {
    usage: 'agent:create --tenant SLUG --username U --password P --name N --role owner|admin|supervisor|agent [--email E] [--department NAME]',
    summary: 'Creates a workspace account in a tenant, optionally in one of its departments.',
    flags: { tenant: {}, username: {}, password: {}, name: {}, role: {}, email: {}, department: {} },
    required: ['tenant', 'username', 'password', 'name', 'role'],
    async run(db, config, flags) {
      const tenant = await tenantBySlug(db, str(flags, 'tenant')!);
      const departmentName = str(flags, 'department');
      const department = departmentName ? await findDepartmentByName(db, tenant.id, departmentName) : undefined;
      if (departmentName && !department) throw apiError('NOT_FOUND', `no department "${departmentName}" in tenant ${tenant.slug}`);
      // The service checks the role, like every other field.
      const role = str(flags, 'role') as Role;
      const account = await createAccount(db, config.argon2, {
        tenantId: tenant.id, username: str(flags, 'username')!, password: str(flags, 'password')!,
        name: str(flags, 'name')!, role, email: str(flags, 'email') ?? null, departmentId: department?.id ?? null,
      });
      await audit(db, operatorIn(tenant.id), 'account.created', { type: 'account', id: account.id });
      return { agentId: account.id };
    },
  },
  'oauth-client:create': {
    usage: 'oauth-client:create --tenant SLUG --name N --type confidential|public --redirect-uri URI [--redirect-uri URI2 ...] [--post-logout-redirect-uri URI ...] [--scopes "openid profile ..."] [--require-pkce true|false]',
    summary: 'Registers a Login with Ringnity client; a confidential client\'s secret is printed once.',
    flags: { tenant: {}, name: {}, type: {}, 'redirect-uri': { multiple: true }, 'post-logout-redirect-uri': { multiple: true }, scopes: {}, 'require-pkce': {} },
    required: ['tenant', 'name', 'type', 'redirect-uri'],
    async run(db, _config, flags) {
      const tenant = await tenantBySlug(db, str(flags, 'tenant')!);
      const type = str(flags, 'type') as OAuthClientType; // checked by the service
      const pkce = str(flags, 'require-pkce');
      if (pkce !== undefined && pkce !== 'true' && pkce !== 'false') throw apiError('VALIDATION_FAILED', '--require-pkce must be true or false');
      const scopes = str(flags, 'scopes')?.split(/[\s,]+/).filter(Boolean);
      const { oauthClient, clientSecret } = await createOAuthClient(db, operatorIn(tenant.id), {
        name: str(flags, 'name')!, type, redirectUris: flags['redirect-uri'] as string[],
        postLogoutRedirectUris: flags['post-logout-redirect-uri'] as string[] | undefined,
        allowedScopes: scopes, requirePkce: pkce === undefined ? undefined : pkce === 'true',
      });
      // The secret is printed once, here, and stored only as a hash.
      return { clientId: oauthClient.clientId, ...(clientSecret ? { clientSecret } : {}) };
    },
  },
  'oauth-client:list': {
    usage: 'oauth-client:list --tenant SLUG',
    summary: "Lists a tenant's OAuth clients: clientId, name, type, status, redirectUris (never a secret).",
    flags: { tenant: {} },
    required: ['tenant'],
    async run(db, _config, flags) {
      const tenant = await tenantBySlug(db, str(flags, 'tenant')!);
      const clients = await listOAuthClients(db, operatorIn(tenant.id));
      return {
        oauthClients: clients.map((c) => ({ clientId: c.clientId, name: c.name, type: c.type, status: c.status, redirectUris: c.redirectUris })),
      };
    },
  },
  'oauth-consent:withdraw': {
    usage: 'oauth-consent:withdraw --tenant SLUG --client CLIENT_ID --account ACCOUNT_ID',
    summary: "Withdraws an account's consent to an OAuth client: every device is signed out of it and the next sign-in asks again.",
    flags: { tenant: {}, client: {}, account: {} },
    required: ['tenant', 'client', 'account'],
    async run(db, _config, flags) {
      const tenant = await tenantBySlug(db, str(flags, 'tenant')!);
      return withdrawConsent(db, operatorIn(tenant.id), { clientId: str(flags, 'client')!, accountId: str(flags, 'account')! });
    },
  },
  'keys:rotate': {
    usage: 'keys:rotate',
    summary: 'Adds a signing key: published at once, signing from activatesAt (7 min later); the previous one stays published 2 h after that.',
    flags: {},
    required: [],
    async run(db) {
      const { kid, activatesAt } = await rotateSigningKey(db);
      await audit(db, OPERATOR, 'signing_key.rotated', { type: 'signing_key', id: kid }, { activatesAt });
      return { kid, activatesAt };
    },
  },
  'platform-admin:create': {
    usage: 'platform-admin:create --email E --password P --name N --role platform_owner|platform_admin|platform_support',
    summary: 'Creates a platform console admin.',
    flags: { email: {}, password: {}, name: {}, role: {} },
    required: ['email', 'password', 'name', 'role'],
    async run(db, config, flags) {
      const admin = await createPlatformAdmin(db, config.argon2, {
        email: str(flags, 'email')!, password: str(flags, 'password')!, name: str(flags, 'name')!, role: str(flags, 'role')!,
      });
      await audit(db, OPERATOR, 'platform_admin.created', { type: 'platform_admin', id: admin.id });
      return { adminId: admin.id };
    },
  },
};

async function tenantBySlug(db: Db, slug: string) {
  const tenant = await findTenantBySlug(db, slug);
  if (!tenant) throw apiError('NOT_FOUND', `no tenant with slug "${slug}"`);
  return tenant;
}

/** A handful of plans serve every tenant: one lookup per distinct plan, one after another (a transaction is one connection). */
async function planSlugsById(db: Db, planIds: string[]): Promise<Map<string, string | undefined>> {
  const slugs = new Map<string, string | undefined>();
  for (const id of new Set(planIds)) slugs.set(id, (await findPlanById(db, id))?.slug);
  return slugs;
}

const HELP_FLAGS = ['--help', '-h'];

const commandHelp = (command: Command) => `usage: ${command.usage}\n  ${command.summary}\n`;

const overview = () => [
  'usage: npm run --silent cli -- <command> [flags]',
  '       npm run --silent cli -- <command> --help',
  '',
  'commands:',
  ...Object.values(COMMANDS).flatMap((c) => [`  ${c.usage}`, `      ${c.summary}`]),
  '',
  'Each command prints one JSON object as its last stdout line; on error, a message on stderr and exit code 1.',
  'It uses DATABASE_URL or DATA_DIR like the server (stop the server first with the embedded database).',
  '',
].join('\n');

/**
 * The usage text argv asks for (`--help`, `-h`, `help [command]`, `<command> --help`), or
 * undefined when it asks for a command to run. Needs no configuration and no database.
 */
export function cliHelp(argv: string[]): string | undefined {
  const [name, ...args] = argv;
  const known = (n: string | undefined) => (n !== undefined && Object.hasOwn(COMMANDS, n) ? COMMANDS[n] : undefined);
  if (name === 'help' || HELP_FLAGS.includes(name)) {
    const topic = known(args[0]);
    return topic ? commandHelp(topic) : overview();
  }
  const command = known(name);
  return command && args.some((a) => HELP_FLAGS.includes(a)) ? commandHelp(command) : undefined;
}

/**
 * A command refused: bad usage, or input a service rejected. `message` is what the operator
 * reads (the process prints it after "error: " and exits 1); `code` is `USAGE` or the
 * service's error code.
 */
export class CliError extends Error {
  constructor(readonly code: 'USAGE' | ErrorCode, message: string) {
    super(message);
  }
}

const usageError = (message: string) => new CliError('USAGE', message);

function parse(command: Command, args: string[]): Flags {
  let values: Flags;
  try {
    ({ values } = parseArgs({
      args,
      strict: true,
      options: Object.fromEntries(Object.entries(command.flags).map(([name, f]) => [name, { type: 'string', multiple: f.multiple ?? false }])),
    }) as { values: Flags });
  } catch (err) {
    throw usageError(`${(err as Error).message}\nusage: ${command.usage}`);
  }
  const missing = command.required.filter((name) => values[name] === undefined);
  if (missing.length) throw usageError(`missing ${missing.map((m) => `--${m}`).join(', ')}\nusage: ${command.usage}`);
  return values;
}

/** The command and flags argv names; a CliError when it names no command or breaks its usage. */
function parseCommand(argv: string[]): { command: Command; flags: Flags } {
  const [name, ...args] = argv;
  const command = name && Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
  if (!command) {
    throw usageError(`${name ? `unknown command "${name}"` : 'no command given'}\ncommands:\n${Object.values(COMMANDS).map((c) => `  ${c.usage}`).join('\n')}`);
  }
  return { command, flags: parse(command, args) };
}

/**
 * Runs one operator command (`argv` without the program, e.g. `['keys:rotate']`) against a
 * migrated database, in one transaction, and returns its result object. Prints nothing;
 * a refused command throws a CliError and writes nothing.
 */
export async function runCli(argv: string[], { db, config }: { db: Knex; config: CliConfig }): Promise<Record<string, unknown>> {
  const { command, flags } = parseCommand(argv);
  try {
    return await db.transaction((trx) => command.run(trx, config, flags));
  } catch (caught) {
    const err = isUniqueViolation(caught) ? alreadyExists() : caught;
    if (err instanceof ApiError) throw new CliError(err.code, `${err.message}${err.details?.length ? '\n  ' + err.details.join('\n  ') : ''}`);
    throw err;
  }
}

/** The process: config and database from the environment, the result as the last stdout line, exit code 1 on error. */
async function main(argv: string[]): Promise<void> {
  const help = cliHelp(argv);
  if (help) {
    process.stdout.write(help);
    return;
  }
  parseCommand(argv); // bad usage is refused before the database is opened
  const config = loadConfig();
  const database = await openDatabase(config);
  try {
    await migrate(database.db);
    const result = await runCli(argv, { db: database.db, config });
    process.stdout.write(JSON.stringify(result) + '\n');
  } finally {
    await database.close();
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main(process.argv.slice(2)).catch((err) => {
    if (err instanceof CliError || err instanceof ConfigError || err instanceof DataDirLockedError) {
      console.error(`error: ${err.message}`);
    } else {
      console.error(err);
    }
    process.exitCode = 1;
  });
}

import { parseArgs } from 'node:util';
import { ConfigError, loadConfig, type Config } from './config.ts';
import { openDatabase } from './db/database.ts';
import { DataDirLockedError } from './db/data-dir-lock.ts';
import { migrate } from './db/migrate.ts';
import type { Db } from './db/database.ts';
import { ApiError, apiError } from './http/api-error.ts';
import { alreadyExists } from './http/render-errors.ts';
import { isUniqueViolation } from './db/errors.ts';
import { OPERATOR, operatorIn } from './audit/actor.ts';
import { audit } from './audit/audit-log.ts';
import { createAccount } from './tenants/tenant-accounts.ts';
import type { Role } from './accounts/account-table.ts';
import { createPlatformAdmin } from './platform/admins.ts';
import { createTenant } from './tenants/tenants.ts';
import { findTenantBySlug } from './tenants/tenant-table.ts';
import { createOAuthClient, type OAuthClientType } from './oauth-clients/oauth-clients.ts';
import { rotateSigningKey } from './keys/signing-keys.ts';

type Flags = Record<string, string | string[] | undefined>;
type Command = {
  usage: string;
  flags: Record<string, { multiple?: boolean }>;
  required: string[];
  run(db: Db, config: Config, flags: Flags): Promise<Record<string, unknown>>;
};

const str = (flags: Flags, name: string) => flags[name] as string | undefined;

/** Operator commands. Each prints one JSON object as its last stdout line. */
const COMMANDS: Record<string, Command> = {
  migrate: {
    usage: 'migrate',
    flags: {},
    required: [],
    run: async () => ({ migrated: true }),
  },
  'tenant:create': {
    usage: 'tenant:create --slug S --name N --owner-email E --owner-password P [--plan SLUG]',
    flags: { slug: {}, name: {}, 'owner-email': {}, 'owner-password': {}, plan: {} },
    required: ['slug', 'name', 'owner-email', 'owner-password'],
    async run(db, config, flags) {
      const { tenant, owner } = await createTenant(db, config.argon2, {
        slug: str(flags, 'slug')!, name: str(flags, 'name')!, ownerEmail: str(flags, 'owner-email')!,
        ownerPassword: str(flags, 'owner-password')!, planSlug: str(flags, 'plan'),
      });
      await audit(db, operatorIn(tenant.id), 'tenant.created', { type: 'tenant', id: tenant.id });
      return { tenantId: tenant.id, slug: tenant.slug, ownerId: owner.id, publicKey: tenant.publicKey };
    },
  },
  'agent:create': {
    usage: 'agent:create --tenant SLUG --username U --password P --name N --role owner|admin|supervisor|agent [--email E]',
    flags: { tenant: {}, username: {}, password: {}, name: {}, role: {}, email: {} },
    required: ['tenant', 'username', 'password', 'name', 'role'],
    async run(db, config, flags) {
      const tenant = await tenantBySlug(db, str(flags, 'tenant')!);
      // The service checks the role, like every other field.
      const role = str(flags, 'role') as Role;
      const account = await createAccount(db, config.argon2, {
        tenantId: tenant.id, username: str(flags, 'username')!, password: str(flags, 'password')!,
        name: str(flags, 'name')!, role, email: str(flags, 'email') ?? null,
      });
      await audit(db, operatorIn(tenant.id), 'account.created', { type: 'account', id: account.id });
      return { agentId: account.id };
    },
  },
  'oauth-client:create': {
    usage: 'oauth-client:create --tenant SLUG --name N --type confidential|public --redirect-uri URI [--redirect-uri URI2 ...] [--scopes "openid profile ..."] [--require-pkce true|false]',
    flags: { tenant: {}, name: {}, type: {}, 'redirect-uri': { multiple: true }, scopes: {}, 'require-pkce': {} },
    required: ['tenant', 'name', 'type', 'redirect-uri'],
    async run(db, _config, flags) {
      const tenant = await tenantBySlug(db, str(flags, 'tenant')!);
      const type = str(flags, 'type') as OAuthClientType; // checked by the service
      const pkce = str(flags, 'require-pkce');
      if (pkce !== undefined && pkce !== 'true' && pkce !== 'false') throw apiError('VALIDATION_FAILED', '--require-pkce must be true or false');
      const scopes = str(flags, 'scopes')?.split(/[\s,]+/).filter(Boolean);
      const { oauthClient, clientSecret } = await createOAuthClient(db, operatorIn(tenant.id), {
        name: str(flags, 'name')!, type, redirectUris: flags['redirect-uri'] as string[],
        allowedScopes: scopes, requirePkce: pkce === undefined ? undefined : pkce === 'true',
      });
      // The secret is printed once, here, and stored only as a hash.
      return { clientId: oauthClient.clientId, ...(clientSecret ? { clientSecret } : {}) };
    },
  },
  'keys:rotate': {
    usage: 'keys:rotate',
    flags: {},
    required: [],
    async run(db) {
      const kid = await rotateSigningKey(db);
      await audit(db, OPERATOR, 'signing_key.rotated', { type: 'signing_key', id: kid });
      return { kid };
    },
  },
  'platform-admin:create': {
    usage: 'platform-admin:create --email E --password P --name N --role platform_owner|platform_admin|platform_support',
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

class UsageError extends Error {}

function parse(command: Command, args: string[]): Flags {
  let values: Flags;
  try {
    ({ values } = parseArgs({
      args,
      strict: true,
      options: Object.fromEntries(Object.entries(command.flags).map(([name, f]) => [name, { type: 'string', multiple: f.multiple ?? false }])),
    }) as { values: Flags });
  } catch (err) {
    throw new UsageError(`${(err as Error).message}\nusage: ${command.usage}`);
  }
  const missing = command.required.filter((name) => values[name] === undefined);
  if (missing.length) throw new UsageError(`missing ${missing.map((m) => `--${m}`).join(', ')}\nusage: ${command.usage}`);
  return values;
}

async function main(argv: string[]): Promise<void> {
  const [name, ...args] = argv;
  const command = name ? COMMANDS[name] : undefined;
  if (!command) {
    throw new UsageError(`${name ? `unknown command "${name}"` : 'no command given'}\ncommands:\n${Object.values(COMMANDS).map((c) => `  ${c.usage}`).join('\n')}`);
  }
  const flags = parse(command, args);
  const config = loadConfig();
  const database = await openDatabase(config);
  try {
    await migrate(database.db);
    const result = await command.run(database.db, config, flags);
    process.stdout.write(JSON.stringify(result) + '\n');
  } finally {
    await database.close();
  }
}

main(process.argv.slice(2)).catch((caught) => {
  const err = isUniqueViolation(caught) ? alreadyExists() : caught;
  if (err instanceof ApiError) {
    console.error(`error: ${err.message}${err.details?.length ? '\n  ' + err.details.join('\n  ') : ''}`);
  } else if (err instanceof UsageError || err instanceof ConfigError || err instanceof DataDirLockedError) {
    console.error(`error: ${err.message}`);
  } else {
    console.error(err);
  }
  process.exitCode = 1;
});

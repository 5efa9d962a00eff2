import { operatorIn } from '../../src/audit/actor.ts';
import { randomBytes } from 'node:crypto';
import type { AppDeps } from '../../src/deps.ts';
import { createAccount } from '../../src/tenants/tenant-accounts.ts';
import type { Role } from '../../src/accounts/account.ts';
import { createPlatformAdmin } from '../../src/platform/admins.ts';
import { createTenant } from '../../src/tenants/tenants.ts';
import { createOAuthClient, type NewOAuthClientInput } from '../../src/oauth-clients/oauth-clients.ts';
import { createServerApiCredential, type ServerApiScope } from '../../src/server-api/credentials.ts';

export const PASSWORD = 'correct-horse-battery';

export const unique = () => randomBytes(5).toString('hex');

/** Test data through the real services; every call makes new, non-colliding rows. */
export function createSeeder({ db, config }: AppDeps) {
  return {
    async tenant(options: { plan?: string } = {}) {
      const id = unique();
      const { tenant, owner } = await createTenant(db, config.argon2, {
        slug: `t-${id}`, name: `Tenant ${id}`, ownerEmail: `owner-${id}@example.com`, ownerPassword: PASSWORD, planSlug: options.plan,
      });
      return { ...tenant, owner, ownerEmail: owner.email!, password: PASSWORD };
    },
    async account(tenantId: string, options: { role?: Role; email?: string; departmentId?: string } = {}) {
      const username = `user-${unique()}`;
      const account = await createAccount(db, config.argon2, {
        tenantId, username, password: PASSWORD, name: `User ${username}`, role: options.role ?? 'agent',
        email: options.email ?? `${username}@example.com`, departmentId: options.departmentId,
      });
      return { ...account, password: PASSWORD };
    },
    /** A Login with Ringnity client of the tenant; `clientSecret` only for confidential clients. */
    async oauthClient(tenantId: string, options: Partial<NewOAuthClientInput> = {}) {
      const { oauthClient, clientSecret } = await createOAuthClient(db, operatorIn(tenantId), {
        name: `App ${unique()}`, redirectUris: ['http://127.0.0.1:9999/callback'], ...options,
      });
      return { ...oauthClient, clientSecret };
    },
    /** A Server API key of the tenant with these scopes; `secret` is the bearer key. */
    async serverKey(tenantId: string, scopes: ServerApiScope[]) {
      const { credential, secret } = await createServerApiCredential(db, operatorIn(tenantId), { name: `backend ${unique()}`, scopes });
      return { ...credential, secret };
    },
    async platformAdmin(role = 'platform_admin') {
      const email = `admin-${unique()}@example.com`;
      const admin = await createPlatformAdmin(db, config.argon2, { email, password: PASSWORD, name: 'Platform Admin', role });
      return { ...admin, password: PASSWORD };
    },
  };
}

export type Seeder = ReturnType<typeof createSeeder>;

import { operatorIn } from './audit/actor.ts';
import type { AppDeps } from './deps.ts';
import { countTenants, findTenantBySlug } from './tenants/tenants.ts';
import { createTenant } from './tenants/tenants.ts';
import { createDemoOAuthClient, findOAuthClientByClientId } from './oauth-clients/oauth-clients.ts';

export const DEMO = { slug: 'demo', name: 'Demo Company', ownerEmail: 'owner@demo.ringnity.test', ownerPassword: 'demo-password-123' };

/** DEMO=1 only: a published, well-known client credential. Never create it in production. */
export const DEMO_OAUTH_CLIENT = {
  clientId: 'rn_oauth_demo000000000000000000000',
  clientSecret: 'rn_oauth_secret_demo-only-not-a-secret',
  redirectUris: ['http://localhost:3000/callback', 'http://127.0.0.1:3000/callback'],
};

/** On an empty database: seed the demo tenant when DEMO=1, else tell the operator how to create one. */
export async function firstStartHint({ config, db, logger }: AppDeps): Promise<void> {
  if (config.demo) {
    if (!await findTenantBySlug(db, DEMO.slug)) {
      await createTenant(db, config.argon2, { ...DEMO, planSlug: 'professional' });
      logger.warn({ slug: DEMO.slug, ownerEmail: DEMO.ownerEmail }, 'DEMO=1: seeded the demo tenant (demo-only credentials, see README)');
    }
    const tenant = await findTenantBySlug(db, DEMO.slug);
    if (tenant && !await findOAuthClientByClientId(db, DEMO_OAUTH_CLIENT.clientId)) {
      await createDemoOAuthClient(db, operatorIn(tenant.id), {
        name: 'Demo app', redirectUris: DEMO_OAUTH_CLIENT.redirectUris, requirePkce: false,
        allowedScopes: ['openid', 'profile', 'email', 'tenant.read', 'roles.read', 'offline_access', 'developer.read', 'sdk.keys.read', 'tenant.domains.write'],
      }, { clientId: DEMO_OAUTH_CLIENT.clientId, clientSecret: DEMO_OAUTH_CLIENT.clientSecret });
      logger.warn({ clientId: DEMO_OAUTH_CLIENT.clientId }, 'DEMO=1: seeded the demo OAuth client (demo-only credentials, see docs/oidc.md)');
    }
    return;
  }
  if (await countTenants(db) === 0) {
    logger.info('No tenants yet. Create the first one with: npm run --silent cli -- tenant:create --slug acme --name "Acme" --owner-email owner@acme.test --owner-password "<at least 10 characters>"');
  }
}

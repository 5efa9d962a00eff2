import type { AppDeps } from './deps.ts';
import { countTenants, findTenantBySlug } from './tenants/tenant-table.ts';
import { createTenant } from './tenants/tenants.ts';

export const DEMO = { slug: 'demo', name: 'Demo Company', ownerEmail: 'owner@demo.ringnity.test', ownerPassword: 'demo-password-123' };

/** On an empty database: seed the demo tenant when DEMO=1, else tell the operator how to create one. */
export async function firstStartHint({ config, db, logger }: AppDeps): Promise<void> {
  if (config.demo) {
    if (!await findTenantBySlug(db, DEMO.slug)) {
      await createTenant(db, config.argon2, { ...DEMO, planSlug: 'professional' });
      logger.warn({ slug: DEMO.slug, ownerEmail: DEMO.ownerEmail }, 'DEMO=1: seeded the demo tenant (demo-only credentials, see README)');
    }
    return;
  }
  if (await countTenants(db) === 0) {
    logger.info('No tenants yet. Create the first one with: npm run --silent cli -- tenant:create --slug acme --name "Acme" --owner-email owner@acme.test --owner-password "<at least 10 characters>"');
  }
}

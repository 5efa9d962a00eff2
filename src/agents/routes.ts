import Router from '@koa/router';
import type { RouteDeps } from '../deps.ts';
import { currentCallWith } from '../calls/calls.ts';
import { inputOf, operation } from '../contract/operations.ts';
import { runtimeOf } from '../runtime/runtime-guard.ts';
import { reply } from '../http/reply.ts';
import { findDepartment } from '../tenants/departments.ts';
import { requireTenant } from '../tenants/tenants.ts';

/** The agent app's own profile and presence. */
export function agentRoutes(deps: RouteDeps): Router {
  const router = new Router();
  const presenceOf = async (tenantId: string, accountId: string) => {
    const presence = await deps.presence.presenceOf(tenantId, accountId);
    const callWith = await currentCallWith(deps.db, tenantId, accountId);
    return { ...presence, ...(callWith && { currentCallWith: callWith }) };
  };

  operation(deps, router, 'getAgentProfile', async (ctx) => {
    const { account, token, tenantId } = runtimeOf(ctx);
    const [tenant, department] = await Promise.all([
      requireTenant(deps.db, tenantId), account!.departmentId ? findDepartment(deps.db, tenantId, account!.departmentId) : undefined,
    ]);
    reply<'getAgentProfile'>(ctx, 200, {
      agent: {
        agentId: account!.id, username: account!.username, name: account!.name, role: account!.role, scopes: token.scopes,
        ...(department && { departmentId: department.id, departmentName: department.name }),
      },
      tenant: {
        clientId: tenant.id, slug: tenant.slug, name: tenant.name, timezone: tenant.timezone, isActive: tenant.active,
        ...(tenant.companyName && { companyName: tenant.companyName }),
      },
    });
  });

  operation(deps, router, 'getAgentPresence', async (ctx) => {
    const { tenantId, token } = runtimeOf(ctx);
    reply<'getAgentPresence'>(ctx, 200, await presenceOf(tenantId, token.subject));
  });

  operation(deps, router, 'updateAgentPresence', async (ctx) => {
    const { tenantId, token } = runtimeOf(ctx);
    await deps.presence.setStatus(tenantId, token.subject, inputOf<'updateAgentPresence'>(ctx).body.status);
    reply<'updateAgentPresence'>(ctx, 200, await presenceOf(tenantId, token.subject));
  });
  return router;
}

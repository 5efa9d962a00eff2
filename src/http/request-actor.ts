import type { Context } from 'koa';
import type { Actor, TenantActor } from '../audit/actor.ts';
import { requestMeta } from './request-meta.ts';

/** The caller before any guard knows who it is: a stranger with an address and a request id. */
export const requestActor = (ctx: Context): Actor => ({ tenantId: null, type: 'anonymous', id: null, ...requestMeta(ctx) });

/** Who the request acts as: what its guard established, else a stranger. */
export const actorOf = (ctx: Context): Actor => (ctx.state.actor as Actor | undefined) ?? requestActor(ctx);

/** The actor of a tenant-scoped operation; reaching here without a tenant guard is a wiring mistake. */
export function tenantActorOf(ctx: Context): TenantActor {
  const actor = actorOf(ctx);
  if (actor.tenantId === null) throw new Error('route needs a tenant guard');
  return actor as TenantActor;
}

import type { Db } from '../db/database.ts';
import type { Schema } from '../contract/types.ts';
import { iso, json } from '../db/rows.ts';

/** The contract's DevicePushToken (its `clientId` is the tenant). */
export type DevicePushToken = Required<Schema<'DevicePushToken'>>;
type Provider = DevicePushToken['provider'];
type Platform = DevicePushToken['platform'];
type Audience = DevicePushToken['audience'];
type CallMode = DevicePushToken['callMode'];

export type DeviceRegistration = {
  tenantId: string; provider: Provider; token: string; deviceId: string | null; platform: Platform; audience: Audience;
  callMode: CallMode; appId: string | null; externalId: string | null; agentId: string | null;
  ownerKind: string; ownerId: string; metadata: Record<string, unknown>;
};

type Row = {
  id: string; tenant_id: string; provider: Provider; platform: Platform; audience: Audience; call_mode: CallMode; device_id: string | null;
  app_id: string | null; external_id: string | null; agent_id: string | null; enabled: boolean;
  last_seen_at: Date; created_at: Date; updated_at: Date;
};

const toToken = (r: Row): DevicePushToken => ({
  id: r.id, clientId: r.tenant_id, provider: r.provider, platform: r.platform, audience: r.audience, callMode: r.call_mode,
  deviceId: r.device_id, appId: r.app_id, externalId: r.external_id, agentId: r.agent_id, enabled: r.enabled,
  lastSeenAt: iso(r.last_seen_at)!, createdAt: iso(r.created_at)!, updatedAt: iso(r.updated_at)!,
});

/**
 * Registers a token in one transaction: the row already holding this token or this device
 * (for the provider) is taken over, so a refreshed token replaces the device's old one and
 * a token that moved to another device or owner leaves its old row. Locked rows make
 * concurrent registrations of the same token or device queue up instead of colliding.
 */
export async function registerDeviceToken(db: Db, r: DeviceRegistration): Promise<DevicePushToken> {
  return db.transaction(async (trx) => {
    const matches: Row[] = await trx('device_push_tokens').where({ tenant_id: r.tenantId, provider: r.provider })
      .andWhere((q) => { q.where('token', r.token); if (r.deviceId) q.orWhere('device_id', r.deviceId); })
      .forUpdate();
    const keep = matches.find((m) => r.deviceId && m.device_id === r.deviceId) ?? matches[0];
    const others = matches.filter((m) => m.id !== keep?.id).map((m) => m.id);
    if (others.length) await trx('device_push_tokens').where({ tenant_id: r.tenantId }).whereIn('id', others).del();
    const fields = {
      token: r.token, device_id: r.deviceId, platform: r.platform, audience: r.audience, call_mode: r.callMode, app_id: r.appId,
      external_id: r.externalId, agent_id: r.agentId, owner_kind: r.ownerKind, owner_id: r.ownerId, metadata: json(r.metadata),
      enabled: true, last_seen_at: trx.fn.now(), updated_at: trx.fn.now(),
    };
    const [row] = keep
      ? await trx('device_push_tokens').where({ tenant_id: r.tenantId, id: keep.id }).update(fields).returning('*')
      : await trx('device_push_tokens').insert({ id: crypto.randomUUID(), tenant_id: r.tenantId, provider: r.provider, ...fields }).returning('*');
    return toToken(row);
  });
}

/** Disables the tenant's matching tokens (by token, or by device among the owner's); returns how many were enabled. */
export async function disableDeviceTokens(
  db: Db, tenantId: string, provider: string, match: { token: string } | { deviceId: string; ownerId: string },
): Promise<number> {
  const query = db('device_push_tokens').where({ tenant_id: tenantId, provider, enabled: true });
  if ('token' in match) query.andWhere('token', match.token);
  else query.andWhere({ device_id: match.deviceId, owner_id: match.ownerId });
  return query.update({ enabled: false, updated_at: db.fn.now() });
}

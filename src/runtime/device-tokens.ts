import type { BodyOf } from '../contract/types.ts';
import type { Db } from '../db/database.ts';
import { isUniqueViolation } from '../db/errors.ts';
import { apiError } from '../http/api-error.ts';
import { disableDeviceTokens, registerDeviceToken, type DevicePushToken } from './device-token-table.ts';
import type { RuntimeClaims } from './runtime-tokens.ts';
import type { RuntimeKind } from './runtime-scopes.ts';

export type RegisterInput = BodyOf<'registerDevicePushToken'>;
/** The contract's UnregisterDevicePushTokenRequest (an `anyOf` the type generator leaves untyped). */
export type UnregisterInput = { token?: string; deviceId?: string; provider?: DevicePushToken['provider'] };

// FCM registration tokens are long URL-safe strings; APNs device tokens are hex (32 bytes today, longer allowed).
const TOKEN_SHAPE: Record<string, RegExp> = {
  fcm: /^[\w:-]{32,4096}$/,
  apns: /^[0-9a-f]{64,200}$/i,
  apns_voip: /^[0-9a-f]{64,200}$/i,
};

/** Which session kinds may register tokens for which audience. */
const AUDIENCES_OF: Record<RuntimeKind, DevicePushToken['audience'][]> = { visitor: ['visitor', 'customer'], agent: ['agent'], admin: ['admin'] };

function checkedToken(provider: string, token: string): string {
  if (!TOKEN_SHAPE[provider]?.test(token)) throw apiError('SDK_DEVICE_TOKEN_INVALID', `This is not a valid ${provider} token`);
  return provider === 'fcm' ? token : token.toLowerCase();
}

/** Registers (or refreshes) the calling device's push token for the session's owner. */
export async function registerDevicePushToken(db: Db, session: RuntimeClaims, input: RegisterInput): Promise<DevicePushToken> {
  const provider = input.provider ?? 'fcm';
  const audience = input.audience ?? 'visitor';
  const token = checkedToken(provider, input.token);
  if (!AUDIENCES_OF[session.kind].includes(audience)) {
    throw apiError('VALIDATION_FAILED', `A ${session.kind} session registers tokens for ${AUDIENCES_OF[session.kind].join(' or ')}, not ${audience}`);
  }
  if (input.agentId !== undefined && (session.kind === 'visitor' || input.agentId !== session.subject)) {
    throw apiError('VALIDATION_FAILED', 'agentId must be the signed-in agent');
  }
  const registration = {
    tenantId: session.tenantId, provider, token, deviceId: input.deviceId ?? null, platform: input.platform, audience,
    callMode: input.callMode ?? 'basic', appId: input.appId ?? null, externalId: input.externalId ?? null,
    agentId: session.kind === 'visitor' ? null : session.subject, ownerKind: session.kind, ownerId: session.subject,
    metadata: input.metadata ?? {},
  };
  try {
    return await registerDeviceToken(db, registration);
  } catch (err) {
    // Two first registrations of one token raced past each other's lock; the second takes over the winner's row.
    if (!isUniqueViolation(err)) throw err;
    return registerDeviceToken(db, registration);
  }
}

/**
 * Disables the device's token. By `token` it disables that token wherever it is registered in
 * the tenant (holding it proves the device); by `deviceId` only the caller's own. Idempotent.
 */
export function unregisterDevicePushToken(db: Db, session: RuntimeClaims, input: UnregisterInput): Promise<number> {
  const provider = input.provider ?? 'fcm';
  if (input.token !== undefined) return disableDeviceTokens(db, session.tenantId, provider, { token: checkedToken(provider, input.token) });
  if (input.deviceId !== undefined) return disableDeviceTokens(db, session.tenantId, provider, { deviceId: input.deviceId, ownerId: session.subject });
  throw apiError('VALIDATION_FAILED', 'Name the device by "token" or "deviceId"');
}

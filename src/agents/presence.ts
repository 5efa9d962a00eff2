import type { Db } from '../db/database.ts';
import * as table from './presence-table.ts';

export type PresenceStatus = table.ManualStatus;

/** What the contract's `Presence` carries. */
export type Presence = { agentId: string; status: PresenceStatus; online: boolean; lastActivityAt?: string; currentCallWith?: string };

/** The contract accepts five words and answers three: `online` is `available`, `unavailable` is `offline`. */
export const normaliseStatus = (status: string): PresenceStatus =>
  status === 'online' ? 'available' : status === 'unavailable' ? 'offline' : status as PresenceStatus;

export type PresenceService = {
  /** A sign of life from an agent's request; written at most once per throttle period per agent and process. */
  heartbeat(tenantId: string, accountId: string): Promise<void>;
  /** Sets the manual status (itself a sign of life). */
  setStatus(tenantId: string, accountId: string, status: string): Promise<Presence>;
  presenceOf(tenantId: string, accountId: string): Promise<Presence>;
  /** Agents available and alive now: what visitor chat's availability asks. */
  availableAgents(tenantId: string): Promise<number>;
  onlineAgents(tenantId: string): Promise<number>;
};

/**
 * Presence in the database, so every process sees the same: an agent is online while its
 * last sign of life is younger than `windowSeconds`, and shown `offline` otherwise whatever
 * it set. Heartbeats are throttled in memory to a quarter of the window, so most agent
 * requests write nothing.
 */
export function presenceService(db: Db, windowSeconds: number): PresenceService {
  const lastWritten = new Map<string, number>();
  const throttleMs = Math.max(1000, (windowSeconds * 1000) / 4);

  const view = (accountId: string, record: table.PresenceRecord | undefined): Presence => {
    const online = !!record && record.status !== 'offline' && Date.now() - Date.parse(record.lastSeenAt) < windowSeconds * 1000;
    return { agentId: accountId, status: online ? record!.status : 'offline', online, ...(record && { lastActivityAt: record.lastSeenAt }) };
  };

  return {
    async heartbeat(tenantId, accountId) {
      const now = Date.now();
      if (now - (lastWritten.get(accountId) ?? 0) < throttleMs) return;
      lastWritten.set(accountId, now);
      await table.touch(db, tenantId, accountId);
    },
    async setStatus(tenantId, accountId, status) {
      lastWritten.set(accountId, Date.now());
      return view(accountId, await table.setStatus(db, tenantId, accountId, normaliseStatus(status)));
    },
    presenceOf: async (tenantId, accountId) => view(accountId, await table.find(db, tenantId, accountId)),
    availableAgents: (tenantId) => table.countAvailable(db, tenantId, windowSeconds),
    onlineAgents: (tenantId) => table.countOnline(db, tenantId, windowSeconds),
  };
}

/** A call session as the contract shows it (`CallSession`). */
export type CallSession = {
  id: string;
  conversationId: string;
  type: CallType;
  direction: 'inbound' | 'outbound';
  status: CallStatus;
  startedAt: string;
  answeredAt?: string;
  endedAt?: string;
  /** From answer to end; null while running and for calls never answered. */
  durationSeconds: number | null;
  endReason: string | null;
  metadata: Record<string, unknown>;
};

export type CallType = 'audio' | 'video';
export type CallStatus = 'started' | 'answered' | 'ended' | 'missed' | 'failed';

/*
 * started → answered | missed | failed | ended; answered → ended | failed. The other three are
 * terminal: they never change again.
 */
export const LIVE_STATUSES: readonly CallStatus[] = ['started', 'answered'];

/** Who is on a call: the visitor, or an account (through an agent token or the dashboard). */
export type CallParty = { type: 'visitor' | 'account'; id: string };

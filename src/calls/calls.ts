import type { Knex } from 'knex';
import type { TenantActor } from '../audit/actor.ts';
import { conversationFor, recordFact, type StoredConversation } from '../conversations/conversations.ts';
import type { Participant } from '../conversations/conversation.ts';
import type { Db } from '../db/database.ts';
import { isUniqueViolation } from '../db/errors.ts';
import { ApiError, apiError } from '../http/api-error.ts';
import { serviceCapability } from '../tenants/service-capabilities.ts';
import { emitEvent } from '../webhooks/outbox.ts';
import type { CallParty, CallSession, CallType } from './call-session.ts';
import * as table from './call-table.ts';

/** Who calls: the participant (what it may see) and the party it is on the call. */
export type Caller = { participant: Participant; party: CallParty };

export const callView = ({ tenantId: _t, startedBy: _s, answeredBy: _a, ringDeadline: _r, ...view }: table.StoredCall): CallSession => view;

export type NewCallInput = {
  conversationId: string; type: CallType; direction?: 'inbound' | 'outbound'; status?: string; metadata?: Record<string, unknown>;
};

const SERVICE_OF_TYPE = { audio: 'voice_call', video: 'video_call' } as const;

/**
 * Starts a call in a conversation the caller may see. One live call per conversation: the
 * conversation row is locked while the live call is looked for, so two starts never both win.
 */
export async function startCall(db: Db, actor: TenantActor, caller: Caller, input: NewCallInput, ringSeconds: number): Promise<{ call: CallSession }> {
  if (input.status !== undefined && input.status !== 'started') {
    throw apiError('VALIDATION_FAILED', 'A call session is created as "started"; answer and end it with their own requests');
  }
  const direction = input.direction ?? 'inbound';
  if (caller.party.type === 'visitor' && direction !== 'inbound') throw apiError('CALL_PERMISSION_DENIED', 'A visitor can only start inbound calls');
  return db.transaction(async (trx) => {
    const conversation = await callableConversation(trx, caller, input.conversationId);
    await requireCallService(trx, actor.tenantId, input.type);
    await markMissed(trx, await table.missOverdue(trx, { tenantId: actor.tenantId, conversationId: conversation.conversationId }));
    const live = await table.liveOf(trx, actor.tenantId, conversation.conversationId);
    if (live) throw alreadyLive(live);
    try {
      const call = await table.insert(trx, actor.tenantId, {
        conversationId: conversation.conversationId, type: input.type, direction, startedBy: caller.party, ringSeconds, metadata: input.metadata ?? {},
      });
      await recordFact(trx, actor.tenantId, { kind: 'call_started', conversationId: call.conversationId, departmentId: conversation.departmentId ?? null });
      await emitEvent(trx, actor, 'call.started', { callSession: callView(call) });
      return { call: callView(call) };
    } catch (err) {
      if (isUniqueViolation(err)) throw apiError('CONFLICT', 'This conversation already has a live call');
      throw err;
    }
  });
}

export type CallLinkSettings = { ringSeconds: number; issuer: string };

/**
 * A link for the other side to join the conversation's call: the conversation's live call
 * (started now when there is none; a second link while it rings is the same call) and where
 * to answer it. It is good while the call rings; media transport is the apps' own.
 */
export async function callLinkFor(
  db: Db, actor: TenantActor, caller: Caller, conversationId: string, service: 'voice_call' | 'video_call', settings: CallLinkSettings,
) {
  const type: CallType = service === 'video_call' ? 'video' : 'audio';
  const call = await liveCallOf(db, actor, caller, conversationId, type, settings.ringSeconds);
  return {
    callLink: {
      url: `${settings.issuer}/api/calls/sessions/${call.id}/answer`, method: 'POST', callSessionId: call.id, conversationId: call.conversationId,
      service, expiresAt: call.ringDeadline,
    },
    callSession: callView(call),
  };
}

async function liveCallOf(db: Db, actor: TenantActor, caller: Caller, conversationId: string, type: CallType, ringSeconds: number): Promise<table.StoredCall> {
  try {
    const { call } = await startCall(db, actor, caller, { conversationId, type }, ringSeconds);
    return (await table.find(db, actor.tenantId, call.id))!;
  } catch (err) {
    const live = err instanceof ApiError && err.code === 'CONFLICT' ? await table.liveOf(db, actor.tenantId, conversationId) : undefined;
    if (live?.type === type) return live;
    throw err;
  }
}

export async function getCall(db: Db, caller: Caller, id: string): Promise<CallSession> {
  const call = await visibleCall(db, caller, id);
  if (call.status !== 'started' || Date.parse(call.ringDeadline) > Date.now()) return callView(call);
  // Past its deadline and not yet swept: it is missed now, whoever notices first.
  return db.transaction(async (trx) => {
    await markMissed(trx, await table.missOverdue(trx, { tenantId: call.tenantId, id: call.id }));
    return callView((await table.find(trx, call.tenantId, call.id))!);
  });
}

/** Answers a ringing call: the first answer wins (one conditional update), every later one is a 409. */
export async function answerCall(db: Db, actor: TenantActor, caller: Caller, id: string): Promise<CallSession> {
  const call = await visibleCall(db, caller, id);
  if (call.startedBy.type === caller.party.type && call.startedBy.id === caller.party.id) {
    throw apiError('CALL_PERMISSION_DENIED', 'The caller cannot answer its own call');
  }
  return db.transaction(async (trx) => {
    const answered = await table.answer(trx, actor.tenantId, call.id, caller.party);
    if (!answered) {
      await markMissed(trx, await table.missOverdue(trx, { tenantId: actor.tenantId, id: call.id }));
      const now = (await table.find(trx, actor.tenantId, call.id))!;
      throw apiError('CONFLICT', `This call is ${now.status === 'answered' ? 'already answered' : now.status}`);
    }
    const ringing = (Date.parse(answered.answeredAt!) - Date.parse(answered.startedAt)) / 1000;
    await recordFact(trx, actor.tenantId, {
      kind: 'call_answered', conversationId: answered.conversationId, agentId: caller.party.type === 'account' ? caller.party.id : null, value: ringing,
    });
    await emitEvent(trx, actor, 'call.answered', { callSession: callView(answered) });
    return callView(answered);
  });
}

/** Ends a live call (as `failed` when told so); ending a call that is over returns it as it is. */
export async function endCall(db: Db, actor: TenantActor, caller: Caller, id: string, input: { reason?: string; status?: 'ended' | 'failed' }): Promise<CallSession> {
  const call = await visibleCall(db, caller, id);
  return db.transaction(async (trx) => {
    await markMissed(trx, await table.missOverdue(trx, { tenantId: actor.tenantId, id: call.id }));
    const ended = await table.end(trx, actor.tenantId, call.id, input.status ?? 'ended', input.reason?.trim() || null);
    if (!ended) return callView((await table.find(trx, actor.tenantId, call.id))!);
    await recordFact(trx, actor.tenantId, { kind: 'call_ended', conversationId: ended.conversationId, value: ended.durationSeconds });
    await emitEvent(trx, actor, 'call.ended', { callSession: callView(ended) });
    return callView(ended);
  });
}

/** Records the missed calls a sweep or a read found: a fact and an event each. */
export async function markMissed(trx: Knex.Transaction, calls: table.StoredCall[]): Promise<void> {
  for (const call of calls) {
    const system: TenantActor = { tenantId: call.tenantId, type: 'system', id: null };
    await recordFact(trx, call.tenantId, { kind: 'call_missed', conversationId: call.conversationId });
    await emitEvent(trx, system, 'call.missed', { callSession: callView(call) });
  }
}

async function visibleCall(db: Db, caller: Caller, id: string): Promise<table.StoredCall> {
  const call = await table.find(db, caller.participant.tenantId, id);
  if (!call) throw callNotFound();
  await conversationFor(db, caller.participant, call.conversationId).catch(notFoundAs(callNotFound));
  return call;
}

async function callableConversation(trx: Knex.Transaction, caller: Caller, conversationId: string): Promise<StoredConversation> {
  const conversation = await conversationFor(trx, caller.participant, conversationId, { forUpdate: true }).catch(notFoundAs(
    () => apiError('CALL_SESSION_CONVERSATION_REQUIRED', 'Name a conversation of yours in "conversationId"'),
  ));
  if (conversation.status === 'closed') throw apiError('CALL_PERMISSION_DENIED', 'This conversation is closed');
  return conversation;
}

async function requireCallService(db: Db, tenantId: string, type: CallType): Promise<void> {
  const service = await serviceCapability(db, tenantId, SERVICE_OF_TYPE[type]);
  if (!service.allowed) throw apiError('FEATURE_NOT_AVAILABLE', service.reason ?? `${service.label} is not available`);
}

/** Answers a conversation the caller may not see in the calls' own terms; other errors pass. */
const notFoundAs = (error: () => ApiError) => (err: unknown): never => {
  throw err instanceof ApiError && err.code === 'NOT_FOUND' ? error() : err;
};
const callNotFound = () => apiError('CALL_SESSION_NOT_FOUND', 'Call session not found');
const alreadyLive = (live: table.StoredCall) =>
  apiError('CONFLICT', 'This conversation already has a live call', { details: [`callSession ${live.id} is ${live.status}`] });

/** Who the account is on a call with now: the other party of its answered call (a visitor or account id). */
export async function currentCallWith(db: Db, tenantId: string, accountId: string): Promise<string | undefined> {
  const call = await table.answeredCallOf(db, tenantId, accountId);
  if (!call) return undefined;
  return call.startedBy.id === accountId ? call.answeredBy?.id : call.startedBy.id;
}

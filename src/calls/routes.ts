import Router from '@koa/router';
import type { Context } from 'koa';
import type { DashboardPrincipal } from '../auth/guards.ts';
import type { RouteDeps } from '../deps.ts';
import { inputOf, operation } from '../contract/operations.ts';
import { findAccountById } from '../accounts/accounts.ts';
import { agentOf, visitorOf } from '../conversations/participants.ts';
import type { Db } from '../db/database.ts';
import { reply } from '../http/reply.ts';
import { tenantActorOf } from '../http/request-actor.ts';
import type { RuntimePrincipal } from '../runtime/runtime-guard.ts';
import { answerCall, callLinkFor, endCall, getCall, startCall, type Caller } from './calls.ts';

/**
 * The caller of a call operation: a visitor or agent runtime session, or a dashboard account,
 * which is an agent of its tenant with its role and department as they are now.
 */
async function callerOf(db: Db, ctx: Context): Promise<Caller> {
  const principal = ctx.state.principal as RuntimePrincipal | DashboardPrincipal;
  if (principal.kind === 'runtime') {
    const { token } = principal;
    return token.kind === 'visitor'
      ? { participant: visitorOf(ctx), party: { type: 'visitor', id: token.subject } }
      : { participant: agentOf(ctx), party: { type: 'account', id: token.subject } };
  }
  const account = await findAccountById(db, principal.accountId);
  return {
    participant: { kind: 'agent', tenantId: principal.tenantId, accountId: principal.accountId, role: principal.role, departmentId: account?.departmentId ?? null },
    party: { type: 'account', id: principal.accountId },
  };
}

/** The code of an invalid call start: a missing conversation and a bad type have their own. */
const callInputCode = (problems: string[]) =>
  problems.some((p) => p.startsWith('body.conversationId')) ? 'CALL_SESSION_CONVERSATION_REQUIRED' as const
    : problems.some((p) => p.startsWith('body.type')) ? 'CALL_SESSION_TYPE_INVALID' as const
      : 'VALIDATION_FAILED' as const;

export function callRoutes(deps: RouteDeps): Router {
  const router = new Router();
  const ringSeconds = deps.config.chat.ringTimeoutSeconds;

  operation({ ...deps, input: { code: callInputCode } }, router, 'createCallSession', async (ctx) => {
    const { call } = await startCall(deps.db, tenantActorOf(ctx), await callerOf(deps.db, ctx), inputOf<'createCallSession'>(ctx).body, ringSeconds);
    reply<'createCallSession'>(ctx, 201, { callSession: call });
  });

  operation(deps, router, 'getCallSession', async (ctx) => {
    const call = await getCall(deps.db, await callerOf(deps.db, ctx), inputOf<'getCallSession'>(ctx).params.callSessionId);
    reply<'getCallSession'>(ctx, 200, { callSession: call });
  });

  operation(deps, router, 'answerCallSession', async (ctx) => {
    const call = await answerCall(deps.db, tenantActorOf(ctx), await callerOf(deps.db, ctx), inputOf<'answerCallSession'>(ctx).params.callSessionId);
    reply<'answerCallSession'>(ctx, 200, { callSession: call });
  });

  operation(deps, router, 'endCallSession', async (ctx) => {
    const { params, body } = inputOf<'endCallSession'>(ctx);
    const call = await endCall(deps.db, tenantActorOf(ctx), await callerOf(deps.db, ctx), params.callSessionId, body);
    reply<'endCallSession'>(ctx, 200, { callSession: call });
  });

  operation(deps, router, 'createVisitorConversationCallLink', async (ctx) => {
    const visitor = visitorOf(ctx);
    const { params, body } = inputOf<'createVisitorConversationCallLink'>(ctx);
    const caller: Caller = { participant: visitor, party: { type: 'visitor', id: visitor.visitorId } };
    const link = await callLinkFor(deps.db, tenantActorOf(ctx), caller, params.conversationId, body.service ?? 'voice_call', {
      ringSeconds, issuer: deps.config.issuer,
    });
    reply<'createVisitorConversationCallLink'>(ctx, 201, link);
  });
  return router;
}

import Router from '@koa/router';
import type { Context } from 'koa';
import type { DashboardPrincipal } from '../auth/guards.ts';
import type { RouteDeps } from '../deps.ts';
import { inputOf, operation } from '../contract/operations.ts';
import { visitorOf } from '../conversations/participants.ts';
import { reply } from '../http/reply.ts';
import { tenantActorOf } from '../http/request-actor.ts';
import type { RuntimePrincipal } from '../runtime/runtime-guard.ts';
import { answerCall, callLinkFor, endCall, getCall, startCall, type Caller } from './calls.ts';

/** The caller of a call operation: a visitor or agent runtime session, or a dashboard account (an agent of its tenant). */
function callerOf(ctx: Context): Caller {
  const principal = ctx.state.principal as RuntimePrincipal | DashboardPrincipal;
  if (principal.kind === 'runtime') {
    const { tenantId, token } = principal;
    return token.kind === 'visitor'
      ? { participant: { kind: 'visitor', tenantId, visitorId: token.subject }, party: { type: 'visitor', id: token.subject } }
      : { participant: { kind: 'agent', tenantId, accountId: token.subject }, party: { type: 'account', id: token.subject } };
  }
  return { participant: { kind: 'agent', tenantId: principal.tenantId, accountId: principal.accountId }, party: { type: 'account', id: principal.accountId } };
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
    const { call } = await startCall(deps.db, tenantActorOf(ctx), callerOf(ctx), inputOf<'createCallSession'>(ctx).body, ringSeconds);
    reply<'createCallSession'>(ctx, 201, { callSession: call });
  });

  operation(deps, router, 'getCallSession', async (ctx) => {
    const call = await getCall(deps.db, callerOf(ctx), inputOf<'getCallSession'>(ctx).params.callSessionId);
    reply<'getCallSession'>(ctx, 200, { callSession: call });
  });

  operation(deps, router, 'answerCallSession', async (ctx) => {
    const call = await answerCall(deps.db, tenantActorOf(ctx), callerOf(ctx), inputOf<'answerCallSession'>(ctx).params.callSessionId);
    reply<'answerCallSession'>(ctx, 200, { callSession: call });
  });

  operation(deps, router, 'endCallSession', async (ctx) => {
    const { params, body } = inputOf<'endCallSession'>(ctx);
    const call = await endCall(deps.db, tenantActorOf(ctx), callerOf(ctx), params.callSessionId, body);
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

import type { Context } from 'koa';
import { apiError } from '../http/api-error.ts';
import type { RuntimePrincipal } from '../runtime/runtime-guard.ts';
import type { AgentParticipant, Participant } from './conversation.ts';

/** The runtime session of the request, if it carried one (visitor operations take anonymous requests too). */
export const sessionOf = (ctx: Context) => ctx.state.principal as RuntimePrincipal | undefined;

/**
 * The visitor a conversation request acts for. The contract makes the session optional on
 * visitor operations so that a page without one can start (session, availability); touching a
 * conversation needs one.
 */
export function visitorOf(ctx: Context): Participant & { kind: 'visitor' } {
  const session = sessionOf(ctx);
  if (!session) throw apiError('SDK_SESSION_REQUIRED', 'Create a visitor session first and send it as "X-Ringnity-SDK-Session"');
  return { kind: 'visitor', tenantId: session.tenantId, visitorId: session.token.subject };
}

/** The runtime caller as a participant: the visitor, or an agent of the tenant with its current role and department. */
export function participantOf(ctx: Context): Participant {
  return sessionOf(ctx)?.token.kind === 'visitor' ? visitorOf(ctx) : agentOf(ctx);
}

/** The agent an agent-token request acts for (the guard read its account). */
export function agentOf(ctx: Context): AgentParticipant {
  const { tenantId, account } = sessionOf(ctx)!;
  if (!account) throw new Error('route needs an agent runtime session');
  return { kind: 'agent', tenantId, accountId: account.id, role: account.role, departmentId: account.departmentId };
}


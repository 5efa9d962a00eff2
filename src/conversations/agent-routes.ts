import Router from '@koa/router';
import type { RouteDeps } from '../deps.ts';
import { inputOf, operation } from '../contract/operations.ts';
import { reply } from '../http/reply.ts';
import { tenantActorOf } from '../http/request-actor.ts';
import { attachmentDepsOf } from './attachments.ts';
import { assignConversation, closeConversation, getInboxConversation, listInbox, listInboxMessages, removeAttachment } from './inbox.ts';
import { sendMessage } from './messages.ts';
import { sendProblems } from './message-rules.ts';
import { agentOf } from './participants.ts';
import { markMessage } from './receipts.ts';

/** The agent inbox (`/agent-sdk/conversations…`), for agent runtime tokens. */
export function agentInboxRoutes(deps: RouteDeps): Router {
  const router = new Router();
  const files = attachmentDepsOf(deps);
  const replies = { ...deps, input: { rules: ({ body }: { body: unknown }) => sendProblems(body as Record<string, unknown>, ['text']) } };

  operation(deps, router, 'listAgentConversations', async (ctx) => {
    reply<'listAgentConversations'>(ctx, 200, await listInbox(deps.db, agentOf(ctx), inputOf<'listAgentConversations'>(ctx).query));
  });

  operation(deps, router, 'getAgentConversation', async (ctx) => {
    const conversation = await getInboxConversation(deps.db, agentOf(ctx), inputOf<'getAgentConversation'>(ctx).params.conversationId);
    reply<'getAgentConversation'>(ctx, 200, { conversation });
  });

  operation(deps, router, 'listAgentConversationMessages', async (ctx) => {
    const { params, query } = inputOf<'listAgentConversationMessages'>(ctx);
    reply<'listAgentConversationMessages'>(ctx, 200, await listInboxMessages(deps.db, agentOf(ctx), params.conversationId, query));
  });

  operation(replies, router, 'sendAgentConversationMessage', async (ctx) => {
    const { params, body } = inputOf<'sendAgentConversationMessage'>(ctx);
    const { message, replayed } = await sendMessage(deps.db, tenantActorOf(ctx), agentOf(ctx), params.conversationId, {
      body: body.body, metadata: body.metadata, clientMessageId: body.clientMessageId,
    });
    if (replayed) ctx.set('Idempotent-Replayed', 'true');
    reply<'sendAgentConversationMessage'>(ctx, 201, { message });
  });

  operation(deps, router, 'markAgentMessageRead', async (ctx) => {
    const { params } = inputOf<'markAgentMessageRead'>(ctx);
    reply<'markAgentMessageRead'>(ctx, 200, { receipt: await markMessage(deps.db, agentOf(ctx), params.conversationId, params.messageId, 'read') });
  });

  operation(deps, router, 'deleteAgentConversationAttachment', async (ctx) => {
    const { params, body } = inputOf<'deleteAgentConversationAttachment'>(ctx);
    reply<'deleteAgentConversationAttachment'>(ctx, 200, await removeAttachment(files, tenantActorOf(ctx), agentOf(ctx), params.conversationId, params.messageId, body.reason));
  });

  operation(deps, router, 'assignAgentConversation', async (ctx) => {
    const { params, body } = inputOf<'assignAgentConversation'>(ctx);
    reply<'assignAgentConversation'>(ctx, 200, await assignConversation(deps.db, tenantActorOf(ctx), agentOf(ctx), params.conversationId, body));
  });

  operation(deps, router, 'closeAgentConversation', async (ctx) => {
    const conversation = await closeConversation(deps.db, tenantActorOf(ctx), agentOf(ctx), inputOf<'closeAgentConversation'>(ctx).params.conversationId);
    reply<'closeAgentConversation'>(ctx, 200, { conversation });
  });
  return router;
}

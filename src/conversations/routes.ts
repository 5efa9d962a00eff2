import Router from '@koa/router';
import type { RouteDeps } from '../deps.ts';
import { inputOf, operation } from '../contract/operations.ts';
import { apiError } from '../http/api-error.ts';
import { reply } from '../http/reply.ts';
import { tenantActorOf } from '../http/request-actor.ts';
import { chatLimits, runtimeLimits } from '../runtime/rate-limits.ts';
import { allowCorsOrigin } from '../runtime/runtime-cors.ts';
import { createRuntimeSession, runtimeTenantFor, runtimeCallerOf } from '../runtime/runtime-sessions.ts';
import { attachmentDepsOf, declareAttachment, openAttachment, uploadAttachment } from './attachments.ts';
import { participantOf, sessionOf, visitorOf } from './participants.ts';
import { chatAvailability, getVisitorConversation, openTicketOf, requireChat, startVisitorConversation } from './conversations.ts';
import { conversationProblems, editProblems, sendProblems } from './message-rules.ts';
import { deleteMessage, editMessage, sendMessage } from './messages.ts';
import { markMessage } from './receipts.ts';

/** Visitor chat: sessions, conversations, messages, attachments and receipts. */
export function conversationRoutes(deps: RouteDeps): Router {
  const router = new Router();
  const sessions = runtimeLimits(deps.db, deps.config.runtimeLimits);
  const limits = chatLimits(deps.db, deps.config.chat);
  const files = attachmentDepsOf(deps);
  const checked = (rules: (body: Record<string, unknown>) => string[]) => ({ ...deps, input: { rules: ({ body }: { body: unknown }) => rules(body as Record<string, unknown>) } });

  operation(deps, router, 'createVisitorChatSession', async (ctx) => {
    const { body } = inputOf<'createVisitorChatSession'>(ctx);
    const current = sessionOf(ctx);
    ctx.set('Cache-Control', 'no-store');
    if (current) {
      // A page that already has a session learns who it is; the session is not extended.
      const visitor = visitorOf(ctx);
      reply<'createVisitorChatSession'>(ctx, 201, {
        visitor: { id: visitor.visitorId, verified: current.token.verified === true }, chat: await chatAvailability(deps.db, deps.presence, visitor.tenantId),
      });
      return;
    }
    const created = await createRuntimeSession(deps, sessions, body, runtimeCallerOf(ctx));
    allowCorsOrigin(ctx, created.origin);
    reply<'createVisitorChatSession'>(ctx, 201, { ...created.session, visitor: created.visitor, chat: await chatAvailability(deps.db, deps.presence, created.tenantId) });
  });

  operation(deps, router, 'getVisitorChatAvailability', async (ctx) => {
    const session = sessionOf(ctx);
    let tenantId = session?.tenantId;
    if (!tenantId) {
      await sessions.bootstrap(ctx.ip);
      const found = await runtimeTenantFor(deps, inputOf<'getVisitorChatAvailability'>(ctx).query, runtimeCallerOf(ctx));
      allowCorsOrigin(ctx, found.origin);
      tenantId = found.tenantId;
    }
    reply<'getVisitorChatAvailability'>(ctx, 200, await chatAvailability(deps.db, deps.presence, tenantId));
  });

  operation(checked(conversationProblems), router, 'createVisitorConversation', async (ctx) => {
    const visitor = visitorOf(ctx);
    await limits.conversation(visitor.visitorId, ctx.ip);
    await requireChat(deps.db, visitor.tenantId);
    const conversation = await startVisitorConversation(deps.db, tenantActorOf(ctx), visitor.visitorId, inputOf<'createVisitorConversation'>(ctx).body);
    reply<'createVisitorConversation'>(ctx, 201, { conversation });
  });

  operation(deps, router, 'getVisitorOpenTicket', async (ctx) => {
    const visitor = visitorOf(ctx);
    const conversation = await openTicketOf(deps.db, visitor.tenantId, visitor.visitorId);
    reply<'getVisitorOpenTicket'>(ctx, 200, conversation ? { ticket: conversation, conversation } : {});
  });

  operation(deps, router, 'getVisitorConversation', async (ctx) => {
    const conversation = await getVisitorConversation(deps.db, visitorOf(ctx), inputOf<'getVisitorConversation'>(ctx).params.conversationId);
    reply<'getVisitorConversation'>(ctx, 200, { conversation });
  });

  operation(checked((body) => sendProblems(body)), router, 'sendVisitorConversationMessage', async (ctx) => {
    const visitor = visitorOf(ctx);
    const { params, body } = inputOf<'sendVisitorConversationMessage'>(ctx);
    await limits.message(visitor.visitorId, ctx.ip);
    const { message, replayed } = await sendMessage(deps.db, tenantActorOf(ctx), visitor, params.conversationId, {
      body: body.body, messageType: body.messageType as 'text' | 'rating' | undefined, metadata: body.metadata, clientMessageId: body.clientMessageId,
    });
    if (replayed) ctx.set('Idempotent-Replayed', 'true');
    reply<'sendVisitorConversationMessage'>(ctx, 201, { message });
  });

  operation(checked(editProblems), router, 'editVisitorConversationMessage', async (ctx) => {
    const visitor = visitorOf(ctx);
    const { params, body } = inputOf<'editVisitorConversationMessage'>(ctx);
    await limits.message(visitor.visitorId, ctx.ip);
    const message = await editMessage(deps.db, tenantActorOf(ctx), visitor, params.conversationId, params.messageId, body);
    reply<'editVisitorConversationMessage'>(ctx, 200, { message });
  });

  operation(deps, router, 'deleteVisitorConversationMessage', async (ctx) => {
    const visitor = visitorOf(ctx);
    const { params } = inputOf<'deleteVisitorConversationMessage'>(ctx);
    await limits.message(visitor.visitorId, ctx.ip);
    const message = await deleteMessage(deps.db, tenantActorOf(ctx), visitor, params.conversationId, params.messageId);
    reply<'deleteVisitorConversationMessage'>(ctx, 200, { message });
  });

  operation(deps, router, 'createVisitorConversationAttachment', async (ctx) => {
    const visitor = visitorOf(ctx);
    const { params, body } = inputOf<'createVisitorConversationAttachment'>(ctx);
    await limits.upload(visitor.visitorId);
    reply<'createVisitorConversationAttachment'>(ctx, 201, await declareAttachment(files, visitor, params.conversationId, body));
  });

  operation(deps, router, 'uploadVisitorConversationAttachment', async (ctx) => {
    const visitor = visitorOf(ctx);
    const { params, query } = inputOf<'uploadVisitorConversationAttachment'>(ctx);
    if (!ctx.is('multipart/form-data')) throw apiError('UNSUPPORTED_MEDIA_TYPE', 'Send the file as multipart/form-data in the field "file"');
    await limits.upload(visitor.visitorId);
    try {
      const uploaded = await uploadAttachment(files, tenantActorOf(ctx), visitor, params.conversationId, {
        headers: ctx.req.headers, body: ctx.req, attachmentId: query.attachmentId,
      });
      reply<'uploadVisitorConversationAttachment'>(ctx, 201, uploaded);
    } finally {
      // A refused upload may leave its body unread: close the connection rather than read the rest.
      if (!ctx.req.complete) ctx.set('Connection', 'close');
    }
  });

  operation(deps, router, 'downloadChatAttachment', async (ctx) => {
    const { attachment, stream, size } = await openAttachment(files, participantOf(ctx), inputOf<'downloadChatAttachment'>(ctx).params.attachmentId);
    ctx.attachment(attachment.filename);
    ctx.type = attachment.contentType ?? 'application/octet-stream';
    ctx.length = size;
    ctx.set({ 'X-Content-Type-Options': 'nosniff', 'Cache-Control': 'private, no-store', 'Content-Security-Policy': "default-src 'none'; sandbox" });
    ctx.body = stream;
  });

  for (const [id, mark] of [['markChatMessageDelivered', 'delivered'], ['markChatMessageRead', 'read']] as const) {
    operation(deps, router, id, async (ctx) => {
      const { params } = inputOf<typeof id>(ctx);
      const receipt = await markMessage(deps.db, visitorOf(ctx), params.conversationId, params.messageId, mark);
      reply(ctx, 200, { receipt });
    });
  }
  return router;
}

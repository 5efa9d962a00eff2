import Router from '@koa/router';
import type { RouteDeps } from '../deps.ts';
import { inputOf, operation } from '../contract/operations.ts';
import { LIMITS } from '../conversations/conversation.ts';
import { visitorOf } from '../conversations/participants.ts';
import { apiError } from '../http/api-error.ts';
import { reply } from '../http/reply.ts';
import { tenantActorOf } from '../http/request-actor.ts';
import { chatLimits } from '../runtime/rate-limits.ts';
import { getAiVisitorRouting } from './ai-access.ts';
import { deleteAdminKnowledge, ingestAdminKnowledgeUrl, knowledgeDepsOf, reindexAdminKnowledge, uploadAdminKnowledgeDocument } from './knowledge.ts';
import { providerOf } from './providers.ts';
import { MAX_SDP_BYTES, createAiVisitorRealtimeCall, readText } from './realtime.ts';
import { SEARCH_LIMITS, retrieve, searchResult } from './retrieval.ts';
import { createAiVisitorConversation, sendAiVisitorMessage, type VisitorAiDeps } from './visitor-ai.ts';

const chatProblems = ({ body }: { body: unknown }): string[] => {
  const message = (body as { message?: unknown } | undefined)?.message;
  if (typeof message !== 'string') return [];
  if (!message.trim()) return ['body.message must not be blank'];
  return message.length > LIMITS.bodyChars ? [`body.message must be at most ${LIMITS.bodyChars} characters`] : [];
};

const searchProblems = ({ body }: { body: unknown }): string[] => {
  const { query, limit } = (body ?? {}) as { query?: unknown; limit?: unknown };
  return [
    ...(typeof query === 'string' && !query.trim() ? ['body.query must not be blank'] : []),
    ...(typeof query === 'string' && query.length > SEARCH_LIMITS.queryChars ? [`body.query must be at most ${SEARCH_LIMITS.queryChars} characters`] : []),
    ...(typeof limit === 'number' && (limit < 1 || limit > SEARCH_LIMITS.maxResults) ? [`body.limit must be 1-${SEARCH_LIMITS.maxResults}`] : []),
  ];
};

/** The AI area: the admin's knowledge base (Admin SDK) and the visitor's AI chat, search and realtime voice. */
export function aiRoutes(deps: RouteDeps): Router {
  const router = new Router();
  const knowledge = knowledgeDepsOf(deps.db, deps.config);
  const visitorAi: VisitorAiDeps = { db: deps.db, provider: providerOf(deps.config.ai), realtimeConfigured: Boolean(deps.config.ai.realtimeUrl) };
  const limits = chatLimits(deps.db, deps.config.chat);
  const checked = (rules: (input: { body: unknown }) => string[]) => ({ ...deps, input: { rules } });

  operation(deps, router, 'uploadAdminKnowledgeDocument', async (ctx) => {
    if (!ctx.is('multipart/form-data')) throw apiError('UNSUPPORTED_MEDIA_TYPE', 'Send the document as multipart/form-data in the field "file"');
    try {
      const item = await uploadAdminKnowledgeDocument(knowledge, tenantActorOf(ctx), { headers: ctx.req.headers, body: ctx.req });
      reply<'uploadAdminKnowledgeDocument'>(ctx, 201, item);
    } finally {
      // A refused upload may leave its body unread: close the connection rather than read the rest.
      if (!ctx.req.complete) ctx.set('Connection', 'close');
    }
  });

  operation(deps, router, 'ingestAdminKnowledgeUrl', async (ctx) => {
    const { item, created } = await ingestAdminKnowledgeUrl(knowledge, tenantActorOf(ctx), inputOf<'ingestAdminKnowledgeUrl'>(ctx).body.url);
    reply<'ingestAdminKnowledgeUrl'>(ctx, 201, { ...item, created }, created ? 'Queued for ingest' : 'This URL is already in the knowledge base');
  });

  operation(deps, router, 'reindexAdminKnowledge', async (ctx) => {
    reply<'reindexAdminKnowledge'>(ctx, 200, await reindexAdminKnowledge(deps.db, tenantActorOf(ctx), inputOf<'reindexAdminKnowledge'>(ctx).params.knowledgeItemId));
  });

  operation(deps, router, 'deleteAdminKnowledge', async (ctx) => {
    const item = await deleteAdminKnowledge(knowledge, tenantActorOf(ctx), inputOf<'deleteAdminKnowledge'>(ctx).params.knowledgeItemId);
    reply<'deleteAdminKnowledge'>(ctx, 200, { ...item, deleted: true });
  });

  operation(deps, router, 'getAiVisitorRouting', async (ctx) => {
    reply<'getAiVisitorRouting'>(ctx, 200, await getAiVisitorRouting(visitorAi, deps.presence, visitorOf(ctx).tenantId));
  });

  operation(deps, router, 'createAiVisitorConversation', async (ctx) => {
    const visitor = visitorOf(ctx);
    await limits.conversation(visitor.visitorId, ctx.ip);
    const ai = await createAiVisitorConversation(visitorAi, tenantActorOf(ctx), visitor, inputOf<'createAiVisitorConversation'>(ctx).body ?? {});
    reply<'createAiVisitorConversation'>(ctx, 201, { aiConversationId: ai.aiConversationId, conversationId: ai.conversationId });
  });

  operation(checked(chatProblems), router, 'sendAiVisitorMessage', async (ctx) => {
    const visitor = visitorOf(ctx);
    await limits.message(visitor.visitorId, ctx.ip);
    reply<'sendAiVisitorMessage'>(ctx, 200, await sendAiVisitorMessage(visitorAi, tenantActorOf(ctx), visitor, inputOf<'sendAiVisitorMessage'>(ctx).body));
  });

  operation(checked(searchProblems), router, 'searchAiVisitorKnowledge', async (ctx) => {
    const visitor = visitorOf(ctx);
    const { query, limit } = inputOf<'searchAiVisitorKnowledge'>(ctx).body;
    const hits = await retrieve(deps.db, visitor.tenantId, query, limit ?? SEARCH_LIMITS.defaultResults);
    reply<'searchAiVisitorKnowledge'>(ctx, 200, { results: hits.map(searchResult) });
  });

  operation(deps, router, 'createAiVisitorRealtimeCall', async (ctx) => {
    visitorOf(ctx); // a visitor session is required before anything is read
    if (!ctx.is('application/sdp', 'text/plain')) throw apiError('UNSUPPORTED_MEDIA_TYPE', 'Send the SDP offer as application/sdp or text/plain');
    const offer = await readText(ctx.req, MAX_SDP_BYTES);
    const answer = await createAiVisitorRealtimeCall({ db: deps.db, settings: deps.config.ai }, tenantActorOf(ctx), offer);
    ctx.status = 200;
    ctx.type = ctx.is('application/sdp') ? 'application/sdp' : 'text/plain';
    ctx.set('Cache-Control', 'no-store');
    ctx.body = answer;
  });
  return router;
}

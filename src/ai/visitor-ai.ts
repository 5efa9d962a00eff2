import { Decimal } from 'decimal.js';
import type { TenantActor } from '../audit/actor.ts';
import { recordAiUsage } from '../billing/ai-usage.ts';
import { getPlatformAiPricing } from '../billing/ai-pricing.ts';
import type { AiPricingSettings } from '../billing/pricing.ts';
import type { Participant } from '../conversations/conversation.ts';
import { getVisitorConversation, startVisitorConversation } from '../conversations/conversations.ts';
import { recentMessages, sendMessage, writeAiReply } from '../conversations/messages.ts';
import type { Db } from '../db/database.ts';
import { apiError } from '../http/api-error.ts';
import { requireAi } from './ai-access.ts';
import * as table from './ai-conversation-table.ts';
import { estimateTokens, SYSTEM_PROMPT, type AiProvider, type Passage, type Turn } from './providers.ts';
import { RELEVANCE_THRESHOLD, retrieve } from './retrieval.ts';

export type VisitorAiDeps = { db: Db; provider: AiProvider; realtimeConfigured: boolean };
type Visitor = Participant & { kind: 'visitor' };

export type AiConversationInput = { visitor?: Record<string, unknown>; metadata?: Record<string, unknown> };

/** Starts an AI conversation and the chat conversation its messages live in, together. */
export async function createAiVisitorConversation(deps: VisitorAiDeps, actor: TenantActor, visitor: Visitor, input: AiConversationInput) {
  await requireAi(deps, visitor.tenantId, 'ai_chat');
  return startAiConversation(deps.db, actor, visitor, input);
}

function startAiConversation(db: Db, actor: TenantActor, visitor: Visitor, input: AiConversationInput) {
  return db.transaction(async (trx) => {
    const conversation = await startVisitorConversation(trx, actor, visitor.visitorId, { visitor: input.visitor, metadata: { ...input.metadata, ai: true } });
    return table.insert(trx, visitor.tenantId, {
      aiConversationId: crypto.randomUUID(), conversationId: conversation.conversationId, visitorId: visitor.visitorId, metadata: input.metadata ?? {},
    });
  });
}

export type AiChatInput = { aiConversationId?: string; conversationId?: string; message: string; stream?: boolean; metadata?: Record<string, unknown> };

/** The AI conversation a message goes to: the one named, the one of the chat conversation named (linked now if new), or a new one. */
async function aiConversationOf(db: Db, actor: TenantActor, visitor: Visitor, input: AiChatInput): Promise<table.AiConversation> {
  if (input.aiConversationId) {
    const found = await table.find(db, visitor.tenantId, visitor.visitorId, input.aiConversationId);
    if (!found || (input.conversationId && input.conversationId !== found.conversationId)) throw apiError('NOT_FOUND', 'AI conversation not found');
    return found;
  }
  if (input.conversationId) {
    const conversation = await getVisitorConversation(db, visitor, input.conversationId);
    return (await table.findByConversation(db, visitor.tenantId, conversation.conversationId)) ?? table.insert(db, visitor.tenantId, {
      aiConversationId: crypto.randomUUID(), conversationId: conversation.conversationId, visitorId: visitor.visitorId, metadata: {},
    });
  }
  return startAiConversation(db, actor, visitor, {});
}

/**
 * Asking for a person, in the visitor's own words: a structured signal read from the
 * question (never from the reply). English phrasings; other languages rely on the provider.
 */
const ASKS_FOR_PERSON = /\b(human|real person|live (agent|person|chat|support)|(customer )?(service )?representative|operator|(talk|speak|chat) (to|with) (a |an |your |some )?(person|people|agent|staff|someone|somebody|team|support|sales))\b/i;

/**
 * Stores the visitor's message, answers it from the tenant's knowledge, and stores the reply
 * (sender type `ai`) with its usage row in one transaction. The AI service and the month's
 * quota and balance are checked before anything is stored or any provider is called.
 */
export async function sendAiVisitorMessage(deps: VisitorAiDeps, actor: TenantActor, visitor: Visitor, input: AiChatInput) {
  await requireAi(deps, visitor.tenantId, 'ai_chat');
  const ai = await aiConversationOf(deps.db, actor, visitor, input);
  const { settings: pricing } = await getPlatformAiPricing(deps.db);
  const { message: asked } = await sendMessage(deps.db, actor, visitor, ai.conversationId, {
    body: input.message, metadata: { ...input.metadata, aiConversationId: ai.aiConversationId },
  });
  const earlier = (await recentMessages(deps.db, visitor, ai.conversationId, pricing.maxContextMessages + 1))
    .filter((m) => m.messageId !== asked.messageId).slice(-pricing.maxContextMessages)
    .map((m): Turn => ({ role: m.senderType === 'visitor' ? 'visitor' : 'assistant', body: m.body }));
  const found = await retrieve(deps.db, visitor.tenantId, input.message, pricing.maxKnowledgeChunks);
  const relevant = found.filter((hit) => hit.score >= RELEVANCE_THRESHOLD)
    .map((hit, i): Passage => ({ n: i + 1, itemId: hit.itemId, title: hit.title, url: hit.url, heading: hit.heading, body: hit.body, score: hit.score }));
  const context = withinInputBudget(input.message, earlier, relevant, pricing.maxInputTokens);
  const answer = await deps.provider.answer({
    question: input.message, ...context, maxOutputTokens: pricing.maxOutputTokens, maxRetries: pricing.maxRetries,
  });
  const reasons = [
    ...(context.passages.length ? [] : ['no_relevant_knowledge']),
    ...(ASKS_FOR_PERSON.test(input.message) ? ['visitor_asked_for_person'] : []),
    ...(answer.handoff ? ['provider_recommended'] : []),
  ];
  const sources = context.passages.filter((p) => answer.used.includes(p.n))
    .map((p) => ({ knowledgeItemId: p.itemId, title: p.title, ...(p.heading && { heading: p.heading }), ...(p.url && { sourceUrl: p.url }), score: round(p.score, 4) }));
  const usage = { inputTokens: answer.inputTokens, outputTokens: answer.outputTokens, estimated: answer.estimated, ...costOf(pricing, answer) };
  const metadata = { provider: answer.provider, model: answer.model, sources, handoffReasons: reasons, usage };
  const { reply, charge } = await deps.db.transaction(async (trx) => {
    const reply = await writeAiReply(trx, actor, visitor, ai.conversationId, {
      body: answer.reply, metadata: { aiConversationId: ai.aiConversationId, handoffRecommended: reasons.length > 0, ...metadata },
    });
    const charge = await recordAiUsage(trx, visitor.tenantId, { replies: 1, inputTokens: answer.inputTokens, outputTokens: answer.outputTokens });
    return { reply, charge };
  });
  return {
    aiConversationId: ai.aiConversationId, conversationId: ai.conversationId, message: answer.reply, handoffRecommended: reasons.length > 0,
    metadata: {
      ...metadata, usage: { ...usage, chargeCents: charge.chargeCents }, messageId: reply.messageId, visitorMessageId: asked.messageId,
      // The whole reply at once: response deltas belong to the realtime streaming contract.
      streamed: false,
    },
  };
}

/**
 * Keeps the prompt within `maxInputTokens` (by the 4-characters estimate): the oldest turns go
 * first, then the weakest passages; the question and the rules always stay.
 */
function withinInputBudget(question: string, history: Turn[], passages: Passage[], maxInputTokens: number) {
  const kept = { history: [...history], passages: [...passages] };
  const size = () => estimateTokens(SYSTEM_PROMPT + question + kept.history.map((t) => t.body).join('') + kept.passages.map((p) => p.title + p.body).join(''));
  while (size() > maxInputTokens && kept.history.length) kept.history.shift();
  while (size() > maxInputTokens && kept.passages.length) kept.passages.pop();
  return kept;
}

const round = (n: number, places: number) => Number(n.toFixed(places));

/**
 * What this reply cost the platform at the provider's token prices (with the risk buffer),
 * and its retail value (times the markup), in USD. The tenant is charged per reply, beyond
 * its plan, by billing; these are for insight.
 */
function costOf(p: AiPricingSettings, a: { inputTokens: number; outputTokens: number }) {
  const internal = new Decimal(a.inputTokens).times(p.inputCostPer1mUsd).plus(new Decimal(a.outputTokens).times(p.outputCostPer1mUsd))
    .div(1_000_000).times(new Decimal(p.riskBufferPercent).div(100).plus(1));
  return { costUsd: internal.toDecimalPlaces(6).toNumber(), retailUsd: internal.times(p.markupMultiplier).toDecimalPlaces(6).toNumber() };
}

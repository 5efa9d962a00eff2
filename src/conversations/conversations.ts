import type { TenantActor } from '../audit/actor.ts';
import { countAgents } from '../accounts/accounts.ts';
import { contactIdOf } from '../contacts/contacts.ts';
import type { PresenceService } from '../agents/presence.ts';
import type { Db } from '../db/database.ts';
import { apiError } from '../http/api-error.ts';
import { findVisitor } from '../runtime/visitors.ts';
import { serviceCapability, type ServiceStatus } from '../tenants/service-capabilities.ts';
import { emitEvent } from '../webhooks/outbox.ts';
import { supervises, type Conversation, type Participant } from './conversation.ts';
import * as table from './conversation-table.ts';
import * as facts from './fact-table.ts';

export type { StoredConversation } from './conversation-table.ts';

/** The contract's view: the stored conversation without what only services need. */
export const conversationView = ({ tenantId: _t, lastSeq: _s, ...view }: table.StoredConversation): Conversation => view;

const notFound = () => apiError('NOT_FOUND', 'Conversation not found');

/**
 * The conversation, if the participant may see it (`canSee`). Anything else is "not found",
 * so ids of others' conversations reveal nothing.
 */
export async function conversationFor(db: Db, who: Participant, id: string, options: { forUpdate?: boolean } = {}): Promise<table.StoredConversation> {
  const conversation = await table.find(db, who.tenantId, id, options);
  if (!conversation || !canSee(who, conversation)) throw notFound();
  return conversation;
}

/**
 * A visitor sees its own conversations (a verified visitor is one visitor on every device, so
 * that covers all of them). Supervisors and up see all of the tenant's; an agent sees those
 * assigned to it and the unassigned ones of its department or of no department (all
 * unassigned ones when it has no department itself).
 */
export function canSee(who: Participant, c: Pick<Conversation, 'visitorId' | 'assignedAgentId' | 'departmentId'>): boolean {
  if (who.kind === 'visitor') return c.visitorId === who.visitorId;
  if (supervises(who) || c.assignedAgentId === who.accountId) return true;
  return !c.assignedAgentId && (!who.departmentId || !c.departmentId || c.departmentId === who.departmentId);
}

export type NewVisitorConversation = { subject?: string; visitor?: Record<string, unknown>; metadata?: Record<string, unknown> };

/**
 * Starts a conversation for the visitor. A verified visitor is linked to the tenant's contact
 * with their externalId or email; what an anonymous visitor says about itself is kept in the
 * metadata as `claimedVisitor`, never trusted.
 */
export async function startVisitorConversation(
  db: Db, actor: TenantActor, visitorId: string, input: NewVisitorConversation,
): Promise<Conversation> {
  return db.transaction(async (trx) => {
    const visitor = await findVisitor(trx, actor.tenantId, visitorId);
    if (!visitor) throw apiError('SDK_SESSION_REQUIRED', 'This visitor session is no longer known; create a new one');
    const contactId = visitor.verified ? await contactIdOf(trx, actor.tenantId, visitor) : undefined;
    const conversation = await table.insert(trx, actor.tenantId, {
      id: crypto.randomUUID(), visitorId, contactId: contactId ?? null, channel: 'chat', subject: input.subject?.trim() || null,
      metadata: { ...input.metadata, ...(input.visitor && !visitor.verified && { claimedVisitor: input.visitor }) },
    });
    await facts.insert(trx, actor.tenantId, { kind: 'conversation_created', conversationId: conversation.conversationId });
    const view = conversationView(conversation);
    await emitEvent(trx, actor, 'conversation.created', { conversation: view });
    return view;
  });
}

export async function getVisitorConversation(db: Db, who: Participant, id: string): Promise<Conversation> {
  return conversationView(await conversationFor(db, who, id));
}

/** The visitor's newest conversation still open or pending, or none. */
export async function openTicketOf(db: Db, tenantId: string, visitorId: string): Promise<Conversation | undefined> {
  const conversation = await table.newestOpenOf(db, tenantId, visitorId);
  return conversation && conversationView(conversation);
}

export type ChatAvailability = { available: boolean; status: ServiceStatus; reason?: string };

/**
 * Whether a visitor can chat now: chat must be in the plan and switched on, and someone must
 * be there to answer: an agent that is online and available (presence), else an agent account
 * at all (so a workspace without any is told it is not set up).
 */
export async function chatAvailability(db: Db, presence: Pick<PresenceService, 'availableAgents'>, tenantId: string): Promise<ChatAvailability> {
  const chat = await serviceCapability(db, tenantId, 'chat');
  if (!chat.allowed) return { available: false, status: chat.status, ...(chat.reason && { reason: chat.reason }) };
  if (await presence.availableAgents(tenantId) > 0) return { available: true, status: 'available' };
  return await countAgents(db, tenantId) === 0
    ? { available: false, status: 'not_configured', reason: 'No agent can answer chats yet' }
    : { available: false, status: 'not_configured', reason: 'No agent is online right now' };
}

/** Refuses a chat write when the tenant's plan or admin has chat switched off. */
export async function requireChat(db: Db, tenantId: string): Promise<void> {
  const chat = await serviceCapability(db, tenantId, 'chat');
  if (!chat.allowed) throw apiError('FEATURE_NOT_AVAILABLE', chat.reason ?? 'Chat is not available');
}

/** Other areas record the facts of a conversation (a call answered, ended, missed) through this. */
export { insert as recordFact, type Fact } from './fact-table.ts';

import type { Role } from '../accounts/account.ts';

/** A conversation as the contract shows it (`Conversation`). */
export type Conversation = {
  conversationId: string;
  conversationNumber: string;
  ticketId: string;
  visitorId?: string;
  contactId?: string;
  departmentId?: string;
  assignedAgentId?: string;
  channel: string;
  status: ConversationStatus;
  priority: string;
  subject?: string;
  lastMessageAt?: string;
  createdAt: string;
  updatedAt: string;
};

/*
 * open → pending (waiting on the visitor) → open; open | pending → resolved → open (a new
 * message reopens it); any → closed, which is final: a closed conversation takes no messages.
 */
export const CONVERSATION_STATUSES = ['open', 'pending', 'resolved', 'closed'] as const;
export type ConversationStatus = (typeof CONVERSATION_STATUSES)[number];

export type SenderType = 'visitor' | 'agent' | 'system' | 'ai';
export const MESSAGE_TYPES = ['text', 'attachment', 'rating', 'system'] as const;
export type MessageType = (typeof MESSAGE_TYPES)[number];

/** A message as the contract shows it (`Message`); deleted messages keep only their envelope. */
export type Message = {
  messageId: string;
  conversationId: string;
  senderType: SenderType;
  senderAgentId?: string;
  senderContactId?: string;
  body: string;
  messageType: MessageType;
  metadata: Record<string, unknown>;
  clientMessageId?: string;
  attachmentId?: string;
  rating?: number;
  sentAt: string;
  editedAt?: string;
  deletedAt?: string;
};

/** Who writes to a conversation: the side, and the visitor's or account's id (none for the system). */
export type Sender = { type: SenderType; id: string | null };

/** The two sides whose delivered and read marks are kept. */
export type ReceiptSide = 'visitor' | 'agent';

export const LIMITS = Object.freeze({
  /** Characters of a message body. */
  bodyChars: 10_000,
  /** Bytes of a message's or conversation's metadata, as JSON. */
  metadataBytes: 16_384,
  subjectChars: 500,
  /** How long after sending its author may edit or delete a message. */
  editWindowSeconds: 15 * 60,
});

/** Who acts on a conversation: its visitor, or an agent (an account) of the tenant, with its role and team. */
export type Participant =
  | { kind: 'visitor'; tenantId: string; visitorId: string }
  | AgentParticipant;

export type AgentParticipant = { kind: 'agent'; tenantId: string; accountId: string; role: Role; departmentId: string | null };

/** Supervisors, admins and owners see and work every conversation of their tenant. */
export const SUPERVISING_ROLES: readonly Role[] = ['supervisor', 'admin', 'owner'];
export const supervises = (agent: AgentParticipant): boolean => SUPERVISING_ROLES.includes(agent.role);

export const senderOf = (p: Participant): Sender =>
  p.kind === 'visitor' ? { type: 'visitor', id: p.visitorId } : { type: 'agent', id: p.accountId };

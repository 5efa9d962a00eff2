import type { Db } from '../db/database.ts';
import type { Participant } from './conversation.ts';
import { messageFor } from './messages.ts';
import * as table from './receipt-table.ts';

export type Receipt = {
  conversationId: string;
  messageId: string;
  side: Participant['kind'];
  /** Sequence numbers in the conversation: every message up to them is delivered (read). */
  deliveredUpTo: number;
  readUpTo: number;
  deliveredAt?: string;
  readAt?: string;
};

/**
 * Marks the message, and with it every earlier one, delivered or read for the participant's
 * side. Marks only move forward: marking an older message changes nothing.
 */
export async function markMessage(db: Db, who: Participant, conversationId: string, messageId: string, mark: 'delivered' | 'read'): Promise<Receipt> {
  const message = await messageFor(db, who, conversationId, messageId);
  const marks = await table.raise(db, who.tenantId, message.conversationId, who.kind, mark, message.seq);
  return {
    conversationId: message.conversationId, messageId: message.messageId, side: who.kind,
    deliveredUpTo: marks.deliveredSeq, readUpTo: marks.readSeq,
    ...(marks.deliveredAt && { deliveredAt: marks.deliveredAt }), ...(marks.readAt && { readAt: marks.readAt }),
  };
}

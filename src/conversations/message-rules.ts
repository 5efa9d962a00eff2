import { LIMITS, type MessageType } from './conversation.ts';

type MessageInput = { body?: unknown; messageType?: unknown; metadata?: unknown; clientMessageId?: unknown };

/** What a visitor may send itself: attachments arrive by upload, system messages from the system. */
const VISITOR_TYPES: readonly MessageType[] = ['text', 'rating'];

const metadataBytes = (metadata: unknown) => Buffer.byteLength(JSON.stringify(metadata ?? {}));

/** Problems of a message to send, beyond the contract's schema (which checks the types). */
export function sendProblems(input: MessageInput, allowed: readonly MessageType[] = VISITOR_TYPES): string[] {
  const problems = bodyProblems(input);
  const type = input.messageType ?? 'text';
  if (typeof type === 'string' && !allowed.includes(type as MessageType)) {
    problems.push(`body.messageType must be one of ${allowed.join(', ')}`);
  }
  if (typeof input.body === 'string' && type === 'text' && !input.body.trim()) problems.push('body.body must not be empty');
  if (type === 'rating') {
    const score = (input.metadata as { score?: unknown } | undefined)?.score;
    if (!Number.isInteger(score) || (score as number) < 1 || (score as number) > 5) {
      problems.push('body.metadata.score must be an integer from 1 to 5 for a rating');
    }
  }
  if (typeof input.clientMessageId === 'string' && (input.clientMessageId.length < 1 || input.clientMessageId.length > 200)) {
    problems.push('body.clientMessageId must be 1 to 200 characters');
  }
  return problems;
}

/** Problems of an edit: something to change, within the same limits. */
export function editProblems(input: MessageInput): string[] {
  const problems = bodyProblems(input);
  if (input.body === undefined && input.metadata === undefined) problems.push('body must change body or metadata');
  if (typeof input.body === 'string' && !input.body.trim()) problems.push('body.body must not be empty');
  return problems;
}

function bodyProblems(input: MessageInput): string[] {
  const problems: string[] = [];
  if (typeof input.body === 'string' && input.body.length > LIMITS.bodyChars) problems.push(`body.body must be at most ${LIMITS.bodyChars} characters`);
  if (input.metadata !== undefined && metadataBytes(input.metadata) > LIMITS.metadataBytes) {
    problems.push(`body.metadata must be at most ${LIMITS.metadataBytes} bytes as JSON`);
  }
  return problems;
}

/** Problems of a new conversation's fields. */
export function conversationProblems(input: { subject?: unknown; metadata?: unknown }): string[] {
  const problems: string[] = [];
  if (typeof input.subject === 'string' && input.subject.length > LIMITS.subjectChars) problems.push(`body.subject must be at most ${LIMITS.subjectChars} characters`);
  if (input.metadata !== undefined && metadataBytes(input.metadata) > LIMITS.metadataBytes) {
    problems.push(`body.metadata must be at most ${LIMITS.metadataBytes} bytes as JSON`);
  }
  return problems;
}

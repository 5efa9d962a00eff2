import type { Role } from '../accounts/account.ts';

/** The three runtime token kinds: a site's or app's visitor, a tenant's agent, a tenant's admin. */
export const RUNTIME_KINDS = ['visitor', 'agent', 'admin'] as const;
export type RuntimeKind = (typeof RUNTIME_KINDS)[number];

/**
 * Runtime scopes, and which token kinds may hold each. A runtime operation needs one scope
 * (RUNTIME_SCOPE_OF_OPERATION); a token of a kind that cannot hold it is the wrong kind.
 */
export const RUNTIME_SCOPES = {
  'devices:write': ['visitor', 'agent', 'admin'],
  'chat:write': ['visitor'],
  'chat:attachments:read': ['visitor', 'agent'],
  'ai:chat': ['visitor'],
  'calls:write': ['visitor', 'agent'],
  'agent:profile:read': ['agent'],
  'agent:presence:write': ['agent'],
  'agent:conversations:read': ['agent'],
  'agent:conversations:write': ['agent'],
  'agent:conversations:assign': ['agent'],
  'admin:tenant:read': ['admin'],
  'admin:reports:read': ['admin'],
  'admin:staff:read': ['admin'],
  'admin:knowledge:write': ['admin'],
} as const satisfies Record<string, readonly RuntimeKind[]>;
export type RuntimeScope = keyof typeof RUNTIME_SCOPES;

export const isRuntimeScope = (scope: string): scope is RuntimeScope => Object.hasOwn(RUNTIME_SCOPES, scope);
export const kindsHolding = (scope: RuntimeScope): readonly RuntimeKind[] => RUNTIME_SCOPES[scope];

/** Every visitor session gets the visitor scopes: a visitor has no role to narrow them. */
export const VISITOR_SCOPES: readonly RuntimeScope[] = ['devices:write', 'chat:write', 'chat:attachments:read', 'ai:chat', 'calls:write'];

const AGENT_BASE: RuntimeScope[] = [
  'devices:write', 'calls:write', 'chat:attachments:read', 'agent:profile:read', 'agent:presence:write', 'agent:conversations:read', 'agent:conversations:write',
];

/** What an agent token may carry, by the account's role: assigning others' conversations is for supervisors and up. */
export const AGENT_SCOPES_BY_ROLE: Readonly<Record<Role, readonly RuntimeScope[]>> = {
  agent: AGENT_BASE,
  supervisor: [...AGENT_BASE, 'agent:conversations:assign'],
  admin: [...AGENT_BASE, 'agent:conversations:assign'],
  owner: [...AGENT_BASE, 'agent:conversations:assign'],
};

const ADMIN_ALL: RuntimeScope[] = ['devices:write', 'admin:tenant:read', 'admin:reports:read', 'admin:staff:read', 'admin:knowledge:write'];

/** Admin tokens are for owners and admins only. */
export const ADMIN_SCOPES_BY_ROLE: Readonly<Partial<Record<Role, readonly RuntimeScope[]>>> = { owner: ADMIN_ALL, admin: ADMIN_ALL };

/** What a token of this kind may hold for an account of this role now (re-checked on every request). */
export function scopesAllowed(kind: RuntimeKind, role: Role | undefined): readonly RuntimeScope[] {
  if (kind === 'visitor') return VISITOR_SCOPES;
  if (!role) return [];
  return (kind === 'agent' ? AGENT_SCOPES_BY_ROLE[role] : ADMIN_SCOPES_BY_ROLE[role]) ?? [];
}

/** The runtime scope each RuntimeBearer operation needs. */
export const RUNTIME_SCOPE_OF_OPERATION: Readonly<Record<string, RuntimeScope>> = {
  registerDevicePushToken: 'devices:write',
  unregisterDevicePushToken: 'devices:write',
  getAgentProfile: 'agent:profile:read',
  getAgentPresence: 'agent:profile:read',
  updateAgentPresence: 'agent:presence:write',
  listAgentConversations: 'agent:conversations:read',
  getAgentConversation: 'agent:conversations:read',
  listAgentConversationMessages: 'agent:conversations:read',
  sendAgentConversationMessage: 'agent:conversations:write',
  markAgentMessageRead: 'agent:conversations:write',
  deleteAgentConversationAttachment: 'agent:conversations:write',
  closeAgentConversation: 'agent:conversations:write',
  assignAgentConversation: 'agent:conversations:write',
  getAdminTenant: 'admin:tenant:read',
  getAdminReadiness: 'admin:tenant:read',
  getAdminDomains: 'admin:tenant:read',
  getAdminServices: 'admin:tenant:read',
  getAdminSubscription: 'admin:tenant:read',
  getAdminAiReadiness: 'admin:tenant:read',
  getAdminStaffSummary: 'admin:staff:read',
  getAdminReportSummary: 'admin:reports:read',
  getAdminReportTimeseries: 'admin:reports:read',
  exportAdminReport: 'admin:reports:read',
  uploadAdminKnowledgeDocument: 'admin:knowledge:write',
  ingestAdminKnowledgeUrl: 'admin:knowledge:write',
  reindexAdminKnowledge: 'admin:knowledge:write',
  deleteAdminKnowledge: 'admin:knowledge:write',
  createCallSession: 'calls:write',
  getCallSession: 'calls:write',
  endCallSession: 'calls:write',
  answerCallSession: 'calls:write',
  downloadChatAttachment: 'chat:attachments:read',
  createVisitorChatSession: 'chat:write',
  createVisitorConversation: 'chat:write',
  getVisitorOpenTicket: 'chat:write',
  getVisitorChatAvailability: 'chat:write',
  getVisitorConversation: 'chat:write',
  sendVisitorConversationMessage: 'chat:write',
  editVisitorConversationMessage: 'chat:write',
  deleteVisitorConversationMessage: 'chat:write',
  createVisitorConversationAttachment: 'chat:write',
  uploadVisitorConversationAttachment: 'chat:write',
  createVisitorConversationCallLink: 'chat:write',
  markChatMessageDelivered: 'chat:write',
  markChatMessageRead: 'chat:write',
  getAiVisitorRouting: 'ai:chat',
  createAiVisitorConversation: 'ai:chat',
  sendAiVisitorMessage: 'ai:chat',
  searchAiVisitorKnowledge: 'ai:chat',
  createAiVisitorRealtimeCall: 'ai:chat',
};

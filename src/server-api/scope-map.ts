import type { ServerApiScope } from './credential-table.ts';

/** The `server:*` scope each Server API operation needs (README "Server API scopes"). */
export const SCOPE_OF_OPERATION: Record<string, ServerApiScope> = {
  getServerApiHealth: 'server:health',
  getServerTenant: 'server:tenant:read',
  getSdkReadiness: 'server:tenant:read',
  getServerReportSummary: 'server:reports:read',
  getServerReportTimeseries: 'server:reports:read',
  exportServerReport: 'server:reports:read',
  createVisitorContextToken: 'server:visitor-context:write',
  createAgentToken: 'server:agent-token:write',
  createAdminToken: 'server:admin-token:write',
  listContacts: 'server:contacts:read',
  getContact: 'server:contacts:read',
  upsertContact: 'server:contacts:write',
  updateContact: 'server:contacts:write',
  deleteContact: 'server:contacts:write',
  listWebhooks: 'server:webhook:read',
  listWebhookDeliveries: 'server:webhook:read',
  createWebhook: 'server:webhook:write',
  testWebhook: 'server:webhook:write',
  updateWebhook: 'server:webhook:write',
  disableWebhook: 'server:webhook:write',
};

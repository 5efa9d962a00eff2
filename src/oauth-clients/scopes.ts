/**
 * The OAuth scope catalog: the 62 scopes of the contract's `OAuthScope`. Used by discovery,
 * consent, client validation and (later) the dashboard. `planned` scopes are the ones whose
 * `x-ringnity-oauth-scope-coverage` status is `no-public-operation-yet`: they are shown but
 * can't be chosen for clients or granted (DESIGN.md "Scopes").
 */
export type ScopeStatus = 'available' | 'planned';

export type ScopeCatalogItem = {
  scope: string;
  category: string;
  status: ScopeStatus;
  sensitive: boolean;
  description: string;
};

const A = 'available' as const;
const P = 'planned' as const;

// [scope, category, status, sensitive, description]
const ROWS: [string, string, ScopeStatus, boolean, string][] = [
  ['openid', 'Identity', A, false, 'Sign you in and identify your account'],
  ['profile', 'Identity', A, false, 'Read your name, username and time zone'],
  ['email', 'Identity', A, false, 'Read your email address and whether it is verified'],
  ['offline_access', 'Identity', A, false, 'Stay signed in: keep access while you are away'],
  ['user.profile.read', 'Identity', A, false, 'Read your user profile'],
  ['user.profile.write', 'Identity', P, true, 'Change your user profile'],
  ['user.avatar.read', 'Identity', P, false, 'Read your avatar'],
  ['user.avatar.write', 'Identity', P, false, 'Change your avatar'],
  ['tenant.read', 'Tenant / Business', A, false, 'Read which business account you belong to'],
  ['tenant.profile.read', 'Tenant / Business', A, false, "Read the business's profile"],
  ['tenant.profile.write', 'Tenant / Business', P, true, "Change the business's profile"],
  ['tenant.branding.read', 'Tenant / Business', A, false, "Read the business's branding"],
  ['tenant.branding.write', 'Tenant / Business', P, false, "Change the business's branding"],
  ['tenant.settings.read', 'Tenant / Business', A, false, "Read the business's settings"],
  ['tenant.settings.write', 'Tenant / Business', A, true, "Change the business's settings"],
  ['tenant.domains.read', 'Tenant / Business', A, false, 'Read the website domains allowed to use the widget'],
  ['tenant.domains.write', 'Tenant / Business', A, true, 'Add website domains allowed to use the widget'],
  ['roles.read', 'Staff', A, false, 'Read your role in the business'],
  ['staff.read', 'Staff', A, false, 'Read staff members'],
  ['staff.write', 'Staff', P, true, 'Change staff members'],
  ['staff.invite', 'Staff', P, true, 'Invite staff members'],
  ['staff.disable', 'Staff', P, true, 'Disable staff members'],
  ['runtime.tokens.write', 'Runtime', A, true, 'Issue runtime tokens for the widget and apps'],
  ['runtime.sessions.read', 'Runtime', P, false, 'Read active runtime sessions'],
  ['runtime.sessions.write', 'Runtime', A, false, 'Create runtime sessions and register devices'],
  ['agents.read', 'Agents', A, false, 'Read agent profiles'],
  ['agents.write', 'Agents', P, true, 'Change agent profiles'],
  ['agents.presence.read', 'Agents', A, false, 'Read agent presence'],
  ['agents.presence.write', 'Agents', A, false, 'Change agent presence'],
  ['contacts.read', 'Contacts', A, true, 'Read contacts'],
  ['contacts.write', 'Contacts', A, true, 'Create and change contacts'],
  ['contacts.delete', 'Contacts', A, true, 'Delete contacts'],
  ['conversations.read', 'Conversations', A, true, 'Read conversations and messages'],
  ['conversations.write', 'Conversations', A, true, 'Send and edit messages'],
  ['conversations.assign', 'Conversations', A, false, 'Assign and transfer conversations'],
  ['conversations.close', 'Conversations', A, false, 'Close conversations'],
  ['calls.read', 'Calls', A, false, 'Read call sessions'],
  ['calls.write', 'Calls', A, false, 'Start and end calls'],
  ['calls.recordings.read', 'Calls', P, true, 'Listen to call recordings'],
  ['calls.recordings.delete', 'Calls', P, true, 'Delete call recordings'],
  ['ai.read', 'AI', A, false, 'Read AI assistant routing and readiness'],
  ['ai.write', 'AI', A, false, 'Talk to the AI assistant'],
  ['ai.knowledge.read', 'AI', A, false, "Search the AI assistant's knowledge"],
  ['ai.knowledge.write', 'AI', A, true, "Change the AI assistant's knowledge"],
  ['ai.usage.read', 'AI', A, false, 'Read AI usage'],
  ['reports.read', 'Reports', A, false, 'Read reports'],
  ['reports.export', 'Reports', A, true, 'Export reports'],
  ['webhooks.read', 'Webhooks', A, false, 'Read webhooks and their deliveries'],
  ['webhooks.write', 'Webhooks', A, true, 'Create and change webhooks'],
  ['webhooks.delete', 'Webhooks', A, true, 'Disable webhooks'],
  ['webhooks.test', 'Webhooks', A, false, 'Send test webhook deliveries'],
  ['developer.read', 'Developer', A, false, 'Read developer settings and the public widget key'],
  ['developer.write', 'Developer', A, true, 'Change developer settings'],
  ['sdk.keys.read', 'Developer', A, false, 'Read the public widget install key'],
  ['sdk.keys.write', 'Developer', A, true, 'Create, rotate and disable Server API keys'],
  ['oauth.clients.read', 'Developer', A, false, 'Read OAuth clients'],
  ['oauth.clients.write', 'Developer', A, true, 'Create, change and revoke OAuth clients'],
  ['media.read', 'Media', A, false, 'Read media attached to conversations'],
  ['media.write', 'Media', A, false, 'Upload media to conversations'],
  ['media.delete', 'Media', A, true, 'Remove media from conversations'],
  ['billing.read', 'Billing', A, true, 'Read the subscription and billing details'],
  ['billing.write', 'Billing', P, true, 'Change the subscription'],
];

export const SCOPE_CATALOG: readonly ScopeCatalogItem[] = Object.freeze(ROWS.map(([scope, category, status, sensitive, description]) =>
  Object.freeze({ scope, category, status, sensitive, description })));

const BY_NAME = new Map(SCOPE_CATALOG.map((s) => [s.scope, s]));

/** Scopes a client may be given and a user may grant, in catalog order. */
export const AVAILABLE_SCOPES: readonly string[] = Object.freeze(SCOPE_CATALOG.filter((s) => s.status === 'available').map((s) => s.scope));

/** What a new client gets when it names no scopes (the contract's CreateOAuthClientRequest default). */
export const DEFAULT_CLIENT_SCOPES: readonly string[] = Object.freeze([
  'openid', 'profile', 'email', 'tenant.read', 'roles.read', 'developer.read', 'tenant.domains.read', 'tenant.domains.write',
]);

export const RECOMMENDED_SCOPES: readonly string[] = Object.freeze(['openid', 'profile', 'email', 'tenant.read', 'roles.read']);

export const findScope = (scope: string): ScopeCatalogItem | undefined => BY_NAME.get(scope);

/**
 * OIDC claims released per scope (DESIGN.md "Claims"); `sub` comes with `openid`.
 * Scopes absent here authorise API calls only.
 */
export const SCOPE_CLAIMS: Readonly<Record<string, string[]>> = Object.freeze({
  openid: ['sub'],
  // The OIDC Core §5.4 profile claims the account has: its workspace username, the tenant's
  // time zone, and when the account last changed. No given_name/family_name: accounts have one name.
  profile: ['name', 'preferred_username', 'zoneinfo', 'updated_at'],
  email: ['email', 'email_verified'],
  'tenant.read': ['tenant_id', 'tenant_slug'],
  'roles.read': ['roles'],
});

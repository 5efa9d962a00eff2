import type { AccountInTenant } from '../accounts/account.ts';
import { accountInTenantOf, type AccountInTenantRow } from '../accounts/accounts.ts';
import type { Db } from '../db/database.ts';
import { preparedQuery } from '../db/prepared.ts';
import type { OAuthClientWithSecret } from '../oauth-clients/oauth-client.ts';
import { registryEntryOf, type OAuthClientRow } from '../oauth-clients/oauth-clients.ts';
import { liveRow, type OidcPayload, type PayloadRow } from './oidc-payload-table.ts';

/** A token (access, refresh), code or interaction with everything a request presenting it goes on to read. */
export type TokenContext = {
  token: OidcPayload | undefined;
  /** Present when the token names a grant: its payload, or undefined when the grant is gone. */
  grant?: { id: string; payload: OidcPayload | undefined };
  /** Present when a client was looked up: the registry entry (any status), or undefined. */
  client?: { clientId: string; entry: OAuthClientWithSecret | undefined };
  /** Present when the token names an account: it with its tenant, or undefined. */
  account?: { id: string; entry: AccountInTenant | undefined };
  /**
   * Present when the token expires with its browser session (oidc-provider's expiresWithSession:
   * every use checks the session by uid): the session's id and payload, or undefined when gone.
   */
  session?: { uid: string; found: { id: string; payload: OidcPayload | undefined } | undefined };
};

/** A table's row under a prefix (`c_id`…): the joined read selects each table's columns so. */
type Prefixed<P extends string, Row> = { [K in keyof Row & string as `${P}${K}`]: Row[K] | null };

type ContextRow = {
  token_payload: OidcPayload | null; token_expires_at: Date | null; token_consumed_at: Date | null; grant_id: string | null;
  grant_payload: OidcPayload | null; grant_expires_at: Date | null; grant_consumed_at: Date | null; client_key: string | null;
  account_key: string | null; session_uid: string | null; s_id: string | null; s_payload: OidcPayload | null; s_expires_at: Date | null;
} & Prefixed<'c_', OAuthClientRow> & Prefixed<'a_', AccountInTenantRow>;

/**
 * One round trip for what oidc-provider otherwise asks for one by one: the token, its grant,
 * the client (the one the request authenticates as, else the token's), and the account with
 * its tenant. An interaction being resumed names them in its request and results instead:
 * the client asked for, the account that signed in, the grant consent saved. A token or code
 * that expires with its session also names the session, which each use of it checks. The
 * registry, account and tenant rows are only read here, each table's columns under a prefix of
 * its own and mapped as its module maps it (registryEntryOf, accountInTenantOf); those modules alone write them. A refresh token recently rotated reads as not
 * consumed within the retry grace, exactly as findRefreshToken does. Named columns, not `*`,
 * so a migration adding a column can't break the prepared plan.
 */
const SELECT_CONTEXT = `
  select t.payload as token_payload, t.expires_at as token_expires_at,
    case when req.type = 'RefreshToken' and t.retried_at is null and t.consumed_at > now() - make_interval(secs => req.grace) then null
      else t.consumed_at end as token_consumed_at,
    named.grant_id, g.payload as grant_payload, g.expires_at as grant_expires_at, g.consumed_at as grant_consumed_at,
    named.client_id as client_key,
    c.id as c_id, c.client_id as c_client_id, c.tenant_id as c_tenant_id, c.name as c_name, c.type as c_type, c.status as c_status, c.allowed_scopes as c_allowed_scopes,
    c.redirect_uris as c_redirect_uris, c.post_logout_redirect_uris as c_post_logout_redirect_uris, c.require_pkce as c_require_pkce,
    c.secret_hash as c_secret_hash, c.last_used_at as c_last_used_at, c.revoked_at as c_revoked_at, c.created_at as c_created_at, c.updated_at as c_updated_at,
    named.account_id as account_key,
    a.id as a_id, a.tenant_id as a_tenant_id, a.role as a_role, a.username as a_username, a.email as a_email, a.email_verified as a_email_verified,
    a.name as a_name, a.department_id as a_department_id, a.active as a_active, a.created_at as a_created_at, a.updated_at as a_updated_at,
    tn.slug as a_tenant_slug, tn.active as a_tenant_active, tn.timezone as a_tenant_timezone,
    named.session_uid, s.id as s_id, s.payload as s_payload, s.expires_at as s_expires_at
  from (select ?::text as type, ?::text as id, ?::text as client_id, ?::float8 as grace) req
  left join oidc_payloads t on t.type = req.type and t.id = req.id
  cross join lateral (select
    coalesce(req.client_id, t.client_id, t.payload->'params'->>'client_id') as client_id,
    coalesce(t.payload->>'accountId', t.payload->'result'->'login'->>'accountId', t.payload->'session'->>'accountId') as account_id,
    coalesce(t.payload->'result'->'consent'->>'grantId', t.grant_id) as grant_id,
    case when t.payload->'expiresWithSession' = 'true' then t.payload->>'sessionUid' end as session_uid) named
  left join oidc_payloads g on g.type = 'Grant' and g.id = named.grant_id
  left join oauth_clients c on c.client_id = named.client_id
  left join accounts a on a.id = case when named.account_id ~* '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$'
    then named.account_id::uuid end
  left join tenants tn on tn.id = a.tenant_id
  left join oidc_payloads s on s.type = 'Session' and s.uid = named.session_uid`;

export type ContextQuery = { type: string; id: string; clientId?: string; graceSeconds: number };

export async function findTokenContext(db: Db, q: ContextQuery): Promise<TokenContext> {
  const [row] = await preparedQuery<ContextRow>(db, 'oidc_payloads.find_token_context', SELECT_CONTEXT,
    [q.type, q.id, q.clientId ?? null, q.graceSeconds]);
  const token = row.token_payload ? liveRow(payloadRow(row.token_payload, row.token_expires_at, row.token_consumed_at)) : undefined;
  return {
    token,
    ...(row.grant_id ? { grant: { id: row.grant_id, payload: row.grant_payload ? liveRow(payloadRow(row.grant_payload, row.grant_expires_at, row.grant_consumed_at)) : undefined } } : {}),
    ...(row.client_key ? { client: { clientId: row.client_key, entry: clientOf(row) } } : {}),
    ...(row.account_key ? { account: { id: row.account_key, entry: accountOf(row) } } : {}),
    ...(row.session_uid ? { session: { uid: row.session_uid, found: sessionOf(row) } } : {}),
  };
}

const payloadRow = (payload: OidcPayload, expiresAt: Date | null, consumedAt: Date | null): PayloadRow =>
  ({ payload, expires_at: expiresAt, consumed_at: consumedAt });

const sessionOf = (r: ContextRow) => (r.s_id ? { id: r.s_id, payload: liveRow(payloadRow(r.s_payload!, r.s_expires_at, null)) } : undefined);

/** The columns selected under `prefix`, by their own names: the row their table module maps. */
function columnsOf<Row>(row: ContextRow, prefix: string): Row {
  const columns: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(row)) if (name.startsWith(prefix)) columns[name.slice(prefix.length)] = value;
  return columns as Row;
}

const clientOf = (r: ContextRow): OAuthClientWithSecret | undefined => (r.c_id ? registryEntryOf(columnsOf<OAuthClientRow>(r, 'c_')) : undefined);

const accountOf = (r: ContextRow): AccountInTenant | undefined => (r.a_id ? accountInTenantOf(columnsOf<AccountInTenantRow>(r, 'a_')) : undefined);

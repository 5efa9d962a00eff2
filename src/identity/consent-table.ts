import type { Db } from '../db/database.ts';
import { json } from '../db/rows.ts';

/** What a user approved for one client: a new sign-in whose request it covers skips the consent page. */
export type Consent = { tenantId: string; clientId: string; accountId: string; scopes: string[]; claims: string[] };

type ConsentRow = { tenant_id: string; client_id: string; account_id: string; scopes: string[]; claims: string[] };

const toConsent = (r: ConsentRow): Consent =>
  ({ tenantId: r.tenant_id, clientId: r.client_id, accountId: r.account_id, scopes: r.scopes, claims: r.claims });

export async function findConsent(db: Db, tenantId: string, clientId: string, accountId: string): Promise<Consent | undefined> {
  const row = await db<ConsentRow>('oidc_consents').where({ tenant_id: tenantId, client_id: clientId, account_id: accountId }).first();
  return row && toConsent(row);
}

/** Records the consent; a later approval adds to what was approved before (it never narrows it). */
export async function upsertConsent(db: Db, consent: Consent): Promise<void> {
  await db.raw(`
    insert into oidc_consents (tenant_id, client_id, account_id, scopes, claims) values (?, ?, ?, ?, ?)
    on conflict (client_id, account_id) do update set
      scopes = (select coalesce(jsonb_agg(distinct s), '[]') from jsonb_array_elements_text(oidc_consents.scopes || excluded.scopes) s),
      claims = (select coalesce(jsonb_agg(distinct c), '[]') from jsonb_array_elements_text(oidc_consents.claims || excluded.claims) c),
      updated_at = now()
    where oidc_consents.tenant_id = excluded.tenant_id`,
  [consent.tenantId, consent.clientId, consent.accountId, json(consent.scopes), json(consent.claims)]);
}

export async function deleteConsent(db: Db, tenantId: string, clientId: string, accountId: string): Promise<boolean> {
  const rows = await db('oidc_consents').where({ tenant_id: tenantId, client_id: clientId, account_id: accountId }).del().returning('client_id');
  return rows.length > 0;
}

/** Every consent given to a client (when the client is revoked). */
export async function deleteConsentsOfClient(db: Db, clientId: string): Promise<void> {
  await db('oidc_consents').where({ client_id: clientId }).del().returning('client_id');
}

import type { Knex } from 'knex';

/*
 * Every process keeps the reads userinfo makes for an access token (the token with its grant,
 * client, account and tenant, and the session of a token that expires with it) in memory across
 * requests (src/identity/token-context-cache.ts). These row triggers tell all of them, on one
 * channel, when such a row changes or goes: `<kind>:<key>` (`AccessToken:<id>`, `Grant:<id>`,
 * `Session:<id>`, `Client:<client_id>`, `Account:<id>`, `Tenant:<id>`), sent when the change commits. Being triggers, they cover every writer: the
 * services, oidc-provider's deletes of a grant's tokens, the CLI, and SQL typed by hand.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`CREATE FUNCTION notify_payload_change() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      PERFORM pg_notify('token_context_changed', OLD.type || ':' || OLD.id);
      RETURN NULL;
    END $$`);
  // TG_ARGV: the kind, and the column holding the key.
  await knex.raw(`CREATE FUNCTION notify_row_change() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      PERFORM pg_notify('token_context_changed', TG_ARGV[0] || ':' || (to_jsonb(OLD) ->> TG_ARGV[1]));
      RETURN NULL;
    END $$`);
  // Only the kinds the cache depends on, and only live rows: the purge deleting expired ones
  // (which the cache has dropped by their expiry already) stays silent.
  await knex.raw(`CREATE TRIGGER token_context_change AFTER UPDATE OR DELETE ON oidc_payloads FOR EACH ROW
    WHEN (OLD.type IN ('AccessToken', 'Grant', 'Session') AND (OLD.expires_at IS NULL OR OLD.expires_at > now()))
    EXECUTE FUNCTION notify_payload_change()`);
  // The last-use stamp (at most once a minute per client and process) changes nothing a token answer reads.
  await knex.raw(`CREATE TRIGGER token_context_change AFTER UPDATE ON oauth_clients FOR EACH ROW
    WHEN ((to_jsonb(OLD) - 'last_used_at') IS DISTINCT FROM (to_jsonb(NEW) - 'last_used_at'))
    EXECUTE FUNCTION notify_row_change('Client', 'client_id')`);
  await knex.raw(`CREATE TRIGGER token_context_removal AFTER DELETE ON oauth_clients FOR EACH ROW
    EXECUTE FUNCTION notify_row_change('Client', 'client_id')`);
  await knex.raw(`CREATE TRIGGER token_context_change AFTER UPDATE OR DELETE ON accounts FOR EACH ROW
    EXECUTE FUNCTION notify_row_change('Account', 'id')`);
  await knex.raw(`CREATE TRIGGER token_context_change AFTER UPDATE OR DELETE ON tenants FOR EACH ROW
    EXECUTE FUNCTION notify_row_change('Tenant', 'id')`);
}

export async function down(): Promise<void> {
  throw new Error('Migrations are forward-only');
}

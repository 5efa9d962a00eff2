import type { Db } from '../db/database.ts';
import { count, iso, isUuid, json } from '../db/rows.ts';
import { CONTACT_KEYS, type Contact, type ContactFields, type ContactFilter, type ContactKey, type ContactKeys, type ContactPage } from './contact.ts';

type ContactRow = {
  id: string; tenant_id: string; external_id: string | null; name: string; phone: string; email: string | null;
  company: string | null; tags: string[]; notes: string | null; source: string; created_at: Date; updated_at: Date;
};

const toContact = (r: ContactRow): Contact => ({
  id: r.id,
  ...(r.external_id !== null && { externalId: r.external_id }),
  name: r.name,
  phone: r.phone,
  ...(r.email !== null && { email: r.email }),
  ...(r.company !== null && { company: r.company }),
  tags: r.tags,
  ...(r.notes !== null && { notes: r.notes }),
  source: r.source,
  createdAt: iso(r.created_at)!,
  updatedAt: iso(r.updated_at)!,
});

const columns = (fields: Partial<ContactFields>) => ({
  ...(fields.externalId !== undefined && { external_id: fields.externalId }),
  ...(fields.name !== undefined && { name: fields.name }),
  ...(fields.phone !== undefined && { phone: fields.phone }),
  ...(fields.email !== undefined && { email: fields.email }),
  ...(fields.company !== undefined && { company: fields.company }),
  ...(fields.tags !== undefined && { tags: json(fields.tags) }),
  ...(fields.notes !== undefined && { notes: fields.notes }),
});

// statement_timestamp(), not now(): a writer that waited for a key lock stamps the time it
// wrote, so updatedAt never falls before the createdAt of the contact it waited for.
const WRITTEN_AT = 'statement_timestamp()';

/**
 * Serialises writers of the same identifiers within a tenant until the transaction ends
 * (transaction-level advisory locks, taken in one sorted order so two writers never wait
 * on each other). Whoever comes second sees the first one's row, so concurrent upserts of
 * one person make one contact. Unrelated identifiers never wait for each other (but for a
 * rare hash collision, which only costs a wait).
 */
export async function lockKeys(db: Db, tenantId: string, keys: ContactKeys): Promise<void> {
  const names = Object.entries(keys)
    .filter(([, value]) => value !== undefined)
    .map(([key, value]) => `contact:${tenantId}:${key}:${value}`)
    .sort();
  for (const name of names) await db.raw('select pg_advisory_xact_lock(hashtextextended(?, 0))', [name]);
}

/** `forUpdate` locks the row until the transaction ends, so it can't change or go away under the caller. */
export async function find(db: Db, tenantId: string, id: string, options: { forUpdate?: boolean } = {}): Promise<Contact | undefined> {
  if (!isUuid(id)) return undefined;
  const query = db<ContactRow>('contacts').where({ tenant_id: tenantId, id });
  if (options.forUpdate) query.forUpdate();
  const row = await query.first();
  return row && toContact(row);
}

/** A contact some of the looked-up keys name, and which ones. */
export type KeyMatch = { contact: Contact; matched: ContactKey[] };

/**
 * Every contact of the tenant that any of the keys names (each key names at most one), in
 * the keys' order, locked until the transaction ends: writers use it, and a contact deleted
 * meanwhile is simply not found.
 */
export async function findByKeys(db: Db, tenantId: string, keys: ContactKeys): Promise<KeyMatch[]> {
  const given = CONTACT_KEYS.filter((key) => keys[key] !== undefined);
  if (!given.length) return [];
  const test: Record<ContactKey, string> = { externalId: 'external_id = ?', email: 'lower(email) = lower(?)', phone: 'phone = ?' };
  const rows: (ContactRow & Record<string, unknown>)[] = await db('contacts')
    .select('*', ...given.map((key) => db.raw(`(${test[key]}) as "matches_${key}"`, [keys[key]!])))
    .where({ tenant_id: tenantId })
    .andWhere((q) => { for (const key of given) q.orWhereRaw(test[key], [keys[key]!]); })
    .forUpdate();
  const matches = rows.map((row) => ({ contact: toContact(row), matched: given.filter((key) => row[`matches_${key}`] === true) }));
  const first = (m: KeyMatch) => CONTACT_KEYS.indexOf(m.matched[0]!);
  return matches.sort((a, b) => first(a) - first(b));
}

export async function insert(db: Db, tenantId: string, contact: ContactFields & { id: string; source: string }): Promise<Contact> {
  const [row] = await db<ContactRow>('contacts').insert({
    id: contact.id, tenant_id: tenantId, source: contact.source, ...columns(contact),
    created_at: db.raw(WRITTEN_AT) as any, updated_at: db.raw(WRITTEN_AT) as any,
  } as any).returning('*');
  return toContact(row);
}

/** The contact as written, or undefined when it is gone (deleted meanwhile). */
export async function update(db: Db, tenantId: string, id: string, changes: Partial<ContactFields>): Promise<Contact | undefined> {
  const [row] = await db<ContactRow>('contacts').where({ tenant_id: tenantId, id })
    .update({ ...columns(changes), updated_at: db.raw(WRITTEN_AT) } as any).returning('*');
  return row && toContact(row as ContactRow);
}

/** The contact as it was, or undefined when there was none. */
export async function remove(db: Db, tenantId: string, id: string): Promise<Contact | undefined> {
  if (!isUuid(id)) return undefined;
  const [row] = await db<ContactRow>('contacts').where({ tenant_id: tenantId, id }).delete().returning('*');
  return row && toContact(row as ContactRow);
}

/** LIKE treats `%`, `_` and `\` specially; a search for them means the characters themselves. */
const literal = (text: string) => text.replace(/[\\%_]/g, '\\$&');

/** A search that looks like a phone number ("(415) 555") also matches its digits in the E.164 phone. */
const phoneDigits = (search: string) => (/^[\d\s().+-]+$/.test(search) ? search.replace(/\D/g, '') : '');

function filtered(db: Db, tenantId: string, filter: ContactFilter) {
  const query = db<ContactRow>('contacts').where({ tenant_id: tenantId });
  if (filter.search) {
    const pattern = `%${literal(filter.search)}%`;
    const digits = phoneDigits(filter.search);
    query.andWhere((q) => {
      for (const column of ['name', 'email', 'phone', 'company']) q.orWhereILike(column, pattern);
      if (digits) q.orWhereLike('phone', `%${digits}%`);
    });
  }
  if (filter.tags.length) query.whereRaw('tags @> ?::jsonb', [json(filter.tags)]);
  return query;
}

/** One page in a stable order (oldest first, id breaking ties), and how many match in all. */
export async function list(db: Db, tenantId: string, filter: ContactFilter, page: { offset: number; limit: number }): Promise<ContactPage> {
  const [rows, total] = await Promise.all([
    filtered(db, tenantId, filter).orderBy([{ column: 'created_at' }, { column: 'id' }]).offset(page.offset).limit(page.limit),
    filtered(db, tenantId, filter).count({ count: '*' }).first(),
  ]);
  return { contacts: rows.map(toContact), total: count(total as { count: string }) };
}

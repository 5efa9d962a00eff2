import { randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import type { TenantActor } from '../audit/actor.ts';
import { audit } from '../audit/audit-log.ts';
import type { Db } from '../db/database.ts';
import { isUniqueViolation } from '../db/errors.ts';
import { apiError } from '../http/api-error.ts';
import type { Contact, ContactFields, ContactKeys } from './contact.ts';
import { contactProblems, keysOf, normaliseContact, type ContactInput, type ContactRules } from './contact-rules.ts';
import { emitEvent } from '../webhooks/outbox.ts';
import * as table from './contact-table.ts';

export type { Contact } from './contact.ts';
export { contactProblems, listProblems, type ContactInput, type ContactRules } from './contact-rules.ts';

/** Every contact written through the Server API; other surfaces (widget, dashboard) will name their own. */
const SOURCE = 'server_api';
const NONE = { externalId: null, email: null, company: null, tags: [], notes: null } satisfies Partial<ContactFields>;

const target = (contact: Contact) => ({ type: 'contact', id: contact.id });
const notFound = () => apiError('NOT_FOUND', 'Contact not found');

function checked(input: ContactInput, rules: ContactRules): Partial<ContactFields> {
  const problems = contactProblems(input, rules);
  if (problems.length) throw apiError('SERVER_CONTACT_VALIDATION_FAILED', 'The contact is invalid', { details: problems });
  return normaliseContact(input, rules);
}

export type ContactListQuery = { page?: number; limit?: number; search?: string; tags?: string };

export async function listContacts(db: Db, actor: TenantActor, query: ContactListQuery) {
  const page = query.page ?? 1;
  const limit = query.limit ?? 50;
  const offset = (page - 1) * limit;
  const tags = [...new Set((query.tags ?? '').split(',').map((tag) => tag.trim()).filter(Boolean))];
  const { contacts, total } = await table.list(db, actor.tenantId, { search: query.search?.trim() || undefined, tags }, { offset, limit });
  return { contacts, pagination: { total, page, limit, hasMore: offset + contacts.length < total } };
}

export async function getContact(db: Db, actor: TenantActor, id: string): Promise<Contact> {
  const contact = await table.find(db, actor.tenantId, id);
  if (!contact) throw notFound();
  return contact;
}

export type UpsertOutcome = 'created' | 'updated' | 'unchanged';

/**
 * Creates the contact, or updates the one its identifiers name: found by externalId, else
 * by email (in any case), else by phone (in E.164). Every identifier given must name that
 * contact or none; identifiers naming two contacts are a 409, and so is a contact found by
 * email or phone that is linked to another externalId: contacts are never merged silently.
 * Given fields overwrite, absent ones stay; an upsert that changes nothing writes nothing.
 */
export async function upsertContact(
  db: Db, actor: TenantActor, input: ContactInput & { name: string; phone: string }, rules: ContactRules,
): Promise<{ contact: Contact; outcome: UpsertOutcome }> {
  const fields = checked(input, rules);
  const keys = keysOf(fields);
  return writing(db, async (trx) => {
    await table.lockKeys(trx, actor.tenantId, keys);
    const existing = matchOf(await table.findByKeys(trx, actor.tenantId, keys), keys);
    if (!existing) {
      const contact = await table.insert(trx, actor.tenantId, { ...NONE, ...fields as ContactFields, id: randomUUID(), source: SOURCE });
      await audit(trx, actor, 'contact.created', target(contact), { source: SOURCE, keys: Object.keys(keys) });
      await emitEvent(trx, actor, 'contact.created', { contact });
      return { contact, outcome: 'created' };
    }
    const changes = changesTo(existing, fields);
    if (!Object.keys(changes).length) return { contact: existing, outcome: 'unchanged' };
    const contact = await updated(trx, actor, existing.id, changes);
    return { contact, outcome: 'updated' };
  });
}

/** PATCH: only the given fields, checked like a create; identifiers of another contact are a 409. */
export async function updateContact(db: Db, actor: TenantActor, id: string, input: ContactInput, rules: ContactRules): Promise<Contact> {
  const fields = checked(input, rules);
  const keys = keysOf(fields);
  return writing(db, async (trx) => {
    await table.lockKeys(trx, actor.tenantId, keys);
    const existing = await table.find(trx, actor.tenantId, id, { forUpdate: true });
    if (!existing) throw notFound();
    const others = (await table.findByKeys(trx, actor.tenantId, keys)).filter((m) => m.contact.id !== id);
    if (others.length) {
      throw apiError('CONFLICT', 'Another contact already has these identifiers', {
        details: others.flatMap((m) => m.matched.map((key) => `${key} belongs to contact ${m.contact.id}, not to contact ${id}`)),
      });
    }
    const changes = changesTo(existing, fields);
    return Object.keys(changes).length ? updated(trx, actor, id, changes) : existing;
  });
}

export async function deleteContact(db: Db, actor: TenantActor, id: string): Promise<{ deleted: true; id: string }> {
  return db.transaction(async (trx) => {
    const contact = await table.remove(trx, actor.tenantId, id);
    if (!contact) throw notFound();
    await audit(trx, actor, 'contact.deleted', target(contact));
    await emitEvent(trx, actor, 'contact.deleted', { contact: { id: contact.id, ...(contact.externalId ? { externalId: contact.externalId } : {}) } });
    return { deleted: true, id: contact.id };
  });
}

/** The one update path of both writers, so the change and its records sit together. */
async function updated(trx: Knex.Transaction, actor: TenantActor, id: string, changes: Partial<ContactFields>): Promise<Contact> {
  // The caller holds the row lock (findByKeys / find forUpdate): the row is still there.
  const contact = (await table.update(trx, actor.tenantId, id, changes))!;
  await audit(trx, actor, 'contact.updated', target(contact), { fields: Object.keys(changes) });
  await emitEvent(trx, actor, 'contact.updated', { contact });
  return contact;
}

/** The one contact the keys name, or none; two contacts, or a clash of externalIds, is a 409. */
function matchOf(matches: table.KeyMatch[], keys: ContactKeys): Contact | undefined {
  if (matches.length > 1) {
    throw apiError('CONFLICT', 'These identifiers belong to different contacts; nothing was changed', {
      details: matches.flatMap((m) => m.matched.map((key) => `${key} matches contact ${m.contact.id}`)),
    });
  }
  const [match] = matches;
  if (match && keys.externalId && match.contact.externalId && match.contact.externalId !== keys.externalId) {
    throw apiError('CONFLICT', 'This contact is linked to another externalId; nothing was changed', {
      details: [`${match.matched.join(' and ')} ${match.matched.length > 1 ? 'match' : 'matches'} contact ${match.contact.id}, whose externalId is different`],
    });
  }
  return match?.contact;
}

/** The fields that differ from the contact as stored (a field not set counts as null). */
function changesTo(contact: Contact, fields: Partial<ContactFields>): Partial<ContactFields> {
  const current: ContactFields = {
    externalId: contact.externalId ?? null, name: contact.name, phone: contact.phone, email: contact.email ?? null,
    company: contact.company ?? null, tags: contact.tags, notes: contact.notes ?? null,
  };
  return Object.fromEntries(Object.entries(fields)
    .filter(([key, value]) => JSON.stringify(value) !== JSON.stringify(current[key as keyof ContactFields])));
}

/**
 * Runs a write. Writers of the same identifiers are serialised by key locks, so the unique
 * indexes only decide in a case the locks can't see (an email that lowercases differently
 * in JavaScript and PostgreSQL): then the answer is a 409 rather than a 500.
 */
async function writing<T>(db: Db, write: (trx: Knex.Transaction) => Promise<T>): Promise<T> {
  try {
    return await db.transaction(write);
  } catch (err) {
    if (isUniqueViolation(err)) throw apiError('CONFLICT', 'Another contact already has one of these identifiers');
    throw err;
  }
}

/**
 * The contact a verified person is: the one with their externalId, else the one with their
 * email unless that contact belongs to another externalId (a clash is never resolved by guessing).
 */
export async function contactIdOf(db: Db, tenantId: string, person: { externalId: string | null; email: string | null }): Promise<string | undefined> {
  const keys: ContactKeys = {
    ...(person.externalId && { externalId: person.externalId }), ...(person.email && { email: person.email.toLowerCase() }),
  };
  const matches = await table.findByKeys(db, tenantId, keys);
  const byExternalId = matches.find((m) => m.matched.includes('externalId'));
  if (byExternalId) return byExternalId.contact.id;
  const byEmail = matches.find((m) => m.matched.includes('email'));
  return byEmail && (!byEmail.contact.externalId || !person.externalId) ? byEmail.contact.id : undefined;
}

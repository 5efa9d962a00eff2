/**
 * A customer contact a tenant's backend syncs through the Server API. Optional fields are
 * left out when unset (the contract's fields are never null); `phone` is E.164.
 */
export type Contact = {
  id: string;
  externalId?: string;
  name: string;
  phone: string;
  email?: string;
  company?: string;
  tags: string[];
  notes?: string;
  /** Where the contact came from: `server_api` for every contact synced through the Server API. */
  source: string;
  createdAt: string;
  updatedAt: string;
};

/** The values a contact is written with, already checked and normalised; null clears a field. */
export type ContactFields = {
  externalId: string | null;
  name: string;
  phone: string;
  email: string | null;
  company: string | null;
  tags: string[];
  notes: string | null;
};

/** The identifiers a contact is matched by, normalised (email in lowercase, phone in E.164). */
export type ContactKeys = { externalId?: string; email?: string; phone?: string };

export type ContactKey = keyof ContactKeys;

/** The keys in the order upsert tries them. */
export const CONTACT_KEYS: readonly ContactKey[] = ['externalId', 'email', 'phone'];

export type ContactFilter = { search?: string; tags: string[] };

export type ContactPage = { contacts: Contact[]; total: number };

import { parsePhoneNumber } from 'awesome-phonenumber';
import type { ContactFields, ContactKeys } from './contact.ts';

/** What contact rules depend on: the region a number written without `+` is read in (DEFAULT_PHONE_REGION). */
export type ContactRules = { phoneRegion: string };

/** A contact as the Server API sends it (ContactInput / ContactPatchInput). */
export type ContactInput = {
  externalId?: string; name?: string; phone?: string; email?: string; company?: string; tags?: string[]; notes?: string;
};

const MAX_LENGTH = { externalId: 255, name: 200, email: 254, company: 200, notes: 10_000 } as const;
const MAX_TAGS = 100;
const MAX_TAG_LENGTH = 64;

/**
 * The number in E.164 (`+14155552671`), or undefined when it is not a valid number. A number
 * starting with `+` (or the region's international prefix, e.g. `00`, `011`) is read as
 * international; any other is read as a national number of `region`.
 */
export function toE164(phone: string, region: string): string | undefined {
  const parsed = parsePhoneNumber(phone.trim(), { regionCode: region });
  return parsed.valid ? parsed.number.e164 : undefined;
}

/**
 * Every rule the given fields break, as sentences naming the field (`body.phone …`). Only
 * the fields present are checked, so it serves create and PATCH alike; it runs beside the
 * contract's schema check, so a value of the wrong type is the schema's to report.
 */
export function contactProblems(body: unknown, rules: ContactRules): string[] {
  if (typeof body !== 'object' || body === null) return [];
  const input = body as Record<string, unknown>;
  const problems: string[] = [];
  for (const [field, max] of Object.entries(MAX_LENGTH)) {
    const value = input[field];
    if (typeof value === 'string' && value.trim().length > max) problems.push(`body.${field} must be at most ${max} characters`);
  }
  if (typeof input.name === 'string' && !input.name.trim()) problems.push('body.name must not be blank');
  if (typeof input.phone === 'string' && !toE164(input.phone, rules.phoneRegion)) {
    problems.push(`body.phone "${input.phone}" is not a valid phone number (write +<country code> and the number, or a national number of ${rules.phoneRegion})`);
  }
  if (Array.isArray(input.tags)) problems.push(...tagProblems(input.tags));
  return problems;
}

function tagProblems(tags: unknown[]): string[] {
  const problems = tags.length > MAX_TAGS ? [`body.tags must have at most ${MAX_TAGS} tags`] : [];
  tags.forEach((tag, i) => {
    if (typeof tag !== 'string') return;
    // The list's `tags` filter is comma-separated, so a tag with a comma could never be found.
    if (!tag.trim() || tag.trim().length > MAX_TAG_LENGTH || tag.includes(',')) {
      problems.push(`body.tags.${i} must be 1-${MAX_TAG_LENGTH} characters without a comma`);
    }
  });
  return problems;
}

/** A blank optional text means "none": not stored on create, cleared on update. */
const textOrNull = (value: string) => value.trim() || null;

/**
 * The given fields normalised (trimmed, phone in E.164, tags trimmed and de-duplicated);
 * only for input that `contactProblems` found nothing wrong with.
 */
export function normaliseContact(input: ContactInput, rules: ContactRules): Partial<ContactFields> {
  return {
    ...(input.externalId !== undefined && { externalId: textOrNull(input.externalId) }),
    ...(input.name !== undefined && { name: input.name.trim() }),
    ...(input.phone !== undefined && { phone: toE164(input.phone, rules.phoneRegion)! }),
    ...(input.email !== undefined && { email: textOrNull(input.email) }),
    ...(input.company !== undefined && { company: textOrNull(input.company) }),
    ...(input.tags !== undefined && { tags: [...new Set(input.tags.map((tag) => tag.trim()))] }),
    ...(input.notes !== undefined && { notes: textOrNull(input.notes) }),
  };
}

/** The identifiers among the fields, as they are matched: email in lowercase, phone in E.164. */
export const keysOf = (fields: Partial<ContactFields>): ContactKeys => ({
  ...(fields.externalId && { externalId: fields.externalId }),
  ...(fields.email && { email: fields.email.toLowerCase() }),
  ...(fields.phone && { phone: fields.phone }),
});

/** Pages past this are refused, so the offset stays a sane number (the contract sets only the minimum). */
const MAX_PAGE = 100_000;
const MAX_SEARCH_LENGTH = 200;

/** Rules of the list's query beyond the contract's schema. */
export function listProblems(query: Record<string, unknown>): string[] {
  const problems: string[] = [];
  if (typeof query.page === 'number' && query.page > MAX_PAGE) problems.push(`query.page must be at most ${MAX_PAGE}`);
  if (typeof query.search === 'string' && query.search.length > MAX_SEARCH_LENGTH) problems.push(`query.search must be at most ${MAX_SEARCH_LENGTH} characters`);
  return problems;
}

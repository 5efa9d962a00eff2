/**
 * The tenant's zone must be an IANA name (`America/New_York`, `Asia/Kolkata`, `UTC`): reports
 * bucket days in it in PostgreSQL, which reads a bare offset such as `+05:30` with POSIX's
 * inverted sign, so offsets and abbreviations are refused rather than silently misread.
 * Answers the canonical spelling, or undefined for anything else.
 */
export function canonicalTimeZone(name: string): string | undefined {
  if (!/^[A-Za-z][A-Za-z0-9_+\-/]*$/.test(name)) return undefined;
  let resolved: string;
  try {
    resolved = new Intl.DateTimeFormat('en-US', { timeZone: name }).resolvedOptions().timeZone;
  } catch (err) {
    if (err instanceof RangeError) return undefined; // not a zone Intl knows
    throw err;
  }
  return resolved === 'UTC' || ianaZones().has(resolved) ? resolved : undefined;
}

let zones: Set<string> | undefined;
const ianaZones = () => (zones ??= new Set(Intl.supportedValuesOf('timeZone')));

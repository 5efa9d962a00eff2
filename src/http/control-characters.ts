/**
 * Control characters in input. PostgreSQL cannot store U+0000 and answers an error that is
 * nobody's fault but the sender's; the other C0 controls and DEL have no place in names,
 * identifiers or text a person wrote. Tab, line feed and carriage return stay allowed.
 */
const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/;

export const hasControlCharacter = (value: string) => CONTROL.test(value);

/** One problem per string (or key) holding a control character, named by its path, e.g. `body.name`. */
export function controlCharacterProblems(value: unknown, path: string): string[] {
  if (typeof value === 'string') return hasControlCharacter(value) ? [`${path} must not contain control characters`] : [];
  if (Array.isArray(value)) return value.flatMap((item, i) => controlCharacterProblems(item, `${path}[${i}]`));
  if (value && typeof value === 'object') {
    return Object.entries(value).flatMap(([key, item]) => hasControlCharacter(key)
      ? [`${path} has a key with control characters`]
      : controlCharacterProblems(item, `${path}.${key}`));
  }
  return [];
}

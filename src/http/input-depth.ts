/**
 * How deeply a request's JSON may nest. The contract's deepest request schema is a few levels;
 * thousands of levels fit in a 100 kB body and overflow the stack of any recursive walk of
 * it (a 500), so such input is refused before anything walks it.
 */
export const MAX_INPUT_DEPTH = 32;

/** Whether `value` nests arrays or objects more than `limit` levels deep; iterative, so any depth is safe to ask about. */
export function nestedDeeperThan(value: unknown, limit: number): boolean {
  const pending: Array<[unknown, number]> = [[value, 0]];
  while (pending.length) {
    const [item, depth] = pending.pop()!;
    if (!item || typeof item !== 'object') continue;
    if (depth >= limit) return true;
    for (const child of Object.values(item)) pending.push([child, depth + 1]);
  }
  return false;
}

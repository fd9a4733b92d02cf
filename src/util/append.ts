/**
 * Pushes every item onto `target`, in order, and returns it. `target.push(...items)` passes
 * the items as arguments and overflows the stack past about 100,000 of them (a story of
 * 100,000 odd lines, each a finding, stopped the whole plan).
 */
export function append<T>(target: T[], items: Iterable<T>): T[] {
  for (const item of items) target.push(item);
  return target;
}

/**
 * The largest set of stories that can run together: a maximum independent set of the file
 * conflict graph. Exact (branch and bound) for the sizes a sprint has; greedy beyond that.
 */

export function largestRunnableSubset(
  stories: readonly string[],
  conflicts: ReadonlyArray<readonly [string, string]>,
): string[] {
  const neighbours = new Map(stories.map((s) => [s, new Set<string>()]));
  for (const [a, b] of conflicts) {
    neighbours.get(a)?.add(b);
    neighbours.get(b)?.add(a);
  }
  if (stories.length > 40) return greedy(stories, neighbours);
  let best: string[] = [];
  const search = (candidates: string[], chosen: string[]) => {
    if (chosen.length + candidates.length <= best.length) return;
    const [first, ...rest] = candidates;
    if (first === undefined) {
      best = chosen;
      return;
    }
    search(
      rest.filter((s) => !neighbours.get(first)?.has(s)),
      [...chosen, first],
    );
    if ((neighbours.get(first)?.size ?? 0) > 0) search(rest, chosen);
  };
  search([...stories], []);
  return stories.filter((s) => best.includes(s));
}

function greedy(stories: readonly string[], neighbours: Map<string, Set<string>>): string[] {
  const chosen: string[] = [];
  const blocked = new Set<string>();
  const byDegree = [...stories].sort(
    (a, b) => (neighbours.get(a)?.size ?? 0) - (neighbours.get(b)?.size ?? 0),
  );
  for (const s of byDegree) {
    if (blocked.has(s)) continue;
    chosen.push(s);
    for (const n of neighbours.get(s) ?? []) blocked.add(n);
  }
  return stories.filter((s) => chosen.includes(s));
}

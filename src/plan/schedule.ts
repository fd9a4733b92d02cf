/**
 * List scheduling under a concurrency cap (not waves): whenever a slot frees, start the
 * highest-priority story whose dependencies are done and which conflicts with nothing
 * running. Priority is the longest remaining chain of work through the dependencies, then the
 * work held back behind its conflicts. Durations are estimates (remaining tasks), good for
 * ordering and for display; the live run re-decides as stories really end.
 */
import type { Schedule, ScheduledStory } from "./types.ts";

export interface ScheduleInput {
  /** The batch, in the order asked; weight is the estimated work (e.g. remaining tasks). */
  stories: ReadonlyArray<{ key: string; weight: number }>;
  /** `[before, after]`: `after` starts only once `before` (in the batch, or running) has ended. */
  dependencies: ReadonlyArray<readonly [string, string]>;
  /** Pairs that must never run at the same time. */
  exclusive: ReadonlyArray<readonly [string, string]>;
  /**
   * Pairs let run together that will meet at a file lock (a conflict the plan missed, in
   * `accuracy`'s sprints): the one that starts second holds its slot and waits for the other
   * to end before its work.
   */
  contended?: ReadonlyArray<readonly [string, string]>;
  /** Stories already running outside the batch: they hold their exclusive partners back. */
  running?: ReadonlyArray<{ key: string; weight: number }>;
  /** Stories of the batch already running (a live run's estimate): they keep their slots. */
  started?: ReadonlySet<string>;
  /** Stories that cannot be scheduled at all, with the reason (e.g. a dependency not done). */
  blocked?: ReadonlyMap<string, string>;
  cap: number;
}

export function schedule(input: ScheduleInput): Schedule {
  const cap = Math.max(1, Math.floor(input.cap));
  const weight = new Map(input.stories.map((s) => [s.key, Math.max(1e-9, s.weight)]));
  const blocked = new Map(input.blocked ?? []);
  const inBatch = (key: string) => weight.has(key);

  const predecessors = new Map<string, string[]>();
  const successors = new Map<string, string[]>();
  const running = new Set((input.running ?? []).map((r) => r.key));
  for (const [before, after] of input.dependencies) {
    // A dependency on a story running outside the batch waits for its (estimated) end.
    if (!(inBatch(before) || running.has(before)) || !inBatch(after)) continue;
    predecessors.set(after, [...(predecessors.get(after) ?? []), before]);
    successors.set(before, [...(successors.get(before) ?? []), after]);
  }
  const exclusive = partners(input.exclusive);
  const contended = partners(input.contended ?? []);
  // A story blocked outright holds back everything that depends on it.
  for (const key of topologicalOrder(
    input.stories.map((s) => s.key),
    predecessors,
  )) {
    const blocker = (predecessors.get(key) ?? []).find((p) => blocked.has(p));
    if (blocker && !blocked.has(key)) blocked.set(key, `waits for ${blocker}, which cannot start`);
  }

  const chain = bottomLevels(
    input.stories.map((s) => s.key),
    successors,
    weight,
  );
  const held = (key: string) =>
    [...(exclusive.get(key) ?? [])].reduce((sum, k) => sum + (weight.get(k) ?? 0), 0);
  const position = new Map(input.stories.map((s, i) => [s.key, i]));
  const started = (key: string) => (input.started?.has(key) ? 1 : 0);
  const priority = (a: string, b: string) =>
    started(b) - started(a) ||
    (chain.get(b) ?? 0) - (chain.get(a) ?? 0) ||
    held(b) - held(a) ||
    (position.get(a) ?? 0) - (position.get(b) ?? 0);

  const ends = new Map<string, number>(); // running or finished: key -> end time
  for (const r of input.running ?? []) ends.set(r.key, Math.max(0, r.weight));
  const order: ScheduledStory[] = [];
  const pending = new Set(input.stories.map((s) => s.key).filter((k) => !blocked.has(k)));
  let now = 0;

  while (pending.size > 0) {
    const runningNow = (key: string) => (ends.get(key) ?? -1) > now;
    const batchRunning = order.filter((o) => o.end > now).length;
    const ready = [...pending]
      .filter((key) =>
        (predecessors.get(key) ?? []).every((p) => ends.has(p) && (ends.get(p) ?? 0) <= now),
      )
      .sort(priority);
    let slots = cap - batchRunning;
    for (const key of ready) {
      if (slots <= 0) break;
      if ([...(exclusive.get(key) ?? [])].some(runningNow)) continue;
      const lockFree = Math.max(
        now,
        ...[...(contended.get(key) ?? [])].filter(runningNow).map((k) => ends.get(k) ?? now),
      );
      const end = lockFree + (weight.get(key) ?? 1);
      order.push({ story: key, start: now, end });
      ends.set(key, end);
      pending.delete(key);
      slots--;
    }
    const next = Math.min(...[...ends.values()].filter((end) => end > now));
    if (!Number.isFinite(next)) {
      // Nothing runs and nothing can start: what is left waits on itself.
      for (const key of pending) blocked.set(key, "dependency cycle");
      break;
    }
    now = next;
  }

  const makespan = Math.max(0, ...order.map((o) => o.end));
  const starts = [...new Set(order.map((o) => o.start))].sort((a, b) => a - b);
  return {
    cap,
    waves: starts.map((t) => order.filter((o) => o.start === t).map((o) => o.story)),
    order,
    criticalPath: criticalPath(order, predecessors, exclusive, makespan),
    batchNow: order.filter((o) => o.start === 0).map((o) => o.story),
    blocked: [...blocked]
      .filter(([key]) => inBatch(key))
      .map(([story, reason]) => ({ story, reason })),
    makespan,
  };
}

/** Each story's partners in a list of pairs, both ways. */
function partners(pairs: ReadonlyArray<readonly [string, string]>): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  for (const [a, b] of pairs) {
    out.set(a, (out.get(a) ?? new Set()).add(b));
    out.set(b, (out.get(b) ?? new Set()).add(a));
  }
  return out;
}

/** Longest chain of work from each story to the end, through its dependents. */
function bottomLevels(
  keys: string[],
  successors: Map<string, string[]>,
  weight: Map<string, number>,
): Map<string, number> {
  const memo = new Map<string, number>();
  const visiting = new Set<string>();
  const level = (key: string): number => {
    const known = memo.get(key);
    if (known !== undefined) return known;
    if (visiting.has(key)) return 0; // a cycle: reported by the scheduler
    visiting.add(key);
    const after = Math.max(0, ...(successors.get(key) ?? []).map(level));
    visiting.delete(key);
    const value = (weight.get(key) ?? 0) + after;
    memo.set(key, value);
    return value;
  };
  for (const key of keys) level(key);
  return memo;
}

/** Keys in an order where predecessors come first (cycles left in input order). */
function topologicalOrder(keys: string[], predecessors: Map<string, string[]>): string[] {
  const out: string[] = [];
  const seen = new Set<string>();
  const visit = (key: string, stack: Set<string>) => {
    if (seen.has(key) || stack.has(key)) return;
    stack.add(key);
    for (const p of predecessors.get(key) ?? []) visit(p, stack);
    stack.delete(key);
    seen.add(key);
    out.push(key);
  };
  for (const key of keys) visit(key, new Set());
  return out;
}

/** From the story that ends last, back through whatever it waited for, to the start. */
function criticalPath(
  order: ScheduledStory[],
  predecessors: Map<string, string[]>,
  exclusive: Map<string, Set<string>>,
  makespan: number,
): string[] {
  const byKey = new Map(order.map((o) => [o.story, o]));
  const epsilon = 1e-9;
  let current = order.find((o) => Math.abs(o.end - makespan) < epsilon);
  const path: string[] = [];
  while (current) {
    path.unshift(current.story);
    if (current.start < epsilon) break;
    const start = current.start;
    const endsThen = (key: string) => Math.abs((byKey.get(key)?.end ?? -1) - start) < epsilon;
    const story = current.story;
    const cause =
      (predecessors.get(story) ?? []).find(endsThen) ??
      [...(exclusive.get(story) ?? [])].find(endsThen) ??
      order.find((o) => Math.abs(o.end - start) < epsilon)?.story;
    current = cause ? byKey.get(cause) : undefined;
  }
  return path;
}

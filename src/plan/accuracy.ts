/**
 * How far to trust the plan on this project: the planner scored on the project's own done
 * stories, each predicted from its plan-time sections with only the stories before it as
 * history, against the File List its agent wrote. Pure: the replay comes in (plan/learn.ts).
 *
 * - write recall: the share of really written files that a write claim covered;
 * - claim precision: the share of write claims that were really written (a folder claim
 *   counts as right when a file under it was written);
 * - file-conflict pairs: pairs of stories that really share a written file, against the pairs
 *   the plan keeps apart (blocking conflicts): recall and precision;
 * - batches of 3 drawn at random: of the really safe ones (no shared file), the share the plan
 *   lets run together; of the really conflicting ones, the share it lets through;
 * - sprints of 6 drawn at random, scheduled at cap 3: the speed-up (work / makespan) the plan
 *   gives, against what a planner that knew every written file would give. A real conflict the
 *   plan missed is counted as run one after the other anyway (the runtime locks make the pair
 *   wait), so the ratio is at most 1 and only a needless separation lowers it. That rewards
 *   letting conflicts through, so a second ratio charges each missed conflict its wait: the
 *   story that starts second holds its slot, waiting for the other to end, before its work.
 */
import { claimCovers } from "./claims.ts";
import { canBlock, findConflicts, sharedMatchers } from "./conflicts.ts";
import type { DoneStory } from "./history.ts";
import type { KnownTree } from "./known-tree.ts";
import { schedule } from "./schedule.ts";
import type { Claim, PlannedStory } from "./types.ts";

export interface ScoredStory extends DoneStory {
  /** Estimated work (tasks), for the sprint simulation. */
  weight: number;
}

export interface AccuracyOptions {
  conflictConfidence: number;
  sharedFiles: readonly string[];
  known: KnownTree;
  /**
   * Files the plan treats as shared on purpose (hot files learned from history, `sharedFiles`):
   * short edits the runtime locks serialise. Conflicts through them alone are also counted
   * apart, as `...ExcludingShared`.
   */
  isShared?: (file: string) => boolean;
  /** Random batches drawn (default 2,000) and sprints simulated (default 500). */
  batches?: number;
  sprints?: number;
  seed?: number;
}

export interface AccuracyReport {
  stories: number;
  writtenFiles: number;
  writeClaims: number;
  writeRecall: number;
  claimPrecision: number;
  /**
   * Stories with no write claim sure enough to keep them apart from another (they name no
   * file to change, or only as context): the plan lets them run with anything, and only the
   * runtime locks meet their overlaps. Most of a project's let-through when it is high.
   */
  neverKeptApart: number;
  pairs: {
    total: number;
    reallyConflicting: number;
    predicted: number;
    recall: number;
    precision: number;
  };
  batches: {
    drawn: number;
    safe: number;
    conflicting: number;
    /** Share of the really safe batches the plan lets run together. */
    safeAllowed: number;
    /** Share of the really conflicting batches the plan lets run together. */
    conflictingLetThrough: number;
    /** The same four when conflicts through shared files alone do not count. */
    safeExcludingShared: number;
    conflictingExcludingShared: number;
    safeAllowedExcludingShared: number;
    conflictingLetThroughExcludingShared: number;
  };
  sprints: {
    drawn: number;
    cap: number;
    /** Mean speed-up (work / makespan) with the plan's conflicts, and with the real ones. */
    planned: number;
    oracle: number;
    /** planned / oracle: 1 means the plan is as good as knowing every file. */
    ratio: number;
    /**
     * The same ratio when each conflict the plan let through costs a lock wait: the story that
     * starts second holds its slot until the other ends, then does its work. Letting every
     * conflict through no longer scores well here.
     */
    ratioWithLockWaits: number;
    /** Share of sprints in which the plan let a really conflicting pair run together. */
    withMissedConflict: number;
  };
  /**
   * The files behind the plan's mistakes, most pairs first (MISTAKES_SHOWN of each): those
   * through which it kept apart two stories that shared no written file, and those two stories
   * both wrote while it let them run together (`unnamed`: pairs where one of the stories never
   * named the file, which no reading of the text could have caught). What to look at before
   * moving `conflictConfidence` or adding to `sharedFiles`.
   */
  mistakes: {
    needless: Array<{ file: string; pairs: number }>;
    missed: Array<{ file: string; pairs: number; unnamed: number }>;
  };
}

const MISTAKES_SHOWN = 5;

export function scoreAccuracy(
  stories: readonly ScoredStory[],
  options: AccuracyOptions,
): AccuracyReport {
  const scored = stories.filter((s) => s.written.length > 0);
  let hits = 0;
  let claimsRight = 0;
  let claimCount = 0;
  let writtenCount = 0;
  for (const story of scored) {
    const writes = story.predicted.filter((c) => c.intent === "write");
    claimCount += writes.length;
    claimsRight += writes.filter((c) => story.written.some((f) => covers(c, f))).length;
    writtenCount += story.written.length;
    hits += story.written.filter((f) => writes.some((c) => covers(c, f))).length;
  }

  const shared = sharedMatchers(options.sharedFiles);
  const neverKeptApart = scored.filter(
    (s) => !s.predicted.some((c) => canBlock(c, shared, options.conflictConfidence)),
  ).length;

  // Real conflicts: two stories' File Lists share a file.
  const index = new Map<string, number[]>();
  scored.forEach((s, i) => {
    for (const f of s.written) index.set(f, [...(index.get(f) ?? []), i]);
  });
  const real = new Set<string>();
  const realUnshared = new Set<string>();
  for (const [file, owners] of index) {
    const shared = options.isShared?.(file) ?? false;
    for (let a = 0; a < owners.length; a++)
      for (let b = a + 1; b < owners.length; b++) {
        const key = pairKey(owners[a] ?? 0, owners[b] ?? 0);
        real.add(key);
        if (!shared) realUnshared.add(key);
      }
  }

  // Predicted: the plan's blocking conflicts among all of them at once (path indexes).
  const planned: PlannedStory[] = scored.map((s, i) => ({
    key: String(i),
    id: s.key,
    title: s.key,
    status: "ready-for-dev",
    role: "in-batch",
    tasks: { done: 0, total: s.weight },
    claims: [...s.predicted],
    dependencies: [],
  }));
  const predicted = new Set(
    findConflicts(planned, {
      sharedFiles: options.sharedFiles,
      conflictConfidence: options.conflictConfidence,
      known: options.known,
      components: [],
    })
      .filter((c) => c.blocking)
      .map((c) => pairKey(Number(c.stories[0]), Number(c.stories[1]))),
  );
  const both = [...predicted].filter((p) => real.has(p)).length;
  const mistakes = mistakesOf(scored, index, real, predicted, options);
  const n = scored.length;
  const total = (n * (n - 1)) / 2;

  const random = mulberry32(options.seed ?? 1);
  const draw = (size: number) => {
    const picked = new Set<number>();
    while (picked.size < Math.min(size, n)) picked.add(Math.floor(random() * n));
    return [...picked];
  };
  const pairsOf = (ids: number[]) =>
    ids.flatMap((a, i) => ids.slice(i + 1).map((b) => pairKey(a, b)));

  // Drawn at random, or every one of them when there are no more than would be drawn (three
  // stories make one batch: 2,000 draws of it would read as 2,000 batches).
  const sample = (size: number, draws: number): number[][] =>
    n < size
      ? []
      : choose(n, size) <= draws
        ? combinations(n, size)
        : Array.from({ length: draws }, () => draw(size));
  const batchSets = sample(3, options.batches ?? 2000);
  const batchCount = batchSets.length;
  const all = { safe: 0, safeAllowed: 0, conflicting: 0, letThrough: 0 };
  const unshared = { ...all };
  const tally = (t: typeof all, conflicting: boolean, allowed: boolean) => {
    if (conflicting) {
      t.conflicting++;
      if (allowed) t.letThrough++;
    } else {
      t.safe++;
      if (allowed) t.safeAllowed++;
    }
  };
  for (const batch of batchSets) {
    const pairs = pairsOf(batch);
    const allowed = !pairs.some((p) => predicted.has(p));
    tally(
      all,
      pairs.some((p) => real.has(p)),
      allowed,
    );
    tally(
      unshared,
      pairs.some((p) => realUnshared.has(p)),
      allowed,
    );
  }

  const sprintSets = sample(6, options.sprints ?? 500);
  const sprintCount = sprintSets.length;
  const cap = 3;
  let plannedSpeed = 0;
  let waitingSpeed = 0;
  let oracleSpeed = 0;
  let missed = 0;
  for (const ids of sprintSets) {
    const work = ids.map((id) => ({ key: String(id), weight: scored[id]?.weight ?? 1 }));
    const sum = work.reduce((t, w) => t + w.weight, 0);
    const pairs = pairsOf(ids);
    const split = (set: Set<string>) =>
      pairs.filter((p) => set.has(p)).map((p) => p.split("-") as [string, string]);
    const speed = (exclusive: Array<[string, string]>, contended: Array<[string, string]> = []) =>
      sum / schedule({ stories: work, dependencies: [], exclusive, contended, cap }).makespan;
    // A real conflict the plan missed still waits at run time (locks, stale-read refusals):
    // modelled as the pair running one after the other, as the oracle runs it, and again as
    // a wait that holds a slot.
    const letThrough = new Set(pairs.filter((p) => real.has(p) && !predicted.has(p)));
    plannedSpeed += speed(split(new Set(pairs.filter((p) => predicted.has(p) || real.has(p)))));
    waitingSpeed += speed(split(predicted), split(letThrough));
    oracleSpeed += speed(split(real));
    if (letThrough.size > 0) missed++;
  }

  return {
    stories: n,
    writtenFiles: writtenCount,
    writeClaims: claimCount,
    writeRecall: ratio(hits, writtenCount),
    claimPrecision: ratio(claimsRight, claimCount),
    neverKeptApart,
    pairs: {
      total,
      reallyConflicting: real.size,
      predicted: predicted.size,
      recall: ratio(both, real.size),
      precision: ratio(both, predicted.size),
    },
    batches: {
      drawn: batchCount,
      safe: all.safe,
      conflicting: all.conflicting,
      safeAllowed: ratio(all.safeAllowed, all.safe),
      conflictingLetThrough: ratio(all.letThrough, all.conflicting),
      safeExcludingShared: unshared.safe,
      conflictingExcludingShared: unshared.conflicting,
      safeAllowedExcludingShared: ratio(unshared.safeAllowed, unshared.safe),
      conflictingLetThroughExcludingShared: ratio(unshared.letThrough, unshared.conflicting),
    },
    sprints: {
      drawn: sprintCount,
      cap,
      planned: round(plannedSpeed / Math.max(1, sprintCount)),
      oracle: round(oracleSpeed / Math.max(1, sprintCount)),
      ratio: ratio(plannedSpeed, oracleSpeed),
      ratioWithLockWaits: ratio(waitingSpeed, oracleSpeed),
      withMissedConflict: ratio(missed, sprintCount),
    },
    mistakes,
  };
}

/** The files behind needless separations and missed conflicts (see `mistakes`). */
function mistakesOf(
  scored: readonly ScoredStory[],
  writers: ReadonlyMap<string, number[]>,
  real: ReadonlySet<string>,
  predicted: ReadonlySet<string>,
  options: AccuracyOptions,
): AccuracyReport["mistakes"] {
  const missed = new Map<string, { pairs: number; unnamed: number }>();
  for (const [file, owners] of writers) {
    // Files shared on purpose (hot, `sharedFiles`) are let through by design: no mistake.
    if (options.isShared?.(file)) continue;
    const named = owners.map((i) => scored[i]?.predicted.some((c) => covers(c, file, "any")));
    for (let a = 0; a < owners.length; a++)
      for (let b = a + 1; b < owners.length; b++) {
        if (predicted.has(pairKey(owners[a] ?? 0, owners[b] ?? 0))) continue;
        const tally = missed.get(file) ?? { pairs: 0, unnamed: 0 };
        tally.pairs++;
        if (!named[a] || !named[b]) tally.unnamed++;
        missed.set(file, tally);
      }
  }
  // A pair kept apart blocks through the files both stories claim surely enough: the test of
  // plan/conflicts.ts, on file claims (an overlap through a folder or a component, or on a
  // shared or hot file, never blocks).
  const shared = sharedMatchers(options.sharedFiles);
  const sure = scored.map((story) => {
    const files = new Map<string, number>();
    for (const c of story.predicted)
      if (c.kind === "file" && canBlock(c, shared, 0))
        files.set(c.path, Math.max(files.get(c.path) ?? 0, c.confidence));
    return files;
  });
  const needless = new Map<string, number>();
  for (const key of predicted) {
    if (real.has(key)) continue;
    const [a, b] = key.split("-").map(Number);
    const first = sure[a ?? 0];
    const second = sure[b ?? 0];
    if (!first || !second) continue;
    for (const [file, confidence] of first) {
      const other = second.get(file);
      if (other === undefined) continue;
      if (Math.min(confidence, other) >= options.conflictConfidence)
        needless.set(file, (needless.get(file) ?? 0) + 1);
    }
  }
  const top = <T extends { pairs: number; file: string }>(list: T[]) =>
    list.sort((x, y) => y.pairs - x.pairs || x.file.localeCompare(y.file)).slice(0, MISTAKES_SHOWN);
  return {
    needless: top([...needless].map(([file, pairs]) => ({ file, pairs }))),
    missed: top([...missed].map(([file, t]) => ({ file, ...t }))),
  };
}

export function renderAccuracy(
  report: AccuracyReport,
  title: string,
  /** What each story was predicted knowing. */
  knowing = "with only the stories before it as history",
): string {
  const pct = (x: number) => `${Math.round(x * 100)}%`;
  // A share of no batches says nothing: "none drawn", not 0%.
  const share = (x: number, of: number) => (of === 0 ? "none drawn" : `${pct(x)} (of ${of})`);
  // A ratio of nothing counted is no figure either (accuracyJson's nulls).
  const ratio = (x: number, of: number) => (of === 0 ? "none" : x.toFixed(2));
  const { pairs, batches, sprints } = report;
  return [
    `# athena-parallel accuracy: ${title}`,
    "",
    `${count(report.stories, "done story", "done stories")} with a File List, each predicted from its plan-time sections (Story, Acceptance Criteria, Tasks, Dev Notes) ${knowing}.`,
    "",
    "| measure | value |",
    "| --- | --- |",
    `| write recall (written files a write claim covered) | ${ratio(report.writeRecall, report.writtenFiles)} (${count(report.writtenFiles, "file")}) |`,
    `| claim precision (write claims really written) | ${ratio(report.claimPrecision, report.writeClaims)} (${count(report.writeClaims, "claim")}) |`,
    `| stories with no sure write (never kept apart; the runtime locks meet their overlaps) | ${report.neverKeptApart} of ${report.stories} |`,
    `| file-conflict pairs: recall | ${ratio(pairs.recall, pairs.reallyConflicting)} (${pairs.reallyConflicting} of ${count(pairs.total, "pair")} really share a file) |`,
    `| file-conflict pairs: precision | ${ratio(pairs.precision, pairs.predicted)} (${count(pairs.predicted, "pair")} kept apart) |`,
    `| batches of 3: really safe ones allowed together | ${share(batches.safeAllowed, batches.safe)} |`,
    `| batches of 3: really conflicting ones let through | ${share(batches.conflictingLetThrough, batches.conflicting)} |`,
    `| the same two, conflicts through shared files (hot, \`sharedFiles\`) not counted | ${share(batches.safeAllowedExcludingShared, batches.safeExcludingShared)} allowed, ${share(batches.conflictingLetThroughExcludingShared, batches.conflictingExcludingShared)} let through |`,
    ...(sprints.drawn === 0
      ? [`| sprints of 6 at cap ${sprints.cap} | not drawn: fewer than 6 done stories |`]
      : [
          `| sprints of 6 at cap ${sprints.cap}: speed-up with the plan / knowing every file | ${sprints.planned} / ${sprints.oracle} = ${sprints.ratio.toFixed(2)} |`,
          `| sprints of 6: the same ratio when each conflict let through waits at its lock, holding a slot | ${sprints.ratioWithLockWaits.toFixed(2)} |`,
          `| sprints of 6: a real conflict let run together | ${pct(sprints.withMissedConflict)} |`,
        ]),
    "",
    ...renderMistakes(report.mistakes),
  ].join("\n");
}

/**
 * The report as `accuracy --json` prints it: a share of no batches or sprints is null, not a
 * 0 that reads as a measure (a project of five done stories draws no sprint of six).
 */
export function accuracyJson(report: AccuracyReport): unknown {
  const { batches: b, sprints: s, pairs: p } = report;
  const of = (x: number, count: number) => (count === 0 ? null : x);
  return {
    ...report,
    writeRecall: of(report.writeRecall, report.writtenFiles),
    claimPrecision: of(report.claimPrecision, report.writeClaims),
    pairs: {
      ...p,
      recall: of(p.recall, p.reallyConflicting),
      precision: of(p.precision, p.predicted),
    },
    batches: {
      ...b,
      safeAllowed: of(b.safeAllowed, b.safe),
      conflictingLetThrough: of(b.conflictingLetThrough, b.conflicting),
      safeAllowedExcludingShared: of(b.safeAllowedExcludingShared, b.safeExcludingShared),
      conflictingLetThroughExcludingShared: of(
        b.conflictingLetThroughExcludingShared,
        b.conflictingExcludingShared,
      ),
    },
    sprints:
      s.drawn === 0
        ? {
            drawn: 0,
            cap: s.cap,
            planned: null,
            oracle: null,
            ratio: null,
            ratioWithLockWaits: null,
            withMissedConflict: null,
          }
        : s,
  };
}

/** The files behind the plan's mistakes, as two lines of prose (none when it made none). */
function renderMistakes({ needless, missed }: AccuracyReport["mistakes"]): string[] {
  const lines: string[] = [];
  if (needless.length > 0)
    lines.push(
      `Pairs kept apart that shared no written file, through (pairs): ${needless
        .map((m) => `\`${m.file}\` (${m.pairs})`)
        .join(", ")}.`,
    );
  if (missed.length > 0)
    lines.push(
      `Pairs let run together that both wrote (pairs, of which a story never named the file): ${missed
        .map((m) => `\`${m.file}\` (${m.pairs}, ${m.unnamed})`)
        .join(", ")}.`,
    );
  return lines.length > 0 ? [...lines, ""] : [];
}

/** `1 pair`, `2 pairs`. */
function count(n: number, noun: string, plural = `${noun}s`): string {
  return `${n} ${n === 1 ? noun : plural}`;
}

/** True when a write claim (or with "any", any claim) covers a written file. */
function covers(claim: Claim, file: string, intent: "write" | "any" = "write"): boolean {
  return (intent === "any" || claim.intent === "write") && claimCovers(claim, file);
}

/** How many sets of `k` of `n` there are (stops counting past 10^6: only compared with draws). */
function choose(n: number, k: number): number {
  let count = 1;
  for (let i = 0; i < k && count <= 1e6; i++) count = (count * (n - i)) / (i + 1);
  return count;
}

/** Every set of `k` of 0..n-1, in order. */
function combinations(n: number, k: number): number[][] {
  const out: number[][] = [];
  const pick = (from: number, chosen: number[]) => {
    if (chosen.length === k) out.push(chosen);
    else for (let i = from; i < n; i++) pick(i + 1, [...chosen, i]);
  };
  pick(0, []);
  return out;
}

function pairKey(a: number, b: number): string {
  return a < b ? `${a}-${b}` : `${b}-${a}`;
}

function ratio(a: number, b: number): number {
  return b === 0 ? 0 : round(a / b);
}

function round(n: number): number {
  return Math.round(n * 1000) / 1000;
}

/** A small seeded generator, so that a report can be reproduced. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Learning from the project's own history. A BMAD project's done stories carry a File List
 * of what their agent really changed; set beside what the planner would have predicted from
 * the same story's plan-time sections, they tell, for this project:
 * - how often each kind of evidence (`task/write/path`, `notes/none/name`, ...) was really
 *   written, and each file when a story mentioned it that way: a file this project mentions
 *   as context and rarely changes loses confidence;
 * - which files nearly every story writes (a changelog, the CLI's test file, site navigation):
 *   `hot`, so their overlaps are `shared` (advisory, serialised by the runtime locks);
 * - which files change together (a module and its test, a rule and its docs page): a file
 *   that came with a claimed one in most stories is claimed too, with origin `history`.
 * Pure: the stories come in already parsed and claimed; the model is plain JSON, cached by
 * the caller under `.athena/`.
 */

import { own } from "../util/own.ts";
import { isTestPath } from "./test-partner.ts";
import type { Claim } from "./types.ts";

/** Bumped whenever the learning rules change, so that no cached model outlives them. */
export const HISTORY_FORMAT = 3;

export interface DoneStory {
  key: string;
  /** The write claims the planner makes from the story's plan-time sections. */
  predicted: readonly Claim[];
  /** Repo-relative files the story really wrote (its File List, and what runs saw). */
  written: readonly string[];
}

interface Tally {
  claimed: number;
  written: number;
}

export interface HistoryModel {
  format: typeof HISTORY_FORMAT;
  /** Done stories learned from (those with a File List). */
  stories: number;
  /** Per basis: how many write claims were made and how many were really written. */
  basis: Record<string, Tally>;
  /** Per file: the same, plus how many stories wrote it at all. */
  files: Record<string, Tally & { writtenBy: number }>;
  /**
   * Per file and basis (`path\tbasis`): a central module is written by most stories that say
   * "update X" and few that say "X already provides Y"; the file alone cannot tell them apart.
   */
  fileBasis: Record<string, Tally>;
  /** Files written by a large share of the stories. */
  hot: string[];
  /** File -> files written with it in most of the stories that wrote it. */
  together: Record<string, Array<{ path: string; rate: number; count: number }>>;
  /**
   * Source files written that have a test file (`testPartner`), and how many of them had
   * their test written in the same story: this project's habit of changing both.
   */
  tests: Tally;
}

/** The test file of a source file, when the project has one (plan/test-partner.ts). */
export type PartnerOf = (file: string) => string | undefined;

/**
 * A file is hot when at least two stories in three, and 3 of them, wrote it: nearly every
 * story touches it (a changelog, a registry), so its overlaps are left to the runtime locks.
 * Nothing is hot before 10 stories: the first three stories of a project all write its
 * central module, which then let through its real conflicts for the rest of the sprint (on
 * other real projects: conflicting batches let through 10% -> 6% and 29% -> 23%).
 * A lower line makes a project's central module advisory and lets through most of its real
 * conflicts: at one story in two, over 60 real projects, 39% of the conflicting batches were
 * let through against 36% at two in three, for 78% against 76% of the safe ones allowed; a
 * third of the stories let through most. Four in five traded the two one for one (35%, 75%).
 */
const HOT_SHARE = 2 / 3;
const HOT_MIN = 3;
const HOT_MIN_STORIES = 10;
/** How much the planner's own confidence weighs against one file's counts (in claims). */
const FILE_PRIOR_WEIGHT = 2;
/** Files written together: in at least this share of the stories that wrote the first. */
const TOGETHER_RATE = 0.8;
const TOGETHER_MIN = 3;
/**
 * How sure a file added for its partner is, at most: on ten real projects only 60 of 532 such
 * claims that kept stories apart were written (11%: 6% from "3 of 3", 18% from six stories or
 * more), so they are reported and never keep stories apart on their own.
 */
const TOGETHER_CONFIDENCE = 0.15;

export function learnHistory(done: readonly DoneStory[], partnerOf?: PartnerOf): HistoryModel {
  const model: HistoryModel = {
    format: HISTORY_FORMAT,
    stories: 0,
    basis: Object.create(null),
    files: Object.create(null),
    fileBasis: Object.create(null),
    hot: [],
    together: Object.create(null),
    tests: { claimed: 0, written: 0 },
  };
  const writtenBy = new Map<string, number>();
  for (const story of done) {
    if (story.written.length === 0) continue;
    model.stories++;
    const written = new Set(story.written);
    const folders = foldersOf(written);
    for (const claim of story.predicted) {
      if (claim.intent !== "write" || claim.origin === "history") continue;
      const hit = wroteUnder(claim, written, folders);
      const basis = entry(model.basis, claim.basis, () => ({ claimed: 0, written: 0 }));
      basis.claimed++;
      if (hit) basis.written++;
      if (claim.kind === "file") {
        const file = entry(model.files, claim.path, () => ({
          claimed: 0,
          written: 0,
          writtenBy: 0,
        }));
        file.claimed++;
        if (hit) file.written++;
        const both = entry(model.fileBasis, `${claim.path}	${claim.basis}`, () => ({
          claimed: 0,
          written: 0,
        }));
        both.claimed++;
        if (hit) both.written++;
      }
    }
    for (const file of written) {
      const test = partnerOf?.(file);
      if (test) {
        model.tests.claimed++;
        if (written.has(test)) model.tests.written++;
      }
      writtenBy.set(file, (writtenBy.get(file) ?? 0) + 1);
    }
  }
  const hotLine =
    model.stories < HOT_MIN_STORIES
      ? Infinity
      : Math.max(HOT_MIN, Math.ceil(model.stories * HOT_SHARE));
  const hot = new Set([...writtenBy].filter(([, n]) => n >= hotLine).map(([f]) => f));
  model.hot = [...hot].sort();
  const pairs = writtenTogether(done, (file) => {
    const n = writtenBy.get(file) ?? 0;
    return n >= TOGETHER_MIN && !hot.has(file);
  });
  for (const [file, n] of writtenBy) {
    const tally = entry(model.files, file, () => ({ claimed: 0, written: 0, writtenBy: 0 }));
    tally.writtenBy = n;
    if (n < TOGETHER_MIN || hot.has(file)) continue;
    const partners = [...(pairs.get(file) ?? [])]
      .filter(
        ([other, count]) => !hot.has(other) && count >= TOGETHER_MIN && count / n >= TOGETHER_RATE,
      )
      .map(([other, count]) => ({ path: other, rate: round(count / n), count }));
    if (partners.length > 0) model.together[file] = partners; // a null-prototype record
  }
  return model;
}

/**
 * For each file that may have partners, how many stories wrote each other such file with it.
 * Only files written by TOGETHER_MIN stories and not hot can be partners or have them, so only
 * those are paired: pairing every file a story wrote with every other cost a done story whose
 * File List names 8,000 files 64 million counts (and their memory), for nothing.
 */
function writtenTogether(
  done: readonly DoneStory[],
  mayPair: (file: string) => boolean,
): Map<string, Map<string, number>> {
  const pairs = new Map<string, Map<string, number>>();
  for (const story of done) {
    const written = [...new Set(story.written)].filter(mayPair);
    for (const file of written) {
      const with_ = pairs.get(file) ?? new Map<string, number>();
      for (const other of written)
        if (other !== file) with_.set(other, (with_.get(other) ?? 0) + 1);
      pairs.set(file, with_);
    }
  }
  return pairs;
}

/**
 * The claims with what history says: confidence from the project's own rates, hot files
 * marked, and files that change with a confident claim added (origin `history`).
 * `describe` names a claim's evidence for the note of an added claim.
 */
export function applyHistory(
  claims: readonly Claim[],
  model: HistoryModel,
  partnerOf?: PartnerOf,
): Claim[] {
  const hotFiles = new Set(model.hot);
  const out = claims.map((claim) => {
    if (claim.intent !== "write" || claim.origin === "history") return claim;
    const confidence = calibrated(claim, model);
    const hot = hotFiles.has(claim.path);
    if (confidence === claim.confidence && !hot) return claim;
    const note = [
      claim.note,
      confidence !== claim.confidence
        ? `history: ${Math.round(claim.confidence * 100)}% -> ${Math.round(confidence * 100)}%`
        : undefined,
    ]
      .filter(Boolean)
      .join("; ");
    return { ...claim, confidence, ...(hot ? { hot } : {}), ...(note ? { note } : {}) };
  });
  const claimed = new Set(out.map((c) => c.path));
  for (const claim of [...out]) {
    if (claim.intent !== "write" || claim.kind !== "file" || claim.origin === "history") continue;
    for (const partner of own(model.together, claim.path) ?? []) {
      if (claimed.has(partner.path)) continue;
      claimed.add(partner.path);
      const total = own(model.files, claim.path)?.writtenBy ?? partner.count;
      out.push({
        path: partner.path,
        kind: "file",
        intent: "write",
        origin: "history",
        evidence: claim.evidence,
        confidence: Math.min(TOGETHER_CONFIDENCE, round(claim.confidence * partner.rate)),
        basis: "history",
        note: `changed with \`${claim.path}\` in ${partner.count} of ${total} done stories`,
        ...(hotFiles.has(partner.path) ? { hot: true } : {}),
      });
    }
  }
  const testRate = rateOf(model.tests);
  if (partnerOf && testRate >= TEST_RATE) {
    const why = `this project's stories changed a file's test with it in ${model.tests.written} of ${model.tests.claimed} cases`;
    return withTests(out, partnerOf, { rate: testRate, floor: 0, why, hot: model.hot });
  }
  // Too few cases seen yet to tell the project's habit: the prior, as without history.
  if (partnerOf && model.tests.claimed < TEST_MIN) return applyTestPrior(out, partnerOf);
  return out;
}

/**
 * Without history: the test of each confident source claim (at least TEST_PRIOR_FLOOR sure),
 * advisory, as sure as the claim times TEST_PRIOR, the share of the stories of real projects
 * that changed a named module's test with it.
 *
 * A story that names a test has mostly said which tests it changes: then only the test of a
 * module a task names by its path is claimed, less surely (on 15 real projects a quarter of
 * those tests were written, and recall rose by up to 3 points).
 */
export function applyTestPrior(claims: readonly Claim[], partnerOf: PartnerOf): Claim[] {
  const namesTest = claims.some((c) => c.intent === "write" && isTestPath(c.path));
  return withTests([...claims], partnerOf, {
    rate: namesTest ? TEST_PRIOR_NAMED : TEST_PRIOR,
    floor: namesTest ? TEST_PRIOR_NAMED_FLOOR : TEST_PRIOR_FLOOR,
    why: namesTest
      ? "a story that names its tests sometimes changes a named module's test too"
      : "stories usually change a module's test with it",
    hot: [],
  });
}
const TEST_PRIOR = 0.5;
const TEST_PRIOR_FLOOR = 0.5;
const TEST_PRIOR_NAMED = 0.3;
const TEST_PRIOR_NAMED_FLOOR = 0.8;

interface TestRule {
  /** How sure a test claim is, as a share of its module's claim. */
  rate: number;
  /** Modules claimed less surely than this get no test claim. */
  floor: number;
  /** The claim's note: why the test is claimed. */
  why: string;
  hot: readonly string[];
}

/** `claims` and, for each write claim on a file at least `floor` sure, its test, advisory. */
function withTests(claims: Claim[], partnerOf: PartnerOf, rule: TestRule): Claim[] {
  const { rate, floor, why } = rule;
  const hot = new Set(rule.hot);
  const claimed = new Set(claims.map((c) => c.path));
  const out = [...claims];
  for (const claim of claims) {
    if (claim.intent !== "write" || claim.kind !== "file" || claim.origin === "history") continue;
    if (claim.confidence < floor) continue;
    const test = partnerOf(claim.path);
    if (!test || claimed.has(test)) continue;
    claimed.add(test);
    out.push({
      path: test,
      kind: "file",
      intent: "write",
      origin: "history",
      evidence: claim.evidence,
      confidence: round(claim.confidence * rate),
      basis: "history",
      note: `the test of \`${claim.path}\`: ${why}`,
      advisory: true,
      ...(hot.has(test) ? { hot: true } : {}),
    });
  }
  return out;
}

/**
 * A source file's test is claimed with it when the project changed both together at least
 * this often (with at least TEST_MIN cases seen). The claim is advisory, so a project that
 * changes a module's test a third of the time gets it predicted without any more stories kept
 * apart (0.5 left out the early stories of a project near one in two).
 */
const TEST_RATE = 0.35;
const TEST_MIN = 5;

/** The share of cases, 0 below TEST_MIN cases. */
function rateOf(tally: Tally): number {
  return tally.claimed < TEST_MIN ? 0 : tally.written / tally.claimed;
}

/**
 * The claim's confidence given how often this project's stories that mentioned its file the
 * same way really wrote it. History only lowers a confidence: raising it made the central
 * files (written by many stories, for reasons other than the mention) block everything; on
 * vibe-dash raising cost pair precision 0.79 -> 0.67 and found no more real conflicts.
 */
function calibrated(claim: Claim, model: HistoryModel): number {
  const file = own(model.fileBasis, `${claim.path}\t${claim.basis}`);
  if (claim.kind !== "file" || !file) return claim.confidence;
  const rate =
    (file.written + FILE_PRIOR_WEIGHT * claim.confidence) / (file.claimed + FILE_PRIOR_WEIGHT);
  return round(Math.min(claim.confidence, rate));
}

/**
 * A file claim is right when the file was written; a folder (`a/b/`) when a file under it was,
 * which is when it is one of the written files' folders (`foldersOf`).
 */
function wroteUnder(
  claim: Claim,
  written: ReadonlySet<string>,
  folders: ReadonlySet<string>,
): boolean {
  if (claim.kind === "file") return written.has(claim.path);
  if (claim.kind === "dir") return folders.has(claim.path);
  return false;
}

/**
 * Every folder that starts one of the paths, with its slash (`a/b/c.ts` -> `a/`, `a/b/`): made
 * once per story, where looking through its written files once per folder claim was quadratic.
 */
function foldersOf(paths: Iterable<string>): Set<string> {
  const out = new Set<string>();
  for (const p of paths)
    for (let at = p.indexOf("/"); at >= 0; at = p.indexOf("/", at + 1)) out.add(p.slice(0, at + 1));
  return out;
}

/** The record's entry for `key`, created by `make` when missing (records have no prototype). */
function entry<T>(record: Record<string, T>, key: string, make: () => T): T {
  const found = own(record, key);
  if (found !== undefined) return found;
  const made = make();
  record[key] = made;
  return made;
}

function round(n: number): number {
  return Math.round(n * 100) / 100;
}

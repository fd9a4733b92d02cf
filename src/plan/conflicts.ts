/**
 * The conflict graph between stories, from their write claims (reads never conflict):
 * - `file`: both write one file, or one writes inside a folder or glob the other claims
 *   (both directions; glob against glob decided over the known tree). An overlap through a
 *   folder claim is advisory: a story that creates a folder writes a few files in it, and
 *   two stories writing in one folder share a file only when their file claims say so (on
 *   real projects four in five of the pairs only such a block kept apart shared no file);
 * - `shared`: both write the same hot shared file, or into the same shared folder
 *   (package.json, lockfiles, migrations: `sharedFiles`), advisory;
 * - `component`: both touch one architecture component without a file in common, advisory;
 * - `dependency`: one depends on the other.
 * Overlaps are found through path indexes, so the cost grows with the claims, not their pairs.
 */
import path from "node:path";
import picomatch from "picomatch";
import type { Evidence } from "../bmad/story.ts";
import type { KnownTree } from "./known-tree.ts";
import type { Claim, Conflict, ConflictKind, PlannedStory } from "./types.ts";

export interface ResolvedComponent {
  name: string;
  file: string;
  line: number;
  /** Repo-relative, folders ending with `/`. */
  paths: string[];
}

export interface ConflictOptions {
  sharedFiles: readonly string[];
  /** A `file` conflict blocks only when both claims are at least this confident. */
  conflictConfidence: number;
  known: KnownTree;
  components: readonly ResolvedComponent[];
}

/** At most this many evidence entries per conflict: enough to act on, short to read. */
const MAX_EVIDENCE = 6;

interface Ref {
  story: string;
  claim: Claim;
}

export function findConflicts(
  stories: readonly PlannedStory[],
  options: ConflictOptions,
): Conflict[] {
  const order = new Map(stories.map((s, i) => [s.key, i]));
  const found = new Map<string, Conflict>();
  // Each conflict's paths as a set beside its list: a pair of stories sharing 40,000 files
  // looked through the list once per file.
  const pathsOf = new Map<Conflict, Set<string>>();
  const shared = sharedMatchers(options.sharedFiles);

  const record = (
    kind: ConflictKind,
    a: string,
    b: string,
    paths: string[],
    evidence: Evidence[],
    detail: string,
    confidence = 1,
    advisory = false,
  ) => {
    if (a === b) return;
    const [first, second] = (order.get(a) ?? 0) <= (order.get(b) ?? 0) ? [a, b] : [b, a];
    const id = `${kind}\0${first}\0${second}`;
    const blocking = kind === "file" && !advisory && confidence >= options.conflictConfidence;
    const conflict: Conflict = found.get(id) ?? {
      kind,
      stories: [first, second],
      paths: [],
      evidence: [],
      detail,
      blocking,
      confidence,
    };
    // The pair is as sure as its surest overlap, whose detail is the one shown, and whose path
    // and evidence come first (an overlap through a folder claim may meet forty files first).
    const surest = confidence > conflict.confidence;
    if (surest) {
      conflict.confidence = confidence;
      conflict.detail = detail;
    }
    conflict.blocking ||= blocking;
    const seen = pathsOf.get(conflict) ?? new Set(conflict.paths);
    pathsOf.set(conflict, seen);
    for (const p of paths) {
      if (seen.has(p)) {
        if (surest) conflict.paths = [p, ...conflict.paths.filter((q) => q !== p)];
        continue;
      }
      seen.add(p);
      if (surest) conflict.paths.unshift(p);
      else conflict.paths.push(p);
    }
    const same = (x: Evidence, y: Evidence) => x.file === y.file && x.line === y.line;
    const before = surest ? evidence : conflict.evidence;
    const after = surest ? conflict.evidence : evidence;
    conflict.evidence = [...before, ...after.filter((x) => !before.some((y) => same(x, y)))].slice(
      0,
      MAX_EVIDENCE,
    );
    found.set(id, conflict);
  };

  // Shared files first: their overlaps are `shared`, never `file`.
  const writes: Ref[] = [];
  const sharedGroups = new Map<string, Ref[]>();
  for (const story of stories) {
    for (const claim of story.claims) {
      if (claim.intent !== "write") continue;
      const group = claim.kind === "glob" ? undefined : claim.hot ? claim.path : shared(claim.path);
      if (group === undefined) writes.push({ story: story.key, claim });
      else pushTo(sharedGroups, group, { story: story.key, claim });
    }
  }
  for (const [group, refs] of sharedGroups) {
    forStoryPairs(refs, (a, b) => {
      const { paths, evidence } = pairClaims(a, b);
      record(
        "shared",
        a[0]?.story ?? "",
        b[0]?.story ?? "",
        paths,
        evidence,
        `both write the shared \`${group}\``,
      );
    });
  }

  // Path overlaps, through indexes of files and folders; globs tested one by one.
  const files = new Map<string, Ref[]>();
  const dirs = new Map<string, Ref[]>();
  const globs: Ref[] = [];
  for (const ref of writes) {
    const index = ref.claim.kind === "file" ? files : ref.claim.kind === "dir" ? dirs : undefined;
    if (index) pushTo(index, ref.claim.path, ref);
    else globs.push(ref);
  }
  const overlap = (a: Ref, b: Ref) => {
    if (a.story === b.story) return;
    const kind: ConflictKind =
      a.claim.origin === "component" || b.claim.origin === "component" ? "component" : "file";
    const [outer, inner] = a.claim.path.length <= b.claim.path.length ? [a, b] : [b, a];
    const confidence = Math.min(a.claim.confidence, b.claim.confidence);
    const sure = (r: Ref) =>
      `${r.story} ${Math.round(r.claim.confidence * 100)}%, ${r.claim.basis}`;
    const detail =
      outer.claim.path === inner.claim.path
        ? `both write \`${inner.claim.path}\` (${sure(a)}; ${sure(b)})`
        : `\`${inner.claim.path}\` (${sure(inner)}) is inside \`${outer.claim.path}\` (${sure(outer)})`;
    record(
      kind,
      a.story,
      b.story,
      [inner.claim.path],
      [a.claim.evidence, b.claim.evidence],
      detail,
      confidence,
      // The confidence line is the pair's (the smaller of the two), checked in `record`.
      !canBlock(a.claim, shared, 0) || !canBlock(b.claim, shared, 0),
    );
  };
  for (const ref of writes) {
    if (ref.claim.kind === "glob") continue;
    for (const other of files.get(ref.claim.path) ?? []) overlap(ref, other);
    for (const other of ref.claim.kind === "dir" ? (dirs.get(ref.claim.path) ?? []) : [])
      overlap(ref, other);
    for (const ancestor of ancestors(ref.claim.path)) {
      for (const other of dirs.get(ancestor) ?? []) overlap(ref, other);
    }
  }
  for (const glob of globs) {
    const matches = picomatch(glob.claim.path, { dot: true });
    const base = picomatch.scan(glob.claim.path).base;
    for (const other of writes) {
      if (other === glob || other.story === glob.story) continue;
      if (globOverlaps(glob.claim.path, matches, base, other.claim, options.known))
        overlap(glob, other);
    }
  }

  // Components: two stories writing inside one component, with no file in common.
  for (const component of options.components) {
    const inside: Ref[] = writes.filter((ref) =>
      component.paths.some((p) => contains(p, ref.claim.path)),
    );
    forStoryPairs(inside, (a, b) => {
      const [one, two] = [a[0]?.story ?? "", b[0]?.story ?? ""];
      if (found.has(`file\0${one}\0${two}`) || found.has(`file\0${two}\0${one}`)) return;
      const ev: Evidence = { file: component.file, section: component.name, line: component.line };
      const { paths, evidence } = pairClaims(a, b);
      // Each pair of claims gave the component's line after the claims': it comes third.
      evidence.splice(2, 0, ev);
      record(
        "component",
        one,
        two,
        paths,
        evidence,
        `both touch the component "${component.name}"`,
      );
    });
  }

  // Dependencies between stories that are both part of the picture.
  const keys = new Set(stories.map((s) => s.key));
  for (const story of stories) {
    for (const dep of story.dependencies) {
      if (dep.key && keys.has(dep.key)) {
        record(
          "dependency",
          dep.key,
          story.key,
          [],
          [dep.evidence],
          `${story.key} depends on ${dep.key}`,
        );
      }
    }
  }

  // A component overlap is redundant beside a file conflict between the same stories.
  return [...found.values()].filter(
    (c) => c.kind !== "component" || !found.has(`file\0${c.stories[0]}\0${c.stories[1]}`),
  );
}

/** Every folder above a path: `a/b/c.ts` -> `a/b/`, `a/`. */
function ancestors(p: string): string[] {
  const out: string[] = [];
  let dir = path.posix.dirname(p.replace(/\/$/, ""));
  while (dir !== "." && dir !== "/" && dir !== "") {
    out.push(`${dir}/`);
    dir = path.posix.dirname(dir);
  }
  return out;
}

/** True when claim path `outer` (a file or folder) covers `inner`. */
function contains(outer: string, inner: string): boolean {
  return outer === inner || (outer.endsWith("/") && inner.startsWith(outer));
}

function globOverlaps(
  glob: string,
  matches: (p: string) => boolean,
  base: string,
  other: Claim,
  known: KnownTree,
): boolean {
  if (other.kind === "file") return matches(other.path);
  const under = (prefix: string) =>
    known.all().filter((p) => p.startsWith(prefix) && !p.endsWith("/"));
  if (other.kind === "dir") {
    const knownHits = under(other.path).some(matches);
    const baseDir = base === "" ? "" : `${base.replace(/\/$/, "")}/`;
    return knownHits || other.path.startsWith(baseDir) || baseDir.startsWith(other.path);
  }
  const theirs = picomatch(other.path, { dot: true });
  return known.all().some((p) => matches(p) && theirs(p)) || glob === other.path;
}

function pushTo<K, V>(index: Map<K, V[]>, key: K, value: V): void {
  const list = index.get(key);
  if (list) list.push(value);
  else index.set(key, [value]);
}

/**
 * Each pair of stories among the references, with the references of each (in their order),
 * the pairs in the order their first references meet. `refs` come story by story, as
 * `findConflicts` gathers them.
 */
function forStoryPairs(refs: readonly Ref[], visit: (a: Ref[], b: Ref[]) => void): void {
  const runs: Ref[][] = [];
  for (const ref of refs) {
    const run = runs.at(-1);
    if (run?.[0]?.story === ref.story) run.push(ref);
    else runs.push([ref]);
  }
  for (let i = 0; i < runs.length; i++)
    for (let j = i + 1; j < runs.length; j++) visit(runs[i] as Ref[], runs[j] as Ref[]);
}

/**
 * The paths and evidence of two stories' references in the order recording every pair of them,
 * one of `a` with one of `b`, first met them: `a`'s first, all of `b`'s, the rest of `a`'s.
 * Recording the pairs themselves cost two stories of 10,000 shared claims each 100 million
 * records.
 */
function pairClaims(
  a: readonly Ref[],
  b: readonly Ref[],
): { paths: string[]; evidence: Evidence[] } {
  const order = [...a.slice(0, 1), ...b, ...a.slice(1)];
  return { paths: order.map((r) => r.claim.path), evidence: order.map((r) => r.claim.evidence) };
}

/**
 * Whether a claim can keep its story apart from another: a write of a file (or a pattern) that
 * is sure enough, not advisory, not hot and not one of `sharedFiles`, as `findConflicts` blocks.
 */
export function canBlock(
  claim: Claim,
  shared: (p: string) => string | undefined,
  conflictConfidence: number,
): boolean {
  return (
    claim.intent === "write" &&
    claim.kind !== "dir" &&
    claim.origin !== "component" &&
    !claim.advisory &&
    !claim.hot &&
    (claim.kind === "glob" || shared(claim.path) === undefined) &&
    claim.confidence >= conflictConfidence
  );
}

/**
 * A function telling which shared group a written path belongs to: the file itself, or for a
 * folder pattern (`**\/migrations/**`) the folder, so two new migrations in it collide.
 */
export function sharedMatchers(patterns: readonly string[]): (p: string) => string | undefined {
  const compiled = patterns.map((pattern) => {
    const folder = /([^/*]+)\/\*\*$/.exec(pattern)?.[1];
    return { match: picomatch(pattern, { dot: true }), folder };
  });
  return (p) => {
    for (const { match, folder } of compiled) {
      const file = p.replace(/\/$/, "");
      if (!match(file) && !(folder && match(`${file}/x`))) continue;
      if (!folder) return file;
      const segments = file.split("/");
      const at = segments.lastIndexOf(folder);
      return at >= 0 ? `${segments.slice(0, at + 1).join("/")}/` : `${path.posix.dirname(file)}/`;
    }
    return undefined;
  };
}

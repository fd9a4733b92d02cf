/**
 * Turns a story's path mentions into claims: normalised, repo-relative, resolved against the
 * known tree, with BMAD's own files, ignored paths and paths that leave the project taken
 * out (the last ones become findings, never claims). Components the story names, and those
 * its epic is mapped to, add the component's paths as claims of origin `component`.
 *
 * Each write claim carries a confidence: how likely the story really writes that path, from
 * the kind of its evidence (a full path in a Tasks line with a write verb is right about five
 * times in six; a short name in Dev Notes with no verb, one time in ten). Only confident
 * claims keep stories apart; the rest are advisory and left to the runtime locks.
 */
import path from "node:path";
import picomatch from "picomatch";
import type { Component } from "../bmad/architecture.ts";
import { ROUTE_GROUP, ROUTE_PARAM } from "../bmad/path-text.ts";
import type { ComponentMention, Evidence, PathMention, StoryDoc } from "../bmad/story.ts";
import { errorLine } from "../util/errors.ts";
import { own } from "../util/own.ts";
import { isElided, type KnownTree, knownTail, tooLongReason } from "./known-tree.ts";
import { changesDependencies, lockfileOf } from "./lockfiles.ts";
import { isTestPath, newTestPartner, sourceNames } from "./test-partner.ts";
import type { Claim, ClaimKind, Finding } from "./types.ts";

export interface ClaimContext {
  /** Absolute project root: an absolute path inside it is made relative, any other leaves. */
  root: string;
  known: KnownTree;
  /** BMAD's own files and folders (sprint file, story files, planning docs, the `_bmad` folders). */
  isArtefact: (repoPath: string) => boolean;
  /** athena.json `ignorePaths`. */
  isIgnored: (repoPath: string) => boolean;
  components: Component[];
}

export interface StoryClaims {
  claims: Claim[];
  findings: Finding[];
  warnings: string[];
}

type Normalised = { inside: true; path: string } | { inside: false; path: string };

/** Repo-relative posix path, or the reason it is not one. */
export function normaliseRepoPath(raw: string, root: string): Normalised {
  const p = raw.replace(/\\/g, "/");
  if (p.startsWith("~") || /^[A-Za-z]:\//.test(p)) return { inside: false, path: p };
  let relative = p;
  if (p.startsWith("/")) {
    const rootPosix = root.replace(/\\/g, "/").replace(/\/$/, "");
    if (!p.startsWith(`${rootPosix}/`)) return { inside: false, path: p };
    relative = p.slice(rootPosix.length + 1);
  }
  const slash = relative.endsWith("/");
  const normal = path.posix.normalize(relative);
  if (normal === ".." || normal.startsWith("../")) return { inside: false, path: p };
  if (normal === "." || normal === "./") return { inside: false, path: p };
  return { inside: true, path: normal.replace(/\/$/, "") + (slash ? "/" : "") };
}

/**
 * Why a path is not the project's, in the words a reader of the story would use: an absolute
 * path is as often an app's route (`/inventory/add`) as another machine's file.
 */
function outsideWhy(raw: string): string {
  if (raw.startsWith("~")) return "is in a home folder, outside the project";
  if (raw.startsWith("/") || /^[A-Za-z]:[\\/]/.test(raw))
    return "is an absolute path outside the project (a file elsewhere, or a URL route)";
  return "leaves the project";
}

/**
 * Whether a glob has more wildcards than a path needs. A glob is matched by a regular expression
 * that tries every way its `*`s can split a name, and every combination of those across names:
 * `src/*a*a*a*a*a*a*a*a*a*a*a*b` against a name of forty `a`s, or `*a*a*a` in each of five
 * names, took minutes. A name with one wildcard splits one way at most; real globs hold up to
 * three in one name (`*Privacy*Erasure*`), so a glob may have two more than one per name. A run
 * of stars (`**`) is one wildcard, and so is an extglob's `*(`, `+(`, `@(`.
 */
function tooManyWildcards(glob: string): boolean {
  let extra = 0;
  for (const name of glob.split("/"))
    extra += Math.max(0, (name.match(/\*+|[?+@!]\(/g) ?? []).length - 1);
  return extra > 2;
}

/** Why a path cannot be a claim (too long, or a glob that does not compile), if it cannot. */
function unreadableReason(p: string): string | undefined {
  const tooLong = tooLongReason(p);
  if (tooLong) return tooLong;
  if (kindOf(p) !== "glob") return undefined;
  if (tooManyWildcards(p))
    return "is a glob with more wildcards than a path needs (one per name, and two more)";
  try {
    // picomatch answers an invalid range such as `[z-a]` with a pattern that matches nothing.
    if (picomatch.makeRe(p, { dot: true }).source === "$^") return "is a glob that matches no path";
    return undefined;
  } catch (error) {
    return `is not a glob that can be read (${errorLine(error)})`;
  }
}

/**
 * A whole folder or file name in brackets or parentheses is a route folder of a web framework
 * (Next.js `[locale]`, `[...slug]`, `[[...slug]]`, SvelteKit `[id].svelte`, a `(group)`, an
 * intercepting `(..)photo`), not a glob: `app/[locale]/login/page.tsx` is one file. A range
 * (`[a-z]`) stays a glob.
 */
const ROUTE_SEGMENT = new RegExp(
  String.raw`(^|\/)(?:${ROUTE_PARAM}|${ROUTE_GROUP}[\w-]*)(?=\/|\.|$)`,
  "g",
);

/**
 * True when a claim covers a repo-relative file: the same path, a file under a claimed folder, or
 * a file a glob (`lang/*.json`) matches, as the plan's overlaps and locks read a glob. Shared by
 * the run's "written outside its claims" check and `accuracy`'s scoring, so both count alike.
 */
export function claimCovers(claim: Claim, file: string): boolean {
  if (claim.kind === "file") return claim.path === file;
  if (claim.kind === "dir") return file.startsWith(claim.path);
  let matches = globMatchers.get(claim);
  if (!matches) {
    matches = picomatch(claim.path, { dot: true });
    globMatchers.set(claim, matches);
  }
  return matches(file);
}
/** Each glob claim's matcher, compiled once: a claim is met once per written file. */
const globMatchers = new WeakMap<Claim, (file: string) => boolean>();

export function kindOf(p: string): ClaimKind {
  if (picomatch.scan(p.replace(ROUTE_SEGMENT, "$1route")).isGlob) return "glob";
  return p.endsWith("/") ? "dir" : "file";
}

export function claimsForStory(
  key: string,
  storyFile: string,
  epic: string | undefined,
  doc: StoryDoc,
  context: ClaimContext,
): StoryClaims {
  const out: StoryClaims = { claims: [], findings: [], warnings: [] };
  const evidence = (m: { section: string; line: number }): Evidence => ({
    file: storyFile,
    section: m.section,
    line: m.line,
  });
  // The files the story names in full anywhere (a read or a citation too): where a new test it
  // names by file name alone finds its module when the known tree lacks it (`newTestBeside`).
  const ownPaths = doc.mentions.flatMap((m) => {
    if (m.bare || m.path.endsWith("/") || !m.path.includes("/")) return [];
    const normal = normaliseMention(m, storyFile, context.root);
    return normal.inside && kindOf(normal.path) === "file" ? [normal.path] : [];
  });
  const ownByName = byFileName(ownPaths);
  // The lines that name a file (not a folder, not a type): a type named on one of them is most
  // often what that file holds or uses (basis `.../type-with-file`).
  const fileLines = new Set(
    doc.mentions
      .filter((m) => !m.symbol && kindOf(m.path) === "file" && path.posix.extname(m.path) !== "")
      .map((m) => m.line),
  );
  // The files the story forbids changing ("Do NOT modify jobs.py", a list under "Files NOT to
  // Modify"), by path as written and by file name: a mention of them with no verb of its own
  // (a "File:" line, a list of where things are) is a read. A task that says to change one
  // still claims it.
  const forbidden = doc.mentions.filter((m) => m.forbidden && !m.path.endsWith("/"));
  const forbiddenPaths = new Set(forbidden.filter((m) => m.path.includes("/")).map((m) => m.path));
  const forbiddenNames = new Set(forbidden.filter((m) => !m.path.includes("/")).map((m) => m.path));
  const forbids = (file: string) =>
    forbiddenNames.has(path.posix.basename(file)) ||
    file.split("/").some((_, i, parts) => forbiddenPaths.has(parts.slice(i).join("/")));
  const folders = new ClaimFolders(() => out.claims);
  // Full paths first: they say where the story works, which settles ambiguous short names.
  const ordered = [...doc.mentions.filter((m) => !m.bare), ...doc.mentions.filter((m) => m.bare)];
  for (const mention of ordered) addMention(mention, evidence(mention), "story", undefined);
  // An epic's mapping predicts files only for a story that names none of its own: stories that
  // do name files say more precisely what they touch (and would otherwise all collide).
  const namesFiles = out.claims.some((c) => c.intent === "write");

  const named = new Map<string, ComponentMention>();
  for (const mention of doc.componentMentions)
    if (!named.has(mention.name)) named.set(mention.name, mention);
  for (const component of context.components) {
    const mention = named.get(component.name);
    const byEpic = !namesFiles && epic !== undefined && component.epics.includes(epic);
    if (!mention && !byEpic) continue;
    const where = `${component.file}:${component.line}`;
    const note = mention
      ? `component "${component.name}" (${where})`
      : `epic ${epic} mapping "${component.name}" (${where})`;
    const ev: Evidence = mention
      ? evidence(mention)
      : { file: component.file, section: component.name, line: component.line };
    for (const p of component.paths) {
      addMention(
        {
          ...p,
          intent: "write",
          via: "code",
          section: ev.section,
          line: ev.line,
          place: "notes",
          cue: "none",
        },
        ev,
        "component",
        note,
      );
    }
  }

  out.claims = dedupe(out.claims);
  return out;

  function addMention(
    mention: PathMention,
    ev: Evidence,
    origin: Claim["origin"],
    note: string | undefined,
  ) {
    let normal = normaliseMention(asPlaced(mention, context.known), storyFile, context.root);
    // A path from the project's root with a leading slash, or from another machine's checkout:
    // the project's own path when the tree knows it.
    const tail = normal.inside ? undefined : knownTail(mention.path, context.known);
    if (tail) normal = { inside: true, path: tail };
    if (!normal.inside) {
      out.findings.push({
        story: key,
        path: mention.path,
        reason: "outside-project",
        evidence: ev,
        detail: `\`${mention.path}\` ${outsideWhy(mention.path)}: reported, never locked or followed`,
      });
      return;
    }
    const unreadable = unreadableReason(normal.path);
    if (unreadable) {
      out.findings.push({
        story: key,
        path: normal.path.slice(0, 120),
        reason: "unreadable",
        evidence: ev,
        detail: `\`${normal.path.slice(0, 60)}${normal.path.length > 60 ? "..." : ""}\` ${unreadable}: skipped`,
      });
      return;
    }
    const resolved = resolve(normal.path, mention, ev);
    if (!resolved) return;
    if (
      context.isArtefact(resolved.path) ||
      context.isIgnored(resolved.path) ||
      resolved.path === storyFile
    )
      return;
    const kind = kindOf(resolved.path);
    const forbiddenHere =
      mention.intent === "write" &&
      mention.cue !== "write" &&
      origin === "story" &&
      kind === "file" &&
      forbids(resolved.path);
    const database = kind === "file" && DATABASE_FILE.test(resolved.path);
    const intent = forbiddenHere || database ? "read" : mention.intent;
    const notes = [
      note,
      resolved.note,
      forbiddenHere && "the story says not to change it",
      database && mention.intent === "write" && "a database the program writes, not the agent",
    ]
      .filter(Boolean)
      .join("; ");
    const basis =
      origin === "component"
        ? "component"
        : // A File List filled in before the work (some create-story runs do) is a list of files.
          `${mention.place === "record" ? "files" : mention.place}/${mention.cue === "write" ? "write" : "none"}/${formOf(kind, mention, fileLines.has(mention.line))}`;
    // "Create X in `dir/`" makes a file in a folder that exists: only a folder not there yet
    // is created whole by the story (and only then would another story's file in it be one).
    const creates =
      kind === "dir" &&
      mention.cue === "write" &&
      CREATES.test(mention.clause ?? "") &&
      !context.known.isRealDir(resolved.path);
    const confidence = (creates ? DIR_CREATED : priorOf(basis)) * resolved.discount;
    out.claims.push({
      path: resolved.path,
      kind,
      intent,
      origin,
      evidence: ev,
      confidence: round(confidence),
      basis,
      ...(notes ? { note: notes } : {}),
    });
    // A manifest's dependencies change with its lockfile.
    const lock =
      kind === "file" && intent === "write" && changesDependencies(mention.clause)
        ? lockfileOf(resolved.path, context.known)
        : undefined;
    if (lock)
      out.claims.push({
        path: lock,
        kind: "file",
        intent: "write",
        origin,
        evidence: ev,
        confidence: round(confidence),
        basis,
        note: `the lockfile of \`${resolved.path}\``,
      });
    // A file the story creates is declared in its folder's module index (`mod.rs`,
    // `__init__.py`): that index is written too, as a guess too weak to keep stories apart.
    if (
      kind === "file" &&
      intent === "write" &&
      mention.cue === "write" &&
      CREATES.test(mention.clause ?? "")
    ) {
      const index = moduleIndexOf(resolved.path, context.known);
      if (index && index !== resolved.path)
        out.claims.push({
          path: index,
          kind: "file",
          intent: "write",
          origin,
          evidence: ev,
          confidence: INDEX_PRIOR,
          basis: `${basis.split("/")[0]}/write/index`,
          note: `the module index of the new \`${resolved.path}\``,
        });
    }
  }

  /**
   * A new test the story names by its file name alone (`views_test.go`): beside its module
   * (`views.go`, known, or one of the story's own files), when that is where this project
   * keeps the tests of that kind (`newTestPartner`).
   */
  function newTestBeside(
    name: string,
  ): { path: string; note: string; discount: number } | undefined {
    if (name.includes("/") || !isTestPath(name)) return undefined;
    for (const source of sourceNames(name)) {
      const found = context.known.resolve(source);
      let module = found && !found.candidates ? found.path : undefined;
      if (found?.candidates) module = preferCandidate(source, found.candidates, folders);
      if (!found) {
        const own = ownByName.get(source);
        module = own?.size === 1 ? [...own][0] : undefined;
      }
      if (!module) continue;
      const test = newTestPartner(module, context.known) ?? "";
      if (test.endsWith(`/${name}`))
        return { path: test, note: `\`${name}\` beside \`${module}\``, discount: 1 };
    }
    return undefined;
  }

  /**
   * The known path a mention names. A short name that names nothing known, or several things
   * that no rule tells apart, is a finding, never a claim at the project root.
   */
  function resolve(
    p: string,
    mention: PathMention,
    ev: Evidence,
  ): { path: string; note?: string; discount: number } | undefined {
    if (mention.symbol) {
      // A type in Dev Notes prose is context far more often than a change.
      if (mention.place === "notes" && mention.cue !== "write") return undefined;
      const files = TYPE_EXTENSIONS.flatMap((ext) => context.known.named(`${p}${ext}`)).filter(
        (f) => !isTestPath(f),
      );
      return files.length === 1 && files[0]
        ? { path: files[0], note: `the type \`${p}\``, discount: 1 }
        : undefined;
    }
    if (kindOf(p) === "glob") return { path: p, discount: 1 };
    // A file named alone (`useItems.ts`) that the story names in full elsewhere, once
    // (`src/features/items/hooks/useItems.ts` in its file table): that file, not another of
    // its name the tree has, nor a finding when the tree has none yet.
    if (!p.includes("/")) {
      const own = ownByName.get(p);
      const [full] = own?.size === 1 ? [...own] : [];
      if (full) {
        const found = resolve(full, { ...mention, path: full, bare: false }, ev);
        return found && { ...found, note: found.note ?? `named in full as \`${full}\`` };
      }
    }
    const known = context.known.resolve(p);
    // `src/.../config/settings.py` leaves folders out: never a file of that name.
    const elided = isElided(p);
    const short = mention.bare || !p.replace(/\/$/, "").includes("/");
    if (!known) {
      // A full path the tree lacks: a new file, in its folder as the project has it.
      if (!short || elided) {
        // Never into BMAD's own folders: a tool's installed `data/` is no home for a new file.
        const placed = context.known.placeNew(p);
        if (placed && !context.isArtefact(placed))
          return { path: placed, note: `placed in its folder from ${p}`, discount: 1 };
        if (!elided) return { path: p, discount: 1 };
      }
      const beside = newTestBeside(p);
      if (beside) return beside;
      if (mention.spaced) return undefined;
      if (mention.via === "code" || mention.via === "link")
        out.findings.push({
          story: key,
          path: p,
          reason: "unresolved",
          evidence: ev,
          detail: `\`${p}\` names no known ${elided ? "path where its `...` is" : "file"}: not claimed`,
        });
      return undefined;
    }
    if (!known.candidates) {
      return known.resolvedFrom
        ? { path: known.path, note: `resolved from \`${known.resolvedFrom}\``, discount: 1 }
        : { path: known.path, discount: 1 };
    }
    const chosen = preferCandidate(p, known.candidates, folders);
    const some = known.candidates.slice(0, 5).join(", ");
    const more = known.candidates.length > 5 ? ", ..." : "";
    if (chosen) {
      return {
        path: chosen,
        note: `resolved from \`${p}\`, one of ${known.candidates.length} (${some}${more})`,
        discount: AMBIGUOUS_DISCOUNT,
      };
    }
    out.findings.push({
      story: key,
      path: p,
      reason: "ambiguous",
      evidence: ev,
      detail: `\`${p}\` could be ${some}${more}: not claimed`,
    });
    return undefined;
  }
}

/**
 * Prior confidence of a write claim by its basis, `place/cue/form` (see `Place` and `Cue` in
 * bmad/story.ts; form: a full `path`, a short `name`, a `dir` or a `glob`): the share of such
 * claims really written in the done stories of real projects (vibe-dash's figures quoted where
 * they moved a value); the project's own history refines them (plan/history.ts).
 */
export const PRIOR: Readonly<Record<string, number>> = {
  "task/write/path": 0.85,
  "task/write/name": 0.6,
  "task/none/path": 0.6,
  "task/none/name": 0.35,
  "files/write/path": 0.8,
  "files/write/name": 0.6,
  "files/none/path": 0.7,
  // A short name in a list that shows the project's structure ("Project Structure Notes"),
  // not under a heading or label that says to change it: 15% written (the mean over 13 real
  // projects), so advisory.
  "files/none/name": 0.15,
  "tree/write/path": 0.8,
  // A source tree drawn without a NEW/MODIFIED mark mostly shows what exists (19% written).
  "tree/none/path": 0.2,
  "notes/write/path": 0.6,
  "notes/write/name": 0.4,
  // Full paths in Dev Notes at the head of a list item, after a label or in a table row.
  // (Paths written 86% of the time on vibe-dash, for files few stories name; over 49 real
  // projects, 36% at the head of a list item, 58% after a label, 66% in a table row.)
  "notes/none/path": 0.5,
  // The same inside a sentence ("Sessions are kept through `src/store.ts`") or heading a
  // description ("- `core.py` - Cache warming"): what the story talks about more often than
  // what it changes, 15-21% written (333 claims over 49 projects), so advisory until the
  // project's own history says otherwise.
  "notes/none/prose": 0.2,
  "notes/none/name": 0.1,
  component: 0.1,
};
const DEFAULT_PRIOR = 0.3;
/** A folder or glob is rarely written whole: advisory unless the story creates it. */
const DIR_PRIOR = 0.2;
const DIR_CREATED = 0.6;
const CREATES = /\b(creat\w*|new|scaffold\w*|rewrit\w*|introduc\w*)\b/i;
/** A short name chosen among several known files by the preference rules. */
const AMBIGUOUS_DISCOUNT = 0.6;

/**
 * A type named in code (`ProfileScreen`) and found as the one source file of that name:
 * counted as a prediction, but below the default `conflictConfidence` (0.3), so its overlaps
 * are advisory: a type is named as context about as often as it is changed (on 50 real
 * projects, 31% of those in tasks without a write verb were written, 13% in Dev Notes).
 */
const TYPE_PRIOR = 0.25;
/**
 * The same type in a task or a list of files after a write verb ("Add X to `LessonScreen`"):
 * written 51% of the time (223 of 434), as sure as a full path in Dev Notes prose, so it
 * keeps stories apart.
 */
const TYPE_CHANGED_PRIOR = 0.45;
/**
 * A type named on a line that also names a file ("Create `pkg/metrics/aggregator.go` —
 * MetricsSnapshot struct", "Add `EmailPreferencesCard` to `ProfileScreen.tsx` (between
 * SubscriptionCard and PasswordResetCard)", "Create `Services/ServiceBusPublisher.cs`
 * implementing `IServiceBusPublisher`"): what the file holds, or what it uses or sits beside,
 * not a file of its own to change. 4 of 35 such claims were written over 49 real projects.
 */
const TYPE_WITH_FILE_PRIOR = 0.1;
/** The extensions of the languages that name a file after the type it holds. */
const TYPE_EXTENSIONS = [
  ".swift",
  ".java",
  ".kt",
  ".cs",
  ".tsx",
  ".ts",
  ".jsx",
  ".js",
  ".mjs",
  ".vue",
  ".svelte",
  ".scala",
  ".php",
  ".m",
];

/**
 * A database file (`dados/data.db`, `data/game.sqlite`, SQLite's `-wal` and `-journal` beside
 * it): the program fills it as it runs (a migration, a seed, a test), an agent does not edit it
 * as text, so it is read, never a write that keeps stories apart. On 91 real projects, none of
 * the 20 claims of such files was in a File List.
 */
const DATABASE_FILE = /\.(?:db|sqlite3?|duckdb)(?:-wal|-shm|-journal)?$/i;

/** A new file's module index: below the default `conflictConfidence` (0.3), advisory. */
const INDEX_PRIOR = 0.25;

/**
 * The known file that declares the modules of `file`'s folder, where the language needs one
 * for a new module to be part of the build: `mod.rs` beside it (or the folder's `x.rs`, or the
 * crate's `lib.rs`/`main.rs` for `src/`), `__init__.py` beside a Python module. A script's
 * `index.ts` barrel is a habit, not a need: not claimed (it let more real conflicts through).
 */
export function moduleIndexOf(file: string, known: KnownTree): string | undefined {
  const ext = path.posix.extname(file);
  const dir = path.posix.dirname(file);
  const at = (name: string) => (dir === "." ? name : `${dir}/${name}`);
  const candidates =
    ext === ".rs"
      ? [
          at("mod.rs"),
          `${dir}.rs`,
          ...(/(^|\/)src$/.test(dir) ? [at("lib.rs"), at("main.rs")] : []),
        ]
      : ext === ".py"
        ? [at("__init__.py")]
        : [];
  return candidates.find((c) => known.has(c));
}

function formOf(kind: ClaimKind, mention: PathMention, lineNamesFile: boolean): string {
  if (mention.symbol) return lineNamesFile ? "type-with-file" : "type";
  if (kind !== "file") return kind;
  if (mention.bare || !mention.path.includes("/")) return "name";
  // A full path inside a sentence of Dev Notes, or heading a description, with no verb of
  // change (`notes/none/prose`).
  return mention.inProse && mention.place === "notes" && mention.cue !== "write" ? "prose" : "path";
}

/** The prior confidence of a basis (see `PRIOR`). */
export function priorOf(basis: string): number {
  if (/\/(dir|glob)$/.test(basis)) return DIR_PRIOR;
  if (basis.endsWith("/type-with-file")) return TYPE_WITH_FILE_PRIOR;
  if (basis.endsWith("/type"))
    return /^(task|files)\/write\//.test(basis) ? TYPE_CHANGED_PRIOR : TYPE_PRIOR;
  return own(PRIOR, basis) ?? DEFAULT_PRIOR;
}

/**
 * Among several known files a short name could be: a test file for a test-like name and a
 * non-test one otherwise, then the one nearest the story's other claims. Undefined when
 * the rules leave more than one.
 */
export function preferCandidate(
  name: string,
  candidates: readonly string[],
  others: ClaimFolders,
): string | undefined {
  const testName = TEST_FILE.test(name);
  let pool = candidates.filter((c) => TEST_FILE.test(c) === testName);
  if (pool.length === 0) pool = [...candidates];
  if (pool.length === 1) return pool[0];
  const depths = pool.map((c) => others.depth(c));
  const best = Math.max(...depths);
  if (best === 0) return undefined;
  const nearest = pool.filter((_, i) => depths[i] === best);
  return nearest.length === 1 ? nearest[0] : undefined;
}

const TEST_FILE = /(^|\/)(tests?|__tests__|spec)\/|[._-](test|spec)s?\.[^/]+$|(^|\/)test_[^/]+$/i;

/**
 * The folders of a story's own claims (origin `story`), each by all its leading folders
 * (`src`, `src/api`), taken in as the claims grow: how near a candidate is to them is one
 * look-up per folder of the candidate. Comparing it with every claim made so far cost a story
 * that names one ambiguous file 10,000 times over a minute.
 */
export class ClaimFolders {
  private readonly prefixes = new Set<string>();
  private taken = 0;

  constructor(private readonly claims: () => readonly Claim[]) {}

  /** How many leading folders `file` shares with the nearest claim: 0 when none. */
  depth(file: string): number {
    this.takeNew();
    const folders = file.split("/").slice(0, -1);
    let n = 0;
    while (n < folders.length && this.prefixes.has(folders.slice(0, n + 1).join("/"))) n++;
    return n;
  }

  /** Takes in the claims made since the last look. */
  private takeNew(): void {
    const claims = this.claims();
    for (; this.taken < claims.length; this.taken++) {
      const claim = claims[this.taken];
      if (claim?.origin !== "story") continue;
      const folders = claim.path.split("/").slice(0, -1);
      for (let n = 1; n <= folders.length; n++) this.prefixes.add(folders.slice(0, n).join("/"));
    }
  }
}

/**
 * The paths in a folder by their file name, each name's set in the order first met: the story's
 * own files a new test's module is looked for among, indexed once rather than searched once
 * per test the story names.
 */
function byFileName(paths: readonly string[]): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  for (const p of paths) {
    const slash = p.lastIndexOf("/");
    if (slash < 0) continue;
    const name = p.slice(slash + 1);
    const same = out.get(name);
    if (same) same.add(p);
    else out.set(name, new Set([p]));
  }
  return out;
}

/**
 * A path a story wrote in a list under a folder item, joined to that folder (bmad/story.ts):
 * taken as written when the project has it so (a file, or the folder it goes in) and has
 * nothing of it under the folder: "`packages/shared/src/types.ts`" under "- `apps/web/`".
 */
function asPlaced(mention: PathMention, known: KnownTree): PathMention {
  const written = mention.asWritten;
  // A name alone is one of the folder's: only a path can be from the root.
  if (written === undefined || !written.includes("/")) return mention;
  const where = (p: string) => known.has(p) || known.isDir(path.posix.dirname(p));
  return !where(mention.path) && where(written) ? { ...mention, path: written } : mention;
}

/** Repo-relative: a link's `../` target is read from the story's folder, as markdown does. */
function normaliseMention(mention: PathMention, storyFile: string, root: string): Normalised {
  if (mention.via === "link" && mention.path.startsWith("../")) {
    const fromStory = normaliseRepoPath(
      path.posix.join(path.posix.dirname(storyFile), mention.path),
      root,
    );
    if (fromStory.inside) return fromStory;
  }
  return normaliseRepoPath(mention.path, root);
}

function round(n: number): number {
  return Math.round(n * 100) / 100;
}

/** One claim per path: a write beats a read, then the more confident, then a story's own. */
function dedupe(claims: Claim[]): Claim[] {
  const best = new Map<string, Claim>();
  const rank = (c: Claim) =>
    (c.intent === "write" ? 10 : 0) + c.confidence + (c.origin === "story" ? 0.001 : 0);
  for (const claim of claims) {
    const current = best.get(claim.path);
    if (!current || rank(claim) > rank(current)) best.set(claim.path, claim);
  }
  return [...best.values()];
}

/**
 * Finds a project's BMAD files: through `_bmad/bmm/config.yaml` (stable) or
 * `.bmad/bmm/config.yaml` (alpha), explicit `bmad.paths` from athena.json, then the known
 * defaults. The result says which file was used and why, for the report.
 */
import { closeSync, existsSync, openSync, readSync, realpathSync, statSync } from "node:fs";
import path from "node:path";
import { globSync } from "tinyglobby";
import { parse as parseYaml } from "yaml";
import type { AthenaConfig } from "../config/schema.ts";
import { InputError } from "../util/errors.ts";
import { readText } from "../util/text-file.ts";
import { SAFE_KEY } from "./keys.ts";
import { parseSprintStatus } from "./sprint-status.ts";

export interface BmadFiles {
  /** Absolute project root. */
  root: string;
  /** Repo-relative paths from here on. */
  configFile?: string;
  sprintStatus: string;
  storiesDir: string;
  /**
   * The folders BMAD's config names for stories (`implementation_artifacts`,
   * `sprint_artifacts`, `dev_ephemeral_location`), looked in last: a project part-way through
   * a move from one to another keeps its older stories in one and its newer in the other.
   */
  moreStoryDirs?: string[];
  architecture: string[];
  /** Planning documents (architecture, PRD, epics): BMAD's own, never claims. */
  planningDocs: string[];
  /** One line per file: what was used and where it came from. */
  report: string[];
}

const CONFIG_FILES = ["_bmad/bmm/config.yaml", ".bmad/bmm/config.yaml"];

/** `{project-root}/docs` -> `docs`; absolute paths inside the root become relative. */
export function expandProjectRoot(value: string, root: string): string {
  const expanded = value.replace(/^\{project-root\}\/?/, "");
  const relative = path.isAbsolute(expanded) ? path.relative(root, expanded) : expanded;
  // `./docs/stories/` and `docs/stories` name one folder: one spelling for every path under it.
  return path.posix.normalize(relative.split(path.sep).join("/")).replace(/\/+$/, "") || ".";
}

/** Whether two paths of the project are one file (a link, or one spelt two ways). */
function sameFile(root: string, a: string, b: string): boolean {
  try {
    return realpathSync(path.join(root, a)) === realpathSync(path.join(root, b));
  } catch {
    return false;
  }
}

/** True when a project-relative path (from expandProjectRoot) points outside the project. */
function leavesProject(rel: string): boolean {
  // `C:\Users\...` from a Windows machine, or `~/...` (a home folder), is no folder of this
  // project on any system.
  return (
    rel === ".." ||
    rel.startsWith("../") ||
    path.isAbsolute(rel) ||
    /^[A-Za-z]:[\\/]/.test(rel) ||
    /^~(?:\/|$)/.test(rel)
  );
}

/**
 * The project's folder an absolute path from another machine names: BMAD's installer writes
 * the author's own checkout (`/Users/sam/app/_bmad/stories`), which a clone elsewhere lacks.
 * The longest tail of it that is a folder here (`_bmad/stories`); none for a relative path
 * (`../other/stories` is another project, never followed).
 */
export function folderFromElsewhere(
  written: string,
  isDir: (rel: string) => boolean,
): string | undefined {
  if (!/^(?:\/|~\/|[A-Za-z]:[\\/])/.test(written)) return undefined;
  const parts = written.split(/[\\/]+/).filter((part) => part !== "" && part !== ".");
  if (parts.includes("..")) return undefined;
  for (let from = 1; from < parts.length; from++) {
    const tail = parts.slice(from).join("/");
    if (isDir(tail)) return tail;
  }
  return undefined;
}

/** What became of a folder that leaves the project, as the sources say it. */
function readAs(here: string | undefined): string {
  return here ? `read as ${here}/, the folder of that name here` : "ignored";
}

export function discoverBmad(root: string, config: AthenaConfig): BmadFiles {
  const report: string[] = [];
  const exists = (rel: string) => existsSync(path.join(root, rel));
  const isDir = (rel: string) => exists(rel) && statSync(path.join(root, rel)).isDirectory();

  const configFile = CONFIG_FILES.find(exists);
  const bmm = configFile ? readBmadConfig(root, configFile) : {};
  if (configFile) report.push(`BMAD config: ${configFile}`);
  const core = configFile ? readCoreConfig(root, configFile) : {};
  const setting = (name: string) =>
    bmm[name] ?? core[name] ?? (name === "output_folder" ? DEFAULT_OUTPUT_FOLDER : undefined);
  // A folder that leaves the project is reported and never followed: the sprint file is
  // written there, and a walk of `/` for stories would never end.
  const folder = (key: string) => {
    if (typeof bmm[key] !== "string") return undefined;
    const filled = fillSettings(bmm[key] as string, setting);
    if (filled === undefined) {
      report.push(`${configFile}: ${key} "${bmm[key]}" names a setting found nowhere: ignored`);
      return undefined;
    }
    const rel = expandProjectRoot(filled, root);
    if (!leavesProject(rel)) return rel;
    const here = folderFromElsewhere(filled, isDir);
    report.push(`${configFile}: ${key} "${bmm[key]}" leaves the project: ${readAs(here)}`);
    return here;
  };

  const explicit = Object.fromEntries(
    Object.entries(config.bmadPaths).map(([key, value]) => {
      if (typeof value === "string" && leavesProject(expandProjectRoot(value, root)))
        throw new InputError(
          `bmad.paths.${key} "${value}" leaves the project; give a path inside it`,
          "athena.json",
        );
      return [key, value];
    }),
  ) as typeof config.bmadPaths;
  const storyPlaces = [
    folder("implementation_artifacts"),
    folder("sprint_artifacts"),
    // The alpha's releases kept the sprint file and the stories there (`.bmad-ephemeral`).
    folder("dev_ephemeral_location"),
  ];
  const outputFolder = folder("output_folder");
  const planningFolder = folder("planning_artifacts");
  const implementation = [...storyPlaces, outputFolder];
  // Each place once: BMAD's config most often names the default folder, and a place listed
  // twice would read as a second sprint file, parsed whole to see whether the first is empty.
  const sprintCandidates = explicit.sprintStatus
    ? [expandProjectRoot(explicit.sprintStatus, root)]
    : [
        ...new Set(
          [
            ...implementation.flatMap((dir) => (dir ? [`${dir}/sprint-status.yaml`] : [])),
            "_bmad-output/implementation-artifacts/sprint-status.yaml",
            "docs/sprint-artifacts/sprint-status.yaml",
            "docs/sprint-status.yaml",
            "sprint-status.yaml",
          ].map((p) => p.replace(/^\.\//, "")),
        ),
      ];
  const present = sprintCandidates.filter((candidate) => exists(candidate) && !isDir(candidate));
  let sprintStatus = present[0];
  let how = explicit.sprintStatus ? " (athena.json bmad.paths)" : "";
  // Another of the usual places has one too: the first is taken, and the other is named, or a
  // project mid-way through a move to BMAD's newer folders would plan the old sprint unawares.
  // A first one that lists no story at all (`development_status: {}`, a tool's fresh stub)
  // gives way to the first that lists some: planning the empty one would plan nothing. Read
  // only when there is another to take: a lone sprint file is parsed once, by the plan.
  const listing =
    sprintStatus && present.length > 1 && entriesIn(root, sprintStatus) === 0
      ? present.slice(1).find((c) => (entriesIn(root, c) ?? 0) > 0)
      : undefined;
  const empty = listing ? sprintStatus : undefined;
  if (listing) sprintStatus = listing;
  const taken = sprintStatus;
  const others = taken
    ? present.filter((c) => c !== taken && c !== empty && !sameFile(root, c, taken))
    : [];
  if (empty)
    how = ` (${empty}, the first of the usual places, lists no story${others.length > 0 ? `; also ${others.join(", ")}` : ""}: set bmad.paths.sprintStatus in athena.json to plan another)`;
  else if (others.length > 0)
    how = ` (the first of the usual places; also ${others.join(", ")}: set bmad.paths.sprintStatus in athena.json to plan ${others.length === 1 ? "that one" : "another"})`;
  if (!sprintStatus && !explicit.sprintStatus) {
    sprintStatus = searchSprintStatus(root, sprintCandidates);
    how = " (found by searching the project: set bmad.paths.sprintStatus to be sure)";
  }
  if (!sprintStatus) {
    const looked = sprintCandidates.join(", ");
    // One kept in another folder (`bmad-legacy/`, an archive, a course's project six folders
    // down), or renamed `.yml`, is named: the user may mean it. A `sprint-status.md` is named
    // too, as what it is: a page about the sprint, which no BMAD workflow reads.
    const found = explicit.sprintStatus
      ? []
      : globSync("**/sprint-status.{yaml,yml,md}", {
          cwd: root,
          deep: 6,
          dot: true,
          followSymbolicLinks: false,
          // Not another checkout's (`.claude/worktrees/feat/...`), nor a tool's cache.
          ignore: [...WALK_IGNORE, "**/worktrees/**", "**/.worktrees/**", "**/.cache/**"],
        }).sort();
    const elsewhere = found.filter((file) => !file.endsWith(".md"));
    const pages = found.filter((file) => file.endsWith(".md") && isSprintPage(file));
    const named =
      elsewhere.length > 0
        ? `; found elsewhere: ${elsewhere.slice(0, 5).join(", ")}${elsewhere.length > 5 ? ` and ${elsewhere.length - 5} more` : ""} (set bmad.paths.sprintStatus in athena.json to plan one)`
        : pages.length > 0
          ? `; ${pages[0]} is Markdown: the sprint file is YAML, a \`development_status:\` map of story keys to statuses, as BMAD's sprint-planning workflow writes it`
          : "";
    throw new InputError(
      explicit.sprintStatus
        ? `no sprint-status.yaml at ${looked}, the path bmad.paths.sprintStatus gives (athena.json): fix it, or remove it to let the usual places be searched`
        : `no sprint-status.yaml found; looked for ${looked}, then under ${SEARCHED_FOLDERS.join("/, ")}/ and in any implementation-artifacts/ at the root or one folder down${named}${elsewhere.length > 0 ? "" : v4StoriesHint(root) || storiesWithoutSprintHint(root)}`,
      root,
    );
  }
  report.push(`sprint status: ${sprintStatus}${how}`);

  const sprintDir = path.posix.dirname(sprintStatus);
  let storyLocation = readStoryLocation(root, sprintStatus);
  if (storyLocation && leavesProject(expandProjectRoot(storyLocation, root))) {
    const here = folderFromElsewhere(storyLocation, isDir);
    report.push(
      `${sprintStatus}: story_location "${storyLocation}" leaves the project: ${readAs(here)}`,
    );
    storyLocation = here;
  }
  const storiesDir = explicit.stories
    ? expandProjectRoot(explicit.stories, root)
    : storyLocation && isDir(expandProjectRoot(storyLocation, root))
      ? expandProjectRoot(storyLocation, root)
      : sprintDir;
  // Never a folder that holds more than stories (the output folder, `docs/`): every
  // document in it would be taken for a story file, and never for a claim.
  const broad = new Set([".", "docs", "_bmad-output", outputFolder, planningFolder]);
  // Each once: storyFolders drops those listed before.
  const moreStoryDirs = explicit.stories
    ? []
    : storyPlaces.filter(
        (dir): dir is string => dir !== undefined && !broad.has(dir) && isDir(dir),
      );
  const [first, ...then] = storyFolders(storiesDir, sprintStatus, root, moreStoryDirs);
  report.push(
    `stories: ${first}/ (and sub-folders)${then.length > 0 ? `, then ${then.map((d) => `${d}/`).join(", ")}` : ""}`,
  );

  const planning = [
    planningFolder,
    outputFolder,
    // BMAD's planning folder beside its implementation folder, wherever the output folder is.
    ...(/(^|\/)implementation-artifacts$/.test(sprintDir)
      ? [path.posix.join(path.posix.dirname(sprintDir), "planning-artifacts")]
      : []),
    "_bmad-output/planning-artifacts",
    "_bmad-output",
    "docs/planning-artifacts",
    "docs",
  ];
  const architecture = findArchitecture(
    root,
    explicit.architecture,
    sprintDir,
    planning,
    exists,
    isDir,
  );
  report.push(
    architecture.length > 0
      ? `architecture: ${architecture.join(", ")}`
      : "architecture: none found (component claims are off)",
  );

  const planningDocs = [...architecture];
  for (const dir of new Set([sprintDir, ...planning].filter((d): d is string => Boolean(d)))) {
    for (const name of ["prd.md", "epics.md", "ux-design.md", "product-brief.md"]) {
      if (exists(`${dir}/${name}`)) planningDocs.push(`${dir}/${name}`.replace(/^\.\//, ""));
    }
  }

  return {
    root,
    ...(configFile ? { configFile } : {}),
    sprintStatus,
    storiesDir,
    ...(moreStoryDirs.length > 0 ? { moreStoryDirs } : {}),
    architecture,
    planningDocs,
    report,
  };
}

/**
 * How many entries a sprint file lists; undefined when it cannot be read. An empty one gives
 * way only to one that reads and lists some: a broken one would trade a plan for an error.
 */
function entriesIn(root: string, file: string): number | undefined {
  try {
    return parseSprintStatus(readText(path.join(root, file)), file).entries.length;
  } catch {
    return undefined;
  }
}

/**
 * Where story files are looked for, first to last: the stories folder, the sprint file's, the
 * one above that when it is not the project root (a template that keeps `stories/` beside
 * `implementation-artifacts/`), v4's `docs/stories`, then BMAD's other folders for them.
 */
function storyFolders(
  storiesDir: string,
  sprintStatus: string,
  root: string,
  more: readonly string[] = [],
): string[] {
  const sprintDir = path.posix.dirname(sprintStatus);
  const above = path.posix.dirname(sprintDir);
  // Last, BMAD v4's own story folder (`docs/stories/1.2.story.md`): a project moved to v6 keeps
  // its earlier epics' stories there, under a sprint file that lists them too.
  const v4 = isDirectory(path.join(root, V4_STORIES)) ? [V4_STORIES] : [];
  const first = [
    storiesDir,
    sprintDir,
    ...(sprintDir !== "." && above !== "." ? [above] : []),
    ...v4,
  ];
  // BMAD's other folders only where no folder before holds them already.
  return [
    ...new Set([
      ...first,
      ...more.filter((dir) => !first.some((other) => dir === other || isWithin(dir, other))),
    ]),
  ];
}

const V4_STORIES = "docs/stories";

/** Whether a project path lies inside a folder (`.` holds every path). */
function isWithin(file: string, dir: string): boolean {
  return dir === "." || file.startsWith(`${dir}/`);
}

/** Whether a folder's name starts with a dot on the way from `dir` down to `inner`. */
function hiddenBelow(dir: string, inner: string): boolean {
  const below = dir === "." ? inner : inner.slice(dir.length + 1);
  return below.split("/").some((name) => name.startsWith("."));
}

function isDirectory(file: string): boolean {
  try {
    return statSync(file).isDirectory();
  } catch {
    return false;
  }
}

/**
 * A sprint file where the usual places have none (`docs/stories/sprint-status.yaml`, a
 * renamed output folder): the one `sprint-status.yaml` in the project's root, within 5
 * folders of the folders BMAD writes to (`docs/`, `_bmad-output/`, ...), or in an
 * `implementation-artifacts/` at the root or one folder down. Only those: the plugin
 * starts in projects of every size, most of them not BMAD's. Several: refused, naming them,
 * since taking the wrong one would plan another sprint.
 */
function searchSprintStatus(root: string, looked: readonly string[]): string | undefined {
  const found = [
    ...globSync("sprint-status.yaml", { cwd: root }),
    ...globSync(
      [...SEARCHED_FOLDERS.map((dir) => `${dir}/**/sprint-status.yaml`), ...OUTPUT_FOLDER_ANYWHERE],
      { cwd: root, deep: 5, followSymbolicLinks: false, ignore: ["**/node_modules/**"] },
    ),
  ].sort();
  const usual = `no sprint-status.yaml in the usual places (${[...new Set(looked)].join(", ")})`;
  // A sprint file kept in an archive is an old sprint's: its statuses are not the project's.
  const live = found.filter((file) => !ARCHIVED.test(path.posix.dirname(file)));
  if (live.length > 1)
    throw new InputError(
      `${usual}, and several elsewhere: ${live.join(", ")}; set bmad.paths.sprintStatus in athena.json to the one to use`,
      root,
    );
  if (live.length === 0 && found.length > 0)
    throw new InputError(
      `${usual}; only in archived folders: ${found.join(", ")}; set bmad.paths.sprintStatus in athena.json to use one of them`,
      root,
    );
  return live[0];
}

/** A folder that keeps what is no longer current: `docs/archive/`, `old/`, `backup-2024/`. */
const ARCHIVED =
  /(^|\/)(archived?|archives|old|backups?|deprecated|legacy|obsolete)([-_ .][^/]*)?(\/|$)/i;

/**
 * BMAD's own folder for the sprint file, in an output folder of the user's choosing:
 * `output_folder` is an install answer the installer may keep in a user's own config, left out
 * of the repository, so `{output_folder}/implementation-artifacts` may sit at the root or under
 * any folder (`output/`, `.`).
 */
const OUTPUT_FOLDER_ANYWHERE = [
  "implementation-artifacts/sprint-status.yaml",
  "*/implementation-artifacts/sprint-status.yaml",
];

/** The folders BMAD's workflows write their output to, by default or by common choice. */
const SEARCHED_FOLDERS = [
  "docs",
  "_bmad-output",
  "bmad-output",
  "_bmad",
  ".bmad",
  "bmad",
  ".bmad-ephemeral",
];

/**
 * The architecture the stories were written against: the one athena.json names; else an
 * `architecture.md` beside the sprint file (a module or sub-project keeps its sprint, stories
 * and architecture in one folder, `docs/modules/billing/`, under the product's own
 * `docs/architecture.md`); else the first planning folder's `architecture.md` or sharded
 * architecture folder (with documents of its own, as BMAD's own pattern finds it: `.md` files
 * directly in it), or, for a folder that keeps its documents one level down
 * (`architecture/architecture-app-2026-07-12/ARCHITECTURE-SPINE.md`), the documents named
 * for the architecture beside it, else that folder; else the documents named for it
 * (`architecture-MyApp.md`) of the first planning folder with any.
 * Beside the sprint file only that exact name: story files there carry the word too
 * (`1-4-test-architecture-report.md`).
 */
function findArchitecture(
  root: string,
  explicit: string | undefined,
  sprintDir: string,
  planning: Array<string | undefined>,
  exists: (rel: string) => boolean,
  isDir: (rel: string) => boolean,
): string[] {
  const shards = (dir: string) =>
    globSync("**/*.md", { cwd: path.join(root, dir) })
      .sort()
      .map((file) => `${dir}/${file}`);
  const shardedIn = (base: string) =>
    globSync(`${base}*architecture*/`, { cwd: root, onlyDirectories: true })
      .map((dir) => dir.replace(/\/$/, ""))
      .sort();
  if (explicit) {
    const rel = expandProjectRoot(explicit, root);
    if (!exists(rel))
      throw new InputError(
        `architecture not found at ${rel} (athena.json bmad.paths.architecture)`,
        root,
      );
    return isDir(rel) ? shards(rel) : [rel];
  }
  const beside = sprintDir === "." ? "architecture.md" : `${sprintDir}/architecture.md`;
  if (exists(beside) && !isDir(beside)) return [beside];
  const dirs = planning.flatMap((dir) => (dir ? [dir === "." ? "" : `${dir}/`] : []));
  // A whole document named as BMAD's own workflows look for it
  // (`{planning_artifacts}/*architecture*.md`), such as `architecture-MyApp-2025-10-31.md`;
  // every one in the folder, as those workflows read them all. Written in capitals too
  // (`ARCHITECTURE.md`, `AI-ARCHITECTURE.md`), as many projects name their documents.
  const wholeIn = (base: string) =>
    globSync(`${base}*architecture*.md`, {
      cwd: root,
      onlyFiles: true,
      caseSensitiveMatch: false,
    }).sort();
  for (const base of dirs) {
    if (exists(`${base}architecture.md`) && !isDir(`${base}architecture.md`))
      return [`${base}architecture.md`];
    const sharded = shardedIn(base).map((dir) => ({ dir, docs: shards(dir) }));
    // Documents of its own: `.md` files directly in it.
    const own = sharded.find(({ dir, docs }) =>
      docs.some((doc) => !doc.slice(dir.length + 1).includes("/")),
    );
    if (own) return own.docs;
    // A folder whose documents are a level down: the folder's own whole document comes
    // first (it was a sub-project's, beside the product's `app-architecture-spine.md`).
    const nested = sharded.find(({ docs }) => docs.length > 0);
    if (nested) {
      const whole = wholeIn(base);
      return whole.length > 0 ? whole : nested.docs;
    }
  }
  // None of those: the whole documents of the first folder that has any.
  for (const base of dirs) {
    const whole = wholeIn(base);
    if (whole.length > 0) return whole;
  }
  // Still none: the one `architecture.md` deeper in those folders, as a team filing its
  // documents by role keeps it (`docs/shared/architect/architecture.md`), or a BMAD folder
  // that keeps its sprint file at its top (`.bmad/planning/architecture.md` under
  // `.bmad/sprint-status.yaml`); none of several (a module's each), nor one in an archive,
  // which no longer says how the code is built. Four levels below each folder (the
  // project's root is no planning folder to search).
  const deeper = [...dirs, sprintDir === "." ? "" : `${sprintDir}/`]
    .filter((base) => base !== "" && isDir(base))
    .flatMap((base) =>
      globSync("**/architecture.md", {
        cwd: path.join(root, base),
        deep: 4,
        onlyFiles: true,
        followSymbolicLinks: false,
        ignore: ["**/node_modules/**"],
      }).map((file) => `${base}${file}`),
    )
    .filter((file) => !ARCHIVED.test(path.posix.dirname(file)));
  const found = [...new Set(deeper)];
  return found.length === 1 ? found : [];
}

function readBmadConfig(root: string, file: string): Record<string, unknown> {
  try {
    const data = parseYaml(readText(path.join(root, file)));
    return data && typeof data === "object" ? (data as Record<string, unknown>) : {};
  } catch (error) {
    throw new InputError(
      `BMAD config does not parse: ${(error as Error).message.split("\n")[0]}`,
      file,
    );
  }
}

/** The output folder BMAD's installer offers, for a config that names it but does not set it. */
const DEFAULT_OUTPUT_FOLDER = "{project-root}/_bmad-output";
const SETTING = /\{(?!project-root\})([\w-]+)\}/g;

/**
 * A config value with the settings it names filled in: BMAD 6.10's module config says
 * `implementation_artifacts: "{project-root}/{output_folder}/implementation-artifacts"`, with
 * `output_folder` set in the core module's config (`_bmad/core/config.yaml`). `{project-root}`
 * is left to expandProjectRoot; a setting found nowhere leaves the value unusable (undefined).
 */
function fillSettings(value: string, setting: (name: string) => unknown): string | undefined {
  let filled = value;
  // A few rounds: a setting may name another (`{output_folder}` = `{project-root}/{x}`).
  for (let round = 0; round < 4 && filled.match(SETTING); round++)
    filled = filled.replace(SETTING, (whole, name: string) => {
      const found = setting(name);
      return typeof found === "string" ? found.replace(/^\{project-root\}\/?/, "") : whole;
    });
  // `output_folder: "{project-root}"` leaves `{project-root}//x`: one slash, or it is absolute.
  return filled.match(SETTING) ? undefined : filled.replace(/\/{2,}/g, "/");
}

/** The core module's config beside the module's (`_bmad/core/config.yaml`); {} when absent or broken. */
function readCoreConfig(root: string, moduleConfig: string): Record<string, unknown> {
  const file = path.posix.join(
    path.posix.dirname(path.posix.dirname(moduleConfig)),
    "core/config.yaml",
  );
  if (!existsSync(path.join(root, file))) return {};
  try {
    return readBmadConfig(root, file);
  } catch {
    return {}; // only a source of `{output_folder}`: the module's own config is what counts
  }
}

/**
 * `story_location` read from the lines, before the sprint file is parsed (finding the stories
 * is what the parse waits for): the last one counts, as in YAML, with or without quotes, and a
 * trailing comment is not part of it.
 */
function readStoryLocation(root: string, sprintStatus: string): string | undefined {
  const text = readText(path.join(root, sprintStatus));
  const located = [...text.matchAll(STORY_LOCATION)].at(-1) ?? STORY_LOCATION_COMMENT.exec(text);
  return located
    ?.slice(1)
    .find((value) => value !== undefined)
    ?.trim();
}

// Each value ends at its last character that is not a space (greedy, then one step back): a lazy
// value tried the spaces after every character of it ("a", 250,000 spaces, "b" took minutes).
const STORY_LOCATION =
  /^story_location:[ \t]*(?:"([^"\r\n]+)"|'([^'\r\n]+)'|([^"'#\s](?:[^#\r\n]*[^#\s])?))[ \t]*(?:#.*)?$/gm;
/**
 * The header comment the alpha's sprint planning wrote instead (`# Story Location:
 * docs/stories`): read only when the key is missing, since later templates keep a comment of
 * that name too, often a path on another machine or a placeholder.
 */
const STORY_LOCATION_COMMENT =
  /^#[ \t]*story[_ ]location:[ \t]*["']?([^"'\r\n]*[^"'\s])["']?[ \t]*$/im;

/**
 * Finds a story's file by its sprint key, among the `*.md` under the folders storyFolders lists
 * (the stories folder, the sprint file's folder, the one above it, v4's `docs/stories`, then
 * the folders BMAD's config names for stories), a file in an earlier one first. `<key>.md`
 * first; otherwise the one file whose name spells the same story another way: `story-<key>.md`, `1.2.slug.md`, or the same
 * words after a different number (`story-0.1.4-slug.md` for `1-4-slug`), or the key's id alone
 * (`MU-S01.md` for `mu-s01-api-invitations`); then a file that states the key or has its
 * title, and, for a story past its backlog (`started`), a file of its own name elsewhere in
 * the project. Two candidates: none. `keys` are the sprint's story keys.
 */
export function indexStoryFiles(
  root: string,
  files: BmadFiles,
  storyKeys: readonly string[],
  otherKeys: readonly string[] = [],
  started: ReadonlySet<string> = new Set(),
): StoryFileIndex {
  const exact = new Map<string, string>();
  const spelled = new Map<string, Set<string>>();
  const worded = new Map<string, Set<string>>();
  const numbered = new Map<string, Set<string>>();
  const bare = new Map<string, Set<string>>();
  const ided = new Map<string, Set<string>>();
  const add = (index: Map<string, Set<string>>, key: string | undefined, file: string) => {
    if (key) index.set(key, (index.get(key) ?? new Set()).add(file));
  };
  const dirs = storyFolders(files.storiesDir, files.sprintStatus, root, files.moreStoryDirs);
  // Each folder listed once: the stories and sprint folders are often inside the one above.
  // Not inside it where a hidden folder lies between (`.codebuddy/stories/` under a sprint
  // file at the root): the walk of the one above does not enter it.
  const listed = dirs
    .filter(
      (dir) =>
        !dirs.some((other) => other !== dir && isWithin(dir, other) && !hiddenBelow(other, dir)),
    )
    .flatMap((dir) =>
      globSync("**/*.md", { cwd: path.join(root, dir), ignore: ["**/node_modules/**"] }).map(
        (file) => (dir === "." ? file : `${dir}/${file}`),
      ),
    );
  // The stories folder's files first, then the sprint folder's: their `<key>.md` wins.
  const rank = (file: string) => dirs.findIndex((dir) => isWithin(file, dir));
  listed.sort((x, y) => rank(x) - rank(y) || (x < y ? -1 : x > y ? 1 : 0));
  // Each listed file's canonical name and first bytes, worked out once: every rule below asks.
  const names = new Map<string, string>();
  for (const rel of listed) {
    const stem = path.posix.basename(rel, ".md");
    if (!exact.has(stem)) exact.set(stem, rel);
    const spelling = canonicalStoryName(stem);
    names.set(rel, spelling);
    add(spelled, spelling, rel);
    add(worded, storyWords(spelling), rel);
    add(numbered, storyNumber(spelling), rel);
    if (BARE_NUMBER.test(spelling)) add(bare, spelling, rel);
    if (STORY_ID.test(spelling)) add(ided, spelling, rel);
  }
  const nameOf = (file: string) =>
    names.get(file) ?? canonicalStoryName(path.posix.basename(file, ".md"));
  const heads = new Map<string, string | undefined>();
  const headOf = (file: string) => {
    if (!heads.has(file)) heads.set(file, readHead(root, file));
    return heads.get(file);
  };
  // One file, or one in the folder that ranks first (a copy under planning/ loses).
  const one = (set: Set<string> | undefined) => {
    const first = [...(set ?? [])].filter((file, _, all) => rank(file) === rank(all[0] ?? ""));
    return first.length === 1 ? first[0] : undefined;
  };
  // A file named by a key's id alone, its words left off (`TECH-01.md`, `MU-S01.md` for
  // `tech-01-migration-postgresql`, `mu-s01-api-invitations`): when one key has that id.
  const keysById = new Map<string, number>();
  for (const key of [...storyKeys, ...otherKeys])
    for (const id of storyIdsOf(key)) keysById.set(id, (keysById.get(id) ?? 0) + 1);
  // Asked for each key by the promotion, the file lookup and the title search: each key's
  // files are read once.
  const foundById = new Map<string, string | undefined>();
  const byId = (key: string) => {
    if (foundById.has(key)) return foundById.get(key);
    let found: string | undefined;
    // The longest id with a file (`api-v2-s01` before `api-v2` in `api-v2-s01-login`).
    for (const id of storyIdsOf(key).reverse()) {
      const file = keysById.get(id) === 1 ? one(ided.get(id)) : undefined;
      // The file says it is that story: its title starts with the id (`# MU-S01 : ...`), or
      // it says it is a story; a note named `phase-2.md` is not `phase-2-cleanup`.
      if (file === undefined) continue;
      const head = headOf(file);
      if (titledWith(head, id) || saysStory(head)) {
        found = file;
        break;
      }
    }
    foundById.set(key, found);
    return found;
  };
  // A key's own name, in any case (`td-cross-2-cleanup` for `TD-cross-2-cleanup.md`).
  const namedAsIs = (key: string) => exact.get(key) ?? one(spelled.get(canonicalStoryName(key)));
  // Last, for a story past its backlog (its file written), a file of its own name anywhere
  // else in the project (`stories/story-6-x.md` at the root; the stories beside a second
  // sprint file the config does not name): the one outside an archive, a hidden folder or
  // the walk's ignored ones, and not beside another sprint file, whose stories those are (a
  // module's `1-1-project-setup.md` under its own sprint). Searched once, and only when such
  // a story has no file where its folders are.
  let elsewhere: Map<string, string[]> | undefined;
  const storyKeySet = new Set(storyKeys);
  const byNameElsewhere = (key: string) => {
    if (!started.has(key)) return undefined;
    if (!elsewhere) {
      const found = new Map<string, string[]>();
      elsewhere = found;
      const mine = new Set(listed);
      const walked = globSync(["**/*.md", "**/sprint-status.yaml"], {
        cwd: root,
        deep: 6,
        followSymbolicLinks: false,
        ignore: WALK_IGNORE,
      });
      const otherSprints = walked
        .filter((file) => file.endsWith("sprint-status.yaml") && file !== files.sprintStatus)
        .map((file) => path.posix.dirname(file))
        .filter((dir) => dir !== ".");
      for (const file of walked) {
        if (!file.endsWith(".md") || mine.has(file)) continue;
        const dir = path.posix.dirname(file);
        if (ARCHIVED.test(dir) || otherSprints.some((other) => isWithin(file, other))) continue;
        const stem = path.posix.basename(file, ".md");
        for (const name of new Set([stem, stem.replace(/^story-/i, "")])) {
          const same = found.get(name);
          if (same) same.push(file);
          else found.set(name, [file]);
        }
      }
    }
    // A document of that name (`prd.md` for a sprint's `prd: done`) is no story: the file must
    // say it is one; for a key of no story's shape, by its title (a PRD has a status line).
    const [file, ...more] = elsewhere.get(key) ?? [];
    if (!file || more.length > 0) return undefined;
    const story = storyKeySet.has(key)
      ? saysStory(headOf(file))
      : titledAsStory(file, headOf(file));
    return story ? file : undefined;
  };
  // A key of no story's shape is a story by its file: one of its very name (`<key>.md`,
  // `story-<key>.md`) or its id, as before; one found another way (in other capitals, outside
  // the story folders) only when its title names a story: `PRD.md` for a sprint's `prd:
  // done`, or a tech spec with a status line, is a planning document.
  const promoted = otherKeys.filter((key) => {
    if (/^epic-/i.test(key) || !SAFE_KEY.test(key)) return false;
    if (exact.has(key) || exact.has(`story-${key}`) || byId(key) !== undefined) return true;
    const other = namedAsIs(key) ?? byNameElsewhere(key);
    return other !== undefined && titledAsStory(other, headOf(other));
  });
  const keys = [...storyKeys, ...promoted];
  const namedByKeys = new Set(keys.flatMap((key) => namedAsIs(key) ?? []));
  // A sub-story's letter is a part of its own in some keys (`6-1-a-invoice-types`) and joined
  // to the number in the file's name (`story-6.1a-invoice-types.md`): the same story, unless
  // a key names that file as it is (`6-1a-invoice-types`).
  const named = (key: string) => {
    const asIs = namedAsIs(key);
    if (asIs) return asIs;
    const spelling = letterJoined(key);
    const joined = spelling === undefined ? undefined : one(spelled.get(spelling));
    return joined && !namedByKeys.has(joined) ? joined : undefined;
  };
  // The same words after another number: only for a file no key names itself, and words that
  // only one key has (`2-1-user-login` must not take `1-1-user-login.md`).
  const taken = new Set(keys.flatMap((key) => named(key) ?? []));
  /** A file by a key's id, when no key names it by its own name. */
  const untakenById = (key: string) => {
    const file = byId(key);
    return file && !taken.has(file) ? file : undefined;
  };
  const keysByWords = new Map<string, number>();
  /** The keys with each story number (`1-4`), in sprint order. */
  const keysByNumber = new Map<string, string[]>();
  for (const key of keys) {
    const words = storyWords(canonicalStoryName(key));
    if (words) keysByWords.set(words, (keysByWords.get(words) ?? 0) + 1);
    for (const number of numbersOfKey(key))
      keysByNumber.set(number, [...(keysByNumber.get(number) ?? []), key]);
  }
  // A file numbered as another key that has no file of its own name and shares a word with it
  // is that story, its words changed since (`3.4-setting-module.md` for `3-4-setting-main`):
  // never another key's. Otherwise the number is an old one (a renumbered epic): free to take.
  const isAnotherStorysFile = (file: string, key: string) => {
    const name = nameOf(file);
    const number = storyNumber(name);
    if (!number || number === storyNumber(canonicalStoryName(key))) return false;
    const fileWords = wordsOf(name);
    return (keysByNumber.get(number) ?? []).some(
      (owner) =>
        named(owner) === undefined &&
        [...keyWordsOf(canonicalStoryName(owner))].some((w) => fileWords.has(w)),
    );
  };
  const byWords = (key: string) => {
    const words = storyWords(canonicalStoryName(key));
    if (!words || keysByWords.get(words) !== 1) return undefined;
    const file = one(worded.get(words));
    return file && !taken.has(file) && !isAnotherStorysFile(file, key) && sharesNumber(file, key)
      ? file
      : undefined;
  };
  // Last, the same number with other words (`13-1-backend-photo-service` written as
  // `13.1-generic-photo-service.md`, renamed while it was written): only when one key and one
  // file no key names have that number, and they share a word (a project that renumbered its
  // stories has `30-6-journal-viewer.md` for `30-6-financial-reports`: another story).
  // Files some key takes by name or by its words: never another key's by number.
  const takenByWords = new Set(keys.flatMap((key) => byWords(key) ?? []));
  /** The one file of `index` with a key's number, when one key has it and no key took it. */
  const untakenWithNumber = (number: string | undefined, index: Map<string, Set<string>>) => {
    if (!number || keysByNumber.get(number)?.length !== 1) return undefined;
    const file = one(index.get(number));
    return file && !taken.has(file) && !takenByWords.has(file) ? file : undefined;
  };
  // Files with the number that share no word with the key (`9-6-retrospective.md` beside
  // `9-6-ux-admin-sync-alertas.md`) are other documents about that story: not candidates.
  const byNumber = (key: string) => {
    const number = numberOfKey(key);
    if (!number) return undefined;
    const own = [...keyWordsOf(canonicalStoryName(key))];
    // A document about the story (`4.2-po-validation-20250924.md`, a QA assessment sharing the
    // word "validation") is no story: the file must say it is one.
    // A key of the number alone (`5-1`, a listed story with no title) has no words to share:
    // the one file of that number titled as a story is its (a review of 5.1 with a status
    // line is not).
    // A file of one word after its number (`4-2-validation.md`) may well be a document about
    // the story: it must be titled as a story.
    const sharing = [...(numbered.get(number) ?? [])].filter((file) => {
      const name = nameOf(file);
      const fileWords = wordsOf(name);
      const head = headOf(file);
      return own.length === 0
        ? STORY_TITLE.test(head ?? "")
        : own.some((w) => fileWords.has(w)) &&
            (storyWords(name) ? saysStory(head) : titledAsStory(file, head));
    });
    return untakenWithNumber(number, new Map([[number, new Set(sharing)]]));
  };
  // A file named by its number alone (`story-30.1.md`, v4's `1.2.story.md`; `story-31.7a.md`
  // for `31-7-a-route-thinning`) has no words to disagree with the key's: it is that number's
  // story when one key has the number.
  const byBareNumber = (key: string) =>
    numbersOfKey(key)
      .map((number) => untakenWithNumber(number, bare))
      .find((file) => file !== undefined);
  const byName = (key: string) =>
    named(key) ?? byWords(key) ?? byBareNumber(key) ?? byNumber(key) ?? untakenById(key);
  // The files no key found by name, listed once, and only when some key is left without one.
  let unfound: string[] | undefined;
  const notFoundByName = () => {
    if (!unfound) {
      const found = new Set(keys.flatMap((k) => byName(k) ?? []));
      unfound = listed.filter((file) => !found.has(file));
    }
    return unfound;
  };
  // Then a file named some other way that says which story it is, as BMAD's create-story
  // writes it (`story-2.5-1.md` with `**Story Key:** 2.5-1-event-stream-queue`). A report
  // about the story states its key too (a validation report, a traceability matrix's
  // `storyKey:`): the file must say it is a story.
  let declared: Map<string, string[]> | undefined;
  const byDeclaredKey = (key: string) => {
    if (!declared) {
      declared = new Map();
      for (const file of notFoundByName()) {
        const head = headOf(file);
        if (!saysStory(head)) continue;
        for (const match of (head ?? "").matchAll(DECLARED_KEY))
          if (match[1]) declared.set(match[1], [...(declared.get(match[1]) ?? []), file]);
      }
    }
    const [file, ...more] = declared.get(key) ?? [];
    return file && more.length === 0 ? file : undefined;
  };
  // Last, after a started story's file of its very name elsewhere (`byNameElsewhere`), a
  // track's key (`orch-1-1-project-setup`, `wo-1-2-set-quantities`) whose file was named
  // before the track's word was put in front of the keys, or with the word spelled out:
  // `1-1-project-setup.md`, `wholesale-order-1-2-set-quantities.md`. The one such file that no
  // key names, titled as a story (a code review or a tech spec of that name is none), when one
  // key alone has that rest and no key of the sprint is that name itself.
  const restOf = (key: string) => TRACK_KEY.exec(key.toLowerCase())?.[1];
  const keysByRest = new Map<string, number>();
  for (const key of keys) {
    const rest = restOf(key);
    if (rest) keysByRest.set(rest, (keysByRest.get(rest) ?? 0) + 1);
  }
  const keyNames = new Set(keys.map(canonicalStoryName));
  const byKeyRest = (key: string) => {
    const rest = restOf(key);
    if (!rest || !storyWords(rest) || keysByRest.get(rest) !== 1 || keyNames.has(rest))
      return undefined;
    const [file, ...more] = notFoundByName().filter((candidate) => {
      const name = nameOf(candidate);
      const before = name.slice(0, -rest.length);
      return (
        name.endsWith(rest) &&
        (before === "" || (before.endsWith("-") && !DOCUMENT_WORD.test(before)))
      );
    });
    return file && more.length === 0 && titledAsStory(file, headOf(file)) ? file : undefined;
  };
  // A key cut short in the sprint file (`11-11-migrate-blazor-rendering-su`) names the start
  // of its file's name (`11-11-migrate-blazor-rendering-surface.md`): the one such file that no
  // key names, whose name starts with no other key's and goes on in no document's word
  // (`-code-review`, `-qa-gate`), titled as a story.
  const keyStarts = [...keyNames];
  const byLongerName = (key: string) => {
    const own = canonicalStoryName(key);
    // A number and three words or parts more: a start too short to say which file it is
    // (`5-1`, `1-2-api`) is none.
    if (!/\d/.test(own) || own.split("-").length < 4) return undefined;
    const [file, ...more] = notFoundByName().filter((candidate) => {
      const name = nameOf(candidate);
      return (
        name.length > own.length &&
        name.startsWith(own) &&
        !DOCUMENT_WORD.test(name.slice(own.length)) &&
        !keyStarts.some((other) => other !== own && name.startsWith(other))
      );
    });
    return file && more.length === 0 && titledAsStory(file, headOf(file)) ? file : undefined;
  };
  // Then a file named some other way whose title has the key's words
  // (`story-central-mcp-1.md`, "# Story: Establish MCP registry and metadata", for
  // `1-1-establish-mcp-registry-and-metadata`): each title read once.
  let titled: Map<string, string[]> | undefined;
  let titledWhole: Map<string, string[]> | undefined;
  const byTitle = (key: string) => {
    const words = storyWords(canonicalStoryName(key));
    if (words && keysByWords.get(words) !== 1) return undefined;
    if (!titled || !titledWhole) {
      titled = new Map();
      titledWhole = new Map();
      // A file that a story's key found by what it states is that story's (a key the sprint
      // has, stated by that file alone: some state only the number, `**Story Key:** 29-4`, and a
      // review states its story's key too).
      const sprintKeys = new Set(keys);
      const stated = new Set(
        [...(declared?.entries() ?? [])].flatMap(([key, files]) =>
          sprintKeys.has(key) && files.length === 1 ? files : [],
        ),
      );
      for (const file of notFoundByName()) {
        if (stated.has(file)) continue;
        const title = titleWords(headOf(file));
        if (title?.words) titled.set(title.words, [...(titled.get(title.words) ?? []), file]);
        if (title) titledWhole.set(title.whole, [...(titledWhole.get(title.whole) ?? []), file]);
      }
    }
    // A track's key (`dl-1-5-state-feedback`, no number of the usual shape, so no words) by its
    // whole title: `stories/dl-1-5-story-5.md`, "# Story dl-1.5: State Feedback".
    const [file, ...more] = words
      ? (titled.get(words) ?? [])
      : (titledWhole.get(key.toLowerCase().replace(/[^a-z0-9]+/g, "-")) ?? []);
    return file && more.length === 0 && !isAnotherStorysFile(file, key) ? file : undefined;
  };
  return {
    promoted,
    find: (key) =>
      byName(key) ??
      byDeclaredKey(key) ??
      byTitle(key) ??
      byNameElsewhere(key) ??
      byKeyRest(key) ??
      byLongerName(key),
    foundByNumberOnly: (key) =>
      named(key) === undefined &&
      byWords(key) === undefined &&
      byBareNumber(key) === undefined &&
      byNumber(key) !== undefined,
  };
}

/**
 * The story file a sprint entry names itself (`story_file: stories/1-1-x.md`), repo-relative:
 * read from the project's root, then from the sprint file's folder, then from the stories
 * folder. Undefined, with the reason, when it is no markdown file there or leaves the project
 * (never followed).
 */
export function namedStoryFile(
  root: string,
  files: BmadFiles,
  written: string,
): { file: string } | { problem: string } {
  const rel = expandProjectRoot(written.replace(/\\/g, "/"), root);
  if (leavesProject(rel)) return { problem: "leaves the project: not followed" };
  if (!/\.md$/i.test(rel)) return { problem: "is no markdown file" };
  const sprintDir = path.posix.dirname(files.sprintStatus);
  for (const dir of [".", sprintDir, files.storiesDir]) {
    const file = path.posix.normalize(dir === "." ? rel : `${dir}/${rel}`);
    if (leavesProject(file)) continue;
    try {
      if (statSync(path.join(root, file)).isFile()) return { file };
    } catch {
      // Not there: the next folder.
    }
  }
  return {
    problem: "is not there (looked from the project root, the sprint and the stories folder)",
  };
}

export interface StoryFileIndex {
  /** The keys of `otherKeys` that are stories after all: each has a story file of its own. */
  promoted: readonly string[];
  /** The story file of a sprint key (repo-relative), or undefined. */
  find(key: string): string | undefined;
  /** True when only the key's number led to its file, whose words differ: worth a note. */
  foundByNumberOnly(key: string): boolean;
}

/**
 * A story's key as its file states it (`**Story Key:** 2-1-login`, `- Story key: \`2-1-login\``):
 * the key itself, of the characters a key may have.
 */
const DECLARED_KEY =
  /\bstory[ _-]?key\b\W{0,4}?[:：]\W{0,4}?([A-Za-z0-9][A-Za-z0-9._-]*[A-Za-z0-9])/gi;

/** Folders never walked for the known tree, nor searched for a story's file outside its folders. */
export const WALK_IGNORE = [
  "**/node_modules/**",
  "**/.git/**",
  ".athena/**",
  "**/dist/**",
  "**/build/**",
  "**/.next/**",
  "**/coverage/**",
  "**/vendor/**",
  "**/target/**",
  "**/__pycache__/**",
  "**/.venv/**",
];

/** A key's number with a letter after it as a part of its own: `6-1-a` in `6-1-a-invoice`. */
const LETTER_APART = /^(\d+-\d+)-([a-z])(?=-)/;

/**
 * `Story-1.2_Slug` -> `1-2-slug`, `1.2.story` -> `1-2`, `E101-S01` -> `101-1`,
 * `epic-3-story-7-slug` -> `3-7-slug`: lower case, no `story` prefix or suffix, one separator,
 * an epic and story written `E<n>-S<n>`, `e-<n>-<n>` or `epic-<n>-story-<n>` as numbers.
 * BMAD's quick-dev and dev-auto workflows write a story they implement as a spec named after
 * it (`spec-3-2-digest-delivery.md` for `3-2-digest-delivery`): the `spec` prefix goes too.
 */
function canonicalStoryName(name: string): string {
  return name
    .toLowerCase()
    .replace(/^(?:story[-_. ]?|spec[-_. ])/, "")
    .replace(/[-_. ]story$/, "")
    .replace(/[._\s]+/g, "-")
    .replace(
      /^(?:e|epic-)0*(\d+[a-z]?)-(?:s|story-)0*(\d+[a-z]?)(?=-|$)|^e-0*(\d+)-0*(\d+[a-z]?)(?=-|$)/,
      (_, epic?: string, story?: string, lettered?: string, storyOfLettered?: string) =>
        `${epic ?? lettered}-${story ?? storyOfLettered}`,
    );
}

/** How much of a file is read for its title: a title is on its first lines. */
const TITLE_BYTES = 2048;

/** The first TITLE_BYTES of a file; undefined when it cannot be read. */
function readHead(root: string, file: string): string | undefined {
  try {
    const fd = openSync(path.join(root, file), "r");
    try {
      const buffer = Buffer.alloc(TITLE_BYTES);
      return buffer.toString("utf8", 0, readSync(fd, buffer, 0, TITLE_BYTES, 0));
    } finally {
      closeSync(fd);
    }
  } catch {
    return undefined;
  }
}

/** The text of the first `#` heading in a file's first lines (`head`, from readHead). */
function firstTitle(head: string | undefined): string | undefined {
  return head === undefined ? undefined : /^#[ \t]+(.+)$/m.exec(head)?.[1];
}

/**
 * A title that starts with a story's label and its id (`Story 6:`, `Tech Debt Story TD-6-2a:`,
 * `Story: Login`): "User Story Mapper - PRD" is a product's name.
 */
const STORY_LABEL = /^(?:[\p{L}\w-]+\s+){0,3}?story\b\s*(?::|#?\s*[\w.-]*\d)/iu;

/**
 * True when a file's title names a story (`# Story 6: ...`, `# Tech Debt Story TD-6-2a: ...`,
 * front matter `title: Story ...`), or it is the spec BMAD's quick-dev writes for one
 * (`spec-<key>.md`): a status line alone is a PRD's or a tech spec's too.
 */
function titledAsStory(file: string, head: string | undefined): boolean {
  if (/^spec[-_. ]/i.test(path.posix.basename(file))) return true;
  return STORY_LABEL.test(firstTitle(head) ?? "") || /^title:[ \t]*["']?story\b/im.test(head ?? "");
}

/**
 * The words of a story file's first `#` heading, as a key spells them (`# Story: Add the
 * Login Page` -> `add-the-login-page`), without a `Story` label or a story number (`words`,
 * when two or more), and with its id kept (`whole`: `# Story dl-1.5: State` -> `dl-1-5-state`);
 * undefined when the file cannot be read, or its first lines hold no such heading or are no
 * story's.
 */
function titleWords(head: string | undefined): { words?: string; whole: string } | undefined {
  if (head === undefined) return undefined;
  const title = firstTitle(head);
  // A story says so, in its title or by a status line: a guide titled "Project Setup" is no
  // story of that name.
  if (!title || !(/^story\b/i.test(title) || /^[ \t*_]*status[ \t*_]*:/im.test(head)))
    return undefined;
  const spell = (text: string) => text.replace(/[^a-z0-9]+/g, "-").replace(/^-+|-+$/g, "");
  const labelled = title.toLowerCase().replace(/^story\b[\s:.-]*/, "");
  const words = spell(labelled.replace(/^[\d.]+[a-z]?[\s:.-]+/, ""));
  // With its id kept too (`Story dl-1.5: State Feedback` -> `dl-1-5-state-feedback`): a
  // track's key has no number of the usual shape to leave off.
  return { ...(words.includes("-") ? { words } : {}), whole: spell(labelled) };
}

/**
 * True when a file's first lines (`head`, from readHead) say it is a story: a title that starts
 * with "Story" (a `#` heading or a front matter `title:`), or a story's status (`Status: done`,
 * `status: review`, a `## Status` heading over `ready-for-dev`); a QA report's `**Status**:
 * PASS` is none.
 */
function saysStory(head: string | undefined): boolean {
  return (
    head !== undefined &&
    (STORY_TITLE.test(head) ||
      /^title:[ \t]*["']?story\b/im.test(head) ||
      STATUS_LINE.test(head) ||
      STATUS_HEADING.test(head))
  );
}

/** A title that says it is a story: `# Story 5.1: Request form`. */
const STORY_TITLE = /^#[ \t]+story\b/im;

/** A story's status value, after its markup (`**Status:** done`, `status: "review"`, `## Status: done`). */
const STATUS_VALUE = String.raw`[ \t*_"'\x60]*(?:backlog|draft(?:ed)?|ready(?:[- ]for[- ]dev)?|in[- ]progress|(?:in[- ])?review|done|completed?|approved|blocked|todo|to[- ]do|deployed|shipped|released|merged)\b`;
const STATUS_LINE = new RegExp(
  String.raw`^(?:#{1,6}[ \t]+)?[ \t*_]*status[ \t*_]*:${STATUS_VALUE}`,
  "im",
);
const STATUS_HEADING = new RegExp(
  String.raw`^#{1,6}[ \t]+status[ \t]*\n(?:[ \t]*\n)*${STATUS_VALUE}`,
  "im",
);

/** A story's number and nothing else (`30-1`, `23-0-2`), two parts at least. */
const BARE_NUMBER = /^\d+[a-z]?(?:-\d+[a-z]?)+$/;

/**
 * The words after a story's number (`1-2-add-login` -> `add-login`): two words at least, after
 * a number of two parts at least (`1-2`, `0-1-4`), as stories have and numbered documents
 * (`0003-use-postgres.md`, an ADR) do not.
 */
function storyWords(canonical: string): string | undefined {
  const words = STORY_NAME.exec(canonical)?.[2];
  return words?.includes("-") ? words : undefined;
}

/**
 * True when a file's number has the key's epic or its story number among its parts
 * (`0.1.2-beta` for `1-2-beta`, `1.20-volume` for `1-21-volume`, renumbered in its epic): words
 * alone are too common to be sure (`14c-11-error-handling.md`, another epic's, for
 * `15-2h-error-handling`).
 */
function sharesNumber(file: string, key: string): boolean {
  const partsOf = (name: string) =>
    (storyNumber(canonicalStoryName(name)) ?? "")
      .split(/[.-]/)
      .map((p) => p.replace(/^0+(?=.)/, ""));
  const own = partsOf(key);
  const theirs = new Set(partsOf(path.posix.basename(file, ".md")));
  return [own[0], own.at(-1)].some((part) => part !== undefined && theirs.has(part));
}

/**
 * A story id that starts with a word and ends with a number (`tech-01`, `mu-s01`, `a2a-s01`):
 * a story file's whole name, its words left off. An epic's file (`epic-3`) is none.
 */
const ID = String.raw`(?!epic-)[a-z][a-z0-9]*(?:-[a-z0-9]+)*?-[a-z]*\d+[a-z]?`;
const STORY_ID = new RegExp(`^${ID}(?![\\s\\S])`);

/**
 * The ids a key may start with, shortest first: each prefix STORY_ID accepts that words follow
 * (`api-v2-s01-login` -> `api-v2`, `api-v2-s01`).
 */
function storyIdsOf(key: string): string[] {
  const parts = canonicalStoryName(key).split("-");
  const ids: string[] = [];
  for (let end = 1; end < parts.length; end++) {
    const id = parts.slice(0, end).join("-");
    if (STORY_ID.test(id) && /^[a-z]/.test(parts[end] ?? "")) ids.push(id);
  }
  return ids;
}

/**
 * True when a file's first `#` heading (in `head`, from readHead) starts with the id, however
 * spelled (`# MU-S01 : x`).
 */
function titledWith(head: string | undefined, id: string): boolean {
  const title = firstTitle(head) ?? "";
  const spelled = title.toLowerCase().replace(/[\s_.]+/g, "-");
  return new RegExp(`^${id}(?![a-z0-9])`).test(spelled);
}

/**
 * The words of four letters or more after a file's number: what it shares with a key. One word
 * is enough (`8-9-teamperspectives.md` for `8-9-teamperspectives-feedbacks-publicos`).
 */
function wordsOf(canonical: string): Set<string> {
  const words = STORY_NAME.exec(canonical)?.[2] ?? "";
  return new Set(words.split("-").filter((w) => w.length >= 4));
}

/**
 * The same for a key, with two words at least: a key of one word (`7-2-notifications`) has
 * none to share, and is matched as a key of its number alone is, by a file titled as a story.
 */
function keyWordsOf(canonical: string): Set<string> {
  return new Set((storyWords(canonical) ?? "").split("-").filter((w) => w.length >= 4));
}

/** The number before a story's words (`13-1-generic-photo` -> `13-1`), two parts at least. */
function storyNumber(canonical: string): string | undefined {
  return STORY_NAME.exec(canonical)?.[1];
}

/**
 * A key's story numbers: `5-3` of `5-3-company-filtering` and of `5-3` alone; `31-7` and
 * `31-7a` of `31-7-a-route-thinning`, a sub-story's letter set apart (LETTER_APART).
 */
function numbersOfKey(key: string): string[] {
  const joined = letterJoined(key);
  return [numberOfKey(key), joined === undefined ? undefined : numberOfKey(joined)].filter(
    (n): n is string => n !== undefined,
  );
}

/** A key's canonical name with a sub-story's letter joined to its number (`6-1a-x` of `6-1-a-x`). */
function letterJoined(key: string): string | undefined {
  const canonical = canonicalStoryName(key);
  return LETTER_APART.test(canonical) ? canonical.replace(LETTER_APART, "$1$2") : undefined;
}

/** A key's story number: `5-3` of `5-3-company-filtering`, and of `5-3` alone. */
function numberOfKey(key: string): string | undefined {
  const canonical = canonicalStoryName(key);
  return storyNumber(canonical) ?? (BARE_NUMBER.test(canonical) ? canonical : undefined);
}

/**
 * A word that names a document about a story rather than the story (`code-review-1-1-x.md`,
 * `1-1-x-qa-gate.md`, `retro-1-1-x.md`).
 */
const DOCUMENT_WORD =
  /(?:^|-)(?:reviews?|report|qa|gate|validation|retro|retrospective|notes|summary|context|checklist|assessment|analysis|spec|tech-spec|test-design|plan)(?:-|$)/;

/** A track's key: a word, then a story's number and words (`orch-1-1-project-setup`). */
const TRACK_KEY = /^[a-z][a-z0-9]*-(\d+[a-z]?(?:-\d+[a-z]?)+-[a-z].*)$/;

/** A story's canonical name: its number, of two parts at least, then its words. */
const STORY_NAME = /^(\d+[a-z]?(?:-\d+[a-z]?)+)-([a-z].*)$/;

/**
 * A `sprint-status.md` that is a page about the project's sprint, not one of BMAD's own
 * command or workflow files of that name (`.claude/commands/bmad/.../sprint-status.md`,
 * `_bmad/bmm/workflows/...`): none in a hidden folder (where agents keep their commands), nor
 * under a folder of workflows or commands.
 */
function isSprintPage(file: string): boolean {
  return !file
    .split("/")
    .slice(0, -1)
    .some((folder) => folder.startsWith(".") || /^(?:workflows|commands)$/i.test(folder));
}

/** A name that starts with a date (`2026-04-25_design-spec.md`): a note, no story 2026-04. */
const DATED_NAME = /^\d{4}-\d{2}-\d{2}(?!\d)/;

/**
 * Story files of BMAD's own names (`1-2-slug.md`) where a sprint file beside them would be
 * found (under the folders BMAD writes to, or an `implementation-artifacts/` at the root or one
 * folder down; never an archive), with no sprint file to plan from (not committed, or
 * deleted): said, with how to make one.
 */
function storiesWithoutSprintHint(root: string): string {
  const stories = globSync(
    [
      ...SEARCHED_FOLDERS.map((folder) => `${folder}/**/*.md`),
      "implementation-artifacts/*.md",
      "*/implementation-artifacts/*.md",
    ],
    { cwd: root, deep: 4, followSymbolicLinks: false, ignore: WALK_IGNORE },
  ).filter(
    (file) =>
      /^(?:story-)?\d+-\d+[a-z]?-[^/]*\.md$/i.test(path.posix.basename(file)) &&
      !DATED_NAME.test(path.posix.basename(file)) &&
      !ARCHIVED.test(path.posix.dirname(file)),
  );
  const [folder] = stories.map((file) => path.posix.dirname(file)).sort();
  if (folder === undefined) return "";
  const here = stories.filter((file) => path.posix.dirname(file) === folder).sort();
  const count = here.length;
  return `; ${folder}/ holds ${count} story file${count === 1 ? "" : "s"} (${path.posix.basename(here[0] ?? "")}...) but no sprint file: BMAD's sprint-planning workflow writes one beside them, or write ${folder}/sprint-status.yaml with a development_status map of their keys and statuses (\`1-1-<slug>: done\`)`;
}

/**
 * BMAD v4 kept its stories as `docs/stories/1.2.slug.md` with no sprint file at all: a user
 * of such a project is told why nothing was found and what would make it plannable, rather
 * than left to think the stories were not seen.
 */
function v4StoriesHint(root: string): string {
  // `1.2.slug.md`, or `story-16.4b-slug.md` in a folder per epic.
  const stories = globSync("docs/stories/**/*.md", {
    cwd: root,
    deep: 4,
    followSymbolicLinks: false,
  }).filter((file) => /^(?:story-)?\d+\.\d+[a-z]?[.\-_ ]/i.test(path.posix.basename(file)));
  if (stories.length === 0) return "";
  return `; docs/stories/ holds ${stories.length} story file${stories.length === 1 ? "" : "s"} (${path.posix.basename(stories.sort()[0] ?? "")}...), BMAD v4's layout, which keeps no sprint file: plans are made from one, so write docs/sprint-status.yaml with a development_status map of their keys and statuses (\`1-1-<slug>: done\`), as BMAD's sprint-planning workflow does, and their files are found there`;
}

/**
 * Reads what a plan needs from a BMAD project, and nothing more: the sprint file, the
 * architecture, and only the story files of the stories being planned (plus those already
 * `in-progress`, which a new run must not collide with). Each file is read and parsed once;
 * parses are cached by content under `.athena/cache`.
 */
import { readdirSync, statSync } from "node:fs";
import path from "node:path";
import { globSync } from "tinyglobby";
import type { AthenaConfig } from "../config/schema.ts";
import { errorLine } from "../util/errors.ts";
import { readText } from "../util/text-file.ts";
import { type ArchitectureDoc, parseArchitecture } from "./architecture.ts";
import { contentKey, ParseCache } from "./cache.ts";
import {
  type BmadFiles,
  discoverBmad,
  indexStoryFiles,
  namedStoryFile,
  type StoryFileIndex,
  WALK_IGNORE,
} from "./discover.ts";
import { assertParseable } from "./markdown.ts";
import { resolveStoryId } from "./resolve-id.ts";
import {
  FINISHED_STATUSES,
  parseSprintStatus,
  type SprintEntry,
  type SprintStatus,
  withStories,
} from "./sprint-status.ts";
import { parseStory, type StoryDoc } from "./story.ts";

export interface LoadedStory {
  entry: SprintEntry;
  /** Repo-relative story file, when there is one. */
  file?: string;
  doc?: StoryDoc;
  /** Named by the caller (as opposed to proposed, or in progress outside the batch). */
  requested: boolean;
  /** Why the story file could not be read or parsed: the story is reported, not planned. */
  error?: StoryError;
}

/** A story that cannot be used, and where: `file:line: message`. */
export interface StoryError {
  file: string;
  line: number;
  message: string;
}

export interface LoadedProject {
  files: BmadFiles;
  sprint: SprintStatus;
  architecture?: ArchitectureDoc;
  /** The batch to plan, in the order asked (or sprint order when proposing). */
  batch: LoadedStory[];
  /** Stories already `in-progress` outside the batch. */
  inProgress: LoadedStory[];
  /** Files and folders on disk (folders end with `/`), repo-relative. */
  disk: string[];
  warnings: string[];
  /** The done stories that have a story file, in sprint order: the project's history. */
  done: Array<{ entry: SprintEntry; file: string }>;
  /** Reads and parses one story (through the parse cache); never throws. */
  loadStory(entry: SprintEntry): LoadedStory;
  /**
   * Writes the parses computed so far to the parse cache. Called once the command is sure of
   * its input: until then nothing is written, and `plan nope` leaves the project as it was.
   */
  saveCache(): void;
}

export interface LoadProjectOptions {
  config: AthenaConfig;
  /** Story ids as typed; none means "propose a batch from the ready-for-dev stories". */
  ids?: string[];
  cache?: boolean;
}

const WALK_LIMIT = 50_000;

/**
 * The largest story file read. Real stories are tens of kilobytes, a long debug log pasted
 * in makes a megabyte; a file many megabytes long is a dump saved under a story's name, and
 * parsing it would stall the plan for minutes (remark reads about a megabyte a second).
 */
export const MAX_STORY_BYTES = 8 * 1024 * 1024;

/** A story's text, or an error when the file is too large to be a story. */
function readStory(absRoot: string, rel: string): string {
  const file = path.join(absRoot, rel);
  const size = statSync(file).size;
  if (size > MAX_STORY_BYTES) {
    const mb = (n: number) => `${(n / 1024 / 1024).toFixed(1)} MB`;
    throw new Error(`the file is ${mb(size)}, more than the ${mb(MAX_STORY_BYTES)} a story may be`);
  }
  return markdownText(readText(file));
}

/**
 * The text, or an error at the line of its first NUL: no markdown file holds one, a binary file
 * saved under a story's name (or UTF-16 without its byte-order mark) does, and read as markdown
 * it would be a story of no tasks that claims nothing.
 */
function markdownText(text: string): string {
  const nul = text.indexOf("\0");
  if (nul < 0) return text;
  const line = text.slice(0, nul).split(/\r\n|\r|\n/).length;
  throw Object.assign(
    new Error(
      "the file is not text: a NUL byte on this line (a binary file, or UTF-16 without its byte-order mark?)",
    ),
    { line },
  );
}

/**
 * The stories folder's index, and the sprint file as the plan reads it: a key of no story shape
 * with a story file of its own name is a story (`withStories`). Every command that takes a story
 * id reads the sprint file so, or a story the plan shows could not be named.
 */
export function withStoryFiles(
  absRoot: string,
  files: BmadFiles,
  parsed: SprintStatus,
): { sprint: SprintStatus; storyFiles: StoryFileIndex } {
  const keysOf = (kind: SprintEntry["kind"]) =>
    parsed.entries.filter((e) => e.kind === kind).map((e) => e.key);
  const started = new Set(parsed.entries.filter((e) => e.status !== "backlog").map((e) => e.key));
  const index = indexStoryFiles(absRoot, files, keysOf("story"), keysOf("other"), started);
  // A file an entry names itself (`story_file:`) is that story's, over what its key would find.
  const named = new Map<string, string>();
  const problems: string[] = [];
  for (const entry of parsed.entries) {
    if (!entry.storyFile) continue;
    const found = namedStoryFile(absRoot, files, entry.storyFile);
    if ("file" in found) named.set(entry.key, found.file);
    else
      problems.push(
        `${parsed.file}:${entry.line}: the story file "${entry.storyFile}" of ${entry.key} ${found.problem}; its file is found by its key instead`,
      );
  }
  const storyFiles: StoryFileIndex = {
    promoted: index.promoted,
    find: (key) => named.get(key) ?? index.find(key),
    foundByNumberOnly: (key) => !named.has(key) && index.foundByNumberOnly(key),
  };
  const sprint = withStories(parsed, storyFiles.promoted);
  return { sprint: { ...sprint, warnings: [...sprint.warnings, ...problems] }, storyFiles };
}

export function loadProject(root: string, options: LoadProjectOptions): LoadedProject {
  const absRoot = path.resolve(root);
  const files = discoverBmad(absRoot, options.config);
  const cache = new ParseCache(absRoot, options.cache !== false);
  const read = (rel: string) => readText(path.join(absRoot, rel));

  const sprintText = read(files.sprintStatus);
  // A file that does not parse throws here, so only good parses are ever cached.
  const parsed = cache.get(
    "sprint",
    contentKey(files.sprintStatus, sprintText),
    () => parseSprintStatus(sprintText, files.sprintStatus),
    files.sprintStatus,
  );
  const { sprint, storyFiles } = withStoryFiles(absRoot, files, parsed);
  const warnings = [...sprint.warnings];

  const projectName = path.basename(absRoot);
  let architecture: ArchitectureDoc | undefined;
  // Each file of a sharded architecture is read on its own: one that cannot be is left out,
  // named, and the rest still draw the tree. The stories still say what they touch.
  const docs: Array<{ file: string; text: string }> = [];
  for (const file of files.architecture) {
    try {
      const text = markdownText(read(file));
      assertParseable(text);
      docs.push({ file, text });
    } catch (error) {
      const line = (error as { line?: unknown }).line;
      const at = typeof line === "number" ? `${file}:${line}` : file;
      warnings.push(`${at}: could not be read (${errorLine(error)}); planned without it`);
    }
  }
  if (docs.length > 0) {
    try {
      const topLevel = topLevelNames(absRoot);
      const key = contentKey(
        projectName,
        topLevel.join("\n"),
        ...docs.flatMap((d) => [d.file, d.text]),
      );
      architecture = cache.get(
        "architecture",
        key,
        () => parseArchitecture(docs, projectName, topLevel),
        "architecture",
      );
    } catch (error) {
      warnings.push(
        `${docs.map((d) => d.file).join(", ")}: could not be read (${errorLine(error)}); planned without it`,
      );
    }
  }
  const componentNames = [...new Set(architecture?.components.map((c) => c.name) ?? [])];
  const componentsKey = componentNames.join("\n");

  const requested = options.ids && options.ids.length > 0;
  const batchEntries: SprintEntry[] = [];
  if (requested) {
    for (const id of options.ids ?? []) {
      const entry = resolveStoryId(sprint, id, storyFiles.find);
      if (batchEntries.includes(entry)) continue;
      batchEntries.push(entry);
      if (entry.status !== "ready-for-dev") {
        warnings.push(
          `${entry.key} is "${entry.status}", not ready-for-dev: planned because it was named`,
        );
      }
    }
  } else {
    batchEntries.push(
      ...sprint.entries.filter((e) => e.kind === "story" && e.status === "ready-for-dev"),
    );
  }
  const inBatch = new Set(batchEntries.map((e) => e.key));
  const inProgressEntries = sprint.entries.filter(
    (e) => e.kind === "story" && e.status === "in-progress" && !inBatch.has(e.key),
  );

  const load = (entry: SprintEntry, isRequested: boolean, notes = warnings): LoadedStory => {
    const file = storyFiles.find(entry.key);
    if (!file) {
      notes.push(
        `${entry.key} (${files.sprintStatus}:${entry.line}) has no story file; looked for ${entry.key}.md (or story-${entry.key}.md, spec-${entry.key}.md, or the same words after its number) under ${files.storiesDir}/`,
      );
      return { entry, requested: isRequested };
    }
    if (storyFiles.foundByNumberOnly(entry.key))
      notes.push(
        `${entry.key} (${files.sprintStatus}:${entry.line}): no story file has its name; took ${file}, the only one with its number`,
      );
    let doc: StoryDoc;
    try {
      const text = readStory(absRoot, file);
      doc = cache.get(
        "story",
        contentKey(text, componentsKey),
        () => parseStory(text, { componentNames }),
        file,
      );
    } catch (error) {
      const line = (error as { line?: unknown }).line;
      const at = typeof line === "number" && line > 0 ? line : 1;
      return {
        entry,
        file,
        requested: isRequested,
        error: { file, line: at, message: errorLine(error) },
      };
    }
    for (const problem of doc.problems ?? [])
      notes.push(`${file}:${problem.line}: ${problem.message}`);
    if (doc.status && doc.status.value !== entry.status) {
      notes.push(
        `${file}:${doc.status.line}: the story says "Status: ${doc.status.value}" but ${files.sprintStatus} says "${entry.status}" (the sprint file counts)`,
      );
    }
    return { entry, file, doc, requested: isRequested };
  };

  const disk = globSync("**/*", {
    cwd: absRoot,
    onlyFiles: false,
    dot: true,
    ignore: WALK_IGNORE,
  }).slice(0, WALK_LIMIT);

  const batch = batchEntries.map((entry) => load(entry, Boolean(requested)));
  const inProgress = inProgressEntries.map((entry) => load(entry, false));
  // A story of the batch may be done too (named again): its history reads the story loaded,
  // not a second parse of it (with the cache off, a large story cost the plan twice).
  const loaded = new Map([...batch, ...inProgress].map((story) => [story.entry.key, story]));
  return {
    files,
    sprint,
    ...(architecture ? { architecture } : {}),
    batch,
    inProgress,
    disk,
    warnings,
    done: sprint.entries.flatMap((entry) => {
      const file = entry.kind === "story" && FINISHED_STATUSES.has(entry.status);
      const storyFile = file ? storyFiles.find(entry.key) : undefined;
      return storyFile ? [{ entry, file: storyFile }] : [];
    }),
    loadStory: (entry) => {
      const earlier = loaded.get(entry.key);
      return earlier ? { ...earlier, entry, requested: false } : load(entry, false, []);
    },
    saveCache: () => cache.save(),
  };
}

/** The project's top-level folders (`src/`) and files, sorted; none when it cannot be listed. */
function topLevelNames(absRoot: string): string[] {
  try {
    return readdirSync(absRoot, { withFileTypes: true })
      .filter((entry) => entry.name !== ".athena" && entry.name !== ".git")
      .map((entry) => (entry.isDirectory() ? `${entry.name}/` : entry.name))
      .sort();
  } catch {
    return [];
  }
}

/**
 * Reads sprint-status.yaml into entries, each with its key, kind, status and line.
 *
 * The Document API is used even for reading so that line numbers come for free and the
 * writer (which must keep every comment) shares one parser. A file that does not parse is
 * an InputError naming the line and column; nothing is ever written from here.
 */
import {
  type Document,
  isMap,
  isScalar,
  isSeq,
  LineCounter,
  Pair,
  parseDocument,
  Scalar,
  type YAMLMap,
} from "yaml";
import { InputError } from "../util/errors.ts";
import { type Line, lineIndex } from "./clause-cue.ts";
import { foldNumberLetters, type KeyKind, parseKey, SAFE_KEY } from "./keys.ts";

/** `last_updated`, `generated_by`: a field's name, where story keys are written with `-`. */
const FIELD_NAME = /^[a-z]+(?:_[a-z]+)+$/;

export const STORY_STATUSES = ["backlog", "ready-for-dev", "in-progress", "review", "done"];
/** Values seen in real files; kept as they are, ranked for "never downgrade". */
export const LEGACY_STATUSES = [
  "drafted",
  "contexted",
  "completed",
  "deferred-post-mvp",
  "cancelled",
];
/**
 * Statuses of stories whose agent has finished: done, and review (the code is written; some
 * projects leave every story there). A dependency on such a story is met, the story is not
 * started again, and its File List says what it wrote.
 */
export const FINISHED_STATUSES: ReadonlySet<string> = new Set(["done", "completed", "review"]);
/** Words some projects use for a story past done: read as done, all the plan needs to know. */
const PAST_DONE = new Set(["complete", "deployed", "shipped", "released", "merged"]);
/**
 * A word right before a comment typed without its space (`done# Updated 2026-01-02`), which
 * YAML reads as one value: the word is the status, and the writer keeps the note.
 */
export const GLUED_COMMENT = /^([\w-]+)#.*$/u;
/**
 * A word, then only marks (`✅`, `🚧`), a note in brackets, or marks and then a note: the word
 * is the status. A note in words (`done - but reopened`) is no such mark, nor a `#` after a
 * mark (`done ✅# x`).
 */
const STATUS_THEN_MARK = /^([\w-]+)[^\p{L}\p{N}(（#_-]*(?:[(（].*)?$/u;
/** Keys named in one warning before "and N more". */
const MAX_LISTED = 5;

export interface SprintEntry {
  key: string;
  kind: KeyKind;
  status: string;
  /** 1-based line of the key in the file. */
  line: number;
  epic?: string;
  story?: string;
  /** `2.1`, for stories. */
  id?: string;
  /**
   * The story file an entry written as a mapping names itself (`story_file: stories/x.md`), as
   * written; the plan takes it over the file found by the key when it is a story file inside
   * the project.
   */
  storyFile?: string;
  /** Where the value is in the text, and how it is quoted: the writer changes only these bytes. */
  value: {
    start: number;
    end: number;
    quote: "plain" | "double" | "single";
    /** Set when the status is the entry's own `status:` field (an entry written as a mapping). */
    field?: "status";
    /** Set when the key and the status are parted by a full-width colon (`1-1-x：done`). */
    colon?: "full-width";
  };
}

export interface SprintStatus {
  file: string;
  entries: SprintEntry[];
  /** Statuses not known to BMAD, kept as they are but worth a warning. */
  warnings: string[];
  /** 1-based lines left out of the reading: their value breaks the YAML (see parseLeniently). */
  unread?: number[];
  /** Keys whose entry was skipped for want of a status string, and their lines. */
  statusless?: Array<{ key: string; line: number }>;
  /** Story keys on lines left out for their indentation under another story, and the lines. */
  nested?: Array<{ key: string; line: number }>;
}

export function parseSprintStatus(text: string, file: string): SprintStatus {
  const { doc, lineCounter, masked, unread, nested, shifts, fullWidth } = parseLeniently(
    text,
    file,
  );
  const root = doc.contents;
  if (!isMap(root)) throw new InputError("expected a YAML mapping at the top level", file, 1, 1);
  // A repeated key counts as YAML readers take it: the last one (here as in the entries).
  const lastPair = (name: string) =>
    root.items.findLast((pair) => isScalar(pair.key) && pair.key.value === name);
  const statusPair = lastPair("development_status");
  const repeated = root.items.filter(
    (pair) => isScalar(pair.key) && pair.key.value === "development_status",
  );
  // A second `development_status:` block (an agent appended a sprint's stories at the end)
  // adds its entries to the first: reading only the last would lose every story above it.
  const maps = repeated.map((pair) => pair.value).filter((value) => isMap(value));
  const topWarnings = repeated
    .slice(0, -1)
    .map(
      (pair) =>
        `${file}:${lineOfNode(pair.key, lineCounter)}: "development_status" appears again at line ${lineOfNode(statusPair?.key, lineCounter)}; the entries of both are read (a key in both: the later one counts)`,
    );
  // An entry that lost its indentation (`1-2-b: done` at the left margin, or `´  1-2-b: done`
  // behind a typed mark, on the last line, where YAML finds nothing to object to) is a key of
  // the file's top level: its story would drop out of the plan unseen. Named and not read:
  // which block it belongs to is the author's to say.
  const outside =
    maps.length === 0
      ? []
      : root.items.flatMap((pair) => {
          const line = lineOfNode(pair.key, lineCounter);
          // `?   1-2-b: done`: YAML's mark of a complex key makes the entry, and the entries
          // below it, a key of the top level.
          if (!isScalar(pair.key))
            return [
              `${file}:${line}: a key at the top level of the file that is not a word (a \`?\` typed before an entry?); the entries in it and under it are not read`,
            ];
          const key = String(pair.key.value).replace(STRAY_MARK_BEFORE, "");
          // Entries under another key of the top level (`standalone_fixes:`, a `notes:` left
          // empty above indented entries) are that key's, not the sprint's: named.
          const held = storyKeysIn(key === "development_status" ? undefined : pair.value);
          if (held.length > 0) {
            const them = held.length === 1 ? "it" : "them";
            return [
              `${file}:${line}: \`${key}:\` holds ${held.length === 1 ? "a story's entry" : `${held.length} stories' entries`} (\`${held[0]}\`${held.length > 1 ? ", ..." : ""}), outside \`development_status:\`; not read (move ${them} under \`development_status:\` to plan ${them})`,
            ];
          }
          if (!isStoryKey(key)) return [];
          return [
            `${file}:${line}: \`${key}\` stands at the top level of the file, outside \`development_status:\`${key === pair.key.value ? "" : " (a mark typed before it?)"}; not read (indent it as the entries above it to plan it)`,
          ];
        });
  // Some BMAD ports and workflows list the stories as items (`epics:` of `stories:`, `sprints:`
  // of `stories:` or of `epics:`, or `stories:` itself), each with an id and a status: read as
  // entries when their ids are epic and story numbers.
  const list = LIST_LAYOUTS.map(lastPair).find(
    (pair) => pair && (isSeq(pair.value) || isMap(pair.value)),
  );
  const unreadIds: Scalar[] = [];
  const listed =
    maps.length === 0 && list
      ? listEntries(list.value, String((list.key as Scalar).value), (id) => unreadIds.push(id))
      : [];
  // Read only when some story has a status: epics alone (their stories ids in a list of
  // strings, `stories: ["US-091"]`) would read as a sprint of no story, and say nothing.
  const listedStory = listed.some(
    (pair) => parseKey(String(pair.key.value)).kind === "story" && statusOf(pair.value),
  );
  // `development_status:` with nothing under it (a fresh stub, or every entry commented out)
  // is a sprint of no story yet, not a file of another shape.
  const emptyStatus = repeated.some(
    (pair) => pair.value == null || (isScalar(pair.value) && pair.value.value == null),
  );
  if (maps.length === 0 && !listedStory && !emptyStatus) {
    // Say what the file is, not only what it lacks.
    if (list)
      throw new InputError(
        `this file keeps its stories under \`${String((list.key as Scalar).value)}:\`, a layout of another BMAD port that athena-parallel does not read; it plans from BMAD METHOD's \`development_status:\` mapping of story key: status`,
        file,
        lineOfNode(list.key, lineCounter),
      );
    if (statusPair)
      throw new InputError(
        "`development_status:` holds no mapping of key: status (a list or a plain value)",
        file,
        lineOfNode(statusPair.key, lineCounter),
      );
    const line = lineOfNode(root, lineCounter);
    const top = root.items.map(
      (pair) => `\`${String(isScalar(pair.key) ? pair.key.value : "?")}:\``,
    );
    const shown =
      top.length > 6 ? `${top.slice(0, 5).join(", ")} and ${top.length - 5} more` : top.join(", ");
    throw new InputError(
      `expected a \`development_status:\` mapping of key: status${top.length > 0 ? `; the file has ${shown} at the top level` : ""}`,
      file,
      line,
    );
  }
  // An epic's entry written as a mapping with its stories under it (`epic-5:` over
  // `status: in-progress` and `stories:`): each story is an entry, after its epic's. Listed with
  // ids (`- id: "5.1"` / `status: done`), as in a list layout; keyed (`5-1-a: done`, as a
  // mapping or as list items), as development_status's own entries are.
  const storiesUnder = (pair: Pair<unknown, unknown>): Array<Pair<unknown, unknown>> => {
    const epic = isScalar(pair.key) && parseKey(String(pair.key.value)).kind === "epic";
    const stories = epic && isMap(pair.value) ? pair.value.get("stories") : undefined;
    if (isMap(stories)) return stories.items;
    if (!isSeq(stories)) return [];
    const keyed = stories.items.flatMap((item) =>
      isMap(item) && !item.has("id") && !item.has("key") ? item.items : [],
    );
    return [...listEntries(stories, "stories", (id) => unreadIds.push(id)), ...keyed];
  };
  const statusNode = {
    items: [
      ...maps.flatMap((map) => map.items.flatMap((pair) => [pair, ...storiesUnder(pair)])),
      ...listed,
    ],
  };

  const raw: Array<{
    key: string;
    status: string;
    line: number;
    value: SprintEntry["value"];
    storyFile?: string;
  }> = [];
  const skipped: string[] = [
    ...masked,
    ...topWarnings,
    ...outside,
    // Said, not dropped in silence: a story of the sprint the plan would never see.
    ...unreadIds.map(
      (id) =>
        `${file}:${lineOfNode(id, lineCounter)}: "${String(id.source ?? id.value)}" is no epic and story number (expected like 1.2, 1-2 or story-1.2); entry skipped`,
    ),
  ];
  const statusless: Array<{ key: string; line: number }> = [];
  // Where each key's last occurrence is: an earlier one does not count, even when the last is
  // the one skipped for want of a status.
  const keyOf = (pair: (typeof statusNode.items)[number]) =>
    isScalar(pair.key) ? String(pair.key.value) : String(pair.key);
  const lastLine = new Map(
    statusNode.items.map((pair) => [keyOf(pair), lineOfNode(pair.key, lineCounter)]),
  );
  for (const pair of statusNode.items) {
    const key = keyOf(pair);
    const line = lineOfNode(pair.key, lineCounter);
    const later = lastLine.get(key);
    if (later !== undefined && later !== line) {
      skipped.push(again(file, key, line, later));
      continue;
    }
    const value = statusOf(pair.value);
    if (!value) {
      // One odd entry must not cost the whole sprint: it is skipped, named, and left as it is.
      skipped.push(`${file}:${line}: expected a status string for "${key}"; entry skipped`);
      statusless.push({ key, line });
      continue;
    }
    const [from, to] = value.range ?? [0, 0];
    // A line read at another indentation holds its values further on in the file.
    const shift = shifts.get(lineCounter.linePos(from).line) ?? 0;
    const [start, end] = [from + shift, to + shift];
    const quote =
      value.type === Scalar.QUOTE_DOUBLE
        ? "double"
        : value.type === Scalar.QUOTE_SINGLE
          ? "single"
          : "plain";
    const field = value === pair.value ? {} : { field: "status" as const };
    const storyFile = storyFileOf(pair.value);
    raw.push({
      key,
      status: String(value.value),
      line,
      value: { start, end, quote, ...field },
      ...(storyFile ? { storyFile } : {}),
    });
  }

  // Entries parted by a full-width colon, read by hand (see fullWidthColons), in line order.
  // A key on two lines counts as YAML's keys do: the last one, even one skipped for want of
  // a status.
  const handLine = new Map(fullWidth.map((entry) => [entry.key, entry.line]));
  for (const entry of fullWidth) {
    const last = Math.max(lastLine.get(entry.key) ?? 0, handLine.get(entry.key) ?? 0);
    if (last !== entry.line) {
      skipped.push(again(file, entry.key, entry.line, last));
      continue;
    }
    const earlier = lastLine.get(entry.key);
    if (earlier !== undefined) {
      skipped.push(again(file, entry.key, earlier, entry.line));
      const at = raw.findIndex((r) => r.key === entry.key);
      if (at >= 0) raw.splice(at, 1);
      const none = statusless.findIndex((r) => r.key === entry.key);
      if (none >= 0) statusless.splice(none, 1);
    }
    raw.push({
      key: entry.key,
      status: entry.status,
      line: entry.line,
      value: { start: entry.start, end: entry.end, quote: "plain", colon: "full-width" },
    });
  }
  if (fullWidth.length > 0) raw.sort((x, y) => x.line - y.line);

  const knownEpics = new Set<string>();
  for (const { key } of raw) {
    const parsed = parseKey(key);
    if (parsed.kind === "epic" && parsed.epic) knownEpics.add(parsed.epic);
  }
  // `pm-01: contexted` over `pm-01-1-project-api`, `pm-01-2-phase-api`: a module's epics
  // written as the module's word and the epic's number, with no `epic-` before them.
  const folded = raw.map(({ key }) => foldNumberLetters(key));
  const storyEpics = new Set(folded.flatMap((key) => TRACK_STORY.exec(key)?.[1] ?? []));
  for (const key of folded) {
    const track = TRACK_EPIC.exec(key);
    if (track && storyEpics.has(key)) knownEpics.add(`${track[1]}.${track[2]}`);
  }
  const known = new Set([...STORY_STATUSES, ...LEGACY_STATUSES, "optional"]);
  const warnings: string[] = [...skipped];
  const unknown: Array<{ key: string; status: string; line: number }> = [];
  const entries = raw.map(({ key, status: written, line, value, storyFile }): SprintEntry => {
    // `Done`, `in progress`, `ready_for_dev`: a person's spelling of a status BMAD knows.
    const spelled = written
      .trim()
      .toLowerCase()
      .replace(/[\s_]+/g, "-");
    // `done ✅`, `done (merged into r-2)`: a status, then a mark or a note in brackets.
    const trimmed = written.trim();
    const marked = (GLUED_COMMENT.exec(trimmed) ?? STATUS_THEN_MARK.exec(trimmed))?.[1]
      ?.toLowerCase()
      .replace(/_/g, "-");
    const status = known.has(spelled)
      ? spelled
      : PAST_DONE.has(spelled)
        ? "done"
        : marked && known.has(marked)
          ? marked
          : written;
    // `last_updated: 2026-08-19` written among the stories is a field of the file, no story:
    // a snake_case name is no story key's shape, so its value is no status to warn about.
    if (!known.has(status) && !FIELD_NAME.test(key)) unknown.push({ key, status, line });
    return {
      key,
      status,
      line,
      value,
      ...(storyFile ? { storyFile } : {}),
      ...parseKey(key, knownEpics),
    };
  });
  subStoryIds(entries);
  warnings.push(...unknownStatusWarnings(file, unknown));

  return {
    file,
    entries,
    warnings,
    ...(unread.length > 0 ? { unread } : {}),
    ...(statusless.length > 0 ? { statusless } : {}),
    ...(nested.length > 0 ? { nested } : {}),
  };
}

/** The warning for a key on two lines of the sprint file: the later one counts, as in YAML. */
function again(file: string, key: string, line: number, later: number): string {
  return `${file}:${line}: "${key}" appears again at line ${later}; the last one counts`;
}

/**
 * The scalar that holds an entry's status: its value (`1-1-x: done`), or the `status:` of an
 * entry written as a mapping (`1-1-x:` then `status: done`, `epic: 1`, `name: ...`), as some
 * ports keep more about each story; the writer changes that scalar's bytes alike.
 */
function statusOf(value: unknown): Scalar | undefined {
  return plainScalar(isMap(value) ? value.get("status", true) : value);
}

/** The fields in which an entry written as a mapping names its story file. */
const STORY_FILE_FIELDS = ["story_file", "storyFile", "story_path"];

/** The story file an entry written as a mapping names (`story_file: ...`), if it names one. */
function storyFileOf(value: unknown): string | undefined {
  if (!isMap(value)) return undefined;
  for (const field of STORY_FILE_FIELDS) {
    const named = plainScalar(value.get(field, true))?.value;
    if (typeof named === "string" && named.trim()) return named.trim();
  }
  return undefined;
}

/** The node when it is a scalar with a value (not null, not a list or mapping in braces). */
function plainScalar(node: unknown): Scalar | undefined {
  return isScalar(node) && node.value !== null && typeof node.value !== "object" ? node : undefined;
}

/** A track's word and an epic's number alone: `pm-01`. */
const TRACK_EPIC = /^((?!(?:epic|story)-)[a-z][a-z0-9]*)-(\d+[a-z]?)$/i;
/** A story under such an epic (`pm-01-1-project-api`), with the epic's key as its group. */
const TRACK_STORY = /^([a-z][a-z0-9]*-\d+[a-z]?)-\d+[a-z]?-[a-z]/i;

/** What a key left out of the plan is not: it names no story, by its shape or by a file. */
export const NOT_A_STORY = "neither a story key ({epic}-{story}-{slug}) nor a story file's name";

/**
 * The sprint as the plan reads it: the keys of no story shape that are stories after all (they
 * have a story file of their own name, `hotfix-audio-clicks.md`) become stories whose id is
 * their key, and the keys still left out of every plan are named in a warning.
 */
export function withStories(sprint: SprintStatus, keys: readonly string[]): SprintStatus {
  const promoted = new Set(keys);
  const entries = sprint.entries.map(
    (entry): SprintEntry =>
      entry.kind === "other" && promoted.has(entry.key)
        ? { ...entry, kind: "story", id: entry.key }
        : entry,
  );
  // A field of the file among the stories (`last_updated: 2026-08-19`, a date or a count) leaves
  // no story out; a key of that shape with a word for its value (`user_profile_page:
  // in-progress`, `payment_webhook: blocked`) may.
  const other = entries.filter(
    (entry) => entry.kind === "other" && !(FIELD_NAME.test(entry.key) && /^\d/.test(entry.status)),
  );
  if (other.length === 0) return { ...sprint, entries };
  const shown = other.slice(0, MAX_LISTED).map((entry) => `${entry.key} (line ${entry.line})`);
  const more = other.length > MAX_LISTED ? ` and ${other.length - MAX_LISTED} more` : "";
  const warning = `${sprint.file}: ${other.length === 1 ? "a key is" : `${other.length} keys are`} ${NOT_A_STORY}, so left out of the plan: ${shown.join(", ")}${more}`;
  return { ...sprint, entries, warnings: [...sprint.warnings, warning] };
}

/** Unknown statuses named one by one; the rest are counted with their lines. */
const MAX_UNKNOWN = 10;
/** Lines listed after "and N more". */
const MAX_LINES = 20;
/** How much of an unknown status a warning quotes. */
const STATUS_EXCERPT = 60;

/**
 * The warnings for statuses BMAD does not know, kept as they are: one each for the first ten,
 * then one for the rest. A sprint file that keeps fields beside its stories (`e1-1-jira-id:
 * SCRUM-11`, `e1-1-points: 3`, `epic-1-notes: |` and a paragraph) has hundreds, and a plan
 * must still be read. Each status is quoted on one line, cut short.
 */
function unknownStatusWarnings(
  file: string,
  unknown: ReadonlyArray<{ key: string; status: string; line: number }>,
): string[] {
  // Its first line with text (a paragraph may open with a blank one), in whole characters: an
  // emoji is never cut in two.
  const quoted = (status: string) => {
    const first = status.split(/\r?\n/).find((line) => line.trim() !== "") ?? "";
    const chars = [...first];
    const cut = chars.length > STATUS_EXCERPT || first.trim() !== status.trim();
    return `"${chars.slice(0, STATUS_EXCERPT).join("")}${cut ? "…" : ""}"`;
  };
  const named = unknown
    .slice(0, MAX_UNKNOWN)
    .map(
      ({ key, status, line }) =>
        `${file}:${line}: unknown status ${quoted(status)} for ${key} (kept as it is)`,
    );
  const rest = unknown.slice(MAX_UNKNOWN);
  if (rest.length === 0) return named;
  const lines = rest.slice(0, MAX_LINES).map((entry) => entry.line);
  const more = rest.length > MAX_LINES ? `, and ${rest.length - MAX_LINES} more` : "";
  return [
    ...named,
    rest.length === 1
      ? `${file}: 1 more entry has a status BMAD does not know (kept as it is), at line ${lines[0]}`
      : `${file}: ${rest.length} more entries have statuses BMAD does not know (kept as they are), at lines ${lines.join(", ")}${more}`,
  ];
}

/** Lines left out of the parse, at most: past that, the file is more broken than odd. */
const MAX_MASKED = 20;
/**
 * The syntax errors a value alone makes, each with the line that makes it: a colon and a space
 * in a plain value (`last_updated: 2026-03-29 (Epic 18 added: done)`, or spaced the French way,
 * `revue : 2 passes`), a value starting with a reserved character (`@x`, `` `x` ``). The parser
 * names the line where the value starts, so the line itself must show the fault: a value that
 * runs on to a deeper line (`1-3-c: review` then `    blocked: QA`) is the file's shape, not
 * one value, and is refused.
 */
const VALUE_ERRORS: Readonly<Record<string, RegExp>> = {
  BLOCK_AS_IMPLICIT_KEY: /^[ \t]*[^\s#][^:\r\n]*:[ \t]+[^\r\n]*?:[ \t]/,
  BAD_SCALAR_START: /^[ \t]*[^\s#][^:\r\n]*:[ \t]+[@`]/,
  // A backslash YAML takes for a bad escape in a double-quoted value, as a Windows path's
  // (`story_location: "C:\Users\sam\app"`: `\U` is no escape); on any key, as the others.
  BAD_DQ_ESCAPE: /^[ \t]*[^\s#][^:\r\n]*:[ \t]+"[^"\r\n]*\\/,
};

/** The top-level lists other BMAD ports keep their stories in, sprint or epic first. */
const LIST_LAYOUTS = ["sprints", "epics", "stories"];

/** A listed story's id: `story-1.2`, `1.2`, `STORY-1-2`, `1-2` (its epic and its number). */
const LISTED_STORY = /^(?:story[-_ ]?)?(\d+[a-z]?)[.-](\d+[a-z]?)$/i;
/** A listed epic's id: `epic-1`, `EPIC-1`, `1`. */
const LISTED_EPIC = /^(?:epic[-_ ]?)?(\d+[a-z]?)$/i;

/**
 * The items of a list layout as `key: {status}` pairs, the key as BMAD METHOD would write it
 * (`1-2-title-words` for `id: story-1.2` titled "Title Words"; `epic-1` for `id: epic-1` under
 * `epics:`), each pair's value the item itself, so its `status:` is read and written in place.
 * Items whose id is no epic or story number are not entries; one with no status is skipped and
 * named, as any entry is; with no story that has a status, the layout is refused.
 */
function listEntries(
  list: unknown,
  layout: string,
  onUnread: (id: Scalar) => void,
): Array<Pair<Scalar, unknown>> {
  const pairs: Array<Pair<Scalar, unknown>> = [];
  // A list's items, or a keyed list's values with their keys (`epic-1:`, `1-1-a:`).
  const itemsOf = (node: unknown): Array<{ item: unknown; name?: Scalar }> =>
    isSeq(node)
      ? node.items.map((item) => ({ item }))
      : isMap(node)
        ? node.items.map((pair) => ({
            item: pair.value,
            ...(isScalar(pair.key) ? { name: pair.key } : {}),
          }))
        : [];
  // Whether the items are epics: the top-level `epics:` list's, or a sprint's (`sprints:` of
  // `epics:` of `stories:`, as some sprint-planning runs write it).
  const visit = (node: unknown, itemsAreEpics: boolean) => {
    for (const { item, name } of itemsOf(node)) {
      if (!isMap(item)) continue;
      const at = plainScalar(item.get("id", true)) ?? plainScalar(item.get("key", true)) ?? name;
      // As written: a plain `1.10` is the number 1.1 to YAML, the story 1.10 to its author.
      const key = at
        ? listedKey(item, (at.source ?? String(at.value)).trim(), itemsAreEpics)
        : undefined;
      const parent = item.has("stories") || item.has("epics");
      if (key && at) {
        const keyNode = new Scalar(key);
        keyNode.range = at.range;
        pairs.push(new Pair(keyNode, item));
      } else if (at && !parent && statusOf(item)) onUnread(at);
      visit(item.get("stories"), false);
      visit(item.get("epics"), true);
    }
  };
  visit(list, layout === "epics");
  if (layout !== "sprints") return pairs;
  // An epic that spans sprints, or a story carried over to the next, is listed under each: the
  // latest sprint's entry counts, and is the one the writer changes.
  const last = new Map(pairs.map((pair, i) => [String(pair.key.value), i]));
  return pairs.filter((pair, i) => last.get(String(pair.key.value)) === i);
}

/** The key BMAD METHOD would give a listed item (see listEntries), or undefined. */
function listedKey(item: YAMLMap, id: string, epics: boolean): string | undefined {
  const story = LISTED_STORY.exec(id);
  if (story) {
    // The entry's own slug, when it gives one (`slug: event-system`): its story file bears it.
    const given = item.get("slug");
    const title =
      typeof given === "string" && given.trim() ? given : (item.get("title") ?? item.get("name"));
    const slug = (typeof title === "string" || typeof title === "number" ? String(title) : "")
      .toLowerCase()
      .normalize("NFKD")
      .replace(/\p{M}/gu, "") // `é` is `e`
      .replace(/[^a-z0-9]+/g, "-")
      .replace(/^-+|-+$/g, "")
      .slice(0, 80)
      .replace(/-+$/, "");
    return [story[1], story[2], slug].filter(Boolean).join("-").toLowerCase();
  }
  const epic = LISTED_EPIC.exec(id);
  if (epic)
    return epics && (isSeq(item.get("stories")) || isMap(item.get("stories")))
      ? `epic-${epic[1]?.toLowerCase()}`
      : undefined;
  // Already a story key (`1-1-a:` keyed under its epic).
  return isStoryKey(id) ? id : undefined;
}

/**
 * A setting above the entries whose value starts with one of BMAD's placeholders, unquoted, as
 * BMAD's template writes it (`story_location: {project-root}/docs/stories`): YAML reads the
 * `{...}` as a mapping and the rest as an error. The setting is read from the line itself
 * (discover.ts); the parse leaves it out.
 */
const PLACEHOLDER_VALUE = /^[A-Za-z_][\w-]*:[ \t]+\{[\w-]+\}[^\s#]/;

/**
 * The errors a line of prose makes where an entry was expected: a comment an editor wrapped
 * onto a line of its own without its `#` (`  epic-B: done  # a long note that` then
 * ` goes on here`). Such a line is left out only when it holds no entry (ENTRY_SHAPE): an
 * entry at a wrong indentation is the file's shape, and refused.
 */
const STRAY_LINE_ERRORS = new Set(["BAD_INDENT", "MULTILINE_IMPLICIT_KEY"]);
/** A key of one word, then its colon: `1-2-b: in-progress (blocked)`, whatever the value. */
const ENTRY_SHAPE = /^[ \t]*[^\s:#]+:(?:[ \t]|$)/;
/**
 * One to three marks that start no key, comment, list item or flow collection, then spaces: what
 * a key typed before an entry's indentation leaves (`´  4-6-x: done`).
 */
export const STRAY_MARK_BEFORE = /^([^\p{L}\p{N}\s#"'[{&*!|>%@`-]{1,3})[ \t]+/u;
/**
 * The same with a mark of YAML's own, which starts a list item, an anchor or a tag (`-   2-4-x:
 * done` among entries): read only where the parse broke on that line, and only before a story's
 * or an epic's key (`- id: 1.2` is an item of a layout that lists its stories).
 */
const SYNTAX_MARK_BEFORE = /^(-|&[^\s:]+|![^\s:]*)[ \t]+/;
/** What a second document holds when it holds entries: the block, or a story's key. */
const HOLDS_ENTRIES =
  /^(?:development_status\s*:|[ \t]+["']?\d+[a-z]?-\d+[a-z]?-[^\s:]*["']?\s*:)/im;

/**
 * The file's YAML document, read as YAML readers read it; a line whose value breaks the syntax
 * (VALUE_ERRORS: `last_updated: 2026-03-29 (Epic 18 added: story done)`, an unquoted colon an
 * agent wrote) or a line of prose where an entry was expected (STRAY_LINE_ERRORS) is left out
 * of the parse and named, the rest read; so is a second document (`---` and notes after the
 * entries). The lines are blanked in the parsed copy only, to spaces, so every offset stays the
 * file's own: the writer changes a status's bytes in the file as it is. Two kinds of line are
 * read another way, their offsets kept too: entries parted by a full-width colon, blanked and
 * read by hand (`fullWidth`, see fullWidthColons), and a block's first entries typed deeper
 * than the rest, read at the rest's column, their values `shifts` further on in the file (see
 * deeperFirstEntries). Other syntax errors (a broken block, an entry at a bad indentation, an
 * unclosed quote) are an InputError naming the line and column of the file's first error.
 */
function parseLeniently(
  text: string,
  file: string,
): {
  doc: Document.Parsed;
  lineCounter: LineCounter;
  masked: string[];
  unread: number[];
  nested: Array<{ key: string; line: number }>;
  /** Lines read at another indentation: how far on in the file their values are. */
  shifts: Map<number, number>;
  fullWidth: FullWidthEntry[];
} {
  const nested: Array<{ key: string; line: number }> = [];
  const shifts = new Map<number, number>();
  const unread: number[] = [];
  // The lines left out, each note with its line.
  const masked: Note[] = [];
  // Read as plain spaces before the parse, and named with the lines left out, in line order
  // (each kind of note has its own cap).
  const plain = plainIndentation(text, file);
  const colons = fullWidthColons(plain.source, file);
  let source = colons.source;
  let refusal: InputError | undefined; // the file's first syntax error, as it is
  // Line `n`'s entry, `typed` columns in, read at `column` (a deeper first entry, a stray
  // mark before one): what stands before it moves to the line's end in YAML's copy, so every
  // other line's offsets stay the file's own, and this line's values stand that much further on.
  const readAt = (lineCounter: LineCounter, n: number, typed: number, column: number) => {
    const at = lineAt(source, lineCounter, n) ?? NO_LINE;
    const cut = typed - column;
    source =
      source.slice(0, at.start) +
      " ".repeat(column) +
      at.text.slice(typed) +
      " ".repeat(cut) +
      source.slice(at.end);
    shifts.set(n, (shifts.get(n) ?? 0) + cut);
  };
  for (;;) {
    const lineCounter = new LineCounter();
    // Duplicate keys are read, not refused: sprint files edited by agents and people repeat an
    // entry now and then, and one repeated retrospective must not cost the whole sprint.
    const doc = parseDocument(source, { lineCounter, prettyErrors: false, uniqueKeys: false });
    const first = doc.errors[0];
    if (!first) {
      const notes = [...plain.notes, ...colons.notes, ...masked].sort((x, y) => x.line - y.line);
      return {
        doc,
        lineCounter,
        masked: notes.map((note) => note.text),
        unread,
        nested,
        shifts,
        fullWidth: colons.entries,
      };
    }
    const pos = first.linePos?.[0] ?? lineCounter.linePos(first.pos[0]);
    const what = first.message.split("\n")[0] ?? first.code;
    const culprit = likelyCulprit(first.code, what, source, lineCounter, pos.line);
    // YAML may place a misindented entry's error on the blank or comment lines before it.
    const at = firstContentLine(source, lineCounter, pos);
    // A space read as one plain space (a full-width one looks two wide) may be what misaligns
    // the line: said with the refusal.
    const spaced = (line: number) => {
      const name = plain.spaces.get(line);
      return name ? `; its indentation holds ${name}, read as one plain space` : "";
    };
    const markdown = refusal ? undefined : markdownInstead(source, lineCounter);
    refusal ??= markdown
      ? new InputError(
          `sprint-status.yaml is Markdown, not YAML (line ${markdown.line}: \`${markdown.text}\`): athena-parallel reads BMAD's sprint file, YAML with a \`development_status:\` mapping of story key: status, as sprint-planning writes it`,
          file,
          markdown.line,
        )
      : culprit
        ? new InputError(
            `sprint-status.yaml does not parse: ${culprit.why} (${what})${spaced(culprit.line)}`,
            file,
            culprit.line,
            culprit.col,
          )
        : new InputError(
            `sprint-status.yaml does not parse: ${what}${spaced(at.line)}`,
            file,
            at.line,
            at.col,
          );
    const { start, end, text: line } = lineAt(source, lineCounter, pos.line) ?? NO_LINE;
    const rest = source.slice(start);
    if (first.code === "MULTIPLE_DOCS" && masked.length < MAX_MASKED && !HOLDS_ENTRIES.test(rest)) {
      // Notes after a `---`: the entries are in the first document; the rest is not read. A
      // second document with entries in it is refused: which of the two counts is a guess.
      const last = pos.line + rest.replace(/(\r?\n|\r)$/, "").split(/\r?\n|\r/).length - 1;
      masked.push({
        line: pos.line,
        text: `${file}:${pos.line}: a second YAML document starts here; lines ${pos.line}-${last} are not read`,
      });
      for (let n = pos.line; n <= last; n++) unread.push(n);
      source = source.slice(0, start) + rest.replace(/[^\r\n]/g, " ");
      continue;
    }
    // A block's first entries indented deeper than the lines after them (`   epic-0: x` over
    // `  0-1-a: done`; settings at two spaces after `---` over `project: x` at none): YAML
    // takes a block's column from its first entry and refuses every line after. Where they
    // belong is plain, so they are read at the column of the lines after them.
    const deeper =
      masked.length < MAX_MASKED ? deeperFirstEntries(source, lineCounter, at.line) : undefined;
    if (deeper) {
      for (const n of deeper.lines) readAt(lineCounter, n, deeper.typed, deeper.column);
      const [top = 0, last = 0] = [deeper.lines[0], deeper.lines.at(-1)];
      masked.push({
        line: top,
        text: `${file}:${top === last ? top : `${top}-${last}`}: indented ${deeper.typed} spaces where the line after ${top === last ? "it" : "them"} has ${deeper.column}, in the same block; read as if indented ${deeper.column} (the file is left as it is)`,
      });
      continue;
    }
    // An entry typed one space deeper than the entries around it (`   1-5-a: done` between
    // `  1-4-b: done` and `  1-6-c: done`): a slip of the thumb, not a level (a sub-story is
    // nested a level deeper, and left out below). Read at their indentation.
    // YAML names the end of the entry above; the culprit is the line itself.
    const slip = culprit?.line ?? at.line;
    const slipped =
      masked.length < MAX_MASKED ? oneSpaceDeeper(source, lineCounter, slip) : undefined;
    if (slipped) {
      for (const n of slipped.lines) readAt(lineCounter, n, slipped.column + 1, slipped.column);
      const [top = 0, end = 0] = [slipped.lines[0], slipped.lines.at(-1)];
      masked.push({
        line: top,
        text: `${file}:${top === end ? top : `${top}-${end}`}: indented one space more than the entries around ${top === end ? "it" : "them"}; read as if indented ${slipped.column}, as they are (the file is left as it is)`,
      });
      continue;
    }
    // A key pressed before an entry's indentation (`´  4-6-x: done` among entries): the entry
    // is plain, and read at the indentation of the entry below it, as a deeper first entry is.
    const stray = culprit?.stray;
    if (stray && culprit && stray.typed >= stray.column && masked.length < MAX_MASKED) {
      readAt(lineCounter, culprit.line, stray.typed, stray.column);
      masked.push({
        line: culprit.line,
        text: `${file}:${culprit.line}: \`${stray.mark}\` typed before the entry's indentation (a stray key press?); read as if it were not there, at the indentation of the entry below it (the file is left as it is)`,
      });
      continue;
    }
    // A line indented under an entry that has a value of its own: a sub-story an author
    // nested by hand (`r-3-c: done ✅` over `    r-3-1-d: done`), or a note about the entry
    // (`13-6-x: done` over `    context: a/b.xml`; `pre_arrival_tests: 8` over a deeper
    // `cmr_view_tests: 10` in a block of counts). The entry above keeps its value, which
    // can hold none of them; only that line is broken: it is left out and named, the rest read.
    const under =
      culprit && culprit.line > pos.line && masked.length < MAX_MASKED
        ? lineUnderValue(line, lineAt(source, lineCounter, culprit.line)?.text)
        : undefined;
    if (under && culprit) {
      if (under.story) nested.push({ key: under.key, line: culprit.line });
      const below = lineAt(source, lineCounter, culprit.line) ?? NO_LINE;
      // Under a setting of the top level (`notes: x`), not a story: where the entry belongs
      // is `development_status:`.
      const topKey = /^([^\s:#]+):/.exec(line)?.[1];
      const setting = topKey && parseKey(topKey).kind === "other" ? topKey : undefined;
      masked.push({
        line: culprit.line,
        text: !under.story
          ? `${file}:${culprit.line}: \`${under.key}:\` is indented under the entry above, which has a value of its own; the line is left as it is and not read`
          : setting
            ? `${file}:${culprit.line}: \`${under.key}\` is indented under \`${setting}:\`, a setting at the top level of the file, outside \`development_status:\`; the line is left as it is and not read (move it under \`development_status:\` to plan it)`
            : `${file}:${culprit.line}: \`${under.key}\` is indented under the entry above, which has a status of its own; the line is left as it is and not read (indent it as the entries beside it to plan it)`,
      });
      unread.push(culprit.line);
      source =
        source.slice(0, below.start) + " ".repeat(below.text.length) + source.slice(below.end);
      continue;
    }
    // BMAD's own template wrote a placeholder line: left out without a word, as every reader
    // of it must; any other line left out is named.
    if (!PLACEHOLDER_VALUE.test(line) || unread.length >= MAX_MASKED) {
      const valueError = VALUE_ERRORS[first.code]?.test(line) === true;
      const strayLine = STRAY_LINE_ERRORS.has(first.code) && !ENTRY_SHAPE.test(line);
      if (masked.length >= MAX_MASKED || !(valueError || strayLine)) throw refusal;
      masked.push({
        line: pos.line,
        text: strayLine
          ? `${file}:${pos.line}: text where an entry was expected (a comment without its \`#\`?); the line is left as it is and not read`
          : `${file}:${pos.line}: does not parse as YAML (${what}); the line is left as it is and not read`,
      });
    }
    unread.push(pos.line);
    source = source.slice(0, start) + " ".repeat(line.length) + source.slice(end);
  }
}

/** How many spaces a line's indentation starts with. */
function spacesOf(line: string): number {
  return /^ */.exec(line)?.[0].length ?? 0;
}

/** An indentation with a tab in it: no column to read a line at. */
const TAB_INDENT = /^ *\t/;

/**
 * The lines typed one space deeper than the entries around them, line `n` among them: each an
 * entry with a value, the entry above them an entry of `development_status:` itself with a
 * value of its own (so they are no fields of it, nor of a story's mapping above it), and below
 * them the entry at its column or the block's end.
 */
function oneSpaceDeeper(
  source: string,
  lineCounter: LineCounter,
  n: number,
): { lines: number[]; column: number } | undefined {
  const text = (line: number) => lineAt(source, lineCounter, line)?.text ?? "";
  const last = lineCounter.lineStarts.length;
  const here = text(n);
  const typed = spacesOf(here);
  const slipped = (line: string) =>
    VALUED_ENTRY.test(line) && !TAB_INDENT.test(line) && spacesOf(line) === typed;
  if (typed < 1 || !slipped(here)) return undefined;
  const lines = [n];
  const step = (from: number, by: number) => {
    let line = from + by;
    while (line >= 1 && line <= last && isBlankOrComment(text(line))) line += by;
    return line;
  };
  let above = step(n, -1);
  for (; above >= 1 && slipped(text(above)); above = step(above, -1)) lines.unshift(above);
  let below = step(n, 1);
  for (; below <= last && slipped(text(below)); below = step(below, 1)) lines.push(below);
  const [up, down] = [text(above), text(below)];
  const column = typed - 1;
  // The line that opens the block the entry above stands in: `development_status:` alone.
  let opener = above - 1;
  while (opener >= 1 && (isBlankOrComment(text(opener)) || spacesOf(text(opener)) >= column))
    opener--;
  if (opener < 1 || !STATUS_BLOCK.test(text(opener))) return undefined;
  const entryAbove =
    above >= 1 && spacesOf(up) === column && VALUED_ENTRY.test(up) && !TAB_INDENT.test(up);
  // Below them, the next entry at their column, or the block's end (the file's, or a line
  // further out): the last entries of a block typed deeper are read at it too.
  const endBelow =
    below > last ||
    (!TAB_INDENT.test(down) &&
      (spacesOf(down) < column || (spacesOf(down) === column && ENTRY_SHAPE.test(down))));
  return entryAbove && endBelow ? { lines, column } : undefined;
}

/** `pos`, or when its line is blank or a comment, the start of the first line after it that is neither. */
function firstContentLine(
  source: string,
  lineCounter: LineCounter,
  pos: { line: number; col: number },
): { line: number; col: number } {
  const last = lineCounter.lineStarts.length;
  for (let n = pos.line; n <= last; n++) {
    const text = lineAt(source, lineCounter, n)?.text ?? "";
    if (!isBlankOrComment(text)) {
      return n === pos.line ? pos : { line: n, col: (/^[ \t]*/.exec(text)?.[0].length ?? 0) + 1 };
    }
  }
  return pos;
}

/** A line of nothing but spaces, or a comment. */
function isBlankOrComment(line: string): boolean {
  return line.trim() === "" || /^[ \t]*#/.test(line);
}

/** An entry with a value on its line (`  1-2-b: done`, `  generated: 2026-04-20`). */
const VALUED_ENTRY = /^[ \t]*[^\s:#]+:[ \t]+[^\s#]/;
/** The line that opens the entries' block (a byte-order mark may stand before it, on line 1). */
const STATUS_BLOCK = /^\uFEFF?development_status[ \t]*:[ \t]*(?:#.*)?\r?$/;
/** A key with nothing after it on its line: it opens a block below. */
const OPENS_BLOCK = /^[ \t]*[^\s:#]+:[ \t]*(?:#.*)?\r?$/;
/** A document's start marker. */
const DOCUMENT_START = /^\uFEFF?---[ \t]*(?:#.*)?\r?$/;

/**
 * The lines that open a block deeper than line `reported`, the line YAML refuses: entries
 * with a value, all at one indentation (`typed`), between `development_status:` (or the
 * document's start) and `reported`, when the entry after `reported` stands at its column
 * (`column`) too. Undefined when the lines above are anything else: under a story's own
 * mapping (`1-1-a:` over `status: done`) the deeper lines are its fields, and a story below
 * them would become one of them; an entry indented under another entry is the nested case.
 */
function deeperFirstEntries(
  source: string,
  lineCounter: LineCounter,
  reported: number,
): { lines: number[]; typed: number; column: number } | undefined {
  const text = (n: number) => lineAt(source, lineCounter, n)?.text ?? "";
  const here = text(reported);
  if (!ENTRY_SHAPE.test(here) || TAB_INDENT.test(here)) return undefined;
  const column = spacesOf(here);
  const lines: number[] = [];
  let typed = -1;
  let n = reported - 1;
  for (; n >= 1; n--) {
    const line = text(n);
    if (isBlankOrComment(line)) continue;
    const indent = spacesOf(line);
    if (indent <= column) break;
    if (!VALUED_ENTRY.test(line) || TAB_INDENT.test(line) || (typed !== -1 && indent !== typed))
      return undefined;
    typed = indent;
    lines.push(n);
  }
  if (lines.length === 0) return undefined;
  // The column is the block's when the entry after `here` stands at it too, or `here` opens a
  // block of its own (`development_status:` after settings typed deeper): a lone line there
  // may be the one mistyped (`   1-1-a: done` over ` 1-2-b: done`, the last).
  let next = reported + 1;
  while (next <= lineCounter.lineStarts.length && /^[ \t]*(?:#.*)?$/.test(text(next))) next++;
  const below = text(next);
  const sibling = spacesOf(below) === column && ENTRY_SHAPE.test(below);
  const opener = OPENS_BLOCK.test(here) && spacesOf(below) > column && ENTRY_SHAPE.test(below);
  if (!sibling && !opener) return undefined;
  const parent = n >= 1 ? text(n) : "---";
  const opens = DOCUMENT_START.test(parent) || (column > 0 && STATUS_BLOCK.test(parent));
  return opens ? { lines: lines.reverse(), typed, column } : undefined;
}

/** An entry whose key and status a full-width colon parts, read by hand. */
interface FullWidthEntry {
  key: string;
  status: string;
  line: number;
  /** Where the status is in the file. */
  start: number;
  end: number;
}

/**
 * `  1-1-作为玩家我可以起跳：done`: an entry typed with a Chinese or Japanese input method on
 * writes its colon full-width (U+FF1A), which YAML reads as text, and the file does not parse.
 * Under `development_status:` only, a line of a key, that colon and a value (no colon of
 * YAML's on it) is an entry: blanked in the copy YAML reads (its length kept, so every offset
 * is the file's own) and read by hand. Elsewhere such text is prose, and left to YAML.
 */
function fullWidthColons(
  text: string,
  file: string,
): { source: string; entries: FullWidthEntry[]; notes: Note[] } {
  const entries: FullWidthEntry[] = [];
  if (!text.includes("\uff1a")) return { source: text, entries, notes: [] };
  const lines = text.split("\n");
  let offset = 0;
  let inBlock = false; // under the top-level `development_status:`, until the next top-level key
  let entryIndent = -1; // its entries', from the first line under it
  for (const [i, line] of lines.entries()) {
    const start = offset;
    offset += line.length + 1;
    if (isBlankOrComment(line)) continue;
    const indent = /^[ \t]*/.exec(line)?.[0].length ?? 0;
    // The file's own block, at the top level: one inside a block of text or another mapping
    // is no list of the sprint's entries.
    if (STATUS_BLOCK.test(line)) {
      inBlock = true;
      entryIndent = -1;
      continue;
    }
    if (indent === 0) inBlock = false;
    if (inBlock && entryIndent < 0) entryIndent = indent;
    // An entry's own line, not a field of one written as a mapping.
    const entry = inBlock && indent === entryIndent ? FULL_WIDTH_ENTRY.exec(line) : null;
    // A story's, an epic's or a retrospective's key: a line of prose is left to YAML.
    if (!entry?.[1] || !entry[2] || parseKey(entry[1]).kind === "other") continue;
    if (!/^(?:\s+#[^\n]*|\s*)$/.test(line.slice(entry[0].length))) continue; // more than a comment
    const valueStart = start + (entry.index ?? 0) + entry[0].length - entry[2].length;
    entries.push({
      key: entry[1],
      status: entry[2],
      line: i + 1,
      start: valueStart,
      end: valueStart + entry[2].length,
    });
    lines[i] = line.replace(/[^\r]/g, " ");
  }
  if (entries.length === 0) return { source: text, entries, notes: [] };
  const first = entries[0]?.line ?? 1;
  const named = entries.slice(0, MAX_LISTED).map((e) => e.line);
  const more = entries.length > named.length ? ` and ${entries.length - named.length} more` : "";
  return {
    source: lines.join("\n"),
    entries,
    notes: [
      {
        line: first,
        text: `${file}: ${entries.length === 1 ? "an entry parts its key and status" : `${entries.length} entries part their key and status`} with a full-width colon (U+FF1A), line${entries.length === 1 ? "" : "s"} ${named.join(", ")}${more}; read as YAML's colon (the file is left as it is)`,
      },
    ],
  };
}

/**
 * `  key：status  # note`: a key of letters, digits and what a key's words hold, with no colon
 * of YAML's (spaces inside, not at its ends); the full-width colon; the value, up to a comment
 * (a `#` after a space, as YAML reads one). Spaces around the colon may be full-width too.
 */
const FULL_WIDTH_ENTRY =
  /^[ \t]+([\p{L}\p{N}](?:[^#:\uff1a\s]|\s(?!\s*\uff1a))*?)\s*\uff1a\s*([^\s#:\uff1a"'](?:[^:\uff1a\s]|\s(?!\s*(?:#|$)))*)/u;

/**
 * A space other than ASCII's at the start of a line, before an entry or a comment: a
 * non-breaking one (a keyboard's Option-Space, a paste from a web page), CJK's full-width one (an
 * input method left on). YAML reads it as text, so the entry on that line leaves its mapping,
 * and the parser blames the line after it, or reads it as a line of prose. (Only after a line
 * feed: `^` with the `m` flag also starts a line after a lone `\r` or U+2028, which the line
 * count, as YAML's, does not.)
 */
const ODD_INDENTATION =
  /(?<![^\n])[ \t]*[\u00a0\u2000-\u200a\u202f\u205f\u3000][ \t\u00a0\u2000-\u200a\u202f\u205f\u3000]*(?=[^\s:#]+:(?:[ \t\r\n]|$)|[^\n:#\uff1a]+\uff1a|#)/g;

/** A warning about one line of the sprint file, and that line (to put the warnings in order). */
interface Note {
  line: number;
  text: string;
}

/**
 * `text` with each such indentation read as the plain spaces it looks like, and a note naming
 * each line. One space for one: the length stays, so every offset the writer replaces at
 * (sprint-writer.ts) is the same in the file as it is, which keeps its spaces.
 */
function plainIndentation(
  text: string,
  file: string,
): { source: string; notes: Note[]; spaces: Map<number, string> } {
  const spaces = new Map<number, string>(); // line -> the space's name
  let lineOf: ((offset: number) => Line) | undefined; // taken only when a line needs it
  const source = text.replace(ODD_INDENTATION, (indentation: string, offset: number) => {
    lineOf ??= lineIndex(text);
    const odd = [...indentation].find((c) => c !== " " && c !== "\t") ?? " ";
    spaces.set(lineOf(offset).number, spaceName(odd));
    return indentation.replace(/[^\t]/g, " ");
  });
  const notes = [...spaces].slice(0, MAX_MASKED).map(([n, name]) => ({
    line: n,
    text: `${file}:${n}: the line's indentation holds ${name}; read as a plain space (the file is left as it is)`,
  }));
  const more = spaces.size - notes.length;
  if (more > 0)
    notes.push({
      line: Number.POSITIVE_INFINITY,
      text: `${file}: ${more} more lines' indentation holds such spaces; read as plain spaces`,
    });
  return { source, notes, spaces };
}

/** "a non-breaking space (U+00A0)". */
function spaceName(space: string): string {
  const code = `U+${space.codePointAt(0)?.toString(16).toUpperCase().padStart(4, "0")}`;
  if (space === "\u00a0") return `a non-breaking space (${code})`;
  if (space === "\u3000") return `a full-width space (${code})`;
  return `a space that is not ASCII's (${code})`;
}

/** A key safe to name and read as a story's (`1-2-b`, not `epic-1` nor a setting). */
function isStoryKey(key: string): boolean {
  return SAFE_KEY.test(key) && parseKey(key).kind === "story";
}

/** The story keys of a mapping's entries that have a status (`1-2-b: done`); none for another value. */
function storyKeysIn(value: unknown): string[] {
  if (!isMap(value)) return [];
  return value.items.flatMap((item) => {
    const key = isScalar(item.key) ? String(item.key.value) : "";
    return isScalar(item.value) && isStoryKey(key) ? [key] : [];
  });
}

/**
 * The key of `below` when it is an entry (`    r-3-1-d: done`, `    context: a.xml`) and
 * `above` an entry with a scalar value (`  r-3-c: done ✅`), so that `below` can be no field
 * of `above`; with whether it is a story's. Else undefined.
 */
function lineUnderValue(
  above: string,
  below: string | undefined,
): { key: string; story: boolean } | undefined {
  if (!VALUED_ENTRY.test(above)) return undefined;
  const key = /^[ \t]+["']?([^\s:#"']+)["']?:(?:[ \t]+[^\s#][^#]*)?(?:[ \t]+#.*)?$/.exec(
    below ?? "",
  )?.[1];
  return key && SAFE_KEY.test(key) ? { key, story: isStoryKey(key) } : undefined;
}

interface SourceLine {
  start: number;
  /** Where the line ends, before its line break. */
  end: number;
  text: string;
}

const NO_LINE: SourceLine = { start: 0, end: 0, text: "" };

/**
 * Line `n` (from 1) of `source`, as `lineCounter` found its start, up to its first line break
 * (the YAML parser does not end a line at a lone `\r`; an editor does); undefined past the end.
 */
function lineAt(source: string, lineCounter: LineCounter, n: number): SourceLine | undefined {
  const start = lineCounter.lineStarts[n - 1];
  if (start === undefined) return undefined;
  const rest = source.slice(start);
  const end = start + rest.search(/\r?\n|\r|$/);
  return { start, end, text: source.slice(start, end) };
}

/**
 * A line only Markdown writes (`**Generated:** 2026-04-08`, a table row, a task box), in a file
 * with no `development_status:` block: a sprint summary saved under the sprint file's name.
 */
const MARKDOWN_ONLY = /^[ \t]*(?:\*\*[^*\n]+\*\*|\|[^\n]*\|[ \t]*$|[-*][ \t]+\[[ xX]\][ \t])/m;

function markdownInstead(
  source: string,
  lineCounter: LineCounter,
): { line: number; text: string } | undefined {
  if (/^\uFEFF?development_status[ \t]*:/m.test(source)) return undefined;
  const found = MARKDOWN_ONLY.exec(source);
  if (!found) return undefined;
  const { line } = lineCounter.linePos(found.index);
  const text = (lineAt(source, lineCounter, line)?.text ?? "").trim();
  return { line, text: [...text].length > 60 ? `${[...text].slice(0, 59).join("")}…` : text };
}

/**
 * The line a syntax error is really about, where the YAML parser reports it elsewhere: an
 * entry indented under the one before is reported at that one's value ("Nested mappings are
 * not allowed in compact mappings"), and a `[` or `{` left open at the line after it (its
 * flow collection runs on). Undefined when the reported line is the right one.
 */
function likelyCulprit(
  code: string,
  message: string,
  source: string,
  lineCounter: LineCounter,
  reported: number,
):
  | {
      line: number;
      col: number;
      why: string;
      /** A stray mark's: the mark, where the entry after it starts, and the next entry's column. */
      stray?: { mark: string; typed: number; column: number };
    }
  | undefined {
  const lineText = (n: number) => lineAt(source, lineCounter, n)?.text;
  const indent = (text: string) => /^[ \t]*/.exec(text)?.[0].length ?? 0;
  if (code === "BLOCK_AS_IMPLICIT_KEY" || code === "MULTILINE_IMPLICIT_KEY") {
    const here = lineText(reported);
    // Blank lines between are no part of it (a line left out of the reading is blanked).
    let below = reported + 1;
    while (lineText(below)?.trim() === "") below++;
    const next = lineText(below);
    // A mark typed before an entry's indentation (`´  4-6-x: done` over `  4-7-x: done`) makes
    // the entry a key of the file's top level, and the entries below it nested under it: the
    // mark is what to mend, not the line below.
    const marked = here ?? "";
    // Where the entry after the mark belongs is plain only between two entries of one block,
    // comments and blank lines apart: the line above at the next line's column with a value
    // of its own, or the line opening the block. After a block's last line (`    status: done`
    // over `  1-2-b: x`) it is not.
    const betweenSiblings = (line: number, column: number) => {
      let up = line - 1;
      while (up > 0 && isBlankOrComment(lineText(up) ?? "")) up--;
      const above = lineText(up);
      if (above === undefined || up === 0) return false;
      return (
        (indent(above) === column && VALUED_ENTRY.test(above)) ||
        (OPENS_BLOCK.test(above) && indent(above) < column)
      );
    };
    const stray = STRAY_MARK_BEFORE.exec(marked);
    const syntax = stray ? null : SYNTAX_MARK_BEFORE.exec(marked);
    const keyAfter = syntax && /^["']?([^\s:#"']+)["']?:/.exec(marked.slice(syntax[0].length))?.[1];
    const mark =
      stray ?? (syntax && keyAfter && parseKey(keyAfter).kind !== "other" ? syntax : null);
    const entryAfterMark = mark && ENTRY_SHAPE.test(marked.slice(mark[0].length));
    if (mark && entryAfterMark && next !== undefined && ENTRY_SHAPE.test(next))
      return {
        line: reported,
        col: 1,
        why: `this entry's line starts with \`${mark[1]}\` before its indentation (${stray ? "a stray key press?" : "which YAML reads as its own syntax"}); remove it`,
        ...(stray && betweenSiblings(reported, indent(next))
          ? { stray: { mark: mark[1] ?? "", typed: mark[0].length, column: indent(next) } }
          : {}),
      };
    if (here !== undefined && next?.trim() && indent(next) > indent(here))
      return {
        line: below,
        col: indent(next) + 1,
        why: `this line is indented more than the entry above it`,
      };
  }
  if (code === "BAD_INDENT" || code === "MISSING_CHAR" || code === "UNEXPECTED_TOKEN") {
    // A quote left open swallows the entries after it; a bracket stops at the next entry.
    const quote = /closing "quote/.test(message) ? '"' : /closing 'quote/.test(message) ? "'" : "";
    for (let n = reported - 1; n >= 1 && n >= reported - 20; n--) {
      const text = lineText(n)?.replace(/\s#.*$/, "") ?? "";
      const opened = quote
        ? text.split(quote).length % 2 === 0
          ? quote
          : undefined
        : (["[", "{"] as const).find(
            (open) => text.lastIndexOf(open) > text.lastIndexOf(open === "[" ? "]" : "}"),
          );
      if (opened)
        return {
          line: n,
          col: text.lastIndexOf(opened) + 1,
          why: `a ${opened} opened on this line is not closed on it`,
        };
      if (!quote && ENTRY_SHAPE.test(text)) break;
    }
  }
  return undefined;
}

function lineOfNode(node: unknown, lineCounter: LineCounter): number {
  const range = (node as { range?: [number, number, number] } | null)?.range;
  return range ? lineCounter.linePos(range[0]).line : 1;
}

/**
 * `0-10-1-encryption` beside `0-10-security`, with no epic 0.10: a sub-story of story 0.10.
 * Both would be "0.10"; the sub-story's id keeps its third number ("0.10.1"), so each id names
 * one story. An id no other story has is left as it is.
 */
function subStoryIds(entries: SprintEntry[]): void {
  const count = new Map<string, number>();
  for (const e of entries)
    if (e.kind === "story" && e.id) count.set(e.id, (count.get(e.id) ?? 0) + 1);
  for (const entry of entries) {
    if (entry.kind !== "story" || !entry.id || (count.get(entry.id) ?? 0) < 2) continue;
    const numbers = foldNumberLetters(entry.key).split("-");
    const parts = `${entry.epic}.${entry.story}`.split(".").length;
    const next = numbers[parts];
    if (numbers.slice(0, parts).join(".") !== entry.id || !/^\d+[a-z]?$/.test(next ?? "")) continue;
    if (numbers.length <= parts + 1) continue; // `0-10-1` alone: the 1 is its slug
    entry.id = `${entry.id}.${next}`;
  }
}

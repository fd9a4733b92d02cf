/**
 * A story file as the planner needs it: title, status line, acceptance criteria, task
 * progress, dependencies written in prose, and every path it mentions with the intent of
 * that mention (write or read) and its evidence (section and line).
 *
 * Intent follows BMAD's sections: Tasks, Dev Notes, "source tree components to touch" and
 * File List groups write; References, `[Source: ...]` citations and "do not modify" groups
 * read; the user story, acceptance criteria and the rest of the Dev Agent Record do not
 * claim anything. Resolving what a path names is the planner's job, not this module's.
 */
import type {
  Code,
  Heading,
  InlineCode,
  List,
  ListItem,
  Paragraph,
  Root,
  RootContent,
  Table,
  TableRow,
  Text,
} from "mdast";
import { toString as textOf } from "mdast-util-to-string";
import { SKIP, visit } from "unist-util-visit";
import { manifestsWritten } from "./dependency-commands.ts";
import { canonicalHeading } from "./heading-words.ts";
import { normaliseTypedId } from "./keys.ts";
import { type MarkdownProblem, parseMarkdown } from "./markdown.ts";
import {
  decodeLinkTarget,
  type PathText,
  pathFromCode,
  pathsFromText,
  sourceCitations,
  typeFromCode,
} from "./path-text.ts";
import { looksLikeTree, parseTree } from "./tree.ts";

export type Intent = "write" | "read";

export interface Evidence {
  /** Repo-relative file the evidence is in. */
  file: string;
  /** Heading chain, e.g. `Dev Notes > File List`. */
  section: string;
  line: number;
}

/**
 * Where in the story a mention stands, which says how much it is worth as a prediction:
 * `task` a Tasks line; `files` a list of files to touch (source tree to touch, a File List
 * or a labelled group); `tree` a drawn tree; `notes` Dev Notes and other prose; `record` the
 * Dev Agent Record's File List (what the agent really changed, once the story is done).
 */
export type Place = "task" | "files" | "tree" | "notes" | "record";

/** The verb that governs a mention in its clause: a write verb, a read cue, or none. */
export type Cue = "write" | "read" | "none";

export interface PathMention extends PathText {
  intent: Intent;
  via: "code" | "link" | "text" | "tree" | "source";
  section: string;
  line: number;
  place: Place;
  cue: Cue;
  /** The clause the mention sits in, as written (shortened), for the report. */
  clause?: string;
}

export interface ComponentMention {
  /** The component's name as architecture.md spells it. */
  name: string;
  section: string;
  line: number;
}

export interface Dependency {
  /** What the prose says, normalised: `2.1`. */
  id: string;
  line: number;
  text: string;
}

export interface StoryDoc {
  /** From `# Story 1.2: Title`. */
  title?: string;
  headingId?: string;
  status?: { value: string; line: number };
  acceptanceCriteria: number;
  tasks: { done: number; total: number };
  sections: Array<{ title: string; depth: number; line: number }>;
  dependencies: Dependency[];
  mentions: PathMention[];
  componentMentions: ComponentMention[];
  /** What could not be read (and was skipped or bounded), each with its line. */
  problems: MarkdownProblem[];
}

type Zone = "write" | "read" | "none";

/** Innermost heading first: the first rule that matches a heading decides its zone. */
const ZONE_RULES: Array<[RegExp, Zone]> = [
  [
    /file\s*list|files?\s+(changed|modified|created|touched|affected|impacted|to\s+(create|modify|touch|change))/i,
    "write",
  ],
  [/source\s+tree|components?\s+to\s+touch|project\s+structure/i, "write"],
  // "Sources", but not "Source Files" or "Source Code" (the project's own, to change).
  [/references?|sources?\b(?!\s+(files?|code)\b)|citations?|related\s+(docs|documents)/i, "read"],
  // What exists already, described for context: read, not written.
  [
    /context|background|current\s+state|overview|previous\s+stor(y|ies)|existing\s+code|git\s+intelligence|recent\s+commits/i,
    "read",
  ],
  // "AC3: Credential Security (Already Implemented)", but not "What Already Exists vs What's New".
  [
    /^(?!.*\b(new|vs\.?|versus|needed|missing)\b).*\balready\s+(implemented|done|exists?|in\s+place)\b/i,
    "read",
  ],
  [
    /^(story|user\s+story)$|acceptance\s+criteria|user[-\s]visible|change\s*log|completion\s+notes|debug\s+log|agent\s+model|qa\s+results|review|validation|retrospective|learnings|definition\s+of\s+done|success\s+metrics/i,
    "none",
  ],
  [/dev\s+agent\s+record/i, "none"],
  [
    /tasks?|subtasks|implementation|dev\s+notes|technical|architecture|design|notes|testing|approach|guidance/i,
    "write",
  ],
];

/** A heading over a list of files to touch. */
/**
 * A list of changed files outside the Dev Agent Record, in templates that have none or put it
 * elsewhere: `## File List` before the record, "Implementation Summary > Files Created/Modified"
 * (past tense: "Files to Modify" is a plan). For a done story without a record, it is the
 * record; for a story not yet worked on, a plan.
 */
export const CHANGED_FILES_HEADING = /file\s*list|\bfiles?\s+(created|modified|changed|touched)\b/i;
/**
 * The names of the sections written before the work: BMAD's own (Acceptance Criteria, Tasks,
 * Dev Notes) and those other story templates give them (`## Developer Context`,
 * `## Technical Notes`, `## Implementation Plan`, `## Implementation Tasks`).
 */
export const PLANNING_SECTIONS =
  "acceptance\\s+criteria|tasks?\\b|subtasks?|dev\\s+notes|developer\\s+(?:notes|context)|technical\\s+(?:notes|requirements|context|specifications?)|implementation\\s+(?:notes|plan|approach|guide|tasks)";
/** A heading chain under them: a list of files there is a plan, never a record. */
export const PLANNING_HEADING = new RegExp(`${PLANNING_SECTIONS}|project\\s+structure`, "i");

const FILES_HEADING =
  /file\s*list|files?\s+(changed|modified|created|touched|to\s+(create|modify|touch|change))|source\s+tree|components?\s+to\s+touch|project\s+structure|file\s+structure|files?\s+(?:affected|impacted)/i;
/**
 * A heading or label over files to change, as against one that shows the project's structure
 * ("Project Structure Notes", whose short names were written about one time in seven on real
 * projects, against six in seven under "Files to Create" or "Files Affected").
 */
const CHANGE_LIST =
  /files?\s+(to\s+(create|modify|touch|change|update|add)|affected|impacted)|components?\s+to\s+touch|\b(new|modified|changed|created|updated)\s+files?\b/i;
/** The same, as a label in a list item: "Source tree components to touch: `a`, `b`". */
const FILES_LABEL =
  /^\W*(source\s+tree(\s+components)?(\s+to\s+touch)?|components?\s+to\s+touch|files?\s+to\s+(create|modify|touch|change|update)|(new|modified|changed|created|updated)\s+files?|files?\s+(created|modified|changed|affected))\s*:/i;

const DO_NOT_MODIFY = new RegExp(
  [
    /do\s*n[o']t\s+(modify|touch|change|edit)|must\s+not\s+(be\s+)?(modif|chang|edit)|\bnot\s+to\s+(be\s+)?(modif|chang|touch|edit)|read[-\s]only|unchanged|untouched|reference\s+only/
      .source,
    // As stories in other languages label such files ("**Не изменять:**", "**File da NON
    // toccare:**", "### Файлы НЕ ТРОГАТЬ"): Russian, Italian, French, Spanish, Portuguese,
    // German, Chinese.
    /не\s+(изменять|менять|трогать|модифицировать|редактировать)|non\s+(toccare|modificare|cambiare)|ne\s+pas\s+(modifier|toucher|changer)|no\s+(modificar|tocar|cambiar|editar)|não\s+(modificar|alterar|tocar|mexer)|nicht\s+(ändern|verändern|anfassen|bearbeiten)|不要修改|不修改|禁止修改|勿修改|不要改动|不得修改|无需修改|保持不变/
      .source,
  ].join("|"),
  "i",
);
/** A label over files left as they were: "Files NOT Modified:", "Reviewed (No Changes Needed):". */
const NOT_CHANGED_LABEL = /\bnot\s+(modified|changed|touched|edited)\b|\bno\s+changes?\b/i;
const WRITE_VERB =
  /\b(create|add|update|implement|extend|write|edit|modify|change|replace|remove|delete)\b/i;
/** A label over files that move: "Moved files:", "Files to rename:", "Renames:". */
const MOVE_LABEL = /^\W*(mov(e|ed|es|ing)|renam(e|ed|es|ing))\b|\bfiles?\s+to\s+(move|rename)\b/i;
const WRITE_LABEL =
  /^\W*(create[ds]?|new(\s+files?)?|modif(y|ied)|updated?|changed?|added|delete[ds]?|removed?|renamed?|files?\s+(created|modified|changed|updated|added|deleted))\b/i;
/**
 * The start of a task line before its verb: a checkbox and a number ("[x] 3.2 ", "Task 1: ",
 * "AC 2) "), as the clause's source text has them.
 */
const ITEM_START = String.raw`^[^\w[]*(?:\[[ xX]\]\W*)?(?:(?:task|subtask|step|ac)?\s*(?:\d+(?:\.\d+)+\s|\d[\d.]*\s*[:.)-])\W*)?`;
const READ_VERB = new RegExp(
  `${ITEM_START}(read|review|study|see|refer\\s+to|consult|understand|inspect|look\\s+at|reuse|copy\\s+pattern)\\b`,
  "i",
);
const READ_CELL =
  /^(reuse|copy\s+pattern|reference|read|read[-\s]only|existing|do\s+not\s+modify)$/i;
const TREE_MARKER =
  /#\s*(new|create|modif|update|add|change|edit|touch)|←|<--|\(new\)|\(modified\)|\bNEW\b|\bMODIFY\b|\bUPDATE\b/i;

/** Verbs that change a file, as the clause's governing verb. */
const WRITE_CUE =
  /\b(creat(e|es|ed|ing)|add(s|ed|ing)?|implement(s|ed|ing)?|modif(y|ies|ied|ying)|updat(e|es|ed|ing)|extend(s|ed|ing)?|wir(e|es|ed|ing)|register(s|ed|ing)?|delet(e|es|ed|ing)|remov(e|es|ed|ing)|renam(e|es|ed|ing)|mov(e|es|ed|ing)|writ(e|es|ing)|edit(s|ed|ing)?|chang(e|es|ed|ing)|replac(e|es|ed|ing)|refactor(s|ed|ing)?|fix(es|ed|ing)?|introduc(e|es|ed|ing)|append(s|ed|ing)?|insert(s|ed|ing)?|new|NEW|MODIFY|CREATE|UPDATE)\b/gi;
/** Words that make a mention context: "follow the pattern in X", "X already does Y". */
const READ_CUE =
  /\b(see|e\.g\.|i\.e\.|follow(s|ed|ing)?|pattern|same\s+as|similar\s+to|like|mirror(s|ed|ing)?|based\s+on|already|existing|exists|reference[sd]?|uses?|used\s+by|using|consult|refer\s+to|read(s|ing)?|study|inspect|look\s+at|as\s+in|defined\s+in|lives?\s+in|located\s+in|provided\s+by|provides?|current(ly)?|example|analogous|template)\b/gi;
/**
 * Words right before a write verb that negate it: "Do **not** create `errors.py` (that is
 * Story 1.3)", "Routes must NOT be added to `main.py`", "never edit", "avoid changing".
 */
const NEGATION_BEFORE = /(?:\bnot|\bcannot|\bnever|n't|\bavoid)\W+(?:(?:be|to|ever|yet)\W+)?$/i;
/** Read cues that only say a file exists (`existing`, `current`): no read after a write verb. */
const EXISTS_ADJECTIVE = /^(existing|current)$/i;
/** A clause that begins with one of these checks or runs, and changes nothing by itself. */
const READ_LEADING = new RegExp(
  `${ITEM_START}(verify|confirm|run|check|review|test|ensure|understand|reuse|import|call|invoke|query|validate)\\b`,
  "i",
);
/**
 * Where a leading "import" or "call" names the file the code goes into: "Import X into
 * `b.ts`", "Call X from `b.ts`" write b.ts ("Import X from `a.ts`" and "Call X in `a.ts`" read
 * a.ts, as they always did).
 */
const INSERTS = [
  {
    verb: new RegExp(`${ITEM_START}import\\b`, "i"),
    target: /\b(in|into|to|within)\s+(the\s+)?[`*"']*$/i,
  },
  {
    verb: new RegExp(`${ITEM_START}(call|invoke)\\b`, "i"),
    target: /\b(from|within)\s+(the\s+)?[`*"']*$/i,
  },
];
/**
 * Whatever its verb, a clause that says the file stays as it is ("no UI changes", "none
 * needed", "should not need changes", "do not update"), or that its change belongs to another
 * story ("wiring happens in a later story").
 */
const NO_CHANGE =
  /\bno\s+(?:\S+\s+){0,3}?(changes?|modifications?|work|wiring|updates?|edits?)\b|\bunchanged\b|\bnot\s+(be\s+)?(need\s+to\s+)?(modif|chang|touch|edit)|\bn['o]t\s+(modify|touch|change|edit|update|alter)\b|\bleave\s+\S+\s+as\s+is\b|\bread[-\s]only\b|\b(none|nothing)\s+(needed|required)\b|\bno\s+new\s+(?!files?\b)[\w\s-]{0,40}?\b(needed|required)\b|\bnot?\s+need(s|ed)?\s+(to\s+be\s+)?(any\s+)?(changes?|changed|modif\w*|touch\w*|updat\w*|edit\w*)\b|\bshould\s+not\s+need\b|\b(in|for)\s+a\s+(later|future|separate|subsequent|follow[-\s]?up)\s+stor(y|ies)\b|\bhappens?\s+in\s+(a\s+)?(later|future)\b|\bor\s+later\)/i;
/**
 * Words right before a mention that make it the model to copy, not the file to change:
 * "Add `RegisterListCommand` (matches `add.go` pattern)", "consistent with `config.py`".
 */
const MODEL_BEFORE =
  /\b(match(es|ing)?|like|per|following|mirror(s|ing)?|same\s+as|similar\s+to|based\s+on|as\s+in|model(l)?ed\s+on|consistent\s+with)\s+(the\s+)?(existing\s+)?[`*"']*$/i;
/** A clause that is only a label for what follows: "From `x.go`:", "See `x.go`". */
const SOURCE_LABEL = /^\W*(from|in|per|see)\s+[`*"']*[^\s`*"']+[`*"']*\s*(\([^)]*\))?\s*:?\**\s*$/i;
/** Right after a path: a line number or range (`:351-352`, `#L20`, " line 76-79"). */
const AT_LINES = /^(?::\d+|#L\d+|[`*]*,?\s+\(?lines?\s+\d+)/i;
/**
 * A word that says where something is, then a preposition right before the mention: "matches
 * `isGuard()` in `llm.py:228`", "defined at `x.go:40`" ("Redefine the widths in `x.go:19`" is
 * no such word: the lines to change).
 */
const LOCATION_BEFORE =
  /\b(match(es|ed|ing)?|defined|declared|lives?|living|located|found|implemented)\b.*\b(in|from|at|of)\s+[`*"']*$/i;
/** The rest of a line after a mention that makes it a label: "`x.go` line 51-53:", "`x.go`:**". */
const LABEL_REST = /^[`*"']*[^`\n]{0,40}:\**\s*$/;

/**
 * The cue that governs the mention at `[start, end)` of `clause`: the nearest cue before it
 * ("Follow the pattern in X" is a read, "Add Y to X" a write); with none before, the first
 * one after it ("X already provides Y"); a clause that says "no changes" is a read whatever
 * its verb, and one that starts with "verify", "run" and the like is a read unless a write
 * verb stands between that word and the mention.
 */
export function cueOf(clause: string, start: number, end: number): Cue {
  if (NO_CHANGE.test(clause)) return "read";
  const before = clause.slice(0, start);
  const after = clause.slice(end);
  const last = (pattern: RegExp, text: string) => {
    let at = -1;
    for (const match of text.matchAll(pattern)) at = match.index ?? at;
    return at;
  };
  let write = last(WRITE_CUE, before);
  // "Add tests to the existing `x_test.go`": an adjective that says the file is there already
  // describes what the write verb before it changes, not something to read.
  let read = -1;
  for (const match of before.matchAll(READ_CUE)) {
    const at = match.index ?? -1;
    if (EXISTS_ADJECTIVE.test(match[0]) && write >= 0 && write < at) continue;
    read = at;
  }
  // A negated verb ("do not create", "must not be added to") says what not to change.
  if (write >= 0 && NEGATION_BEFORE.test(before.slice(0, write))) {
    read = Math.max(read, write);
    write = -1;
  }
  if (write >= 0 || read >= 0) return write > read ? "write" : "read";
  if (
    READ_LEADING.test(before) &&
    !INSERTS.some((i) => i.verb.test(before) && i.target.test(before))
  )
    return "read";
  let nextWrite = after.search(WRITE_CUE);
  let nextRead = after.search(READ_CUE);
  // "`main.py` must not be changed": the verb after the mention, negated.
  if (nextWrite >= 0 && NEGATION_BEFORE.test(after.slice(0, nextWrite))) {
    if (nextRead < 0 || nextWrite < nextRead) nextRead = nextWrite;
    nextWrite = -1;
  }
  if (nextWrite < 0 && nextRead < 0) return "none";
  if (nextWrite < 0) return nextRead < 80 ? "read" : "none";
  if (nextRead < 0) return nextWrite < 80 ? "write" : "none";
  return nextWrite < nextRead ? "write" : "read";
}

/**
 * The clause of `source` around offset `at`: bounded by sentence ends (`. ` and the like),
 * semicolons, table cells, list items and blank lines.
 */
export function clauseAround(
  source: string,
  at: number,
  length: number,
): { text: string; start: number } {
  const boundary =
    /(?<!\b(?:e\.g|i\.e|etc|vs))[.!?;](?=\s)|\||\n\s*\n|\n\s*(?:[-*+]|\d+[.)])\s|\n#/g;
  const windowStart = Math.max(0, at - 400);
  let from = windowStart;
  for (const match of source.slice(windowStart, at).matchAll(boundary))
    from = windowStart + (match.index ?? 0) + match[0].length;
  const end = at + length;
  const next = source.slice(end, end + 400).search(boundary);
  const to = next >= 0 ? end + next : Math.min(source.length, end + 400);
  return { text: source.slice(from, to), start: from };
}

const DEPENDENCY =
  /\b(?:depends\s+on|dependent\s+on|dependency:?|dependencies:?|prerequisites?:?|pre-requisites?:?|requires\s+stor(?:y|ies)|builds\s+on(?:\s+top\s+of)?|blocked\s+by|after\s+stor(?:y|ies))\s*((?:(?:stor(?:y|ies)|and|&|,|\s)*\d+[a-z]?[.-]\d+[a-z]?(?:[.-]\d+[a-z]?)?\b)+)/gi;
const ID_IN_LIST = /\d+[a-z]?[.-]\d+[a-z]?(?:[.-]\d+[a-z]?)?/gi;

export interface ParseStoryOptions {
  /** Component names from architecture.md to look for in the story's writing sections. */
  componentNames?: readonly string[];
}

export function parseStory(source: string, options: ParseStoryOptions = {}): StoryDoc {
  const problems: MarkdownProblem[] = [];
  const text = escapeDunders(source);
  const tree = parseMarkdown(text, problems);
  const doc: StoryDoc = {
    acceptanceCriteria: 0,
    tasks: { done: 0, total: 0 },
    sections: [],
    dependencies: [],
    mentions: [],
    componentMentions: [],
    problems,
  };
  const components = (options.componentNames ?? []).map((name) => ({
    name,
    pattern: new RegExp(`(^|[^\\w])${escapeRegExp(name)}($|[^\\w])`, "i"),
  }));

  const headings: Array<{ depth: number; title: string }> = [];
  let zone: Zone = "write";
  let group: Intent | undefined; // a sticky File List group (`**DO NOT MODIFY:**`), reset per heading
  let zoneIsFiles = false; // under a heading that lists files to touch
  // The innermost heading that lists files says to change them ("Files to Modify"), where
  // "Project Structure Notes" only shows where things are. Set per heading.
  let inChangeList = false;
  // Past the Dev Agent Record heading: a File List after it is the agent's, even when it is
  // written as the record's sibling (`## Dev Agent Record` ... `## File List`).
  let pastAgentRecord = false;
  // Under a label in the record that lists changed files (`**Files Changed:**` in Completion
  // Notes), reset per heading: a File List written without its heading.
  let recordLabel = false;
  const sectionName = () =>
    headings
      .filter((h) => h.depth > 1)
      .map((h) => h.title)
      .join(" > ") || "(top)";

  // Under the Dev Agent Record heading itself; or past it, outside Dev Notes (a sibling File List).
  const underAgentRecord = () => headings.some((h) => /dev\s+agent\s+record/i.test(h.title));
  const inAgentRecord = () =>
    underAgentRecord() || (pastAgentRecord && !headings.some((h) => /dev\s+notes/i.test(h.title)));

  /** Where the current heading chain puts a mention (a tree or a labelled group may override). */
  const placeHere = (): Place => {
    const titles = headings.map((h) => h.title).join(" > ");
    if ((/file\s*list/i.test(titles) && inAgentRecord()) || recordLabel) return "record";
    if (group === "write" || zoneIsFiles) return "files";
    if (/tasks?\b|subtasks?/i.test(titles)) return "task";
    return "notes";
  };
  const add = (
    found: PathText,
    via: PathMention["via"],
    line: number,
    intent: Intent,
    at?: { offset: number; length: number; place?: Place },
  ) => {
    let place = at?.place ?? placeHere();
    let cue: Cue = "none";
    let clause: string | undefined;
    if (at && at.offset >= 0) {
      const around = clauseAround(text, at.offset, at.length);
      clause = around.text.trim().replace(/\s+/g, " ").slice(0, 160);
      if (FILES_LABEL.test(around.text) && place !== "record") place = "files";
      cue = cueOf(around.text, at.offset - around.start, at.offset - around.start + at.length);
      // A list under "Files to Modify" or "Files affected:" says to change its files, as a
      // verb would; one under "Project Structure Notes" only shows where things are.
      const changeList = inChangeList || CHANGE_LIST.test(around.text);
      if (cue === "none" && place === "files" && changeList) cue = "write";
      const quoted = quotesOrModels(found, at.offset, at.length, around, place, cue);
      if (quoted || (cue === "none" && locatesCode(found, at.offset, at.length, around)))
        cue = "read";
      // A read cue makes prose and tasks reads, and lists that show the project's structure
      // ("Must use the existing `x.go` structures" in Project Structure Notes); lists of files
      // to touch keep their intent unless the clause says the file stays as it is.
      if (intent === "write" && cue === "read" && place !== "record") {
        const structure = place === "files" && !changeList && group !== "write";
        if (
          place === "task" ||
          place === "notes" ||
          structure ||
          NO_CHANGE.test(around.text) ||
          quoted
        )
          intent = "read";
      }
    }
    doc.mentions.push({
      ...found,
      via,
      intent,
      section: sectionName(),
      line,
      place,
      cue,
      ...(clause ? { clause } : {}),
    });
  };

  /**
   * A mention that says where existing code is: "matches `isGuard()` in `llm.py:228`",
   * "defined at `x.go:40`". With no verb to govern it, a file named by the lines something is
   * defined or found in is context. "Redefine the widths in `x.go:19`" is not, nor a bare
   * `x.swift:23` in a list: lists of call sites to change are written that way.
   */
  function locatesCode(
    found: PathText,
    offset: number,
    length: number,
    around: { text: string; start: number },
  ): boolean {
    const at = text.slice(offset, offset + length).indexOf(found.path);
    if (at < 0) return false;
    const after = text.slice(offset + at + found.path.length, offset + length + 30);
    const before = around.text.slice(0, offset - around.start);
    return AT_LINES.test(after) && LOCATION_BEFORE.test(before);
  }

  /**
   * A mention the story quotes or copies from rather than changes: the model named right
   * before it ("Add X (matches `add.go` pattern)", whatever the clause's verb), or, in prose
   * with no write verb, the file a code block that follows is taken from ("From `x.go`:",
   * "**`main.go` line 51-53:**" over a fence). Only for a full
   * path to a file: a short name over a fence ("**Tests (model_test.go):**") is as often the
   * file the code goes into, and is not confident enough to keep stories apart anyway.
   */
  function quotesOrModels(
    found: PathText,
    offset: number,
    length: number,
    around: { text: string; start: number },
    place: Place,
    cue: Cue,
  ): boolean {
    if (found.bare || !/\/[^/]*\.[^/]+$/.test(found.path)) return false;
    const before = around.text.slice(0, offset - around.start);
    if (MODEL_BEFORE.test(before) || SOURCE_LABEL.test(around.text.trim())) return true;
    if (place !== "notes" || cue === "write") return false;
    const lineEnd = text.indexOf("\n", offset + length);
    if (lineEnd < 0) return false;
    const rest = text.slice(offset + length, lineEnd);
    return LABEL_REST.test(rest) && /^[ \t]*\n?[ \t>]*(```|~~~)/.test(text.slice(lineEnd + 1));
  }

  visit(tree as Root, (node, _index, parent) => {
    const line = node.position?.start.line ?? 0;
    switch (node.type) {
      case "heading": {
        const heading = node as Heading;
        const written = textOf(heading).trim();
        // Matched in English, without emoji: "## 开发代理记录" is the Dev Agent Record and
        // "## 📖 User Story" the Story (bmad/heading-words.ts).
        const title = canonicalHeading(written);
        while (headings.length > 0 && (headings.at(-1)?.depth ?? 0) >= heading.depth)
          headings.pop();
        headings.push({ depth: heading.depth, title });
        if (/dev\s+agent\s+record/i.test(title)) pastAgentRecord = true;
        doc.sections.push({ title, depth: heading.depth, line });
        if (heading.depth === 1 && doc.title === undefined) {
          const bare = written.replace(/^[^\p{L}\p{N}]+/u, ""); // "📖 Story 1.2: x"
          const match = /^(?:story\s+|故事\s*)([\w.-]+)\s*[:\-–—：]\s*(.+)$/i.exec(bare);
          doc.title = match?.[2]?.trim() ?? written;
          if (match?.[1]) doc.headingId = normaliseTypedId(match[1]);
        }
        zone = zoneOf(headings);
        zoneIsFiles = FILES_HEADING.test(title);
        const lists = headings.filter((h) => FILES_HEADING.test(h.title));
        inChangeList = CHANGE_LIST.test(lists.at(-1)?.title ?? "");
        group = DO_NOT_MODIFY.test(title) ? "read" : WRITE_LABEL.test(title) ? "write" : undefined;
        recordLabel = false;
        // "#### 2. `src/model.go` (MODIFY)", "### app.go Signature Update": a heading over the
        // changes to one file names it as the section's subject.
        if (heading.depth > 2) collectHeading(heading, line);
        return SKIP;
      }
      case "paragraph": {
        const value = textOf(node as Paragraph);
        if (doc.status === undefined) {
          const status = /^\s*status:\s*([\w-]+)/i.exec(value);
          if (status?.[1]) doc.status = { value: status[1].toLowerCase(), line };
        }
        group = labelGroup(value, group);
        // Each label in the Dev Agent Record says afresh whether the files listed under it were
        // changed by this story; prose after the list ("Referenced patterns from x") ends it.
        // A label inside the list ("- Backend:") groups its files further, unless it says they
        // were left as they were.
        const unchanged = DO_NOT_MODIFY.test(value) || saysNotChanged(value);
        if (isLabel(value) && parent?.type === "listItem") recordLabel &&= !unchanged;
        else if (isLabel(value))
          recordLabel =
            underAgentRecord() &&
            CHANGED_FILES_HEADING.test(value) &&
            !unchanged &&
            !/\b(previous|prior|earlier)\b/i.test(value);
        else if (parent?.type !== "listItem") recordLabel = false;
        return undefined;
      }
      case "listItem": {
        const item = node as ListItem;
        const sectionTitles = headings.map((h) => h.title).join(" ");
        if (typeof item.checked === "boolean" && /task|subtask/i.test(sectionTitles)) {
          doc.tasks.total++;
          if (item.checked) doc.tasks.done++;
        }
        if (
          /acceptance\s+criteria/i.test(sectionTitles) &&
          parent?.type === "list" &&
          !isNested(parent as List, tree)
        ) {
          doc.acceptanceCriteria++;
        }
        return undefined;
      }
      case "tableRow": {
        const row = node as TableRow;
        const readRow = row.children.some((cell) => READ_CELL.test(textOf(cell).trim()));
        if (readRow && zone === "write") {
          for (const cell of row.children) collectInline(cell, "read");
          return SKIP;
        }
        return undefined;
      }
      case "table":
        if (/acceptance\s+criteria/i.test(headings.map((h) => h.title).join(" "))) {
          doc.acceptanceCriteria += Math.max(0, (node as Table).children.length - 1);
        }
        return undefined;
      case "code": {
        const code = node as Code;
        if (zone !== "none" && looksLikeTree(code.value)) collectTree(code, line);
        else {
          // A fenced block's code starts on the line after its fence, an indented one's at once.
          const start = code.position?.start.offset ?? -1;
          const fenced = start >= 0 && /^(```|~~~)/.test(text.slice(start, start + 3));
          for (const [i, command] of code.value.split("\n").entries())
            addDependencyCommands(command, line + (fenced ? 1 : 0) + i, true);
        }
        return SKIP;
      }
      case "text":
      case "inlineCode":
      case "link":
        collectNode(node as RootContent, line, intentHere(node as RootContent, parent));
        return node.type === "link" ? undefined : SKIP;
      default:
        return undefined;
    }
  });

  function intentHere(node: RootContent, parent: unknown): Intent | undefined {
    if (zone === "none") return recordLabel ? "write" : undefined;
    if (zone === "read") return "read";
    if (group) return group;
    const paragraph = parent as { type?: string } | undefined;
    if (paragraph?.type === "paragraph") {
      const text = textOf(paragraph as Paragraph);
      if (READ_VERB.test(text) || saysDoNotModify(text)) return "read";
    }
    return node.type === "text" && DO_NOT_MODIFY.test((node as { value: string }).value)
      ? "read"
      : "write";
  }

  function collectNode(node: RootContent, line: number, intent: Intent | undefined) {
    if (node.type === "text" || node.type === "inlineCode")
      addDependencyCommands(node.value, line, node.type === "inlineCode");
    // Citations count everywhere, as reads: they say where a fact comes from.
    if (node.type === "text") {
      for (const path of sourceCitations(node.value))
        add({ path, bare: false }, "source", line, "read");
    }
    if (intent === undefined) return;
    if (node.type === "inlineCode") addCode(node, line, intent);
    else if (node.type === "link") {
      const start = node.position?.start.offset ?? -1;
      const end = node.position?.end.offset ?? start;
      const found = /^[a-z][\w+.-]*:|^#/i.test(node.url)
        ? undefined
        : pathFromCode(decodeLinkTarget(node.url));
      if (found) add(found, "link", line, intent, { offset: start, length: end - start });
    } else if (node.type === "text") {
      const withoutCitations = node.value.replace(/\[(?:Source|来源)\s*[:：][^\]]*\]/gi, " ");
      addText(node, withoutCitations, line, intent);
      if (intent === "write") findComponents(withoutCitations, line);
    }
  }

  /**
   * "Run `go get x`", "`npm install zod`": the manifest the command writes, by its name (the
   * planner finds it in the tree), wherever the story says what to do.
   */
  function addDependencyCommands(value: string, line: number, inCode: boolean) {
    if (zone !== "write" || group === "read") return;
    for (const manifest of manifestsWritten(value, inCode)) {
      doc.mentions.push({
        path: manifest,
        bare: true,
        via: "text",
        intent: "write",
        section: sectionName(),
        line,
        place: placeHere(),
        cue: "write",
        clause: value.trim().replace(/\s+/g, " ").slice(0, 160),
      });
    }
  }

  /** The path in a code span. */
  function addCode(node: InlineCode, line: number, intent: Intent) {
    const start = node.position?.start.offset ?? -1;
    const end = node.position?.end.offset ?? start;
    const found = pathFromCode(node.value) ?? typeFromCode(node.value);
    if (found) add(found, "code", line, intent, { offset: start, length: end - start });
  }

  /** The paths in a text node's `value` (its text, or a cleaned copy of it). */
  function addText(node: Text, value: string, line: number, intent: Intent) {
    const start = node.position?.start.offset ?? -1;
    for (const found of pathsFromText(value)) {
      // The value can differ from the source (escapes): the offset is a close guess.
      const at = start >= 0 ? start + (found.index ?? 0) : -1;
      add(found, "text", line, intent, { offset: at, length: found.path.length });
    }
  }

  function collectHeading(heading: Heading, line: number) {
    if (zone === "none") return;
    const intent: Intent =
      zone === "read" || DO_NOT_MODIFY.test(textOf(heading)) ? "read" : "write";
    visit(heading, (child) => {
      if (child.type === "inlineCode") addCode(child, line, intent);
      else if (child.type === "text") addText(child, child.value, line, intent);
    });
  }

  function collectInline(root: RootContent, intent: Intent) {
    visit(root, (child) => {
      if (child.type === "text" || child.type === "inlineCode" || child.type === "link") {
        collectNode(child as RootContent, child.position?.start.line ?? 0, intent);
      }
    });
  }

  function collectTree(code: Code, line: number) {
    const entries = parseTree(code.value);
    const lines = code.value.split("\n");
    // In the agent's File List every file drawn was written, whatever its comment says.
    const record = placeHere() === "record";
    const marked = !record && lines.some((l) => TREE_MARKER.test(l));
    const parents = new Set(entries.map((e) => e.path.replace(/[^/]+\/?$/, "")));
    for (const entry of entries) {
      const source = lines[entry.lineIndex] ?? "";
      if (marked ? !TREE_MARKER.test(source) : parents.has(entry.path)) continue;
      const intent: Intent =
        zone === "read" || DO_NOT_MODIFY.test(source) ? "read" : (group ?? "write");
      doc.mentions.push({
        path: entry.path,
        bare: false,
        via: "tree",
        intent,
        section: sectionName(),
        line: line + 1 + entry.lineIndex,
        place: record ? "record" : "tree",
        cue: marked || record ? "write" : "none",
      });
    }
  }

  function findComponents(value: string, line: number) {
    for (const component of components) {
      if (component.pattern.test(value)) {
        doc.componentMentions.push({ name: component.name, section: sectionName(), line });
      }
    }
  }

  doc.dependencies = findDependencies(text, doc.headingId);
  return doc;
}

/**
 * `app/__init__.py` written without backticks is Markdown for `app/` + bold "init" + `.py`:
 * the path is lost. A dunder name inside a path (after a `/`, or before a `.` or `/`), outside
 * code, is escaped so that it stays text. Lines stay where they are.
 */
export function escapeDunders(text: string): string {
  if (!text.includes("__")) return text;
  let fenced = false;
  return text
    .split("\n")
    .map((line) => {
      if (/^\s*(>\s*)*(```|~~~)/.test(line)) fenced = !fenced;
      // A line with a longer code span (``x``) or an autolink is left as written.
      if (fenced || !line.includes("__") || /``|<[a-z]+:/i.test(line)) return line;
      // Only between code spans: the even pieces of a split on backticks.
      return line
        .split("`")
        .map((piece, i) =>
          i % 2 === 1
            ? piece
            : piece.replace(
                /(^|[/\s(])__([A-Za-z0-9]\w*?)__(?=\.\w|\/)|\/__([A-Za-z0-9]\w*?)__(?=$|[\s),;:])/g,
                (
                  _match,
                  lead: string | undefined,
                  inner: string | undefined,
                  last: string | undefined,
                ) => (last !== undefined ? `/\\_\\_${last}\\_\\_` : `${lead}\\_\\_${inner}\\_\\_`),
              ),
        )
        .join("`");
    })
    .join("\n");
}

/**
 * "`x.ts` is finished and must stay untouched": a paragraph that forbids changes, with no
 * writing verb before the prohibition, makes the paths in it reads.
 */
function saysDoNotModify(text: string): boolean {
  const match = DO_NOT_MODIFY.exec(text);
  return match !== null && !WRITE_VERB.test(text.slice(0, match.index));
}

function zoneOf(headings: Array<{ title: string }>): Zone {
  for (let i = headings.length - 1; i >= 0; i--) {
    const title = headings[i]?.title ?? "";
    for (const [pattern, zone] of ZONE_RULES) if (pattern.test(title)) return zone;
  }
  return headings.length <= 1 ? "none" : "write";
}

/** A short label like `**Created:**` or `DO NOT MODIFY:` switches the group that follows. */
function labelGroup(value: string, current: Intent | undefined): Intent | undefined {
  const label = value.trim();
  const labelled = isLabel(label);
  // "Moved files (content unchanged):": a move writes both paths, whatever the content.
  if (MOVE_LABEL.test(label) && labelled) return "write";
  if (DO_NOT_MODIFY.test(label) && (labelled || /^\W*do\s*n[o']t/i.test(label)))
    return labelled ? "read" : current;
  if (saysNotChanged(label) && labelled) return "read";
  if (WRITE_LABEL.test(label) && labelled) return "write";
  return current;
}

/**
 * "Files NOT Modified:", "Files Reviewed (No Changes Needed):", but not "Modified (no changes
 * to public API):", where the files were changed.
 */
function saysNotChanged(label: string): boolean {
  const match = NOT_CHANGED_LABEL.exec(label);
  return (
    match !== null &&
    !/\b(modif|creat|updat|add|edit|new|chang|writ|delet|renam)/i.test(label.slice(0, match.index))
  );
}

/** A short paragraph that introduces what follows: `**Created:**`, `DO NOT MODIFY`. */
function isLabel(value: string): boolean {
  const label = value.trim();
  return label.length <= 60 && (/:\s*$/.test(label) || /^[A-Z\s/()-]+$/.test(label));
}

function isNested(list: List, root: Root): boolean {
  return !root.children.includes(list as RootContent);
}

function findDependencies(text: string, selfId: string | undefined): Dependency[] {
  const found = new Map<string, Dependency>();
  const lineStarts = [0];
  for (let i = 0; i < text.length; i++) if (text[i] === "\n") lineStarts.push(i + 1);
  for (const match of text.matchAll(DEPENDENCY)) {
    const index = match.index ?? 0;
    let line = 1;
    while (line < lineStarts.length && (lineStarts[line] ?? Infinity) <= index) line++;
    for (const idMatch of (match[1] ?? "").matchAll(ID_IN_LIST)) {
      const id = normaliseTypedId(idMatch[0]);
      if (id !== selfId && !found.has(id)) found.set(id, { id, line, text: match[0].trim() });
    }
  }
  return [...found.values()];
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

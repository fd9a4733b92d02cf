/**
 * A story file as the planner needs it: title, status line, acceptance criteria, task
 * progress, dependencies written in prose, and every path it mentions with the intent of
 * that mention (write or read) and its evidence (section and line).
 *
 * Intent follows BMAD's sections: Tasks, Dev Notes, "source tree components to touch" and
 * File List groups write; References, `[Source: ...]` citations and "do not modify" groups
 * read; the user story, acceptance criteria and the rest of the Dev Agent Record do not
 * claim anything (section-intent.ts). Within a section, the clause a path sits in can turn
 * a write into a read: "follow the pattern in `x.go`", "do not create `y.py`" (clause-cue.ts).
 * Resolving what a path names is the planner's job, not this module's.
 */
import type {
  Code,
  Heading,
  InlineCode,
  ListItem,
  Paragraph,
  Root,
  RootContent,
  Table,
  TableRow,
  Text,
} from "mdast";
import { toString as textOf } from "mdast-util-to-string";
import { EXIT, SKIP, visit } from "unist-util-visit";
import {
  type Cue,
  citesDocument,
  clauseAround,
  creditsOtherStory,
  cueOf,
  doneByOtherStory,
  firstWriteVerb,
  forbidsChange,
  hasWriteVerb,
  type Line,
  lineIndex,
  locatesCode,
  namedAtLines,
  otherStorySentenceEnd,
  quotesOrModels,
  rowSaysNoChange,
  saysNoChange,
  treeNoteCreditsOtherStory,
  treeNoteSaysExisting,
} from "./clause-cue.ts";
import { manifestsWritten } from "./dependency-commands.ts";
import { canonicalHeading, canonicalLabel, STORY_WORDS } from "./heading-words.ts";
import { normaliseTypedId } from "./keys.ts";
import type { MarkdownProblem } from "./markdown.ts";
import {
  CITATION,
  decodeLinkTarget,
  expandBraces,
  isSourceFileName,
  OPEN_CITATION,
  type PathText,
  pathFromCode,
  pathsFromText,
  sourceCitations,
  typeFromCode,
  typesFromText,
} from "./path-text.ts";
import { findDependencies } from "./prose-dependencies.ts";
import {
  buildsOn,
  CHANGE_LIST,
  CHANGED_FILES_HEADING,
  DEV_AGENT_RECORD,
  DEV_NOTES,
  DO_NOT_MODIFY,
  entryNotChanged,
  FILES_HEADING,
  FILES_LABEL,
  FORBIDS_LABEL,
  FOREIGN_TREE_MARKER,
  headingSaysNoChange,
  isLabel,
  labelGroup,
  OVER_FILES_DO_NOT_MODIFY,
  OVER_FILES_PROHIBITS,
  opensAgentRecord,
  READ_CELL,
  READ_VERB,
  saysDoNotModify,
  saysNotChanged,
  TREE_MARKER,
  WRITE_LABEL,
  type Zone,
  zoneOf,
} from "./section-intent.ts";
import { readStoryText } from "./story-text.ts";
import { looksLikeTree, parseTree } from "./tree.ts";

export type { Cue } from "./clause-cue.ts";

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

export interface PathMention extends PathText {
  /**
   * The path as written, when `path` joined it to the folder of the list item it is nested
   * under (underListFolder): the planner takes it as written when the project has it there
   * and not under the folder (`packages/shared/x.ts` under `- \`apps/web/\``).
   */
  asWritten?: string;
  intent: Intent;
  via: "code" | "link" | "text" | "tree" | "source";
  section: string;
  line: number;
  place: Place;
  cue: Cue;
  /** The clause the mention sits in, as written (shortened), for the report. */
  clause?: string;
  /**
   * Named inside a sentence of prose ("Sessions are kept through `src/store.ts` for the
   * dashboard") or heading a description of what it is ("- `core.py` - Cache warming"), not
   * listed alone, after a short label ("Tests: `x.py`", "**File:** `x.py`") or in a table row:
   * how a story mentions what it talks about, more often than what it changes.
   */
  inProse?: true;
  /**
   * The clause forbids changing the file ("Do NOT modify `jobs.py`", "`x.ts` must not be
   * changed"), or the list it is in does ("### Files NOT to Modify"): the planner then reads
   * it, not writes it, wherever else the story names it without a verb.
   */
  forbidden?: true;
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

/** A list marker, a checkbox, a quote, as a line starts. */
const LINE_START = String.raw`^\s*(?:>\s*)*(?:(?:[-*+]|\d+[.)])\s+)?(?:\[[ xX]\]\s*)?[*_]*`;
/** Code spans listed before the mention: "- `a.py`, `b.py`", "Tests: `a.py` and `b.py`". */
const LISTED = String.raw`(?:\x60[^\x60]+\x60[*_]*\s*(?:,|;|and|&|\+|/|or)?\s*[*_]*)*(?![\s\S])`;
/** What may stand before a path at the head of its line: a list marker, other paths. */
const LINE_HEAD = new RegExp(`${LINE_START}${LISTED}`);
/** The same after a short label: "- Tests: `x.py`", "**File:** `x.py`". */
const LINE_LABEL = new RegExp(
  `${LINE_START}[^\x60|]{1,40}?[*_]*\\s*[:：]\\s*[*_]*\\s*${LISTED}`,
  "u",
);

/**
 * A label at the head of a line, its colon inside or after the bold: "- **Not modified:**",
 * "- **Files to read**:", "> **未修改：**". What it says is read by `labelGroup`.
 */
const ITEM_LABEL = new RegExp(`${LINE_START}([^\x60|*_:：\n]{1,60}?)[*_]*\\s*[:：][*_]*`, "u");

/**
 * Where a line's reading label ends ("- **Not modified:** `a.ts`; `b.ts`") and its first write
 * verb after that: the label speaks for the mentions between the two. None when the line opens
 * with no label, or with one that does not read.
 */
function readingLabelSpan(line: string): { from: number; to: number } | undefined {
  const label = ITEM_LABEL.exec(line);
  if (!label?.[1] || labelGroup(`${label[1].trim()}:`, undefined) !== "read") return undefined;
  const from = label[0].length;
  const verb = firstWriteVerb(line.slice(from));
  return { from, to: verb < 0 ? line.length : from + verb };
}

/** `read` of a line, computed once per line, not per path: a line can hold thousands of paths. */
function oncePerLine<T>(read: (line: Line) => T): (line: Line) => T {
  const seen = new Map<number, T>();
  return (line) => {
    if (!seen.has(line.start)) seen.set(line.start, read(line));
    return seen.get(line.start) as T;
  };
}

/**
 * A heading over files another story changed, or over none: "Files Modified (previous
 * story)", "Files Modified by Story 1.1", "No Files Modified". "Other Files Modified" and
 * "Files Modified in an Earlier Session" are this story's.
 */
const ANOTHER_STORYS =
  /\b(?:previous|prior|earlier|other)\s+stor(?:y|ies)\b|\bby\s+stor(?:y|ies)\b|^\W*no\s+files?\b/i;
/** A table row or a heading, as its line starts. */
const TABLE_OR_HEADING = /^\s*(?:>\s*)*[|#]/;
/** What follows a path that heads a description: a dash, an arrow or words, not more paths. */
const DESCRIBED = /^[*_]*[ \t]*(?:[-—–→]|(?!(?:and|or)\b)\p{L})/u;

/**
 * A sticky group of files set by a heading or a label ("### Files to Modify", "**DO NOT
 * MODIFY:**"): what it says of the files listed under it, and whether it reads them because it
 * forbids changing them ("**Never:**"), not only because they are there to read ("**Files to
 * Read:**"). A forbidding group is always a reading one.
 */
interface ListGroup {
  intent: Intent | undefined;
  forbids: boolean;
  /** A reading group that a line's own write verb overrides: "no changes needed" is weak. */
  soft?: boolean;
}

const NO_GROUP: ListGroup = { intent: undefined, forbids: false };

/**
 * A heading that names a file or a symbol: a code span or a link anywhere in it ("#### 2.
 * **`list.go`**", "[`list.go`](src/list.go)"), or a path in its words ("#### 2. list.go").
 */
function namesFileOrCode(heading: Heading, words: string): boolean {
  // A word with an extension ("list.go", "src/list.go"); not "UI/UX", "e.g.", "i.e.".
  let found = /(?<![\w.])[\w/-]*[\w-]\.[a-z][a-z0-9]{0,4}(?![\w.-])/i.test(words);
  visit(heading, (node) => {
    if (node.type === "inlineCode" || node.type === "link") found = true;
    return found ? EXIT : undefined;
  });
  return found;
}

/**
 * The group a heading sets for the lists under it, until the next heading. A heading that
 * names a file or code (`words`: its own words) says "no change needed" of that, not of the
 * notes under it.
 */
function headingGroupOf(title: string, heading: Heading, words: string): ListGroup {
  if (OVER_FILES_DO_NOT_MODIFY.test(title))
    return { intent: "read", forbids: OVER_FILES_PROHIBITS.test(title) };
  if (headingSaysNoChange(title) && !namesFileOrCode(heading, words))
    return { intent: "read", forbids: false, soft: true };
  return { intent: WRITE_LABEL.test(title) ? "write" : undefined, forbids: false };
}

/**
 * A mention at `offset` (`length` long) of `source` stands inside a sentence, or heads a
 * description of what it is: its line is no table row and no heading, and what comes before it
 * on the line is more than a list marker or a label, or what comes after it describes it. On 49
 * real projects, of the full paths named so in Dev Notes with no verb of change, 15% of 207
 * inside a sentence and 21% of 126 heading a description were written, against 58% listed
 * alone, 40-45% before a colon, a parenthesis or the next path, 58% after a label and 66% in a
 * table row, a heading or a code comment.
 */
function midSentence(source: string, offset: number, length: number): boolean {
  const start = source.lastIndexOf("\n", offset - 1) + 1;
  // A marker and a label are short: no need to copy a long line's text for them.
  if (offset - start > 120) return !TABLE_OR_HEADING.test(source.slice(start, start + 20));
  const before = source.slice(start, offset);
  if (TABLE_OR_HEADING.test(before) || LINE_LABEL.test(before)) return false;
  if (!LINE_HEAD.test(before)) return true;
  // "- `resolver/core.py` - Cache warming integration", "- `x.ts` → `MENTION`".
  return DESCRIBED.test(source.slice(offset + length, offset + length + 40));
}

export interface ParseStoryOptions {
  /** Component names from architecture.md to look for in the story's writing sections. */
  componentNames?: readonly string[];
}

export function parseStory(source: string, options: ParseStoryOptions = {}): StoryDoc {
  const problems: MarkdownProblem[] = [];
  const { text, tree } = readStoryText(source, problems);
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

  /** The headings over the current node: `title` says what kind of section, `name` shows it. */
  const headings: Array<{ depth: number; title: string; name: string; storyTitle?: boolean }> = [];
  /** Tasks written as headings, with no box (see the heading case). */
  const headingTasks = { done: 0, total: 0 };
  let zone: Zone = "write";
  // A sticky File List group (`**DO NOT MODIFY:**`), reset per heading.
  let group: ListGroup = NO_GROUP;
  let zoneIsFiles = false; // under a heading that lists files to touch
  // The innermost heading that lists files says to change them ("Files to Modify"), where
  // "Project Structure Notes" only shows where things are. Set per heading.
  let inChangeList = false;
  // Past the Dev Agent Record heading: a File List after it is the agent's, even when it is
  // written as the record's sibling (`## Dev Agent Record` ... `## File List`).
  let pastAgentRecord = false;
  // The Dev Notes section the Dev Agent Record heading sits in, if it does (`## Dev Notes` >
  // `### Dev Agent Record`, `### File List`): a File List after it in that section is the record's.
  let recordNotes: { depth: number; title: string } | undefined;
  // Under a label in the record that lists changed files (`**Files Changed:**` in Completion
  // Notes), reset per heading: a File List written without its heading.
  let recordLabel = false;
  // The group comes from a label over what not to do ("**Never:**"): it holds for its list only.
  let forbidding = false;
  // The group before a label inside a task ("- [ ] Task 1 ... Files to reference:"): the label
  // groups that task's files, and the next task or subtask ("- [ ] 2.1 Create `x`") is back
  // under the group it had.
  let beforeTaskLabel: ListGroup | undefined;
  // A label outside a list ("**Files to Modify:**") groups the list or table under it; prose
  // after it ("Follow the pattern in `x.ts`") is back under the heading's group. `label` once
  // the label is seen, `list` once its list or table is.
  let labelled: "label" | "list" | undefined;
  let headingGroup: ListGroup = NO_GROUP;
  // Lists nested under an item that is only a folder ("- `web/src/pages/`" over "  -
  // `tabs/Home.tsx`"): the folder and where its nested lists are in the text, outermost first.
  const listFolders: Array<{ start: number; end: number; folder: string }> = [];
  const readsOf = new WeakMap<Paragraph, boolean>(); // paragraphReads' answers
  // The document's own blocks, where a list is not nested: a set, as a story of thousands of
  // lists asked the document's list of blocks once per item.
  const topLevel = new Set<RootContent>(tree.children);
  const sectionName = () =>
    headings
      .filter((h) => h.depth > 1)
      .map((h) => h.name)
      .join(" > ") || "(top)";

  // Under the Dev Agent Record heading itself; or past it, outside Dev Notes (a sibling File List).
  const underAgentRecord = () => headings.some((h) => DEV_AGENT_RECORD.test(h.title));
  const inAgentRecord = () =>
    underAgentRecord() ||
    (pastAgentRecord && !headings.some((h) => DEV_NOTES.test(h.title) && h !== recordNotes));

  /** Under a list of changed files ("File List", "Files Modified"), or a label of one. */
  const inChangedFiles = () =>
    recordLabel || headings.some((h) => CHANGED_FILES_HEADING.test(h.title));
  /** Under a heading of this story's changed files: a File List, or one that says it changed them. */
  const inRecordList = () =>
    headings.some(
      (h) =>
        /file\s*list/i.test(h.title) ||
        (CHANGED_FILES_HEADING.test(h.title) &&
          !DO_NOT_MODIFY.test(h.title) &&
          !saysNotChanged(h.title) &&
          !ANOTHER_STORYS.test(h.title)),
    );

  /** Where the current heading chain puts a mention (a tree or a labelled group may override). */
  const placeHere = (): Place => {
    const titles = headings.map((h) => h.title).join(" > ");
    // The record's list of changed files, whatever its heading says: "File List", "Files
    // Created/Modified", "Files Changed"; not one of files another story changed ("Files
    // Modified (previous story)", "... by Story 1.1"), nor of files left as they were.
    if ((inRecordList() && inAgentRecord()) || recordLabel) return "record";
    if (group.intent === "write" || zoneIsFiles) return "files";
    if (/tasks?\b|subtasks?/i.test(titles)) return "task";
    return "notes";
  };
  const lineOf = lineIndex(text);
  /**
   * What a line says of another story: it credits the file named to it, says it did the
   * work, or opens with it as the subject of a sentence.
   */
  const lineOnOtherStory = oncePerLine(({ line }) => ({
    credits: creditsOtherStory(line, doc.headingId),
    done: doneByOtherStory(line, doc.headingId),
    otherSentenceEnd: otherStorySentenceEnd(line, doc.headingId),
  }));
  const readingLabelOf = oncePerLine(({ line }) => readingLabelSpan(line));
  /** Lines of the record whose entry says its file was not changed. */
  const recordLinesUnchanged = new Set<number>();
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
    let inProse = false;
    let forbidden = false;
    if (at && at.offset >= 0) {
      inProse = place === "notes" && midSentence(text, at.offset, at.length);
      const around = clauseAround(text, at.offset, at.length);
      clause = shortClause(around.text);
      if (FILES_LABEL.test(around.text) && place !== "record") place = "files";
      const start = at.offset - around.start; // the mention, within its clause
      const end = start + at.length;
      cue = cueOf(around.text, start, end);
      forbidden =
        forbidsChange(around.text, start, end) ||
        (intent === "read" && zone === "write" && group.forbids);
      // "| `add.go` | VERIFY |": a verdict in another cell of the row, with no verb in its own.
      const here = lineOf(at.offset); // the mention's line
      const rowVerdict = rowSaysNoChange(here.line, at.offset - here.start, !inChangedFiles());
      if (cue === "none" && rowVerdict) cue = "read";
      // "- `models.py` - Pydantic models (Story 4.1)": another story's work, named as context.
      const onOtherStory = lineOnOtherStory(here);
      // "Story 3-1 creates `router.ts`. Update `chat.ts`": the first sentence is the other
      // story's work; not in a task or a list of files, which are this story's.
      const inOtherStorysSentence =
        place === "notes" && at.offset - here.start < onOtherStory.otherSentenceEnd;
      const otherStory =
        (cue !== "write" && onOtherStory.credits) || onOtherStory.done || inOtherStorysSentence;
      if (otherStory) cue = "read";
      // "- **Not modified:** `a.ts`; `b.ts`": the label speaks for the rest of its line, past
      // its semicolons, up to a write verb ("any route (this story adds `c.ts` instead)").
      const readingLabel = readingLabelOf(here);
      const inLine = at.offset - here.start;
      const unchangedItem =
        readingLabel !== undefined && inLine >= readingLabel.from && inLine < readingLabel.to;
      if (unchangedItem) cue = "read";
      // A list under "Files to Modify" or "Files affected:" says to change its files, as a
      // verb would; one under "Project Structure Notes" only shows where things are.
      const changeList = inChangeList || CHANGE_LIST.test(around.text);
      if (cue === "none" && place === "files" && changeList) cue = "write";
      const unverbedProse = place === "notes" && cue !== "write";
      const quoted = quotesOrModels(text, found, at.offset, at.length, around, unverbedProse);
      const cited =
        cue !== "write" &&
        (citesDocument(text, found, at.offset, at.length) ||
          (cue === "none" && locatesCode(text, found, at.offset, at.length, around)) ||
          (cue === "none" &&
            place === "notes" &&
            namedAtLines(text, found, at.offset, at.length, around, here)));
      if (quoted || cited) cue = "read";
      // Under a heading that says no change is needed, a line's own write verb still writes:
      // "### Task 2: Configuration (no code changes required)" over "- Add `FOO` to `.env`".
      if (intent === "read" && group.soft && cue === "write" && !forbidden) intent = "write";
      // A record's entry that says its file was left as it was ("`go.mod` - NO CHANGE NEEDED -
      // bubbles already in go.mod", "`utils.py` (reviewed, no changes)"): looked at, not
      // written, and so is what the rest of its line names.
      if (intent === "write" && place === "record") {
        const lineEnd = text.indexOf("\n", at.offset + at.length);
        if (entryNotChanged(text.slice(at.offset + at.length, lineEnd < 0 ? undefined : lineEnd)))
          recordLinesUnchanged.add(line);
        if (recordLinesUnchanged.has(line)) intent = "read";
      }
      // A read cue makes prose and tasks reads, and lists that show the project's structure
      // ("Must use the existing `x.go` structures" in Project Structure Notes); lists of files
      // to touch keep their intent unless the clause says the file stays as it is.
      if (intent === "write" && cue === "read" && place !== "record") {
        const structure = place === "files" && !changeList && group.intent !== "write";
        if (
          place === "task" ||
          place === "notes" ||
          structure ||
          saysNoChange(around.text) ||
          rowVerdict ||
          otherStory ||
          quoted ||
          unchangedItem
        )
          intent = "read";
      }
      // In the record too: "- **Not modified:** `w.ts`" lists a file the agent left alone.
      if (intent === "write" && place === "record" && unchangedItem) intent = "read";
    }
    const joined = underListFolder(found, at?.offset ?? -1);
    const each = expandBraces(joined);
    for (const one of each) {
      // A brace list expanded names each file under the folder only.
      const { asWritten, ...mention } = one as PathText & { asWritten?: string };
      doc.mentions.push({
        ...mention,
        ...(asWritten !== undefined && each.length === 1 ? { asWritten } : {}),
        via,
        intent,
        section: sectionName(),
        line,
        place,
        cue,
        ...(clause ? { clause } : {}),
        ...(inProse ? { inProse } : {}),
        ...(forbidden ? { forbidden } : {}),
      });
    }
  };
  visit(tree as Root, (node, _index, parent) => {
    const line = node.position?.start.line ?? 0;
    switch (node.type) {
      case "heading": {
        const heading = node as Heading;
        const written = textOf(heading).trim();
        // Matched in English, without emoji: "## 开发代理记录" is the Dev Agent Record and
        // "## 📖 User Story" the Story (bmad/heading-words.ts).
        const name = canonicalHeading(written);
        // What the heading says itself, its code spans left out (markers, paths, names).
        const uncoded = textOf(heading.children.filter((child) => child.type !== "inlineCode"));
        const title = canonicalHeading(ownWords(uncoded));
        while (headings.length > 0 && (headings.at(-1)?.depth ?? 0) >= heading.depth)
          headings.pop();
        // The document's first heading, a `#` one, is the story's title: its words ("Story 2.1:
        // Widget Context Switcher", "Review Queue") name what the story is about, never what
        // its sections hold.
        const storyTitle = heading.depth === 1 && doc.sections.length === 0;
        headings.push({ depth: heading.depth, title, name, ...(storyTitle ? { storyTitle } : {}) });
        // A task written as a heading under the Tasks section (`### Task 1: Create the queue`,
        // `### T2: Models (0.5h)`), done when ticked; a tick in a code span names a marker
        // (`parse \`[x]\` boxes`). Without these, such a story counted 0 tasks: the schedule
        // weighed it as one and `status` showed no progress.
        const over = headings.at(-2);
        if (over && !over.storyTitle && TASKS_SECTION.test(over.title)) {
          headingTasks.total++;
          if (TICKED_HEADING.test(uncoded)) headingTasks.done++;
        }
        if (opensAgentRecord(title, pastAgentRecord)) {
          pastAgentRecord = true;
          recordNotes = headings.find((h) => DEV_NOTES.test(h.title));
        }
        doc.sections.push({ title: name, depth: heading.depth, line });
        if (heading.depth === 1 && doc.title === undefined) {
          const bare = written.replace(/^[^\p{L}\p{N}]+/u, ""); // "📖 Story 1.2: x"
          const match = STORY_TITLE.exec(bare);
          doc.title = match?.[2]?.trim() ?? written;
          if (match?.[1]) doc.headingId = normaliseTypedId(match[1]);
        }
        zone = zoneOf(headings);
        // A sub-heading of a list of changed files groups its files (`## Files Created/Modified`
        // then `### Files`, `### Backend`).
        zoneIsFiles =
          FILES_HEADING.test(title) ||
          headings.slice(0, -1).some((h) => CHANGED_FILES_HEADING.test(h.title));
        const lists = headings.filter((h) => FILES_HEADING.test(h.title));
        inChangeList = CHANGE_LIST.test(lists.at(-1)?.title ?? "");
        // "#### 2. `model.go` (MODIFY)" says what changes in that file, not that the notes
        // under it list files to change: the group is read from the whole heading.
        group = headingGroupOf(name, heading, uncoded);
        headingGroup = group;
        labelled = undefined;
        recordLabel = false;
        forbidding = false;
        beforeTaskLabel = undefined;
        // "#### 2. `src/model.go` (MODIFY)", "### app.go Signature Update": a heading over the
        // changes to one file names it as the section's subject.
        if (heading.depth > 2) collectHeading(heading, line);
        return SKIP;
      }
      case "paragraph": {
        const written = textOf(node as Paragraph);
        // The story's status line, in a paragraph of its header lines; a review's
        // "- **Status:** Implemented" further down is about an acceptance criterion.
        if (doc.status === undefined && parent?.type !== "listItem") {
          const status = /^[ \t]*status:[ \t]*([\w-]+)/im.exec(linesOf(node as Paragraph));
          if (status?.[1])
            doc.status = {
              value: status[1].toLowerCase(),
              line: line + (status.input.slice(0, status.index).match(/\n/g)?.length ?? 0),
            };
        }
        // A label in the story's language reads as the English one: "**수정 파일:**".
        const value = written.length <= 80 ? canonicalLabel(written) : written;
        // A label over what not to do, or over what exists to build on, makes the list under
        // it reads; the next paragraph outside that list ends it ("**Existing Structure:**", a
        // drawn tree, then "**Changes Required:**").
        const outsideList = parent?.type !== "listItem";
        const label = isLabel(value);
        const forbids = outsideList && label && (FORBIDS_LABEL.test(value) || buildsOn(value));
        // A paragraph after a labelled list leaves its group, and so does a label with no verb of
        // change ("**Files to Modify:**", its list, then "**Integration with Existing Code:**"
        // over "Use `S3Service` from `s3.py`", or "**Fichiers NON touchés :**"); one that names a
        // change ("**May need to add:**", "**Extended by this story:**") goes on with it. Kept at
        // every label without a read word ("**Frontend:**" too), the group held 42 files as
        // writes over 34 real projects; 10 were written.
        const leavesGroup = !label || !hasWriteVerb(value);
        if (outsideList && labelled === "list" && leavesGroup) group = headingGroup;
        if (outsideList) labelled = label ? "label" : undefined;
        // A paragraph outside the lists has left the task whose label it was.
        if (outsideList) beforeTaskLabel = undefined;
        const outer = group;
        if (forbids) group = { intent: "read", forbids: FORBIDS_LABEL.test(value) };
        else {
          const base = forbidding && outsideList ? NO_GROUP : group;
          const intent = labelGroup(value, base.intent);
          // A label that forbids says why the group reads; one that leaves the group keeps it.
          const forbidsHere =
            intent === "read" &&
            ((label && OVER_FILES_PROHIBITS.test(value)) ||
              (intent === base.intent && base.forbids));
          // A group no label changed stays as weak as the heading made it.
          const soft = intent === base.intent && base.soft === true;
          group = { intent, forbids: forbidsHere, ...(soft ? { soft } : {}) };
        }
        if (!outsideList && group.intent !== outer.intent) beforeTaskLabel ??= outer;
        if (forbids || outsideList) forbidding = forbids;
        // Each label in the Dev Agent Record says afresh whether the files listed under it were
        // changed by this story; prose after the list ("Referenced patterns from x") ends it.
        // A label inside the list ("- Backend:") groups its files further, unless it says they
        // were left as they were.
        const unchanged = DO_NOT_MODIFY.test(value) || saysNotChanged(value);
        if (label && !outsideList) recordLabel &&= !unchanged;
        else if (label)
          recordLabel =
            underAgentRecord() &&
            CHANGED_FILES_HEADING.test(value) &&
            !unchanged &&
            !/\b(previous|prior|earlier)\b/i.test(value);
        else if (outsideList) recordLabel = false;
        return undefined;
      }
      case "listItem": {
        const item = node as ListItem;
        noteListFolder(item);
        const sectionTitles = headings.map((h) => h.title).join(" ");
        const checked = typeof item.checked === "boolean" ? item.checked : unspacedBox(item);
        if (checked !== undefined && beforeTaskLabel) {
          group = beforeTaskLabel;
          beforeTaskLabel = undefined;
        }
        if (checked !== undefined && /task|subtask/i.test(sectionTitles)) {
          doc.tasks.total++;
          if (checked) doc.tasks.done++;
        }
        if (
          /acceptance\s+criteria/i.test(sectionTitles) &&
          parent?.type === "list" &&
          topLevel.has(parent as RootContent)
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
      case "list":
      case "table":
        // The list or table under a label ("**Files to Modify:**" over `| File | Change |`).
        if (parent?.type !== "listItem" && labelled === "label") labelled = "list";
        if (
          node.type === "table" &&
          /acceptance\s+criteria/i.test(headings.map((h) => h.title).join(" "))
        ) {
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
          addCodeHeader(code.value, line + (fenced ? 1 : 0));
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

  /**
   * A list item that is a folder alone (its first line a code span ending in `/`, a comment
   * after it at most) with a list under it: the names in that list are in that folder.
   */
  function noteListFolder(item: ListItem) {
    const [first, ...rest] = item.children;
    if (first?.type !== "paragraph" || !rest.some((c) => c.type === "list")) return;
    const [code, after] = first.children;
    if (code?.type !== "inlineCode" || !LIST_FOLDER.test(code.value.trim())) return;
    if (after && (after.type !== "text" || !/^\s*(?:[(—–:-]|$)/.test(after.value))) return;
    const start = code.position?.start.offset ?? -1;
    const folder = underListFolder(
      { path: code.value.trim().replace(/^\.\//, ""), bare: false },
      start,
    ).path;
    for (const list of rest) {
      const from = list.position?.start.offset;
      const to = list.position?.end.offset;
      if (list.type === "list" && from !== undefined && to !== undefined)
        listFolders.push({ start: from, end: to, folder });
    }
  }

  /**
   * A relative path in a list nested under a folder item, joined to that folder: "tabs/Home.tsx"
   * under "`web/src/pages/`" is `web/src/pages/tabs/Home.tsx`. A path that already starts where
   * the folder does (`web/...`) is left as it is; one from the project's root is kept as written
   * beside (`asWritten`), for the planner, which knows the tree, to choose.
   */
  function underListFolder(found: PathText, offset: number): PathText & { asWritten?: string } {
    if (offset < 0 || found.symbol || found.path.startsWith("/")) return found;
    let folder: string | undefined;
    for (const range of listFolders)
      if (offset >= range.start && offset < range.end) folder = range.folder;
    if (!folder) return found;
    const top = folder.split("/")[0] ?? "";
    if (found.path.startsWith(folder) || found.path.split("/")[0] === top) return found;
    return { ...found, path: folder + found.path, bare: false, asWritten: found.path };
  }

  /**
   * Whether a paragraph says its files are read, worked out once per paragraph: a paragraph of
   * thousands of code spans asked it once per span (a 60 KB one took minutes to plan).
   */
  function paragraphReads(paragraph: Paragraph): boolean {
    let reads = readsOf.get(paragraph);
    if (reads === undefined) {
      const text = textOf(paragraph);
      reads = READ_VERB.test(text) || saysDoNotModify(text);
      readsOf.set(paragraph, reads);
    }
    return reads;
  }

  function intentHere(node: RootContent, parent: unknown): Intent | undefined {
    if (zone === "none") return recordLabel ? "write" : undefined;
    if (zone === "read") return "read";
    if (group.intent) return group.intent;
    const paragraph = parent as { type?: string } | undefined;
    if (paragraph?.type === "paragraph" && paragraphReads(paragraph as Paragraph)) return "read";
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
    // The same, written as code: "[Source: `app/core/errors.py`]".
    if (node.type === "inlineCode" && inCitation(node)) {
      const found = pathFromCode(node.value);
      if (found) add(found, "source", line, "read");
      return;
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
      const withoutCitations = node.value.replace(CITATION, " ");
      addText(node, withoutCitations, line, intent);
      if (intent === "write") findComponents(withoutCitations, line);
    }
  }

  /**
   * "Run `go get x`", "`npm install zod`": the manifest the command writes, by its name (the
   * planner finds it in the tree), wherever the story says what to do.
   */
  function addDependencyCommands(value: string, line: number, inCode: boolean) {
    if (zone !== "write" || group.intent === "read") return;
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
        clause: shortClause(value),
      });
    }
  }

  /**
   * The file a code sample is for, named in a comment on its first line (`// src/pdf.ts`,
   * `# app/main.py に追加`, `// Dans ModuleDiscovery.php`): what the sample shows is what the
   * story means to put there, unless the comment says otherwise.
   */
  function addCodeHeader(value: string, line: number) {
    if (zone !== "write" || group.intent === "read") return;
    const end = value.indexOf("\n");
    const first = end < 0 ? value : value.slice(0, end);
    const comment = CODE_COMMENT.exec(first);
    if (!comment) return;
    const body = first.slice(comment[0].length);
    const [found] = pathsFromText(body);
    if (!found) return;
    const at = found.index ?? 0;
    const cue = cueOf(body, at, at + found.path.length);
    doc.mentions.push({
      path: found.path,
      bare: found.bare,
      via: "code",
      intent: cue === "read" || DO_NOT_MODIFY.test(body) ? "read" : "write",
      section: sectionName(),
      line,
      place: placeHere(),
      cue,
      clause: shortClause(first),
    });
  }

  /** A code span within the brackets of a `[Source: ...]` citation. */
  function inCitation(node: InlineCode): boolean {
    const start = node.position?.start.offset ?? -1;
    return start >= 0 && OPEN_CITATION.test(text.slice(Math.max(0, start - 300), start));
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
    // "Add ShowDialogAsync to IDialogService", "Ajouter la méthode à ModuleInstaller": a type a
    // task says to change, written without backticks. Only after a write verb: prose names
    // types (and products) far more often than it changes them.
    if (intent !== "write" || start < 0 || placeHere() !== "task") return;
    for (const found of typesFromText(value)) {
      const before = doc.mentions.length;
      add(found, "text", line, intent, {
        offset: start + (found.index ?? 0),
        length: found.path.length,
      });
      if (doc.mentions[before]?.cue !== "write") doc.mentions.length = before;
    }
  }

  function collectHeading(heading: Heading, line: number) {
    if (zone === "none") return;
    const intent: Intent =
      zone === "read" || DO_NOT_MODIFY.test(textOf(heading)) ? "read" : "write";
    const before = doc.mentions.length;
    visit(heading, (child) => {
      if (child.type === "inlineCode") addCode(child, line, intent);
      else if (child.type === "text") addText(child, child.value, line, intent);
    });
    // "### Platform rules (from docs/project-context.md)", "### Tech stack (`architecture.md`
    // alapján)": a document in brackets is where the section's words come from. Over 137 real
    // projects, 1 of 28 such was written, against 76% of the code files a heading brackets.
    // Not in a list of files to change: "### Files to modify (`docs/guide.md`)".
    if (doc.mentions.length === before || placeHere() === "files") return;
    const start = heading.position?.start.offset ?? -1;
    const end = heading.position?.end.offset ?? -1;
    if (start < 0 || end < 0) return;
    const source = text.slice(start, end);
    for (const mention of doc.mentions.slice(before)) {
      const name = mention.path.replace(/\/$/, "").split("/").pop() ?? "";
      if (!CITED_DOCUMENT.test(name)) continue;
      const at = source.indexOf(name);
      // "### Update the README (`README.md`)" names what to write.
      const said = source.slice(0, at);
      if (at >= 0 && insideParentheses(said) && !hasWriteVerb(said)) {
        mention.intent = "read";
        mention.cue = "read";
      }
    }
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
    // A tree that names no file by its extension and no folder by its slash draws layers and
    // classes ("Data Layer" over "Models" over "BadgeModel"), not the project's files.
    if (!entries.some((e) => namesFileOrFolder(lines[e.lineIndex] ?? "", e.path))) return;
    // In the agent's File List every file drawn was written, whatever its comment says.
    const record = placeHere() === "record";
    const marked = !record && lines.some((l) => TREE_MARKER.test(l));
    const parents = new Set(entries.map((e) => e.path.replace(/[^/]+\/?$/, "")));
    for (const entry of entries) {
      const source = lines[entry.lineIndex] ?? "";
      const foreignMark = FOREIGN_TREE_MARKER.test(source);
      if (marked ? !TREE_MARKER.test(source) && !foreignMark : parents.has(entry.path)) continue;
      // What is said after the name: "← no changes" marks the entry as much as "← MODIFY" does.
      const name = entry.path.replace(/\/$/, "").split("/").pop() ?? "";
      const said = source.slice(source.indexOf(name) + name.length);
      const intent: Intent =
        zone === "read" ||
        DO_NOT_MODIFY.test(source) ||
        entryNotChanged(said) ||
        treeNoteCreditsOtherStory(said, doc.headingId) ||
        (!record && treeNoteSaysExisting(said))
          ? "read"
          : (group.intent ?? "write");
      doc.mentions.push({
        path: entry.path,
        bare: false,
        via: "tree",
        intent,
        section: sectionName(),
        line: line + 1 + entry.lineIndex,
        place: record ? "record" : "tree",
        cue: marked || record || foreignMark ? "write" : "none",
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

  doc.dependencies = findDependencies(beforeTheWork(text, doc.sections), doc.headingId);
  // Tasks written as headings count only in a story with no task box at all.
  if (doc.tasks.total === 0) doc.tasks = headingTasks;
  return doc;
}

/**
 * A drawn tree entry that is surely a file or a folder: its name has a file's extension, or is
 * drawn with a slash after it or between folders (`src/`, `lib/models`). A slash in what is said
 * of it ("AppHeader (completed/total from tasks)") makes no folder.
 */
function namesFileOrFolder(source: string, path: string): boolean {
  if (isSourceFileName(path.replace(/\/$/, "").split("/").pop() ?? "")) return true;
  // A comment after the name is left out, a parenthesised one too ("AppHeader (done/total)").
  const drawn = source.replace(/(?:#|\/\/|←|<-|[—–]).*$/, "").replace(/(?<=[\w.@$~-])\s+\(.*$/, "");
  return /[\w.@-]\/(?:[\w.@-]|\s|$)/.test(drawn);
}

/**
 * A section over the story's tasks ("Tasks", "Tasks / Subtasks", "Backend Implementation
 * Tasks", "Task Breakdown"): anchored and plural, so that a title ("Story 3.2: Task
 * assignment") or a task app's own subject ("Task Model") is none.
 */
const TASKS_SECTION = /^(?:[\p{L}-]+\s+){0,3}(?:(?:sub)?tasks\b|task\s+(?:breakdown|list)\b)/iu;
/** A task heading ticked off: `### Task 1: Create the queue ✅`, `### [x] Task 2`. */
const TICKED_HEADING = /✅|✔|☑|\[x\]|\((?:done|completed?)\)/i;

/**
 * A heading's own words: its text without code spans (`uncoded`), and without the file names
 * written outside them. What kind of section it opens is said by them: "### Schemas (to put in
 * `src/lib/validations.ts`)" opens no validation section and "### `src/review/queue.ts`" no
 * review, where the path's words alone made the section one that claims nothing.
 */
function ownWords(uncoded: string): string {
  let said = uncoded;
  // "Review/QA" stays: a slash between words is no path.
  for (const found of pathsFromText(said))
    if (!found.bare || !found.path.includes("/")) said = said.replace(found.path, " ");
  return said;
}

/**
 * A document a heading can cite as its source. Not `.txt`, which `citesDocument` counts: a
 * heading's `requirements.txt` or `CMakeLists.txt` is the project's to change.
 */
const CITED_DOCUMENT = /\.(?:md|mdx|markdown|rst|adoc)$/i;

/** True when text ends inside an open parenthesis: "Rules (from " before a path. */
function insideParentheses(before: string): boolean {
  let depth = 0;
  for (const char of before) {
    if (char === "(") depth++;
    else if (char === ")" && depth > 0) depth--;
  }
  return depth > 0;
}

/** A folder written alone in a code span: `web/src/pages/`, `./app/`, `src/(admin)/`. */
const LIST_FOLDER = /^(?:\.\/)?[\w.@()[\]$-]+(?:\/[\w.@()[\]$-]+)*\/$/;

/** A story's title line: "Story 1.2: Title", "Historia 2.5: Tabla", "故事 3.1：标题". */
const STORY_TITLE = new RegExp(
  ["^(?:(?:story|", STORY_WORDS, ")\\s+|故事\\s*)([\\w.-]+)\\s*[:\\-–—：]\\s*(.+)$"].join(""),
  "iu",
);

/** The sections a story gains as it is worked on: what happened, not what it needs. */
const AFTER_THE_WORK =
  /dev\s+agent\s+record|change\s*log|completion\s+notes|debug\s+log|qa\s+results|\breview\b|implementation\s+summary|retrospective|file\s+list/i;

/**
 * The story's text with the lines of its after-the-work sections emptied (the line numbers
 * stay): "Blocked by Story 2.9" in an implementation summary, "after Story 2.11, re-run the
 * tests" in the completion notes tell what happened, and read as dependencies they made
 * cycles that blocked finished stories. One pass over the sections, one over the lines.
 */
function beforeTheWork(text: string, sections: StoryDoc["sections"]): string {
  if (!sections.some((s) => AFTER_THE_WORK.test(s.title))) return text;
  const lines = text.split("\n");
  let within: number | undefined; // the depth of the after-the-work section we are in
  sections.forEach((section, i) => {
    if (within !== undefined && section.depth <= within) within = undefined;
    if (within === undefined && AFTER_THE_WORK.test(section.title)) within = section.depth;
    if (within === undefined) return;
    const end = (sections[i + 1]?.line ?? lines.length + 1) - 1;
    for (let n = section.line; n <= end; n++) lines[n - 1] = "";
  });
  return lines.join("\n");
}

/** A clause as the report shows it: one line, its spaces collapsed, at most 160 characters. */
function shortClause(text: string): string {
  return text.trim().replace(/\s+/g, " ").slice(0, 160);
}

/** A comment opening a code sample's first line (not a `#!` interpreter line). */
const CODE_COMMENT = /^\s*(?:\/\/+|#+(?!!)|--|\/\*+|<!--|;+)\s*/;

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/**
 * A paragraph's text with a line break where its source has one, hard breaks (two spaces at a
 * line's end) too: `Status: done··` then `Story Key: 3-4`, which the paragraph's text alone
 * runs into one word.
 */
function linesOf(paragraph: Paragraph): string {
  return paragraph.children
    .map((child) => (child.type === "break" ? "\n" : textOf(child)))
    .join("");
}

/**
 * A task box with no space after it (`- [x]Task 1: ...`, as some agents tick them): no task
 * item to CommonMark, which wants the space, but a box all the same. Undefined when there is
 * none.
 */
function unspacedBox(item: ListItem): boolean | undefined {
  const first = item.children[0];
  const text = first?.type === "paragraph" ? first.children[0] : undefined;
  const box = text?.type === "text" ? /^\[([ xX])\]\S/.exec(text.value) : null;
  return box ? box[1] !== " " : undefined;
}

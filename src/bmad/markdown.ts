/**
 * The one markdown parser: remark with GFM (task lists, tables) and front matter.
 *
 * Real files are not always kind to a parser: thousands of nested quotes overflow the stack
 * of the tree walkers, and deeply indented lists make micromark quadratic (800 levels take
 * half a minute). No story nests that deep on purpose, so such lines are flattened to a
 * bounded depth before parsing, their text kept, and each flattening is reported; so are
 * paragraphs of thousands of emphasis marks, read as text. A file that would take the parser
 * more memory than is safe is refused before parsing (`parseCost`).
 */
import type { Root, RootContent } from "mdast";
import { EditMap } from "micromark-util-edit-map";
import { remark } from "remark";
import remarkFrontmatter from "remark-frontmatter";
import remarkGfm from "remark-gfm";

const processor = remark().use(remarkGfm).use(remarkFrontmatter, ["yaml", "toml"]).freeze();

type Events = Parameters<EditMap["consume"]>[0];

/**
 * micromark applies a batch of edits to its events (`EditMap.consume`) by copying out every
 * event before the first edit and pushing each back. The document's events grow with the
 * file and are edited each time a list item, a list or a quote ends, so a story took the
 * square of its length: 3,000 lists 12 s, 2,000 lines of 16 nested lists 44 s (micromark
 * 4.0.3, edit-map 1.0.0). Here the events before the first edit stay where they are and only
 * the rest is rebuilt: the same events in the same order, in time that grows with the edit.
 */
EditMap.prototype.consume = function consume(this: EditMap, events: Events): undefined {
  this.map.sort((a, b) => a[0] - b[0]);
  const tails: Events[] = [];
  for (let i = this.map.length - 1; i >= 0; i--) {
    const [at, remove, add] = this.map[i] as (typeof this.map)[number];
    tails.push(events.slice(at + remove), add);
    events.length = at;
  }
  for (let i = tails.length - 1; i >= 0; i--)
    for (const event of tails[i] as Events) events.push(event);
  this.map.length = 0;
  this.index.clear();
};

/**
 * Deeper than this many containers (`>` quotes, list items) on a line, or this many columns of
 * indentation, is flattened.
 */
export const MAX_CONTAINERS = 16;
export const MAX_INDENT = 64;

export interface MarkdownProblem {
  line: number;
  message: string;
}

export function parseMarkdown(text: string, problems: MarkdownProblem[] = []): Root {
  return parsePrepared(prepareMarkdown(text, problems));
}

/**
 * The text as the parser reads it: the byte-order mark dropped, nesting bounded, runaway HTML
 * and runaway emphasis escaped, each repair reported; lines stay where they are. Throws when
 * the text costs more than the parser reads safely (`assertParseable`). A caller that slices
 * the text by the tree's offsets prepares it, keeps it, and parses that with `parsePrepared`.
 */
export function prepareMarkdown(text: string, problems: MarkdownProblem[] = []): string {
  assertParseable(text);
  const bounded = boundNesting(text.replace(/^\uFEFF/, ""), problems);
  return escapeFarBrackets(
    escapeRunawayInline(escapeRunawayHtml(bounded, problems), problems),
    problems,
  );
}

/** Throws, saying why, when a text would cost the parser more than `MAX_PARSE_COST`. */
export function assertParseable(text: string): void {
  const cost = parseCost(text);
  if (cost > MAX_PARSE_COST)
    throw new Error(
      `the file is too much markdown to parse safely: it costs ${cost.toLocaleString("en-US")} (three for each line, two for each table cell, one for each mark that can open or close a construct: * _ [ ] \` < > & ! \\ ~ # -), more than the ${MAX_PARSE_COST.toLocaleString("en-US")} a file may cost (the parser needs up to 7 KB of memory for each)`,
    );
}

/**
 * The parser (micromark's events for the whole document, then remark's tree) needs memory by
 * the construct, not by the byte: a story of 7 MB of task lines ran out of memory after two and
 * a half minutes. On the costliest texts found (a short ordered-list item on every line, a table
 * cell every two characters) one unit of `parseCost` takes up to 7 KB, real prose and tasks a
 * third of that. Over 14,000 markdown files of real BMAD projects the costliest story cost
 * 17,000, the costliest architecture 34,000, and one file cost more than 60,000 (an epics file
 * of 570 KB, which the planner does not parse). At the limit the costliest text takes about
 * 370 MB and 4 s, 2.5 times the memory of an ordinary story of the same cost (`npm run bench --
 * parse`).
 */
export const MAX_PARSE_COST = 60_000;

/**
 * Three for each line (a line may open a block or two: `1. a` costs the most), two for each `|`
 * (a table cell), one for each other mark that may open or close an inline construct.
 */
export function parseCost(text: string): number {
  let cost = LINE_COST;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code === 10 || (code === 13 && text.charCodeAt(i + 1) !== 10)) cost += LINE_COST;
    else if (code < 128) cost += MARK_COST[code] as number;
  }
  return cost;
}

const LINE_COST = 3;
const MARK_COST = new Uint8Array(128);
for (const mark of "*_[]`<>&!\\~#-") MARK_COST[mark.charCodeAt(0)] = 1;
MARK_COST["|".charCodeAt(0)] = 2; // a table cell: a cell every two characters costs the most

/** The tree of a text `prepareMarkdown` gave. */
export function parsePrepared(text: string): Root {
  return processor.parse(text) as Root;
}

/** A line's container prefix: quote markers, list markers and the indentation between them. */
const PREFIX = /^(?:[ \t>]|(?:[-*+]|\d{1,9}[.)])(?=[ \t]))*/;
const CONTAINER = /^(?:>|[-*+]|\d{1,9}[.)])/;

/**
 * The text with every line's container prefix cut to the bounds above. Lines end at `\n`,
 * `\r\n` or a lone `\r` (old Mac files), as they do for the parser.
 */
export function boundNesting(text: string, problems: MarkdownProblem[] = []): string {
  const parts = text.split(/(\r\n|\r|\n)/); // lines at even indexes, their endings between
  let changed = false;
  for (let i = 0; i < parts.length; i += 2) {
    const line = parts[i] as string;
    const prefix = PREFIX.exec(line)?.[0] ?? "";
    if (prefix.length <= MAX_CONTAINERS) continue; // too short to pass a bound
    const cut = cutAt(prefix);
    if (cut === undefined) continue;
    // The content sits at the depth kept: one space after the last container marker (more
    // would make it a code block), or at the deepest indent kept.
    const kept = CONTAINER.test(prefix.slice(cut))
      ? `${prefix.slice(0, cut).trimEnd()} `
      : prefix.slice(0, cut);
    parts[i] = kept + line.slice(prefix.length);
    changed = true;
    problems.push({
      line: i / 2 + 1,
      message: `nested deeper than ${MAX_CONTAINERS} quotes or list items, or ${MAX_INDENT} columns: flattened to that depth`,
    });
  }
  return changed ? parts.join("") : text;
}

/** Where the prefix first passes a bound (the start of that marker or space), if it does. */
function cutAt(prefix: string): number | undefined {
  let containers = 0;
  let indent = 0;
  for (let at = 0; at < prefix.length; ) {
    const marker = CONTAINER.exec(prefix.slice(at, at + 11))?.[0];
    if (marker) {
      if (++containers > MAX_CONTAINERS) return at;
      at += marker.length;
    } else {
      if (++indent > MAX_INDENT) return at;
      at++;
    }
  }
  return undefined;
}

/**
 * HTML blocks that CommonMark ends only at a marker (`?>`, `-->`, `</script>`...): started and
 * never ended, each takes the rest of the document with it. Stories start them by mistake: PHP
 * pasted without a proper fence (`<?php` on its own line), an unclosed comment. A processing
 * instruction never means anything in a story, so `<?` always stays text; the others only
 * when their end marker never comes.
 */
const RUNAWAY_HTML: ReadonlyArray<{ start: RegExp; end?: RegExp }> = [
  { start: /^<\?/ },
  { start: /^<!--/, end: /-->/ },
  { start: /^<!\[CDATA\[/, end: /\]\]>/ },
  {
    start: /^<(?:script|pre|style|textarea)(?=[\s>]|$)/i,
    end: /<\/(?:script|pre|style|textarea)>/i,
  },
];
const MAY_START_HTML = /^[ \t>*+\-\d.)]*<(?:\?|!--|!\[CDATA\[|script|pre|style|textarea)/im;
const FENCE = /^(`{3,}|~{3,})/;

/**
 * The text with the `<` of each runaway HTML block start escaped (`\<?php`), outside fenced
 * code, each one reported. Lines stay where they are; a second pass changes nothing.
 */
export function escapeRunawayHtml(text: string, problems: MarkdownProblem[] = []): string {
  if (!MAY_START_HTML.test(text)) return text;
  const { parts, lines } = splitLines(text);
  const fenced = inFencedCode(lines);
  let changed = false;
  let offset = 0;
  // Where each kind's last end starts, found once: a start is closed when an end follows it.
  // Searching the rest of the text at each start cost a story of 80,000 of them minutes.
  const lastStarts = new Map<RegExp, number>();
  const lastStartOf = (end: RegExp): number => {
    let last = lastStarts.get(end);
    if (last === undefined) {
      last = -1;
      for (const match of text.matchAll(new RegExp(end.source, `${end.flags}g`)))
        last = match.index;
      lastStarts.set(end, last);
    }
    return last;
  };
  lines.forEach((line, n) => {
    const lineStart = offset;
    offset += line.length + (parts[2 * n + 1]?.length ?? 0);
    if (fenced[n]) return;
    const prefix = PREFIX.exec(line)?.[0] ?? "";
    const rest = line.slice(prefix.length);
    const block = RUNAWAY_HTML.find((kind) => kind.start.test(rest));
    if (!block) return;
    if (block.end && lastStartOf(block.end) >= lineStart + prefix.length) return;
    parts[2 * n] = `${prefix}\\${rest}`;
    changed = true;
    problems.push({
      line: n + 1,
      message: `"${rest.slice(0, 12)}" starts an HTML block that would hide the lines after it: read as text`,
    });
  });
  return changed ? parts.join("") : text;
}

/**
 * More emphasis and link marks between two blank lines than this are read as plain text.
 * micromark pairs them in time that grows with the square of their number in a paragraph
 * (10,000 unpaired `*a_` take 7 s, 1,000 about 0.1 s, 60,000 `~a` 45 s), and emphasis nested
 * thousands deep overflows the stack. The most found between two blank lines of 14,137 real
 * BMAD markdown files, counting every mark (code and list markers included), is 958.
 */
export const MAX_INLINE_MARKS = 2_000;

/** A mark not escaped: after no backslash, or after backslashes that escape each other. */
const LIVE_MARK = /(?<=(?:^|[^\\])(?:\\\\)*)[*_~[\]]/g;

/**
 * The text with every live `*`, `_`, `~`, `[` and `]` escaped in a run of lines between blank
 * lines (nothing but spaces and tabs, as CommonMark has them) that holds more than
 * `MAX_INLINE_MARKS` of them, each such run reported. A paragraph never crosses a blank line,
 * so every mark of the run counts and is escaped, in code too, whatever the parser takes for
 * code or containers: a first version that skipped code spans, fences and list markers was
 * slipped past in a dozen ways. Only the list markers and the task box that start a line are
 * left (`LEAD`). No real file comes near the limit. An escaped mark reads as itself, so a path
 * keeps its text. Lines stay where they are; a second pass changes nothing.
 */
export function escapeRunawayInline(text: string, problems: MarkdownProblem[] = []): string {
  if (countMarks(text) <= MAX_INLINE_MARKS) return text; // the common case: nothing to look at
  const { parts, lines } = splitLines(text);
  let changed = false;
  for (const { start, end } of runsOfLines(lines)) {
    let marks = 0;
    for (let n = start; n < end; n++) marks += countMarks(afterLead(lines[n]));
    if (marks > MAX_INLINE_MARKS) {
      for (let n = start; n < end; n++) {
        const line = lines[n] as string;
        const rest = afterLead(line);
        parts[2 * n] = line.slice(0, line.length - rest.length) + rest.replace(LIVE_MARK, "\\$&");
      }
      changed = true;
      problems.push({
        line: start + 1,
        message: `${marks.toLocaleString("en-US")} emphasis, strikethrough or link marks (* _ ~ [ ]) between two blank lines, more than the ${MAX_INLINE_MARKS.toLocaleString("en-US")} the parser reads in good time: read as plain text`,
      });
    }
  }
  return changed ? parts.join("") : text;
}

/**
 * `text` cut at its line breaks: `parts` holds the lines at even indexes and their endings
 * between (joined, the text again), `lines` the lines alone. An escape edits `parts` in place.
 */
function splitLines(text: string): { parts: string[]; lines: string[] } {
  const parts = text.split(/(\r\n|\r|\n)/);
  return { parts, lines: parts.filter((_, i) => i % 2 === 0) };
}

/**
 * The runs of lines between blank lines (nothing but spaces and tabs, as CommonMark has them),
 * each from its first line to the one after its last; a line `apart` says is also a break.
 */
function* runsOfLines(
  lines: readonly string[],
  apart: (n: number) => boolean = () => false,
): Generator<{ start: number; end: number }> {
  const breaks = (n: number) => /^[ \t]*$/.test(lines[n] as string) || apart(n);
  for (let start = 0; start < lines.length; ) {
    if (breaks(start)) {
      start++;
      continue;
    }
    let end = start + 1;
    while (end < lines.length && !breaks(end)) end++;
    yield { start, end };
    start = end;
  }
}

/**
 * A `[` whose `]` comes further on than this many characters, in its run of lines between blank
 * lines, or that a longer run leaves open, is read as text. micromark's GFM autolinks look back
 * to the nearest open `[` at each word (an email address may start at any letter), so the text
 * after one open `[` takes the square of its length: 40,000 words 6 s, a mutated real story
 * with 8,000 after "[Source: " 8 s. A link's text, or a `[Source: ...]` note, is far shorter.
 */
export const MAX_BRACKET_SPAN = 1_000;

/** A `[` or `]` not escaped (as LIVE_MARK). */
const LIVE_BRACKET = /(?<=(?:^|[^\\])(?:\\\\)*)[[\]]/g;

/**
 * The text with each live `[` farther than `MAX_BRACKET_SPAN` characters from its `]` (or from
 * the end of its run of lines, left open) escaped, each run reported once. Fenced code ends a
 * run and is left as it is; code spans are not told apart, as in `escapeRunawayInline`, and the
 * list markers and task box that start a line are left. Lines stay where they are; a second
 * pass changes nothing.
 */
export function escapeFarBrackets(text: string, problems: MarkdownProblem[] = []): string {
  if (text.length <= MAX_BRACKET_SPAN || !text.includes("[")) return text;
  const { parts, lines } = splitLines(text);
  // Fenced code has no links to look back for (`const groups = [` and its `]` 60 lines on).
  const fenced = inFencedCode(lines);
  let changed = false;
  for (const { start, end } of runsOfLines(lines, (n) => fenced[n] === true)) {
    let at = 0; // where each line starts, counted from the run's start
    const open: Array<{ line: number; column: number; at: number }> = [];
    const far: Array<{ line: number; column: number }> = [];
    for (let n = start; n < end; n++) {
      const line = lines[n] as string;
      const lead = line.length - afterLead(line).length;
      for (const bracket of line.slice(lead).matchAll(LIVE_BRACKET)) {
        const column = lead + bracket.index;
        if (bracket[0] === "[") open.push({ line: n, column, at: at + column });
        else {
          const opened = open.pop();
          if (opened && at + column - opened.at > MAX_BRACKET_SPAN) far.push(opened);
        }
      }
      at += line.length + 1;
    }
    for (const opened of open) if (at - opened.at > MAX_BRACKET_SPAN) far.push(opened);
    if (far.length > 0) {
      // From the last to the first, so that each column is still where it was found.
      far.sort((a, b) => b.line - a.line || b.column - a.column);
      for (const { line, column } of far) {
        const old = parts[2 * line] as string;
        parts[2 * line] = `${old.slice(0, column)}\\${old.slice(column)}`;
      }
      changed = true;
      problems.push({
        line: (far.at(-1)?.line ?? start) + 1, // the first, after the sort
        message: `${far.length.toLocaleString("en-US")} [ with no ] within ${MAX_BRACKET_SPAN.toLocaleString("en-US")} characters after it, more than the parser reads in good time: read as text`,
      });
    }
  }
  return changed ? parts.join("") : text;
}

function countMarks(text: string): number {
  return text.match(LIVE_MARK)?.length ?? 0;
}

/**
 * List markers with whitespace on both sides, and one task box after them, at the start of a
 * line: a `*` there is never an emphasis mark (whitespace on both sides), so a task list keeps
 * its bullets and boxes. A box on a line that is no list item is brackets; 10,000 of them in
 * one paragraph take the parser about 4 s, which the parse budget bounds.
 */
const LEAD = /^(?:[ \t]*(?:[-+*]|\d{1,9}[.)])[ \t]+)*(?:\[[ xX]\](?=[ \t]|$))?/;

function afterLead(line: string | undefined): string {
  return (line ?? "").slice(LEAD.exec(line ?? "")?.[0].length ?? 0);
}

/**
 * For each line, whether it is fenced code (the fences included), as CommonMark reads fences:
 * one closes only at a fence of its character, at least as long, with nothing after it; a
 * backtick fence has no backtick after it. A fence in a block quote or a list item is read past
 * its `>` or marker (the end of that container does not close it here, as it would in
 * CommonMark: no story was seen to rely on it).
 */
function inFencedCode(lines: readonly string[]): boolean[] {
  let fence: string | undefined; // the open fence's marker, while inside one
  return lines.map((line) => {
    const rest = line.slice(PREFIX.exec(line)?.[0].length ?? 0);
    let marker = FENCE.exec(rest)?.[1];
    if (fence === undefined) {
      if (marker?.[0] === "`" && rest.slice(marker.length).includes("`")) marker = undefined;
      fence = marker;
      return marker !== undefined;
    }
    if (closesFence(rest, fence)) fence = undefined;
    return true;
  });
}

/**
 * Whether a line (past its container prefix) closes the fence `open` opened, as CommonMark has
 * it: a fence of its character, at least as long, with nothing after it.
 */
function closesFence(rest: string, open: string): boolean {
  const marker = FENCE.exec(rest)?.[1];
  return (
    marker !== undefined &&
    marker[0] === open[0] &&
    marker.length >= open.length &&
    !rest.slice(marker.length).trim()
  );
}

/** A fenced code block left open: where its fence starts (1-based, as the tree counts) and its code. */
export interface OpenFence {
  line: number;
  column: number;
  marker: string;
  code: string;
}

/** The block containers whose last child may be the document's last block. */
const CONTAINERS = new Set(["root", "list", "listItem", "blockquote"]);

/**
 * The fenced code block the parser left open to the end of the document, if there is one: a
 * fence never closed takes the rest of the document as code, as CommonMark reads it. Such a
 * block is the document's last (everything after its fence is in it), so only the last block
 * is looked at, down through the lists and quotes that hold it. A fence closed by the end of
 * its list item or quote is not open.
 */
export function openFenceAtEnd(tree: Root, text: string): OpenFence | undefined {
  let node: Root | RootContent = tree;
  while ("children" in node && CONTAINERS.has(node.type) && node.children.length > 0)
    node = node.children.at(-1) as RootContent;
  if (node.type !== "code" || !node.position) return undefined;
  const { start, end } = node.position;
  const raw = text.slice(start.offset ?? 0, end.offset ?? text.length);
  const marker = FENCE.exec(raw)?.[1];
  if (!marker) return undefined; // indented code
  const lines = raw.trimEnd().split(/\r\n|\r|\n/);
  const last = lines.length > 1 ? (lines.at(-1) as string) : "";
  if (closesFence(last.slice(PREFIX.exec(last)?.[0].length ?? 0), marker)) return undefined;
  return { line: start.line, column: start.column, marker, code: node.value };
}

/**
 * The text with a backslash before the mark of the fence `openFenceAtEnd` found, so that it
 * reads as text; undefined when the mark is not on its line. Lines stay where they are.
 */
export function escapeFence(text: string, fence: OpenFence): string | undefined {
  const { parts, lines } = splitLines(text);
  const line = lines[fence.line - 1];
  if (line === undefined) return undefined;
  const at = line.startsWith(fence.marker, fence.column - 1)
    ? fence.column - 1
    : line.indexOf(fence.marker);
  if (at < 0) return undefined;
  parts[2 * (fence.line - 1)] = `${line.slice(0, at)}\\${line.slice(at)}`;
  return parts.join("");
}

/**
 * `app/__init__.py` written without backticks is Markdown for `app/` + bold "init" + `.py`:
 * the path is lost. A dunder name inside a path (after a `/`, or before a `.` or `/`), outside
 * code, is escaped so that it stays text. Lines stay where they are.
 */
export function escapeDunders(text: string): string {
  if (!text.includes("__")) return text;
  const lines = text.split("\n");
  const fenced = inFencedCode(lines);
  return lines
    .map((line, n) => {
      // A line with a longer code span (``x``) or an autolink is left as written.
      if (fenced[n] || !line.includes("__") || /``|<[a-z]+:/i.test(line)) return line;
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

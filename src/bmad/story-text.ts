/**
 * A story's text as the parser reads it, and its tree, with one repair no markdown reader
 * makes: a code fence left open over the story's own record. A story is otherwise read as
 * `prepareMarkdown` prepares any markdown file.
 */
import type { Root } from "mdast";
import { toString as textOf } from "mdast-util-to-string";
import { canonicalHeading } from "./heading-words.ts";
import {
  escapeDunders,
  escapeFence,
  MAX_PARSE_COST,
  type MarkdownProblem,
  openFenceAtEnd,
  parseCost,
  parsePrepared,
  prepareMarkdown,
} from "./markdown.ts";
import { CHANGED_FILES_HEADING, DEV_AGENT_RECORD, DEV_NOTES } from "./section-intent.ts";

/** The kinds of section a story has once, by a heading's first words. */
const SECTION_KINDS: ReadonlyArray<readonly [string, RegExp]> = [
  ["record", DEV_AGENT_RECORD],
  ["files", CHANGED_FILES_HEADING],
  ["criteria", /acceptance\s+criteria/i],
  ["notes", DEV_NOTES],
  ["tasks", /^tasks?\b/i],
  ["changes", /^change\s*log/i],
  ["completion", /^completion\s+notes/i],
];

function sectionKind(title: string): string | undefined {
  const words = canonicalHeading(title).replace(/^\W+/u, "");
  return SECTION_KINDS.find(([, pattern]) => pattern.test(words))?.[0];
}

/** The kinds of section the story's headings open, outside its code. */
function sectionKindsOf(tree: Root): Set<string> {
  return new Set(
    tree.children.flatMap((node) => {
      const kind = node.type === "heading" ? sectionKind(textOf(node)) : undefined;
      return kind ? [kind] : [];
    }),
  );
}

/** A heading of depth 2 or more, as a line of code holds it (a `# comment` is depth 1). */
const CODE_HEADING = /^ {0,3}#{2,6}[ \t]+(\S.*)$/;
/** Longer lines are no heading of a story's: not looked at (nor backtracked over). */
const MAX_HEADING_LENGTH = 200;

/**
 * The first heading in `code` of a section the story has nowhere outside it, if any: what a
 * fence left open hides (see readStoryText).
 */
function hiddenSection(code: string, outside: ReadonlySet<string>): string | undefined {
  for (const line of code.split(/\r\n|\r|\n/)) {
    if (line.length > MAX_HEADING_LENGTH) continue;
    const title = CODE_HEADING.exec(line)?.[1]?.replace(/[ \t]#+[ \t]*$/, "");
    const kind = title && sectionKind(title);
    if (kind && !outside.has(kind)) return line.trim();
  }
  return undefined;
}

/** The most fences one story has escaped: each costs a parse of the story. */
const MAX_FENCE_REPAIRS = 3;
/**
 * A story costlier than this is not read again (its fences stay as written): the costliest
 * real story cost 17,000 (see MAX_PARSE_COST), and four parses of one near the limit would
 * take four times the time a story may take, or pass the limit by the marks added.
 */
const MAX_REPAIRED_COST = MAX_PARSE_COST / 3;

/**
 * The story's text as the parser reads it (prepareMarkdown), and its tree. A fence never
 * closed takes the rest of the story as code. Stories do that by mistake: a README drafted in
 * a story, whose inner fences close the outer one, leaves its last fence open over the Dev
 * Agent Record and its File List. A fence left open to the end over a section the story has
 * nowhere else is read as text (a backslash before its mark), reported, and the story read
 * again: the fences after it pair anew. Code left open over sections the story already has (a
 * template pasted at the end) stays code. Lines stay where they are.
 */
export function readStoryText(
  source: string,
  problems: MarkdownProblem[],
): { text: string; tree: Root } {
  const repairs: MarkdownProblem[] = [];
  for (let pass = 0; ; pass++) {
    const prepared: MarkdownProblem[] = [];
    // The very text the parser reads, so that the tree's offsets find clauses in it.
    const text = prepareMarkdown(escapeDunders(source), prepared);
    const tree = parsePrepared(text);
    const open = pass < MAX_FENCE_REPAIRS ? openFenceAtEnd(tree, text) : undefined;
    const hidden =
      open && parseCost(text) <= MAX_REPAIRED_COST
        ? hiddenSection(open.code, sectionKindsOf(tree))
        : undefined;
    const escaped = open && hidden ? escapeFence(source, open) : undefined;
    if (!open || !hidden || escaped === undefined) {
      problems.push(...[...repairs, ...prepared].sort((a, b) => a.line - b.line));
      return { text, tree };
    }
    source = escaped;
    repairs.push({
      line: open.line,
      message: `a code fence never closed would hide the rest of the story ("${hidden.slice(0, 40)}" among it): read as text`,
    });
  }
}

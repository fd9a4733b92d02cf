/**
 * The one markdown parser: remark with GFM (task lists, tables) and front matter.
 *
 * Real files are not always kind to a parser: thousands of nested quotes overflow the stack
 * of the tree walkers, and deeply indented lists make micromark quadratic (800 levels take
 * half a minute). No story nests that deep on purpose, so such lines are flattened to a
 * bounded depth before parsing, their text kept, and each flattening is reported.
 */
import type { Root } from "mdast";
import { remark } from "remark";
import remarkFrontmatter from "remark-frontmatter";
import remarkGfm from "remark-gfm";

const processor = remark().use(remarkGfm).use(remarkFrontmatter, ["yaml", "toml"]).freeze();

/** Deeper than this many `>` markers, or this many columns of indentation, is flattened. */
export const MAX_QUOTE_DEPTH = 16;
export const MAX_INDENT = 64;

export interface MarkdownProblem {
  line: number;
  message: string;
}

export function parseMarkdown(text: string, problems: MarkdownProblem[] = []): Root {
  return processor.parse(boundNesting(text.replace(/^\uFEFF/, ""), problems)) as Root;
}

/** The text with every line's container prefix cut to the bounds above. */
export function boundNesting(text: string, problems: MarkdownProblem[] = []): string {
  const lines = text.split("\n");
  let changed = false;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] as string;
    const prefix = /^[\s>]*/.exec(line)?.[0] ?? "";
    if (prefix.length <= MAX_QUOTE_DEPTH) continue; // nothing to cut
    let quotes = 0;
    let indent = 0;
    let kept = "";
    for (const char of prefix) {
      if (char === ">") {
        if (++quotes <= MAX_QUOTE_DEPTH) kept += char;
      } else if (++indent <= MAX_INDENT) kept += char;
    }
    if (kept.length === prefix.length) continue;
    lines[i] = kept + line.slice(prefix.length);
    changed = true;
    problems.push({
      line: i + 1,
      message: `nested deeper than ${MAX_QUOTE_DEPTH} quotes or ${MAX_INDENT} columns: flattened to that depth`,
    });
  }
  return changed ? lines.join("\n") : text;
}

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
    // The prefix is kept up to the first character past a bound, and the content sits at that
    // depth: one space after the last quote kept (more would make it a code block), or at the
    // deepest indent kept.
    let quotes = 0;
    let indent = 0;
    let cut = prefix.length;
    for (let at = 0; at < prefix.length; at++) {
      const past = prefix[at] === ">" ? ++quotes > MAX_QUOTE_DEPTH : ++indent > MAX_INDENT;
      if (past) {
        cut = at;
        break;
      }
    }
    if (cut === prefix.length) continue;
    const kept = prefix[cut] === ">" ? `${prefix.slice(0, cut).trimEnd()} ` : prefix.slice(0, cut);
    lines[i] = kept + line.slice(prefix.length);
    changed = true;
    problems.push({
      line: i + 1,
      message: `nested deeper than ${MAX_QUOTE_DEPTH} quotes or ${MAX_INDENT} columns: flattened to that depth`,
    });
  }
  return changed ? lines.join("\n") : text;
}

/**
 * The stories a story's prose says it depends on: "Depends on Story 2.1", "Prerequisites: 1.3,
 * 1.4", "builds on top of 3.2", "Stories 1.3 (indexing) and 1.4", "after Stories 2.8-2.10".
 * Ids come back normalised (`2.1`), each with the line it is on.
 */
import { normaliseTypedId } from "./keys.ts";
import type { Dependency } from "./story.ts";

const ID = String.raw`\d+[a-z]?[.-]\d+[a-z]?(?:[.-]\d+[a-z]?)?\b`;
/** `2.8-2.10`, `1.2 to 1.8`: dotted ids only (in `1-2-1-4` no reader can tell the ends apart). */
const RANGE = String.raw`\d+\.\d+[ \t]{0,3}(?:-|–|—|to|through)[ \t]{0,3}\d+\.\d+\b`;
/** What a story says about the one it names, in parentheses: `1.3 (file indexing)`. */
const ASIDE = String.raw`(?:[ \t]{0,3}\([^()\r\n]{0,80}\))?`;

// No `\s*` before the list: the list's own `\s` takes the spaces, and the two together tried
// every split of a long run of spaces (150 KB of them after "Depends on" took 40 s). The
// spaces inside a range or before an aside are bounded for the same reason.
const DEPENDENCY = new RegExp(
  String.raw`\b(?:depends\s+on|dependent\s+on|dependency:?|dependencies:?|prerequisites?:?|pre-requisites?:?|requires\s+stor(?:y|ies)|builds\s+on(?:\s+top\s+of)?|blocked\s+by|after\s+stor(?:y|ies))((?:(?:stor(?:y|ies)|and|&|,|\s)*(?:${RANGE}|${ID})${ASIDE})+)`,
  "gi",
);
const RANGE_IN_LIST = /(\d+)\.(\d+)[ \t]{0,3}(?:-|–|—|to|through)[ \t]{0,3}(\d+)\.(\d+)\b/gi;
const ID_IN_LIST = /\d+[a-z]?[.-]\d+[a-z]?(?:[.-]\d+[a-z]?)?/gi;
/** A range of more stories than this names its two ends only: no epic plans more at once. */
const MAX_RANGE = 30;

export function findDependencies(text: string, selfId: string | undefined): Dependency[] {
  const found = new Map<string, Dependency>();
  const lineStarts = [0];
  for (let i = 0; i < text.length; i++) if (text[i] === "\n") lineStarts.push(i + 1);
  let line = 1; // matches come in order: the line only moves on
  for (const match of text.matchAll(DEPENDENCY)) {
    const index = match.index ?? 0;
    while (line < lineStarts.length && (lineStarts[line] ?? Infinity) <= index) line++;
    const add = (id: string) => {
      if (id !== selfId && !found.has(id)) found.set(id, { id, line, text: match[0].trim() });
    };
    // Asides say what a story does, not which: their numbers are no ids.
    const list = (match[1] ?? "").replace(/\([^()]*\)/g, " ");
    const singles = list.replace(RANGE_IN_LIST, (_range, ...ends: string[]) => {
      for (const id of rangeIds(ends.slice(0, 4).map(Number))) add(id);
      return " ";
    });
    for (const idMatch of singles.matchAll(ID_IN_LIST)) add(normaliseTypedId(idMatch[0]));
  }
  return [...found.values()];
}

/** `2.8-2.10` is 2.8, 2.9 and 2.10; a range across epics, backwards or too long, its ends. */
function rangeIds([epic = 0, from = 0, toEpic = 0, to = 0]: number[]): string[] {
  if (epic === toEpic && from <= to && to - from < MAX_RANGE)
    return Array.from({ length: to - from + 1 }, (_, i) => `${epic}.${from + i}`);
  return [`${epic}.${from}`, `${toEpic}.${to}`];
}

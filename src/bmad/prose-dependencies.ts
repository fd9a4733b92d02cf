/**
 * The stories a story's prose says it depends on: "Depends on Story 2.1", "Prerequisites: 1.3,
 * 1.4", "builds on top of 3.2". Ids come back normalised (`2.1`), each with the line it is on.
 */
import { normaliseTypedId } from "./keys.ts";
import type { Dependency } from "./story.ts";

// No `\s*` before the list: the list's own `\s` takes the spaces, and the two together tried
// every split of a long run of spaces (150 KB of them after "Depends on" took 40 s).
const DEPENDENCY =
  /\b(?:depends\s+on|dependent\s+on|dependency:?|dependencies:?|prerequisites?:?|pre-requisites?:?|requires\s+stor(?:y|ies)|builds\s+on(?:\s+top\s+of)?|blocked\s+by|after\s+stor(?:y|ies))((?:(?:stor(?:y|ies)|and|&|,|\s)*\d+[a-z]?[.-]\d+[a-z]?(?:[.-]\d+[a-z]?)?\b)+)/gi;
const ID_IN_LIST = /\d+[a-z]?[.-]\d+[a-z]?(?:[.-]\d+[a-z]?)?/gi;

export function findDependencies(text: string, selfId: string | undefined): Dependency[] {
  const found = new Map<string, Dependency>();
  const lineStarts = [0];
  for (let i = 0; i < text.length; i++) if (text[i] === "\n") lineStarts.push(i + 1);
  let line = 1; // matches come in order: the line only moves on
  for (const match of text.matchAll(DEPENDENCY)) {
    const index = match.index ?? 0;
    while (line < lineStarts.length && (lineStarts[line] ?? Infinity) <= index) line++;
    for (const idMatch of (match[1] ?? "").matchAll(ID_IN_LIST)) {
      const id = normaliseTypedId(idMatch[0]);
      if (id !== selfId && !found.has(id)) found.set(id, { id, line, text: match[0].trim() });
    }
  }
  return [...found.values()];
}

/**
 * Story texts that cost the markdown parser as much as the budget allows (`MAX_PARSE_COST`),
 * each of one kind: an ordinary story's sections repeated (the baseline), and the costliest
 * constructs found, one on every line or every few characters.
 */
import { MAX_PARSE_COST, parseCost } from "../../src/bmad/markdown.ts";

const ORDINARY = [
  "## Tasks / Subtasks",
  "",
  "- [ ] Task 1: add the handler in `src/api/orders/handler.ts` (AC: 1)",
  "  - [ ] Validate the request body against the schema and return a 400 with the field names",
  "  - [ ] Write the order through the repository; keep the transaction short",
  "",
  "## Dev Notes",
  "",
  "The handler follows the pattern in `src/api/catalog/handler.ts`: parse, validate, call the",
  "service, map errors. **Do not** change `src/db/schema.ts`; see [the ADR](docs/adr/007.md).",
  "",
  "| Item | Action | Source |",
  "| --- | --- | --- |",
  "| orders | NEW | `src/api/orders/` |",
  "",
].join("\n");

/** Each kind's repeated unit; the ordinary story first. */
export const UNITS: Record<string, string> = {
  "an ordinary story's sections, repeated": `${ORDINARY}\n`,
  "an ordered-list item on every line": "1. a\n",
  "a bullet item on every line": "- a\n",
  "a paragraph on every other line": "a\n\n",
  "a table cell every two characters": "|a",
  "unpaired emphasis marks (read as text past 2,000)": "*a_",
  "strikethrough marks (read as text past 2,000)": "~a",
  "task boxes in a paragraph's lazy lines": "    - [ ] x\n",
};

/** The kind's unit repeated to just under the budget. */
export function textOf(kind: string): string {
  const unit = UNITS[kind];
  if (unit === undefined) throw new Error(`unknown kind: ${kind}`);
  const head = kind.startsWith("a table") ? "|a|b|\n|-|-|\n" : "a\n";
  const each = (parseCost(unit.repeat(100)) - parseCost("")) / 100;
  const count = Math.floor((MAX_PARSE_COST - parseCost(head) - 100) / each);
  return head + unit.repeat(count);
}

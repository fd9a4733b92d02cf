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

/**
 * Each kind: its repeated unit, after a head that sets it up (a table's header); the ordinary
 * story first, the baseline.
 */
export const KINDS: Record<string, { unit: string; head?: string }> = {
  "an ordinary story's sections, repeated": { unit: `${ORDINARY}\n` },
  "an ordered-list item on every line": { unit: "1. a\n" },
  "a bullet item on every line": { unit: "- a\n" },
  "a paragraph on every other line": { unit: "a\n\n" },
  "a table cell every two characters": { unit: "|a", head: "|a|b|\n|-|-|\n" },
  "unpaired emphasis marks (read as text past 2,000)": { unit: "*a_" },
  "strikethrough marks (read as text past 2,000)": { unit: "~a" },
  "task boxes in a paragraph's lazy lines": { unit: "    - [ ] x\n" },
  "a path in backticks every 15 characters, on one task's line": {
    unit: "`src/a/b1.ts`, ",
    head: "## Tasks / Subtasks\n\n- [ ] Modify ",
  },
};

/** The kind's unit repeated to just under the budget. */
export function textOf(kind: string): string {
  const found = KINDS[kind];
  if (found === undefined) throw new Error(`unknown kind: ${kind}`);
  const { unit, head = "a\n" } = found;
  const each = (parseCost(unit.repeat(100)) - parseCost("")) / 100;
  const count = Math.floor((MAX_PARSE_COST - parseCost(head) - 100) / each);
  return head + unit.repeat(count);
}

import { describe, expect, it } from "vitest";
import { cleanPath } from "../src/bmad/path-text.ts";
import { parseStory } from "../src/bmad/story.ts";
import { growth } from "./helpers/growth.ts";

const story = (id: string, body: string) =>
  parseStory(`# Story ${id}: Thing\n\nStatus: ready-for-dev\n\n${body}`, {}).mentions.map((m) => [
    m.path,
    m.intent,
  ]);

describe("story rules on hostile and ordinary lines", () => {
  it("reads a bracket of story ids, a place list and a spaced path in time that grows with them", () => {
    const lines = [
      (n: number) => `- \`src/a.py\` - models (story 1${"and1".repeat(n)}\n`,
      (n: number) => `- \`src/a.py\` - models (story ${"1".repeat(n * 100)}\n`,
      (n: number) => `- alongside ${"a&".repeat(n)}b c \`src/a.py\`\n`,
      // Another story as the subject, its id never ending: one pass over the digits.
      (n: number) => `Story 1${".1".repeat(n * 100)}a1 adds \`src/a.py\`\n`,
    ];
    for (const line of lines)
      expect(growth((n) => story("2.1", `## Dev Notes\n\n${line(n)}`), 100)).toBeLessThan(10);
    expect(growth((n) => cleanPath(`/Users/a ${"/ ".repeat(n)} `), 5_000)).toBeLessThan(10);
  });

  it("a note naming the story itself with other numbers, or its own epic, is no credit", () => {
    for (const note of [
      "(Story 2.1, AC 3)",
      "(Story 2.1 Task 4)",
      "(AC: 2; story 2.1)",
      "(Epic 2)",
    ])
      expect(story("2.1", `## Dev Notes\n\n- \`src/api/routes.py\` - endpoints ${note}\n`)).toEqual(
        [["src/api/routes.py", "write"]],
      );
    expect(story("2.1", "## Dev Notes\n\n- `src/api/routes.py` - endpoints (Story 1.3)\n")).toEqual(
      [["src/api/routes.py", "read"]],
    );
    expect(story("1.8", "## Dev Notes\n\n- `src/a.py` - models (Epic 1 Story 1.8)\n")).toEqual([
      ["src/a.py", "write"],
    ]);
  });

  it("'no migration needed' on a task says nothing of its file; 'no `mod.ts` needed' does", () => {
    expect(
      story(
        "2.1",
        "## Tasks / Subtasks\n\n- [ ] Add the route to `src/routes.ts` (no migration needed)\n",
      ),
    ).toEqual([["src/routes.ts", "write"]]);
    expect(story("2.1", "## Dev Notes\n\nNo `src/mod.ts` needed.\n")).toEqual([
      ["src/mod.ts", "read"],
    ]);
  });
});

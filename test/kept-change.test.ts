import { describe, expect, it } from "vitest";
import { keepsChange } from "../src/run/kept-change.ts";

const text = (...lines: string[]) => Buffer.from(`${lines.join("\n")}\n`);

describe("whether a command kept another story's change", () => {
  const base = text("{", '  "scripts": {', '    "test": "vitest"', "  }", "}");
  // The other story added a script (the line before gained a comma).
  const theirs = text("{", '  "scripts": {', '    "test": "vitest",', '    "a": "one"', "  }", "}");
  // Then this story's command added one too, to the file as it found it.
  const ours = text(
    "{",
    '  "scripts": {',
    '    "test": "vitest",',
    '    "a": "one",',
    '    "b": "two"',
    "  }",
    "}",
  );

  it("kept it when the command added to the file as the other story left it (npm pkg set)", () => {
    expect(keepsChange(base, theirs, ours)).toBe(true);
    // Its own line elsewhere, and lines of the base taken out, lose nothing of theirs either.
    const moved = text("{", '  "scripts": {', '    "a": "one"', "  },", '  "private": true', "}");
    expect(keepsChange(base, theirs, moved)).toBe(true);
  });

  it("lost it when the command wrote the file from the version before (a whole write)", () => {
    const stale = text(
      "{",
      '  "scripts": {',
      '    "test": "vitest",',
      '    "b": "two"',
      "  }",
      "}",
    );
    expect(keepsChange(base, theirs, stale)).toBe(false);
  });

  it("lost it when a line the other story removed came back", () => {
    const before = text("a", "old", "b");
    const removedOld = text("a", "b");
    expect(keepsChange(before, removedOld, text("a", "b", "c"))).toBe(true);
    expect(keepsChange(before, removedOld, text("a", "old", "b", "c"))).toBe(false);
  });

  it("does not count blank lines, nor a file the other story created", () => {
    const before = text("a", "b");
    const withBlank = text("a", "", "new", "b");
    expect(keepsChange(before, withBlank, text("a", "new", "b"))).toBe(true);
    expect(keepsChange(null, text("x", "y"), text("x", "y", "z"))).toBe(true);
    expect(keepsChange(null, text("x", "y"), text("y", "z"))).toBe(false);
  });

  it("with no base (the other story changed it by a command), kept when none of its lines went", () => {
    // `npm pkg set scripts.a=one`, then another story's `npm pkg set scripts.b=two`.
    expect(keepsChange(undefined, theirs, ours)).toBe(true);
    expect(keepsChange(undefined, theirs, theirs)).toBe(true);
    // A script copying the file back from an older copy: the other story's line is gone.
    expect(keepsChange(undefined, theirs, base)).toBe(false);
  });

  it("cannot tell, so counts as lost: no file left, binary content, too many changes", () => {
    expect(keepsChange(base, theirs, null)).toBe(false);
    expect(keepsChange(base, Buffer.from([0, 1, 2]), Buffer.from([0, 1, 2, 3]))).toBe(false);
    const many = (n: number, tag: string) =>
      text(...Array.from({ length: n }, (_, i) => `${tag} ${i}`));
    expect(keepsChange(many(3_000, "x"), many(3_000, "y"), many(3_000, "y"))).toBe(false);
    // A large file the other story made, or changed by a command, is no change to bound.
    const lock = many(3_000, "entry");
    const more = Buffer.concat([lock, text("entry new")]);
    expect(keepsChange(null, lock, more)).toBe(true);
    expect(keepsChange(undefined, lock, more)).toBe(true);
  });
});

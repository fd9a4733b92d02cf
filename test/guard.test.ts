import path from "node:path";
import { describe, expect, it } from "vitest";
import { patchPaths, writtenPaths } from "../src/run/guard.ts";

describe("the files a tool call writes", () => {
  const root = "/repo";
  it("reads write and edit arguments, absolute or relative, inside the project only", () => {
    expect(writtenPaths("write", { filePath: "/repo/src/a.ts", content: "" }, root)).toEqual([
      "src/a.ts",
    ]);
    expect(
      writtenPaths("edit", { filePath: "src/b.ts", oldString: "a", newString: "b" }, root),
    ).toEqual(["src/b.ts"]);
    expect(writtenPaths("write", { filePath: "/elsewhere/c.ts" }, root)).toEqual([]);
    expect(writtenPaths("write", { filePath: "../up.ts" }, root)).toEqual([]);
  });

  it("finds apply_patch's files inside the patch text (added, updated, deleted, moved)", () => {
    const patchText = [
      "*** Begin Patch",
      "*** Add File: src/new.ts",
      "+export const x = 1;",
      "*** Update File: /repo/src/old.ts",
      "*** Move to: src/renamed.ts",
      "@@",
      "-a",
      "+b",
      "*** Delete File: src/gone.ts",
      "*** End Patch",
    ].join("\n");
    expect(patchPaths(patchText)).toEqual([
      "src/new.ts",
      "/repo/src/old.ts",
      "src/renamed.ts",
      "src/gone.ts",
    ]);
    expect(writtenPaths("apply_patch", { patchText }, root)).toEqual([
      "src/new.ts",
      "src/old.ts",
      "src/renamed.ts",
      "src/gone.ts",
    ]);
    expect(path.isAbsolute(root)).toBe(true);
  });
});

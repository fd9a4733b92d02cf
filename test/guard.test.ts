import { symlinkSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { patchPaths, writtenPaths } from "../src/run/guard.ts";
import { tempDir, tempProject } from "./helpers/tmp.ts";

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

describe("a file written through a link", () => {
  it("is the file the link leads to, when that file is the project's", () => {
    const root = tempProject({ "AGENTS.md": "# agents\n", "docs-real/a.md": "a\n" });
    symlinkSync("AGENTS.md", path.join(root, "CLAUDE.md"));
    symlinkSync("docs-real", path.join(root, "docs"));
    symlinkSync("/etc/hostname", path.join(root, "host.txt"));
    const written = (filePath: string) => writtenPaths("write", { filePath }, root);
    // Two names of one file meet on one lock.
    expect(written("CLAUDE.md")).toEqual(["AGENTS.md"]);
    expect(written(path.join(root, "CLAUDE.md"))).toEqual(["AGENTS.md"]);
    // A linked folder, for a file in it and for a file not there yet.
    expect(written("docs/a.md")).toEqual(["docs-real/a.md"]);
    expect(written("docs/new/b.md")).toEqual(["docs-real/new/b.md"]);
    // A link that leads out of the project, and a plain file, are kept as written.
    expect(written("host.txt")).toEqual(["host.txt"]);
    expect(written("src/x.ts")).toEqual(["src/x.ts"]);
  });

  it("is placed in a project whose own folder sits under a link", () => {
    const real = tempProject({ "AGENTS.md": "x\n" });
    const root = path.join(tempDir(), "linked-project");
    symlinkSync(real, root);
    symlinkSync("AGENTS.md", path.join(real, "CLAUDE.md"));
    expect(writtenPaths("write", { filePath: path.join(root, "CLAUDE.md") }, root)).toEqual([
      "AGENTS.md",
    ]);
    expect(writtenPaths("write", { filePath: path.join(root, "src/a.ts") }, root)).toEqual([
      "src/a.ts",
    ]);
  });
});

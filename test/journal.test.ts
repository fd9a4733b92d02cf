/**
 * The change journal (issue 9, part 3): what each story changed, kept before its first change
 * and at its end, through any tool (the shell included); `diff`, `revert` and `versions` from
 * the CLI and the tool.
 */
import {
  existsSync,
  lstatSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { Journal } from "../src/run/journal.ts";
import { revertStory, storyDiff } from "../src/run/review.ts";
import { harness, projectWith } from "./helpers/athena-harness.ts";
import { runCliCaptured } from "./helpers/cli.ts";
import { tempProject } from "./helpers/tmp.ts";

const RUN_A = "run-20261201-100000-aaaaaa";
const RUN_B = "run-20261201-110000-bbbbbb";

const cli = (args: string[], cwd: string) => runCliCaptured(args, cwd);

const objects = (root: string) => readdirSync(path.join(root, ".athena/journal/objects"));
const read = (root: string, file: string) => readFileSync(path.join(root, file), "utf8");

describe("the journal", () => {
  it("keeps a file's version before a story's first change only, and its version at the end", () => {
    const root = tempProject({ "src/a.ts": "one\n" });
    const journal = new Journal(root);
    journal.beforeChange(RUN_A, "1-1-a", ["src/a.ts", "src/new.ts"]);
    writeFileSync(path.join(root, "src/a.ts"), "two\n");
    journal.beforeChange(RUN_A, "1-1-a", ["src/a.ts"]); // a second change: nothing new kept
    writeFileSync(path.join(root, "src/a.ts"), "three\n");
    writeFileSync(path.join(root, "src/new.ts"), "new\n");
    const record = journal.close(RUN_A, "1-1-a");
    expect(record?.files.map((f) => [f.path, f.before === null, typeof f.after])).toEqual([
      ["src/a.ts", false, "string"],
      ["src/new.ts", true, "string"],
    ]);
    const [a] = record?.files ?? [];
    expect(journal.content(a?.before ?? "")?.toString()).toBe("one\n");
    expect(journal.content(a?.after ?? "")?.toString()).toBe("three\n");
    // "two" was never a before or an after: not kept.
    expect(objects(root)).toHaveLength(3);
    // An object cut short (its writer died mid-write) is not that version.
    writeFileSync(path.join(root, ".athena/journal/objects", a?.before ?? ""), "on");
    expect(journal.content(a?.before ?? "")).toBeUndefined();
    // Kept again, it is made whole.
    writeFileSync(path.join(root, "src/a.ts"), "one\n");
    expect(new Journal(root).keepNow("src/a.ts")).toBe(a?.before);
    expect(journal.content(a?.before ?? "")?.toString()).toBe("one\n");
  });

  it("tells a file's content before a story first changed it, or that it cannot tell", () => {
    const root = tempProject({ "src/a.ts": "one\n" });
    const journal = new Journal(root);
    journal.beforeChange(RUN_A, "1-1-a", ["src/a.ts", "src/new.ts"]);
    journal.changedUnseen(RUN_A, "1-1-a", [{ path: "src/opaque.ts", before: undefined }]);
    for (const reader of [journal, new Journal(root)]) {
      expect(reader.before("1-1-a", "src/a.ts")?.toString()).toBe("one\n");
      expect(reader.before("1-1-a", "src/new.ts")).toBeNull(); // no file before
      // Changed by a command with no version kept before: unknown, not "no file".
      expect(reader.before("1-1-a", "src/opaque.ts")).toBeUndefined();
      expect(reader.before("1-2-b", "src/a.ts")).toBeUndefined();
    }
    // The newest record that has the file.
    writeFileSync(path.join(root, "src/a.ts"), "two\n");
    journal.beforeChange(RUN_B, "1-1-a", ["src/a.ts"]);
    expect(new Journal(root).before("1-1-a", "src/a.ts")?.toString()).toBe("two\n");
  });

  it("keeps each content once, whatever the number of stories and runs", () => {
    const root = tempProject({ "x.txt": "same\n", "y.txt": "same\n" });
    const journal = new Journal(root);
    journal.beforeChange(RUN_A, "1-1-a", ["x.txt"]);
    journal.beforeChange(RUN_B, "1-2-b", ["x.txt", "y.txt"]);
    expect(objects(root)).toHaveLength(1);
  });

  it("says when a file was too large or the journal full, and keeps nothing of it", () => {
    const root = tempProject({ "big.bin": "x".repeat(2_000), "small.txt": "s" });
    const journal = new Journal(root, { maxBytes: 1_000, maxFileBytes: 1_500 });
    journal.beforeChange(RUN_A, "1-1-a", ["big.bin"]);
    expect(journal.read(RUN_A, "1-1-a")?.files[0]?.skipped).toBe("larger than 1.5 kB");
    // One file larger than all the journal may hold is said so, not "full".
    const small = new Journal(root, { maxBytes: 1_000, maxFileBytes: 5_000 });
    small.beforeChange(RUN_A, "1-3-c", ["big.bin"]);
    expect(small.read(RUN_A, "1-3-c")?.files[0]?.skipped).toBe(
      "larger than the whole journal (1 kB, parallel.journalMaxMegabytes)",
    );
    expect(existsSync(path.join(root, ".athena/journal/objects"))).toBe(false);
    const full = new Journal(root, { maxBytes: 2_000, maxFileBytes: 5_000 });
    full.beforeChange(RUN_A, "1-2-b", ["big.bin", "small.txt"]);
    expect(full.read(RUN_A, "1-2-b")?.files.map((f) => f.skipped)).toEqual([
      undefined,
      "the journal is full (2 kB, parallel.journalMaxMegabytes)",
    ]);
    // A content already kept is kept, full or not: nothing more is stored for it.
    new Journal(root).beforeChange(RUN_B, "1-1-a", ["small.txt", "small.txt"]);
    full.beforeChange(RUN_B, "1-2-b", ["small.txt"]);
    expect(full.read(RUN_B, "1-2-b")?.files).toMatchObject([{ path: "small.txt" }]);
    expect(full.read(RUN_B, "1-2-b")?.files[0]?.skipped).toBeUndefined();
    expect(new Journal(root).read(RUN_B, "1-1-a")?.files).toHaveLength(1);
  });

  it("keeps no folder as a file's version, and a revert leaves alone a folder an older record lists", () => {
    const root = tempProject({ "src/dir/a.ts": "a\n", "src/b.ts": "b\n" });
    const journal = new Journal(root);
    journal.beforeChange(RUN_A, "1-1-a", ["src/dir", "src/b.ts"]);
    writeFileSync(path.join(root, "src/b.ts"), "b2\n");
    const record = journal.close(RUN_A, "1-1-a");
    expect(record?.files.map((f) => f.path)).toEqual(["src/b.ts"]);
    // A record written before folders were left out: `src/dir`, no file before nor after.
    const old = {
      format: 1 as const,
      run: RUN_B,
      story: "1-2-b",
      files: [
        { path: "src/dir", before: null, after: null, firstChangeAt: "2026-12-01T11:00:00Z" },
      ],
    };
    journal.write(old);
    expect(revertStory(journal, old, root)).toEqual({ restored: [], refused: [] });
    expect(read(root, "src/dir/a.ts")).toBe("a\n");
  });

  it("keeps a link removed or made as a link: diff names it, revert makes the link again", () => {
    const root = tempProject({ "AGENTS.md": "rules\n", "NOTES.md": "notes\n" });
    symlinkSync("AGENTS.md", path.join(root, "CLAUDE.md"));
    const journal = new Journal(root);
    // `rm CLAUDE.md`: the link goes, AGENTS.md stays.
    journal.beforeChange(RUN_A, "1-1-a", ["CLAUDE.md"]);
    rmSync(path.join(root, "CLAUDE.md"));
    const removed = journal.close(RUN_A, "1-1-a");
    expect(removed?.files[0]).toMatchObject({ path: "CLAUDE.md", beforeLink: "AGENTS.md" });
    expect(removed?.files[0]?.afterLink).toBeUndefined();
    expect(storyDiff(journal, removed ?? ({} as never), root)).toContain(
      "--- CLAUDE.md: a symbolic link to `AGENTS.md` -> no file",
    );
    expect(revertStory(journal, removed ?? ({} as never), root).restored).toEqual(["CLAUDE.md"]);
    expect(lstatSync(path.join(root, "CLAUDE.md")).isSymbolicLink()).toBe(true);
    expect(readlinkSync(path.join(root, "CLAUDE.md"))).toBe("AGENTS.md");
    expect(read(root, "AGENTS.md")).toBe("rules\n");
    // `ln -sf AGENTS.md NOTES.md`: a file replaced by a link; revert puts the file back
    // without writing through the link into AGENTS.md.
    journal.beforeChange(RUN_B, "1-2-b", ["NOTES.md"]);
    rmSync(path.join(root, "NOTES.md"));
    symlinkSync("AGENTS.md", path.join(root, "NOTES.md"));
    const linked = journal.close(RUN_B, "1-2-b");
    expect(linked?.files[0]).toMatchObject({ path: "NOTES.md", afterLink: "AGENTS.md" });
    expect(storyDiff(journal, linked ?? ({} as never), root)).toContain(
      "--- NOTES.md: a file -> a symbolic link to `AGENTS.md`",
    );
    expect(revertStory(journal, linked ?? ({} as never), root).restored).toEqual(["NOTES.md"]);
    expect(lstatSync(path.join(root, "NOTES.md")).isSymbolicLink()).toBe(false);
    expect(read(root, "NOTES.md")).toBe("notes\n");
    expect(read(root, "AGENTS.md")).toBe("rules\n");
  });

  it("refuses a run id or story key that is not one, before any file name is made of it", () => {
    const journal = new Journal(tempProject({}));
    expect(() => journal.beforeChange("../../etc", "1-1-a", ["x"])).toThrow(/invalid journal/);
    expect(() => journal.beforeChange(RUN_A, "../x", ["x"])).toThrow(/invalid journal/);
  });

  it("appends first changes to the story's log, which another process reads and the end folds into the record", () => {
    const root = tempProject({ "a.txt": "a\n", "b.txt": "b\n", "c.txt": "c\n" });
    const journal = new Journal(root);
    journal.beforeChange(RUN_A, "1-1-a", ["a.txt"]);
    journal.beforeChange(RUN_A, "1-1-a", ["b.txt", "a.txt"]);
    const dir = path.join(root, ".athena/journal", RUN_A);
    expect(readdirSync(dir)).toEqual(["1-1-a.log"]);
    expect(read(dir, "1-1-a.log").trim().split("\n")).toHaveLength(2);
    // A crash in the middle of an append leaves half a line: it is no entry.
    writeFileSync(path.join(dir, "1-1-a.log"), `${read(dir, "1-1-a.log")}\n{"path":"c.t`);
    // The story goes on in a new process (a restart): its next entry is whole.
    new Journal(root).beforeChange(RUN_A, "1-1-a", ["c.txt"]);
    // What another process (a CLI, a recovery) sees, from the files alone.
    const other = new Journal(root);
    expect(other.all().map((r) => [r.story, r.files.map((f) => f.path)])).toEqual([
      ["1-1-a", ["a.txt", "b.txt", "c.txt"]],
    ]);
    const closed = other.close(RUN_A, "1-1-a");
    expect(closed?.files.every((f) => typeof f.after === "string")).toBe(true);
    expect(readdirSync(dir)).toEqual(["1-1-a.json"]);
    expect(new Journal(root).read(RUN_A, "1-1-a")).toEqual(closed);
  });
});

describe("diff, revert and versions after a run", () => {
  const stories = [
    { key: "1-1-a", writes: ["src/a.ts"] },
    { key: "1-2-b", writes: ["src/b.ts"] },
  ];

  async function ranProject() {
    const root = projectWith(stories);
    writeFileSync(path.join(root, "NOTES.md"), "# Notes\n");
    const h = harness(root, (_w, key) => ({
      ms: 50,
      onlyItsWork: true,
      work: async (session) => {
        if (key === "1-1-a") {
          await h.agent.read(session, "NOTES.md");
          await h.agent.write(session, "NOTES.md", "# Notes\n\nfrom a\n");
          await h.agent.write(session, "src/a.ts", "export const a = 1;\n");
        } else {
          // Through the shell: a heredoc, as agents do.
          await h.agent.bash(
            session,
            "mkdir -p src && cat > src/b.ts <<'EOF'\nexport const b = 2;\nEOF",
          );
        }
      },
    }));
    const started = await h.call({ action: "execute", storyIds: ["1-1-a", "1-2-b"] });
    const run = await h.athena.engine.waitFor(started.metadata.run?.id ?? "");
    return { root, h, run };
  }

  it("prints one story's unified diff, shell writes included, from the CLI and the tool", async () => {
    const { root, h, run } = await ranProject();
    const a = await cli(["diff", "1.1", "--dir", root], "/");
    expect(a.code).toBe(0);
    expect(a.out).toContain(`# Story 1-1-a, run ${run.id}: 2 files changed`);
    expect(a.out).toContain(
      "--- a/NOTES.md\n+++ b/NOTES.md\n@@ -1,1 +1,3 @@\n # Notes\n+\n+from a",
    );
    expect(a.out).toContain("--- /dev/null\n+++ b/src/a.ts\n@@ -0,0 +1,1 @@\n+export const a = 1;");
    expect(a.out).not.toContain("src/b.ts");
    const b = await h.call({ command: "diff 1.2" });
    expect(b.output).toContain("--- /dev/null\n+++ b/src/b.ts");
    expect(b.output).toContain("+export const b = 2;");
  });

  it("reverts a story's files when nobody changed them since, and refuses, naming who did, otherwise", async () => {
    const { root, h } = await ranProject();
    // A later change of src/b.ts by hand: b cannot be reverted.
    writeFileSync(path.join(root, "src/b.ts"), "by hand\n");
    const refused = await cli(["revert", "1-2-b", "--dir", root], "/");
    expect(refused.code).toBe(1);
    expect(refused.err).toContain(
      "not reverted, nothing written: src/b.ts: changed since outside any run",
    );
    expect(read(root, "src/b.ts")).toBe("by hand\n");

    const done = await h.call({ command: "revert 1.1" });
    expect(done.output).toContain("`NOTES.md`, `src/a.ts` put back as they were before it");
    expect(read(root, "NOTES.md")).toBe("# Notes\n");
    expect(existsSync(path.join(root, "src/a.ts"))).toBe(false);
    const again = await cli(["revert", "1.1", "--dir", root], "/");
    expect(again.err).toMatch(
      /^athena-parallel: story 1-1-a \(run run-\S+\) was already reverted at \S+: nothing written\n$/,
    );
  });

  it("names the story that changed a file after the one being reverted, and lists a file's versions", async () => {
    const { root, h, run } = await ranProject();
    // A later run: story 1.2 changes NOTES.md after 1.1 did.
    const journal = new Journal(root);
    const later = "run-29991231-235959-cccccc";
    journal.beforeChange(later, "1-2-b", ["NOTES.md"]);
    writeFileSync(path.join(root, "NOTES.md"), "# Notes\n\nfrom a\nfrom b\n");
    journal.close(later, "1-2-b");
    const refused = await h.call({ action: "revert", storyIds: ["1.1"], runId: run.id });
    expect(refused.output).toContain(`\`NOTES.md\`: changed since by story 1-2-b (run ${later})`);
    expect(read(root, "NOTES.md")).toContain("from b");
    const versions = await cli(["versions", "NOTES.md", "--dir", root], "/");
    expect(versions.out).toMatch(
      new RegExp(
        `# NOTES.md: 2 changes\\n\\n- \\S+ story 1-1-a \\(run ${run.id}\\): [a-f0-9]{12} 8 B -> [a-f0-9]{12} 16 B\\n- \\S+ story 1-2-b \\(run ${later}\\)`,
      ),
    );
    expect(versions.out).not.toContain("changed since the last story");
  });

  it("reports bad input with a clear error, and never writes outside the project", async () => {
    const { root } = await ranProject();
    const unknown = await cli(["diff", "9.9", "--dir", root], "/");
    expect(unknown.code).toBe(2);
    expect(unknown.err).toContain(
      'no changes of story "9.9" in the journal (stories there: 1-1-a, 1-2-b)',
    );
    expect((await cli(["diff", "1.1", "--run", "nope", "--dir", root], "/")).err).toContain(
      "--run expects a run id",
    );
    expect((await cli(["versions", "/etc/passwd", "--dir", root], "/")).err).toContain(
      "/etc/passwd is not a file of the project",
    );
    // A record edited to point outside the project is refused, not followed.
    const journal = new Journal(root);
    const [record] = journal.all().filter((r) => r.story === "1-1-a");
    if (!record) throw new Error("no record");
    journal.write({ ...record, files: [{ ...record.files[0], path: "../outside.txt" } as never] });
    const outside = await cli(["revert", "1.1", "--dir", root], "/");
    expect(outside.code).toBe(1);
    expect(outside.err).toContain("../outside.txt: it is outside the project");
    expect(existsSync(path.join(root, "../outside.txt"))).toBe(false);
  });
});

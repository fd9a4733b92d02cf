/**
 * Shell writes that cannot be known before a command runs (issue 9, part 2): what the command
 * changed is found after it, given to the story and journaled, and a change of another story
 * it overwrote is kept and told at once, in the command's own output and to the parent.
 */
import { chmodSync, existsSync, readFileSync, utimesSync, writeFileSync } from "node:fs";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import type { Parser } from "web-tree-sitter";
import { AfterCheck } from "../src/run/after-check.ts";
import { WriteGuard } from "../src/run/guard.ts";
import { Journal } from "../src/run/journal.ts";
import { FileLocks } from "../src/run/locks.ts";
import { shellEffects, shellParser } from "../src/run/shell.ts";
import { changedBetween, takeSnapshot } from "../src/run/snapshot.ts";
import { clobberScenario, harness, projectWith, sleep } from "./helpers/athena-harness.ts";
import { tempProject } from "./helpers/tmp.ts";

let parser: Parser;
beforeAll(async () => {
  parser = await shellParser();
});

describe("which commands are checked after they run", () => {
  it("knows the commands whose writes it reads before, and calls the rest opaque", () => {
    const opaque = (command: string) => shellEffects(parser, command, "/p").opaque;
    for (const known of [
      "cat > a.txt <<'EOF'\nx\nEOF",
      "sed -i 's/a/b/' f && cp f g && mkdir -p d && echo ok | tee -a log",
      "perl -pi -e 's/a/b/' f",
      "grep -r foo src | head -5",
    ])
      expect([known, opaque(known)]).toEqual([known, false]);
    for (const unknown of [
      "./gen.sh",
      "make build",
      "npx prettier --write .",
      'echo x > "$OUT"',
      "perl -e 'open F, \">x\"'",
      "$CMD arg",
      "echo 'unterminated",
    ])
      expect([unknown, opaque(unknown)]).toEqual([unknown, true]);
  });

  it("finds what changed between two pictures of the project, skipping tool folders", () => {
    const root = tempProject({ "a.txt": "a", "b.txt": "b", "node_modules/x/i.js": "" });
    const before = takeSnapshot(root);
    expect([...before.keys()].sort()).toEqual(["a.txt", "b.txt"]);
    writeFileSync(path.join(root, "a.txt"), "changed");
    writeFileSync(path.join(root, "c.txt"), "new");
    writeFileSync(path.join(root, "node_modules/x/i.js"), "churn");
    expect(changedBetween(before, takeSnapshot(root))).toEqual(["a.txt", "c.txt"]);
  });
});

describe("the after-check in a run", () => {
  const script = (root: string, name: string, body: string) => {
    writeFileSync(path.join(root, name), `#!/bin/sh\n${body}\n`);
    chmodSync(path.join(root, name), 0o755);
  };

  it("gives a script's writes to the story that ran it, and journals them as not known before", async () => {
    const root = projectWith([{ key: "1-1-a", writes: ["src/a.ts"] }]);
    script(root, "gen.sh", "mkdir -p src && echo generated > src/gen.ts");
    const h = harness(root, () => ({
      ms: 50,
      onlyItsWork: true,
      work: async (session) => {
        await h.agent.bash(session, "./gen.sh");
      },
    }));
    const started = await h.call({ action: "execute", storyIds: ["1-1-a"] });
    const run = await h.athena.engine.waitFor(started.metadata.run?.id ?? "");
    expect(run.stories[0]?.wroteFiles).toEqual(["src/gen.ts"]);
    expect(run.stories[0]?.outsideClaims).toEqual(["src/gen.ts"]);
    const entry = new Journal(root).read(run.id, "1-1-a")?.files[0];
    expect(entry).toMatchObject({
      path: "src/gen.ts",
      before: null,
      skipped: "changed by a command whose writes were only known after it ran",
    });
  });

  it("shows in the diff a file a script changed as of an earlier version not kept, never as created", async () => {
    const root = projectWith([{ key: "1-1-a", writes: ["src/a.ts"] }]);
    writeFileSync(path.join(root, "NOTES.md"), "# Notes\n");
    script(root, "append.sh", "echo more >> NOTES.md");
    const h = harness(root, () => ({
      ms: 50,
      onlyItsWork: true,
      work: async (session) => {
        await h.agent.bash(session, "./append.sh");
      },
    }));
    const started = await h.call({ action: "execute", storyIds: ["1-1-a"] });
    const run = await h.athena.engine.waitFor(started.metadata.run?.id ?? "");
    expect(run.stories[0]?.wroteFiles).toEqual(["NOTES.md"]);
    const diff = (await h.call({ action: "diff", storyIds: ["1.1"] })).output;
    expect(diff).toContain(
      "--- NOTES.md: not kept in the journal (changed by a command whose writes were only known after it ran)",
    );
    expect(diff).not.toContain("/dev/null");
  });

  it("keeps the other story's version a script overwrote, and says so in the output and to the parent", async () => {
    // b reads the file, then a changes it, then b's script rewrites it whole.
    const { root, h, runId } = await clobberScenario({ ms: 400 });
    const run = await h.athena.engine.waitFor(runId);
    const b = run.stories.find((s) => s.key === "1-2-b");
    const output = h.agent.lastOutput.get(b?.sessionId ?? "") ?? "";
    expect(output).toContain(
      "[athena-parallel] This command overwrote `NOTES.md`, which story 1-1-a had changed since you last read it: its version is kept (athena-parallel versions NOTES.md)",
    );
    expect(
      h.host.notes.some((n) =>
        n.text.includes(
          "Story 1.2 (1-2-b)'s shell command overwrote `NOTES.md`, which story 1-1-a had changed. Choose with /athena-parallel resolve 1.2",
        ),
      ),
    ).toBe(true);
    // a's version is in the journal, as b's "before" of the file.
    const journal = new Journal(root);
    const entry = journal.read(run.id, "1-2-b")?.files.find((f) => f.path === "NOTES.md");
    expect(journal.content(entry?.before ?? "")?.toString()).toBe("# Notes\nfrom a\n");
    expect(readFileSync(path.join(root, "NOTES.md"), "utf8")).toBe("# Notes\nfrom b\n");
  });

  it("tells a clobber when another story writes a file while a long script runs, then the script rewrites it", async () => {
    const root = projectWith(
      [
        { key: "1-1-a", writes: ["src/a.ts"] },
        { key: "1-2-b", writes: ["src/b.ts"] },
      ],
      { parallel: { conflictStrategy: "manual" } },
    );
    writeFileSync(path.join(root, "NOTES.md"), "# Notes\n");
    // b's script starts, waits until a's write has come back (its after hook run: a rewrite
    // within the write tool's own call is the race told in the README), then writes it whole.
    script(
      root,
      "long.sh",
      "touch started.flag\nuntil [ -f a-wrote.flag ]; do sleep 0.02; done\nprintf '# Notes\\nfrom b\\n' > NOTES.md",
    );
    const h = harness(root, (_w, key) => ({
      ms: 300,
      work: async (session) => {
        if (key === "1-1-a") {
          await h.agent.read(session, "NOTES.md");
          while (!existsSync(path.join(root, "started.flag"))) await sleep(20);
          await h.agent.write(session, "NOTES.md", "# Notes\nfrom a\n");
          writeFileSync(path.join(root, "a-wrote.flag"), "");
        } else {
          await h.agent.read(session, "NOTES.md");
          await h.agent.bash(session, "./long.sh");
        }
      },
    }));
    const started = await h.call({ action: "execute", storyIds: ["1-1-a", "1-2-b"] });
    const run = await h.athena.engine.waitFor(started.metadata.run?.id ?? "");
    const b = run.stories.find((s) => s.key === "1-2-b");
    expect(h.agent.lastOutput.get(b?.sessionId ?? "") ?? "").toContain(
      "[athena-parallel] This command overwrote `NOTES.md`, which story 1-1-a had changed",
    );
    expect(
      h.host.notes.some((n) =>
        n.text.includes(
          "Story 1.2 (1-2-b)'s shell command overwrote `NOTES.md`, which story 1-1-a",
        ),
      ),
    ).toBe(true);
    expect(b?.wroteFiles).toContain("NOTES.md");
    // a's version is kept, as b's "before" of the file.
    const journal = new Journal(root);
    const entry = journal.read(run.id, "1-2-b")?.files.find((f) => f.path === "NOTES.md");
    expect(journal.content(entry?.before ?? "")?.toString()).toBe("# Notes\nfrom a\n");
  });

  it("says nothing when the command kept the other story's change, unread (it added to the file as it found it)", async () => {
    // As `npm install x` does to package.json: it reads the file, whatever its story read.
    const { root, h, runId } = await clobberScenario({
      ms: 400,
      script: "printf 'from b\\n' >> NOTES.md",
    });
    const run = await h.athena.engine.waitFor(runId);
    const b = run.stories.find((s) => s.key === "1-2-b");
    expect(b?.state).toBe("completed");
    expect(h.agent.lastOutput.get(b?.sessionId ?? "") ?? "").not.toContain("overwrote");
    expect(h.host.notes.some((n) => n.text.includes("overwrote"))).toBe(false);
    expect(readFileSync(path.join(root, "NOTES.md"), "utf8")).toBe("# Notes\nfrom a\nfrom b\n");
  });

  it("says nothing when the story had read the other story's version first", async () => {
    const root = projectWith(
      [
        { key: "1-1-a", writes: ["src/a.ts"] },
        { key: "1-2-b", writes: ["src/b.ts"] },
      ],
      { parallel: { conflictStrategy: "manual" } },
    );
    writeFileSync(path.join(root, "NOTES.md"), "# Notes\n");
    script(root, "append.sh", "echo 'from b' >> NOTES.md");
    const h = harness(root, (_w, key) => ({
      ms: 300,
      work: async (session) => {
        if (key === "1-1-a") {
          await h.agent.read(session, "NOTES.md");
          await h.agent.write(session, "NOTES.md", "# Notes\nfrom a\n");
        } else {
          await sleep(100);
          await h.agent.read(session, "NOTES.md"); // a's version
          await h.agent.bash(session, "./append.sh");
        }
      },
    }));
    const started = await h.call({ action: "execute", storyIds: ["1-1-a", "1-2-b"] });
    const run = await h.athena.engine.waitFor(started.metadata.run?.id ?? "");
    const b = run.stories.find((s) => s.key === "1-2-b");
    expect(h.agent.lastOutput.get(b?.sessionId ?? "")).toBe("");
    expect(b?.wroteFiles).toContain("NOTES.md");
    expect(readFileSync(path.join(root, "NOTES.md"), "utf8")).toBe("# Notes\nfrom a\nfrom b\n");
  });
});

describe("writes that leave the project", () => {
  it("are reported on the story and in its note, never locked nor journaled; /dev/null is not a write", async () => {
    const root = projectWith([{ key: "1-1-a", writes: ["src/a.ts"] }]);
    const elsewhere = tempProject({ "keep.txt": "k" });
    const h = harness(root, () => ({
      ms: 50,
      work: async (session) => {
        await h.agent.bash(session, `echo x > ${elsewhere}/from-shell.txt 2>/dev/null`);
        await h.agent.write(session, path.relative(root, `${elsewhere}/from-tool.txt`), "y");
      },
    }));
    const started = await h.call({ action: "execute", storyIds: ["1-1-a"] });
    const run = await h.athena.engine.waitFor(started.metadata.run?.id ?? "");
    const story = run.stories[0];
    expect(story?.outsideProject).toEqual([
      `${elsewhere}/from-shell.txt`,
      `${elsewhere}/from-tool.txt`,
    ]);
    // Inside the project, only its story file, as a dev agent leaves it.
    const storyFile = "_bmad-output/implementation-artifacts/1-1-a.md";
    expect(story?.wroteFiles).toEqual([storyFile]);
    const journaled = new Journal(root).read(run.id, "1-1-a")?.files ?? [];
    expect(journaled.map((f) => f.path)).toEqual([storyFile]);
    const note = h.host.notes.find((n) => n.text.includes("Story 1.1 (1-1-a) completed"));
    expect(note?.text).toContain(
      `Wrote outside the project (not locked, not journaled): ${elsewhere}/from-shell.txt, ${elsewhere}/from-tool.txt`,
    );
    expect(readFileSync(`${elsewhere}/from-shell.txt`, "utf8")).toBe("x\n");
  });
});

describe("others' versions kept before each command", () => {
  it("reads a file another story wrote again only when it changed since it was last kept", async () => {
    const root = tempProject({ "shared.txt": "b's version\n" });
    const guard = new WriteGuard({
      root,
      locks: new FileLocks({ root }),
      lockWaitMs: 0,
      isShared: () => false,
    });
    const journal = new Journal(root);
    const kept: string[] = [];
    const keepNow = journal.keepNow.bind(journal);
    journal.keepNow = (p) => {
      kept.push(p);
      return keepNow(p);
    };
    const check = new AfterCheck({ root, guard, journal, ignore: () => false, log: () => {} });
    guard.afterWrite("1-2-b", ["shared.txt"]);
    // Written well before: its stat alone tells it has not changed.
    const past = new Date(Date.now() - 10_000);
    utimesSync(path.join(root, "shared.txt"), past, past);
    const command = async (key: string) => {
      await check.start(key, "1-1-a");
      await check.finish(key, { run: "run-20260101-000000-abcdef", story: "1-1-a" }, []);
    };
    await command("c1");
    await command("c2");
    expect(kept).toEqual(["shared.txt"]);
    writeFileSync(path.join(root, "shared.txt"), "b's second version\n");
    await command("c3");
    await command("c4"); // changed within the last second: read again, to be sure
    expect(kept).toEqual(["shared.txt", "shared.txt", "shared.txt"]);
  });
});

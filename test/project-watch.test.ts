/**
 * The project watch (issue 9's after-check at the cost of what changed): after one walk, the
 * changes the kernel reports are what two snapshots of the tree would tell, folders made or
 * removed by a command included, and the skipped folders never watched.
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { AfterCheck } from "../src/run/after-check.ts";
import { WriteGuard } from "../src/run/guard.ts";
import { Journal } from "../src/run/journal.ts";
import { FileLocks } from "../src/run/locks.ts";
import { ProjectWatch } from "../src/run/project-watch.ts";
import { changedBetween, takeSnapshot } from "../src/run/snapshot.ts";
import { tempProject } from "./helpers/tmp.ts";

const watches: ProjectWatch[] = [];
afterEach(() => {
  for (const w of watches.splice(0)) w.stop();
});

function watched(files: Record<string, string>) {
  const root = tempProject(files);
  const watch = new ProjectWatch(root);
  watches.push(watch);
  expect(watch.start()).toBe(true);
  return { root, watch };
}

/** Runs a command, then reads what the watch saw and what two snapshots see. */
async function both(root: string, watch: ProjectWatch, command: string) {
  await watch.settle();
  const mark = watch.mark();
  const before = takeSnapshot(root);
  execFileSync("bash", ["-c", command], { cwd: root });
  await watch.settle();
  const seen = watch.changedSince(mark);
  watch.release(mark);
  return { seen, pictured: changedBetween(before, takeSnapshot(root)) };
}

describe("ProjectWatch", () => {
  it("sees files changed, created and deleted, as two snapshots do", async () => {
    const { root, watch } = watched({ "a.txt": "a", "src/b.ts": "b", "src/c.ts": "c" });
    const { seen, pictured } = await both(
      root,
      watch,
      "echo more >> a.txt && rm src/c.ts && echo new > src/d.ts",
    );
    expect(seen).toEqual(["a.txt", "src/c.ts", "src/d.ts"]);
    expect(seen).toEqual(pictured);
  });

  it("sees the files of folders a command makes, deep at once, and of folders it removes", async () => {
    const { root, watch } = watched({ "old/x/y.txt": "y", "old/z.txt": "z", "keep.txt": "k" });
    const { seen, pictured } = await both(
      root,
      watch,
      "mkdir -p gen/a/b && echo 1 > gen/a/b/one.ts && echo 2 > gen/two.ts && rm -r old",
    );
    expect(seen).toEqual(["gen/a/b/one.ts", "gen/two.ts", "old/x/y.txt", "old/z.txt"]);
    expect(seen).toEqual(pictured);
    // Folders made during the check are watched from then on.
    const again = await both(root, watch, "echo changed > gen/a/b/one.ts");
    expect(again.seen).toEqual(["gen/a/b/one.ts"]);
  });

  it("does not report a file made and removed within the check, nor the skipped folders", async () => {
    const { root, watch } = watched({ "a.txt": "a", "node_modules/p/index.js": "p" });
    const { seen } = await both(
      root,
      watch,
      "echo t > tmp.txt && rm tmp.txt && echo x > node_modules/p/index.js && mkdir -p node_modules/q && echo q > node_modules/q/i.js",
    );
    expect(seen).toEqual([]);
  });

  it("logs only while a mark is held, and keeps the log from the oldest one held", async () => {
    const { root, watch } = watched({ "a.txt": "a" });
    await both(root, watch, "echo 1 > b.txt");
    // Nobody checking: a change is seen (the view is current) but not logged.
    writeFileSync(path.join(root, "a.txt"), "changed while nobody checks");
    await watch.settle();
    const first = watch.mark();
    writeFileSync(path.join(root, "c.txt"), "c");
    await watch.settle();
    const second = watch.mark();
    writeFileSync(path.join(root, "d.txt"), "d");
    await watch.settle();
    watch.release(second);
    expect(watch.changedSince(first)).toEqual(["c.txt", "d.txt"]);
    watch.release(first);
    const third = watch.mark();
    expect(watch.changedSince(third)).toEqual([]);
    expect(watch.changedSince(0)).toEqual([]);
    watch.release(third);
  });

  it("goes on after a watched folder is removed and made again", async () => {
    const { root, watch } = watched({ "src/a.ts": "a" });
    rmSync(path.join(root, "src"), { recursive: true });
    await watch.settle();
    mkdirSync(path.join(root, "src"));
    await watch.settle();
    const { seen } = await both(root, watch, "echo b > src/b.ts");
    expect(seen).toEqual(["src/b.ts"]);
  });
});

describe("ProjectWatch, folders replaced within one command", () => {
  it("watches a folder removed and made again in one go, and sees a file become a folder", async () => {
    const { root, watch } = watched({ "src/a.ts": "a", out: "a file" });
    const first = await both(
      root,
      watch,
      "rm -rf src && mkdir src && echo b > src/b.ts && rm out && mkdir out && echo y > out/y.ts",
    );
    expect(first.seen).toEqual(["out", "out/y.ts", "src/a.ts", "src/b.ts"]);
    expect(first.seen).toEqual(first.pictured);
    // The new folders are watched: later changes in them are seen.
    const again = await both(root, watch, "echo c > src/c.ts && echo z > out/z.ts");
    expect(again.seen).toEqual(["out/z.ts", "src/c.ts"]);
  });
});

describe("the after-check when events may have been lost", () => {
  it("finds every change of a command that changes more files than the kernel queues events for", async () => {
    const root = tempProject({ "gen/.keep": "" });
    const journal = new Journal(root);
    const guard = new WriteGuard({
      root,
      locks: new FileLocks({ root }),
      lockWaitMs: 0,
      isShared: () => false,
    });
    const check = new AfterCheck({ root, guard, journal, ignore: () => false, log: () => {} });
    check.watchFiles();
    try {
      await check.start("c1", "1-1-a");
      // 12,000 new files: 24,000 events or more, over the default queue of 16,384.
      execFileSync("bash", ["-c", "cd gen && for i in $(seq 1 12000); do : > f$i; done"], {
        cwd: root,
      });
      await check.finish("c1", { run: "run-20260101-000000-abcdef", story: "1-1-a" }, []);
      expect(guard.wroteFiles("1-1-a")).toHaveLength(12_000);
    } finally {
      check.unwatchFiles();
    }
  });
});

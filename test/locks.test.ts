import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { FileLocks, lockId } from "../src/run/locks.ts";
import { startWorker } from "./helpers/spawn.ts";
import { tempDir } from "./helpers/tmp.ts";

const alpha = { story: "1-1-alpha", run: "run-a", session: "ses_a" };
const beta = { story: "1-2-beta", run: "run-b" };

describe("FileLocks in one process", () => {
  it("is re-entrant for the holding story and exclusive against any other", async () => {
    const locks = new FileLocks({ root: tempDir() });
    expect(await locks.tryAcquire("src/a.ts", alpha)).toEqual({ ok: true, path: "src/a.ts" });
    expect(await locks.tryAcquire("./src/a.ts", alpha)).toEqual({ ok: true, path: "src/a.ts" });
    const refused = await locks.tryAcquire("src/a.ts", beta);
    expect(refused.ok).toBe(false);
    if (!refused.ok) {
      expect(refused.holder).toMatchObject({
        story: "1-1-alpha",
        run: "run-a",
        session: "ses_a",
        pid: process.pid,
      });
      expect(refused.message).toBe(
        `\`src/a.ts\` is locked by story 1-1-alpha (run run-a, pid ${process.pid} on ${refused.holder?.host})`,
      );
    }
    expect(locks.heldBy("1-1-alpha")).toEqual(["src/a.ts"]);
  });

  it("gives one lock to exactly one of two stories asking at the same moment", async () => {
    const locks = new FileLocks({ root: tempDir() });
    const [a, b] = await Promise.all([
      locks.tryAcquire("x.ts", alpha),
      locks.tryAcquire("x.ts", beta),
    ]);
    expect([a.ok, b.ok].sort()).toEqual([false, true]);
  });

  it("names each lock by a hash of its path, with an owner record beside it", async () => {
    const root = tempDir();
    const locks = new FileLocks({ root });
    const strange = "src/a very/strange 'name' ü.ts";
    await locks.tryAcquire(strange, alpha);
    const id = lockId(strange);
    expect(id).toMatch(/^[a-f0-9]{32}$/);
    expect(existsSync(path.join(root, ".athena/locks", `${id}.lock`))).toBe(true);
    const owner = JSON.parse(readFileSync(path.join(root, ".athena/locks", `${id}.json`), "utf8"));
    expect(owner).toMatchObject({
      path: strange,
      story: "1-1-alpha",
      run: "run-a",
      session: "ses_a",
      pid: process.pid,
    });
    expect(readFileSync(path.join(root, ".athena/.gitignore"), "utf8")).toContain("*");
    expect(locks.list()).toEqual([
      expect.objectContaining({
        id,
        stale: false,
        owner: expect.objectContaining({ path: strange }),
      }),
    ]);
  });

  it("refuses paths that leave the project, and folders", async () => {
    const locks = new FileLocks({ root: tempDir() });
    await expect(locks.tryAcquire("../outside.ts", alpha)).rejects.toThrow(
      /not a file inside the project/,
    );
    await expect(locks.tryAcquire("/etc/passwd", alpha)).rejects.toThrow(
      /not a file inside the project/,
    );
    await expect(locks.tryAcquire("src/", alpha)).rejects.toThrow(/not a file inside the project/);
  });

  it("releases one lock or every lock of a story, and only for its holder", async () => {
    const locks = new FileLocks({ root: tempDir() });
    await locks.tryAcquire("a.ts", alpha);
    await locks.tryAcquire("b.ts", alpha);
    expect(await locks.release("a.ts", "1-2-beta")).toBe(false);
    expect(await locks.releaseAll("1-1-alpha")).toEqual(["a.ts", "b.ts"]);
    expect(locks.list()).toEqual([]);
    expect((await locks.tryAcquire("a.ts", beta)).ok).toBe(true);
  });

  it("waits for a lock until its holder releases it", async () => {
    const locks = new FileLocks({ root: tempDir() });
    await locks.tryAcquire("a.ts", alpha);
    setTimeout(() => void locks.release("a.ts", "1-1-alpha"), 100);
    expect((await locks.acquire("a.ts", beta, 5_000)).ok).toBe(true);
    expect((await locks.acquire("a.ts", alpha, 50)).ok).toBe(false);
  });
});

describe("FileLocks across processes", () => {
  it("lets exactly one of two contending processes hold a lock at any moment", async () => {
    const root = tempDir();
    const log = path.join(root, "log.txt");
    const workers = ["p1", "p2"].map((story) =>
      startWorker("lock", ["contend", root, "src/shared.ts", story, "15", log]),
    );
    for (const w of workers) expect(await w.done).toMatchObject({ code: 0 });
    const events = readFileSync(log, "utf8").trim().split("\n");
    expect(events).toHaveLength(60);
    for (let i = 0; i < events.length; i += 2) {
      const [enter, exit] = [events[i], events[i + 1]];
      expect(enter?.startsWith("enter ")).toBe(true);
      expect(exit).toBe(enter?.replace("enter", "exit"));
    }
  }, 60_000);

  it("answers a loser with the holder's name, and takes over the lock of a killed holder once stale", async () => {
    const root = tempDir();
    const holder = startWorker("lock", ["hold", root, "src/a.ts", "1-9-holder", "1", "", "2000"]);
    await holder.waitFor("held");
    const locks = new FileLocks({ root, staleMs: 2_000 });
    const refused = await locks.tryAcquire("src/a.ts", beta);
    expect(refused.ok).toBe(false);
    if (!refused.ok)
      expect(refused.message).toContain(
        `story 1-9-holder (run run-1-9-holder, pid ${holder.child.pid}`,
      );

    process.kill(holder.child.pid ?? 0, "SIGKILL");
    await holder.done;
    expect(locks.list()[0]).toMatchObject({
      stale: true,
      staleReason: `process ${holder.child.pid} is gone`,
    });
    const taken = await locks.acquire("src/a.ts", beta, 15_000);
    expect(taken.ok).toBe(true);
    expect(locks.list()[0]?.owner).toMatchObject({ story: "1-2-beta", pid: process.pid });
  }, 30_000);

  it("reports a compromised lock on its story and never throws", async () => {
    const root = tempDir();
    const lost: string[] = [];
    const locks = new FileLocks({
      root,
      staleMs: 2_000,
      onCompromised: (p, h) => lost.push(`${h.story}:${p}`),
    });
    await locks.tryAcquire("src/a.ts", alpha);
    // Someone removes the lock under us (as a takeover would): the next refresh notices.
    locks.releaseStale();
    const { rmSync } = await import("node:fs");
    rmSync(path.join(root, ".athena/locks", `${lockId("src/a.ts")}.lock`), { recursive: true });
    await new Promise((resolve) => setTimeout(resolve, 2_500));
    expect(lost).toEqual(["1-1-alpha:src/a.ts"]);
    expect(locks.heldBy("1-1-alpha")).toEqual([]);
  }, 10_000);
});

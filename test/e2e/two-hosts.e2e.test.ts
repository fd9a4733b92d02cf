/**
 * End to end with two real OpenCode servers (two `opencode serve` processes, as in two
 * terminals) on one project, offline, with the scripted model: a run of one process waits for
 * the conflicting story another process's run works on, `status` in one process lists the
 * other's run, and the CLI cancels a process's run from outside it. Every process a test
 * starts is stopped by its PID.
 */

import { type ChildProcess, spawn } from "node:child_process";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { afterEach, describe, expect, it } from "vitest";
import { hostEnv, REPO } from "../../harness/opencode.ts";
import { locksLeft } from "../../harness/scenario.ts";
import { runIdOf, scenarioPerTest, signal, stories, storyOf } from "./real-host.ts";

const start = scenarioPerTest();
const clis: ChildProcess[] = [];
afterEach(() => {
  for (const child of clis.splice(0)) {
    try {
      if (child.pid && child.exitCode === null) process.kill(child.pid, "SIGKILL");
    } catch {
      // Already gone.
    }
  }
});

/** `athena-parallel ARGS` run as its own process (the package's bin), as from a terminal. */
function cli(args: string[], home: string): Promise<{ code: number | null; out: string }> {
  const child = spawn(process.execPath, [path.join(REPO, "bin/athena-parallel.js"), ...args], {
    cwd: REPO,
    env: hostEnv(home),
    stdio: ["ignore", "pipe", "pipe"],
  });
  clis.push(child);
  let out = "";
  child.stdout?.on("data", (chunk) => {
    out += chunk;
  });
  child.stderr?.on("data", (chunk) => {
    out += chunk;
  });
  return new Promise((resolve) => child.once("exit", (code) => resolve({ code, out })));
}

describe("two OpenCode processes on one project", () => {
  it("keeps the conflicting pair across the two runs apart, lists the other's run, keeps both edits", async () => {
    // 1.2 and 1.4 both change src/server/routes.ts: each reads it and writes it back with a
    // line of its own added (as an agent does), so a lost edit would show. A's 1.2 ends when
    // the test lets it: once B has been seen waiting for it.
    const routes = "src/server/routes.ts";
    const gate = signal();
    const s = await start({
      stories: stories(100, {
        "1-2-catalog-api": {
          files: ["src/catalog/api.ts"],
          rewriteWhole: { file: routes, pauseMs: 0 },
          finishWhen: gate.fired,
        },
        "1-4-orders-api": {
          files: ["src/orders/api.ts"],
          rewriteWhole: { file: routes, pauseMs: 0 },
        },
      }),
    });
    const b = await s.secondHost();
    expect(b.host.pid).not.toBe(s.host.pid);
    expect(b.host.url).not.toBe(s.host.url);
    const original = s.sprint();
    const originalRoutes = s.file(routes);

    const aId = runIdOf(await s.command("1.2 --strategy coordinate"));
    expect(aId).not.toBe("");
    await s.waitForRun((r) => storyOf(r, "1-2-catalog-api")?.state === "running", 30_000, aId);
    const started = await b.command("1.4 1.3 --strategy coordinate");
    const bId = runIdOf(started);
    expect(started).toMatch(/^Run run-\S+ started: 2 stories/);
    expect(bId).not.toBe(aId);

    // B's 1.4 waits for A's 1.2, naming A's run and process, while B's 1.3 goes ahead.
    const waiting = await s.waitForRun(
      (r) => storyOf(r, "1-4-orders-api")?.state === "waiting-conflict",
      30_000,
      bId,
    );
    expect(storyOf(s.run(aId), "1-2-catalog-api")?.state).toBe("running");
    expect(storyOf(waiting, "1-4-orders-api")?.waitingOn).toBe(
      `waits for 1-2-catalog-api (they write the same files), worked on in run ${aId} (pid ${s.host.pid})`,
    );
    expect(waiting.pid).toBe(b.host.pid);
    expect(s.run(aId)?.pid).toBe(s.host.pid);

    // `status` in B lists A's run, read-only, apart from its own.
    const status = await b.command("status");
    const heading = "## Runs of other OpenCode processes on this project (read-only";
    expect(status).toContain(`### Run ${bId}: running`);
    expect(status).toContain(heading);
    expect(status.slice(status.indexOf(heading))).toContain(`### Run ${aId}: running`);
    expect(status.slice(0, status.indexOf(heading))).not.toContain(`### Run ${aId}`);
    expect(status).toMatch(/\| 1\.4 `1-4-orders-api` \| waiting-conflict \|/);

    // B's other story runs and completes meanwhile; 1.4 still waits; then A's 1.2 may end.
    await s.waitForRun((r) => storyOf(r, "1-3-search")?.state === "completed", 60_000, bId);
    expect(storyOf(s.run(bId), "1-4-orders-api")?.state).toBe("waiting-conflict");
    expect(storyOf(s.run(aId), "1-2-catalog-api")?.state).toBe("running");
    expect(s.model.tokensOf("1-4-orders-api")).toBe(0);
    expect(s.file(routes)).toBe(`${originalRoutes}1-2-catalog-api was here\n`);
    gate.fire();

    // Never both at once, as the model sees them, until both runs have ended.
    let together = 0;
    const deadline = Date.now() + 90_000;
    const running = (id: string) => s.run(id)?.state === "running";
    while ((running(aId) || running(bId)) && Date.now() < deadline) {
      const busy = s.model.taggedInFlight;
      if (busy.includes("1-2-catalog-api") && busy.includes("1-4-orders-api")) together++;
      await sleep(100);
    }
    expect(together).toBe(0);
    const [a, bRun] = [
      await s.waitForRun((r) => r.state !== "running", 5_000, aId),
      await s.waitForRun((r) => r.state !== "running", 5_000, bId),
    ];
    expect(a.state).toBe("completed");
    expect(bRun.state).toBe("completed");
    expect(bRun.stories.map((st) => [st.key, st.state])).toEqual([
      ["1-4-orders-api", "completed"],
      ["1-3-search", "completed"],
    ]);
    const catalog = storyOf(a, "1-2-catalog-api");
    const orders = storyOf(bRun, "1-4-orders-api");
    expect(catalog?.state).toBe("completed");
    expect(Date.parse(orders?.startedAt ?? "")).toBeGreaterThanOrEqual(
      Date.parse(catalog?.endedAt ?? ""),
    );
    // B's other story did not wait for A.
    expect(Date.parse(storyOf(bRun, "1-3-search")?.endedAt ?? "")).toBeLessThan(
      Date.parse(catalog?.endedAt ?? ""),
    );
    expect(orders?.waits.map((w) => w.state)).toEqual(["waiting-conflict"]);

    const after = s.file(routes);
    expect(after.startsWith(originalRoutes)).toBe(true);
    expect(after).toContain("1-2-catalog-api was here\n");
    expect(after).toContain("1-4-orders-api was here\n");
    expect(after.indexOf("1-2-catalog-api was here")).toBeLessThan(
      after.indexOf("1-4-orders-api was here"),
    );
    expect(s.sprint()).toBe(original.replace(/(1-[234]-[\w-]+): ready-for-dev/g, "$1: review"));
    expect(locksLeft(s.root)).toEqual([]);
  }, 120_000);

  it("cancels a process's run from outside with the CLI: its process stops it and puts everything back", async () => {
    const s = await start({ stories: stories(60_000) });
    const b = await s.secondHost();
    const original = s.sprint();
    const id = runIdOf(await s.command("1.1 1.3 --strategy manual"));
    expect(id).not.toBe("");
    await s.waitForRun((r) => r.stories.every((st) => st.state === "running"), 30_000, id);
    for (let i = 0; i < 100 && (await s.busyChildren()).length < 2; i++) await sleep(100);
    expect((await s.busyChildren()).length).toBe(2);
    expect(await b.command("status")).toContain(`### Run ${id}: running`);

    const result = await cli(["cancel", id, "--dir", s.root], s.home);
    expect(result).toEqual({
      code: 0,
      out: `${id} cancelled by its process (pid ${s.host.pid}): 1.1 cancelled, 1.3 cancelled.\n`,
    });
    const run = await s.waitForRun((r) => r.state !== "running", 30_000, id);
    expect(run.state).toBe("cancelled");
    expect(run.stories.map((st) => st.state)).toEqual(["cancelled", "cancelled"]);
    for (let i = 0; i < 100 && (await s.busyChildren()).length > 0; i++) await sleep(100);
    expect(await s.busyChildren()).toEqual([]);
    expect(s.sprint()).toBe(original);
    expect(locksLeft(s.root)).toEqual([]);
    expect(await b.command("status")).not.toContain("Runs of other OpenCode processes");
  }, 120_000);
});

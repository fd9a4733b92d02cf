/**
 * Two real OpenCode processes on one project, tried as a demanding user would: both started
 * at the same moment on overlapping stories, and one killed (SIGKILL) while the other waits for
 * its story. Every process a test starts is stopped by its PID.
 */
import { describe, expect, it } from "vitest";
import { locksLeft } from "../../harness/scenario.ts";
import { loadRuns } from "../../src/run/state.ts";
import { runIdOf, scenarioPerTest, signal, stories, storyOf } from "./real-host.ts";

const start = scenarioPerTest();

describe("two OpenCode processes on one project, the hard cases", () => {
  it("never runs one story in both processes when both start runs of it at the same moment", async () => {
    const s = await start({ stories: stories(1_500) });
    const b = await s.secondHost();
    const original = s.sprint();
    const [outA, outB] = await Promise.all([
      s.command("1.3 1.5 --strategy manual"),
      b.command("1.5 1.1 --strategy manual"),
    ]);
    const ids = [runIdOf(outA), runIdOf(outB)].filter(Boolean);
    expect(ids.length).toBeGreaterThan(0);
    for (const id of ids) await s.waitForRun((r) => r.state !== "running", 120_000, id);
    const runs = loadRuns(s.root).runs;
    // 1.5 was worked on by one run only (the other run was refused, or waited and then found
    // it done), and the model saw it in one session.
    const worked = runs.filter((r) => (storyOf(r, "1-5-pricing")?.attempts ?? 0) > 0);
    expect(worked).toHaveLength(1);
    const children = [
      ...(await s.host.api<Array<{ title: string }>>("GET", `/session/${s.parent}/children`)),
      ...(await b.host.api<Array<{ title: string }>>("GET", `/session/${b.parent}/children`)),
    ];
    expect(children.filter((c) => c.title.startsWith("Story 1.5:"))).toHaveLength(1);
    // Whatever ran completed, and the sprint file says so; nothing else moved.
    let expected = original;
    for (const run of runs)
      for (const st of run.stories)
        if (st.state === "completed")
          expected = expected.replace(`${st.key}: ready-for-dev`, `${st.key}: review`);
    expect(s.sprint()).toBe(expected);
    expect(expected).toContain("1-5-pricing: review");
    expect(locksLeft(s.root)).toEqual([]);
  }, 240_000);

  it("recovers the run of a process killed mid-run: the other process's waiting story then runs, and a restart's retry finishes it", async () => {
    const routes = "src/server/routes.ts";
    const gate = signal();
    const s = await start({
      stories: stories(100, {
        "1-2-catalog-api": {
          files: ["src/catalog/api.ts"],
          rewriteWhole: { file: routes, pauseMs: 0 },
          // It ends only once the test lets it (after its first process was killed).
          finishWhen: gate.fired,
        },
        "1-4-orders-api": {
          files: ["src/orders/api.ts"],
          rewriteWhole: { file: routes, pauseMs: 0 },
        },
      }),
    });
    const b = await s.secondHost();
    const original = s.sprint();
    const originalRoutes = s.file(routes);
    const aId = runIdOf(await s.command("1.2 --strategy coordinate"));
    // A's story has written routes.ts (its line is in) and holds its lock.
    await s.waitForRun(() => s.file(routes).includes("1-2-catalog-api was here"), 60_000, aId);
    const bId = runIdOf(await b.command("1.4 --strategy coordinate"));
    await s.waitForRun(
      (r) => storyOf(r, "1-4-orders-api")?.state === "waiting-conflict",
      60_000,
      bId,
    );
    const deadPid = s.host.pid;
    await s.host.stop("SIGKILL");

    // B notices A's process is gone: A's run is recovered (interrupted, entry put back, locks
    // released), and B's story goes on.
    const a = await s.waitForRun((r) => r.state !== "running", 60_000, aId);
    expect(a.state).toBe("interrupted");
    expect(storyOf(a, "1-2-catalog-api")?.state).toBe("interrupted");
    expect(storyOf(a, "1-2-catalog-api")?.errors.at(-1)).toContain(`pid ${deadPid}`);
    const bRun = await s.waitForRun((r) => r.state !== "running", 120_000, bId);
    expect(storyOf(bRun, "1-4-orders-api")?.state).toBe("completed");
    expect(s.sprint()).toBe(
      original.replace("1-4-orders-api: ready-for-dev", "1-4-orders-api: review"),
    );
    expect(s.file(routes)).toBe(
      `${originalRoutes}1-2-catalog-api was here\n1-4-orders-api was here\n`,
    );
    expect(locksLeft(s.root)).toEqual([]);
    const status = await b.command("status");
    expect(status).not.toContain("Runs of other OpenCode processes");

    // A restarted: no second recovery of its run; `retry` finishes the interrupted story.
    await s.restartHost();
    const parent = (await s.host.api<{ id: string }>("POST", "/session", { title: "again" })).id;
    const retried = await s.command(`retry --run ${aId}`, parent);
    expect(retried).toContain(`It starts again the stories of run ${aId} that did not complete.`);
    expect(loadRuns(s.root).runs.find((r) => r.id === aId)?.state).toBe("interrupted");
    gate.fire();
    const again = await s.waitForRun((r) => r.retryOf === aId && r.state !== "running", 120_000);
    expect(storyOf(again, "1-2-catalog-api")?.state).toBe("completed");
    expect(s.sprint()).toBe(original.replace(/(1-[24]-[\w-]+): ready-for-dev/g, "$1: review"));
    expect(locksLeft(s.root)).toEqual([]);
  }, 300_000);
});

import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import type { HostSessions, SessionState } from "../src/run/host.ts";
import { FileLocks } from "../src/run/locks.ts";
import { recoverRuns } from "../src/run/recover.ts";
import { createRun, loadRuns, newRunId, RUN_ID, saveRun, updateStory } from "../src/run/state.ts";
import { startWorker } from "./helpers/spawn.ts";
import { tempDir, tempProject } from "./helpers/tmp.ts";

const story = (key: string) => ({
  key,
  id: key,
  state: "queued" as const,
  previousStatus: "ready-for-dev",
  wroteFiles: [],
  errors: [],
  updatedAt: new Date().toISOString(),
});

/** A host that knows some sessions; any other is gone. */
function fakeHost(states: Record<string, SessionState>): HostSessions & { asked: string[] } {
  const asked: string[] = [];
  return {
    asked,
    sessionState: async (id) => {
      asked.push(id);
      return states[id] ?? "missing";
    },
  };
}

describe("run records", () => {
  it("uses ids that are safe in file names and prompts", () => {
    expect(newRunId(new Date("2026-11-24T10:20:30Z"))).toMatch(/^run-20261124-102030-[a-f0-9]{6}$/);
    expect(RUN_ID.test("run-20261124-102030-abcdef")).toBe(true);
    expect(RUN_ID.test("../../etc")).toBe(false);
    expect(() => createRun({ strategy: "prevent", cap: 2, stories: [story("../x")] })).toThrow();
  });

  it("are written atomically on every transition and read back", () => {
    const root = tempDir();
    const run = createRun({
      strategy: "coordinate",
      cap: 3,
      stories: [story("1-1-a"), story("1-2-b")],
    });
    saveRun(root, run);
    updateStory(root, run, "1-1-a", { state: "running", sessionId: "ses_1" });
    const [loaded] = loadRuns(root).runs;
    expect(loaded?.stories[0]).toMatchObject({
      key: "1-1-a",
      state: "running",
      sessionId: "ses_1",
    });
    expect(readdirSync(path.join(root, ".athena/runs"))).toEqual([`${run.id}.json`]);
  });

  it("sets a torn or hand-damaged record aside and reports it, never trusting it", () => {
    const root = tempDir();
    const good = createRun({ strategy: "prevent", cap: 1, stories: [story("1-1-a")] });
    saveRun(root, good);
    const torn = path.join(root, ".athena/runs/run-20260101-000000-aaaaaa.json");
    writeFileSync(torn, '{"version": 1, "id": "run-2026');
    const wrong = path.join(root, ".athena/runs/run-20260101-000000-bbbbbb.json");
    writeFileSync(wrong, JSON.stringify({ ...good, state: "exploded" }));
    // Another athena-parallel's format: never read, never moved.
    const newer = path.join(root, ".athena/runs/run-20260101-000000-cccccc.json");
    writeFileSync(newer, JSON.stringify({ ...good, version: 2, id: "run-20260101-000000-cccccc" }));
    // A listing reports them and leaves every file as it was.
    const listed = loadRuns(root);
    expect(listed.runs.map((r) => r.id)).toEqual([good.id]);
    expect(listed.damaged.map((d) => [path.basename(d.file), d.movedTo])).toEqual([
      [path.basename(torn), undefined],
      [path.basename(wrong), undefined],
    ]);
    expect(listed.foreign).toEqual([{ file: newer, version: 2 }]);
    expect(existsSync(torn) && existsSync(wrong)).toBe(true);
    // Recovery sets the damaged ones aside, out of every later read.
    const { runs, damaged, foreign } = loadRuns(root, { setAside: true });
    expect(runs.map((r) => r.id)).toEqual([good.id]);
    expect(damaged.map((d) => path.basename(d.file)).sort()).toEqual([
      path.basename(torn),
      path.basename(wrong),
    ]);
    expect(damaged.find((d) => d.file === torn)?.reason).toMatch(/^not JSON/);
    expect(existsSync(torn)).toBe(false);
    expect(damaged.every((d) => d.movedTo !== undefined && existsSync(d.movedTo))).toBe(true);
    expect(foreign).toHaveLength(1);
    expect(existsSync(newer)).toBe(true);
    expect(loadRuns(root).damaged).toEqual([]);
  });
});

describe("recovery of a run whose process was killed", () => {
  it("re-attaches live sessions, interrupts the rest, releases their locks and restores their sprint entries", async () => {
    const sprint =
      "# keep me\ndevelopment_status:\n  1-1-live: ready-for-dev\n  1-2-dead: ready-for-dev # c\n  1-3-queued: ready-for-dev\n";
    const root = tempProject({ "sprint-status.yaml": sprint });
    const worker = startWorker("run", [root]);
    const runId = (await worker.waitFor("ready")).split(" ")[1] ?? "";
    process.kill(worker.child.pid ?? 0, "SIGKILL");
    await worker.done;
    // Two stories were waiting for the user's answer when the process died.
    const killed = loadRuns(root).runs[0];
    if (!killed) throw new Error("no run record");
    const asking = { kind: "permission" as const, what: "permission `bash`", since: "x" };
    for (const story of killed.stories.slice(0, 2)) story.asking = asking;
    saveRun(root, killed);

    const locks = new FileLocks({ root });
    expect(
      locks
        .list()
        .map((l) => l.owner?.path)
        .sort(),
    ).toEqual(["src/dead.ts", "src/live.ts"]);
    const host = fakeHost({ ses_live: "busy" });
    const { reports } = await recoverRuns({
      root,
      host,
      locks,
      sprint: { root, sprintFile: "sprint-status.yaml" },
    });

    expect(reports).toHaveLength(1);
    expect(reports[0]).toMatchObject({
      run: runId,
      reattached: ["1-1-live"],
      interrupted: ["1-2-dead", "1-3-queued"],
      locksReleased: ["src/dead.ts"],
    });
    expect(host.asked).toEqual(["ses_live", "ses_dead"]);
    expect(readFileSync(path.join(root, "sprint-status.yaml"), "utf8")).toBe(
      sprint.replace("1-1-live: ready-for-dev", "1-1-live: in-progress"),
    );
    // The live story's lock now belongs to this process; the dead story's is gone.
    expect(locks.list().map((l) => [l.owner?.path, l.owner?.pid])).toEqual([
      ["src/live.ts", process.pid],
    ]);
    const [run] = loadRuns(root).runs;
    expect(run).toMatchObject({ state: "running", pid: process.pid });
    expect(run?.stories.map((s) => s.state)).toEqual(["running", "interrupted", "interrupted"]);
    // No process followed their asks meanwhile: none is shown as still open.
    expect(run?.stories.map((s) => s.asking)).toEqual([undefined, undefined, undefined]);
    expect(run?.stories[1]?.errors[0]).toMatch(
      /interrupted: the process running it \(pid \d+\) ended/,
    );

    // Running recovery again changes nothing: the run is ours now.
    expect((await recoverRuns({ root, host, locks })).reports).toEqual([]);
  }, 30_000);

  it("marks the whole run interrupted when no session is alive, and leaves a person's later edit alone", async () => {
    const sprint =
      "development_status:\n  1-1-live: ready-for-dev\n  1-2-dead: ready-for-dev\n  1-3-queued: ready-for-dev\n";
    const root = tempProject({ "sprint-status.yaml": sprint });
    const worker = startWorker("run", [root]);
    await worker.waitFor("ready");
    process.kill(worker.child.pid ?? 0, "SIGKILL");
    await worker.done;
    // A person moved one story on after the crash: recovery must not undo that.
    const file = path.join(root, "sprint-status.yaml");
    writeFileSync(
      file,
      readFileSync(file, "utf8").replace("1-2-dead: in-progress", "1-2-dead: review"),
    );

    const lastSaved = loadRuns(root).runs[0]?.updatedAt;
    const locks = new FileLocks({ root });
    const { reports } = await recoverRuns({
      root,
      host: fakeHost({}),
      locks,
      sprint: { root, sprintFile: "sprint-status.yaml" },
    });
    expect(reports[0]?.interrupted).toEqual(["1-1-live", "1-2-dead", "1-3-queued"]);
    expect(reports[0]?.restored.find((r) => r.key === "1-2-dead")).toMatchObject({
      changed: false,
      status: "review",
    });
    expect(readFileSync(file, "utf8")).toBe(
      sprint.replace("1-2-dead: ready-for-dev", "1-2-dead: review"),
    );
    expect(locks.list()).toEqual([]);
    expect(loadRuns(root).runs[0]?.state).toBe("interrupted");
    // They ended when the process was last heard of, not when recovery ran.
    expect(lastSaved).toBeDefined();
    expect(loadRuns(root).runs[0]?.stories.map((s) => s.endedAt)).toEqual([
      lastSaved,
      lastSaved,
      lastSaved,
    ]);
  }, 30_000);

  it("restores the entries in the run's own sprint file, wherever the process finds one now", async () => {
    const sprint =
      "development_status:\n  1-1-live: ready-for-dev\n  1-2-dead: ready-for-dev\n  1-3-queued: ready-for-dev\n";
    const root = tempProject({ "sprint-status.yaml": sprint });
    const worker = startWorker("run", [root, "records-sprint"]);
    await worker.waitFor("ready");
    process.kill(worker.child.pid ?? 0, "SIGKILL");
    await worker.done;
    expect(loadRuns(root).runs[0]?.sprintFile).toBe("sprint-status.yaml");
    // This process found none at start (or another): the run's record says where its are.
    await recoverRuns({ root, host: fakeHost({}), locks: new FileLocks({ root }) });
    expect(readFileSync(path.join(root, "sprint-status.yaml"), "utf8")).toBe(sprint);
  }, 30_000);

  it("trusts no record whose sprint file leaves the project", () => {
    const root = tempProject({});
    const record = createRun({ strategy: "prevent", cap: 1, stories: [] });
    saveRun(root, record);
    const file = path.join(root, ".athena", "runs", `${record.id}.json`);
    const tampered = { ...record, sprintFile: "../elsewhere/sprint-status.yaml" };
    writeFileSync(file, JSON.stringify(tampered));
    expect(() => saveRun(root, tampered)).toThrow("a path inside the project");
    const windows = { ...record, sprintFile: "a\\..\\..\\x.yaml" };
    expect(() => saveRun(root, windows)).toThrow("a path inside the project");
    const loaded = loadRuns(root);
    expect(loaded.runs).toEqual([]);
    expect(loaded.damaged.map((d) => d.reason)).toEqual([
      "not a run record: a path inside the project",
    ]);
  });
});

/**
 * Work outside a run (issue 11): runs of another OpenCode process on the same project, of this
 * process, and stories a person has `in-progress` by hand. A run waits for the ones it
 * conflicts with or depends on (`coordinate`), is refused beside them (`prevent`), lists the
 * other processes' runs read-only in `status`, cancels them through a request the owning
 * process takes up, and keeps a person's edit of its sprint entries. Two plugin instances on
 * one project stand for the two processes (each with its own locks, engine and watcher).
 */
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { locksLeft } from "../harness/scenario.ts";
import { setStatus } from "../src/bmad/sprint-writer.ts";
import { FileLocks } from "../src/run/locks.ts";
import { outsideWork } from "../src/run/outside-runs.ts";
import { recoverRuns } from "../src/run/recover.ts";
import type { RunRecord, StoryRun } from "../src/run/state.ts";
import { createRun, loadRuns, saveRun } from "../src/run/state.ts";
import {
  harness,
  projectWith,
  SPRINT_FILE,
  signal,
  sleep,
  sprintText,
} from "./helpers/athena-harness.ts";
import { runCliCaptured } from "./helpers/cli.ts";
import { startWorker } from "./helpers/spawn.ts";

/** A pid no process has: its runs are a dead process's. */
const GONE_PID = 2 ** 22 + 12_345;

/**
 * Saves the run of a process that died mid-run, its story 1-1-a `running` in the record (put
 * back to `ready-for-dev` when recovered): `story` and `record` add to that.
 */
function saveOrphan(
  root: string,
  story: Partial<StoryRun> = {},
  record: Partial<RunRecord> = {},
): RunRecord {
  const orphan = createRun({
    strategy: "manual",
    cap: 1,
    stories: [
      {
        key: "1-1-a",
        id: "1.1",
        state: "running",
        previousStatus: "ready-for-dev",
        updatedAt: "",
        ...story,
      },
    ],
  });
  const saved = { ...orphan, pid: GONE_PID, ...record };
  saveRun(root, saved);
  return saved;
}

const stories = [
  { key: "1-1-a", writes: ["src/a.ts"] },
  { key: "1-2-b", writes: ["src/b.ts"] },
];

const cli = (args: string[]) => runCliCaptured(args, "/", {});

describe("another process's runs", () => {
  it("are listed read-only in status, and cancelled on request from the tool", async () => {
    const root = projectWith(stories);
    const a = harness(root, () => ({ ms: 60_000 }));
    const b = harness(root, () => ({ ms: 60_000 }));
    const before = sprintText(root);
    const started = await a.call({ action: "execute", storyIds: ["1-1-a"] });
    const runId = started.metadata.run?.id ?? "";
    const status = (await b.call({ action: "status" })).output;
    expect(status).toContain("## Runs of other OpenCode processes on this project (read-only");
    expect(status).toContain(`### Run ${runId}: running`);
    const asked = await b.call({ action: "cancel", runId });
    expect(asked.output).toContain(`Run ${runId} belongs to another OpenCode process`);
    const ended = await a.athena.engine.waitFor(runId);
    expect(ended.stories.map((s) => s.state)).toEqual(["cancelled"]);
    expect(sprintText(root)).toBe(before);
    // Nothing left to show once it ended.
    expect((await b.call({ action: "status" })).output).not.toContain("Runs of other OpenCode");
  });

  it("show in status the files their stories hold, as the process's own runs do", async () => {
    const root = projectWith(stories);
    const wrote = signal();
    let a: ReturnType<typeof harness> | undefined;
    a = harness(root, () => ({
      ms: 60_000,
      work: async (session) => {
        await a?.agent.write(session, "src/a.ts", "by a\n");
        wrote.fire();
      },
    }));
    const b = harness(root, () => ({ ms: 60_000 }));
    const runId = (await a.call({ action: "execute", storyIds: ["1-1-a"] })).metadata.run?.id;
    await wrote.fired;
    const row = /\| 1\.1 `1-1-a` \| running \|.*\|/;
    expect((await a.call({ action: "status" })).output.match(row)?.[0]).toContain("`src/a.ts`");
    const status = (await b.call({ action: "status" })).output;
    expect(status).toContain(`### Run ${runId}: running`);
    expect(status.match(row)?.[0]).toContain("`src/a.ts`");
    // Named by its id, or by one of its stories.
    for (const named of [{ runId }, { storyIds: ["1.1"] }]) {
      const shown = (await b.call({ action: "status", ...named })).output;
      expect(shown.match(row)?.[0]).toContain("`src/a.ts`");
    }
  });

  it("are recovered, once their process has died, at a call in a process with no run of its own", async () => {
    const root = projectWith(stories);
    const before = sprintText(root);
    const b = harness(root, () => ({ ms: 50 }));
    // A process that died mid-run: its story running in its record, claimed in the sprint file.
    const orphan = saveOrphan(root, { claimedStatus: "in-progress" }, { sprintFile: SPRINT_FILE });
    await setStatus({ root, sprintFile: SPRINT_FILE }, { key: "1-1-a", status: "in-progress" });
    // Status in the other process shows it as it is: interrupted, its entry put back.
    const status = (await b.call({ action: "status" })).output;
    expect(status).toContain(`### Run ${orphan.id}: interrupted`);
    expect(sprintText(root)).toBe(before);
    // And its story may be started again here.
    const started = await b.call({ action: "execute", storyIds: ["1-1-a"] });
    expect(started.output).toMatch(/^Run run-\S+ started/);
    const ended = await b.athena.engine.waitFor(started.metadata.run?.id ?? "");
    expect(ended.stories.map((st) => st.state)).toEqual(["completed"]);
  });

  it("are recovered by one process at a time: a story started again after keeps its entry", async () => {
    const root = projectWith(stories);
    const b = harness(root, () => ({ ms: 300 }));
    saveOrphan(
      root,
      { sessionId: "ses_gone", claimedStatus: "in-progress" },
      { sprintFile: SPRINT_FILE },
    );
    await setStatus({ root, sprintFile: SPRINT_FILE }, { key: "1-1-a", status: "in-progress" });
    // A restarted process recovers it too, slowly: its host answers once b has started again.
    const asked = signal();
    const answer = signal();
    const slow = recoverRuns({
      root,
      host: {
        sessionState: async () => {
          asked.fire();
          await answer.fired;
          return "missing";
        },
      },
      locks: new FileLocks({ root }),
      sprint: { root, sprintFile: SPRINT_FILE },
    });
    await asked.fired;
    // Meanwhile the story waits for that recovery here; once it is done, it starts again.
    const refused = await b.call({ action: "execute", storyIds: ["1-1-a"] });
    expect(refused.output).toContain("gone: waiting for its recovery");
    answer.fire();
    expect((await slow).reports.map((r) => r.interrupted)).toEqual([["1-1-a"]]);
    expect(sprintText(root)).toMatch(/1-1-a: ready-for-dev/);
    const started = await b.call({ action: "execute", storyIds: ["1-1-a"] });
    const id = started.metadata.run?.id ?? "";
    expect(started.output).toMatch(/^Run run-\S+ started/);
    // Another recovery now finds nothing to do, and leaves the new claim alone.
    expect(
      (await recoverRuns({ root, host: b.host, locks: new FileLocks({ root }) })).reports,
    ).toEqual([]);
    expect(sprintText(root)).toMatch(/1-1-a: in-progress/);
    const ended = await b.athena.engine.waitFor(id);
    expect(ended.stories.map((st) => st.state)).toEqual(["completed"]);
    expect(sprintText(root)).toMatch(/1-1-a: review/);
  });

  it("can tell when a process died: its running run's record is saved every other poll, changed or not", async () => {
    const root = projectWith(stories);
    const a = harness(root, () => ({ ms: 60_000 }));
    const id = (await a.call({ action: "execute", storyIds: ["1-1-a"] })).metadata.run?.id ?? "";
    const running = await until(root, id, (r) => r.stories[0]?.state === "running");
    // Nothing happens in the story from now on; the record still says the process lives.
    const since = Date.parse(running.updatedAt);
    const deadline = Date.now() + 5_000;
    let latest = since;
    while (latest < since + 200 && Date.now() < deadline) {
      await sleep(20);
      latest = Date.parse(loadRuns(root).runs.find((r) => r.id === id)?.updatedAt ?? "");
    }
    expect(latest).toBeGreaterThanOrEqual(since + 200);
  });

  it("are cancelled from any terminal: the CLI asks, waits, and reports", async () => {
    const root = projectWith(stories);
    const a = harness(root, () => ({ ms: 60_000 }));
    const started = await a.call({ action: "execute", storyIds: ["1-1-a", "1-2-b"] });
    const runId = started.metadata.run?.id ?? "";
    const result = await cli(["cancel", runId, "--dir", root]);
    expect(result).toMatchObject({ code: 0 });
    expect(result.out).toMatch(
      new RegExp(
        `^${runId} cancelled by its process \\(pid \\d+\\): 1\\.1 cancelled, 1\\.2 cancelled\\.\\n$`,
      ),
    );
    expect((await cli(["cancel", runId, "--dir", root])).out).toContain(
      "is not running (it ended cancelled): nothing to cancel",
    );
  });

  it("says what it can: a bad id, an unknown run, a run whose process is gone", async () => {
    const root = projectWith(stories);
    expect((await cli(["cancel", "nope", "--dir", root])).err).toContain('"nope" is not a run id');
    expect((await cli(["cancel", "run-20260101-000000-abcdef", "--dir", root])).err).toContain(
      'no run "run-20260101-000000-abcdef"',
    );
    const orphan = saveOrphan(root);
    const gone = await cli(["cancel", orphan.id, "--dir", path.resolve(root)]);
    expect(gone.code).toBe(1);
    expect(gone.out).toContain(
      "is gone: the next OpenCode start on this project marks its stories interrupted",
    );
  });
});

/** Polls the run's record on disk until `ok` holds (the engines save every transition). */
async function until(root: string, id: string, ok: (r: RunRecord) => boolean): Promise<RunRecord> {
  if (!id) throw new Error("no run id: the run did not start");
  for (;;) {
    const run = loadRuns(root).runs.find((r) => r.id === id);
    if (run && ok(run)) return run;
    await sleep(20);
  }
}
const stateOf = (run: RunRecord, key: string) => run.stories.find((s) => s.key === key);

/**
 * Two plugin instances (two OpenCode processes) on one project: `a` runs 1-1-a and keeps it
 * running until `release` fires; `b` is the second process, its stories quick.
 */
async function aHolds11(root: string) {
  const release = signal();
  const a = harness(root, () => ({ ms: 0, work: () => release.fired }));
  const b = harness(root, () => ({ ms: 50 }));
  const started = await a.call({ action: "execute", storyIds: ["1-1-a"] });
  return { a, b, release, aRun: started.metadata.run?.id ?? "" };
}

describe("work outside the run", () => {
  const shared = [
    { key: "1-1-a", writes: ["src/shared.ts"] },
    { key: "1-2-b", writes: ["src/shared.ts"] },
    { key: "1-3-c", writes: ["src/c.ts"] },
  ];

  it("coordinate: a story that writes what another process's running story writes waits for it, named; the rest runs", async () => {
    const root = projectWith(shared);
    const { b, release, aRun } = await aHolds11(root);
    const second = await b.call({
      action: "execute",
      storyIds: ["1-2-b", "1-3-c"],
      conflictStrategy: "coordinate",
    });
    const bRun = second.metadata.run?.id ?? "";
    const waiting = await until(root, bRun, (r) => stateOf(r, "1-3-c")?.state === "completed");
    expect(stateOf(waiting, "1-2-b")).toMatchObject({
      state: "waiting-conflict",
      waitingOn: `waits for 1-1-a (they write the same files), worked on in run ${aRun} (pid ${process.pid})`,
    });
    expect((await b.call({ action: "status" })).output).toContain(`worked on in run ${aRun}`);
    // The user is told once why the story does not start.
    const told = b.host.notes.filter((n) => n.text.includes("1-2-b) waits for 1-1-a"));
    expect(told.map((n) => n.text)).toEqual([
      `[athena-parallel ${bRun}] Story 1.2 (1-2-b) waits for 1-1-a (they write the same files), worked on in run ${aRun} (pid ${process.pid}).`,
    ]);
    release.fire();
    const ended = await b.athena.engine.waitFor(bRun);
    const endedA = await until(root, aRun, (r) => r.state !== "running");
    expect(ended.stories.map((s) => s.state)).toEqual(["completed", "completed"]);
    // One after the other: B's story started only once A's had ended.
    const aEnd = Date.parse(stateOf(endedA, "1-1-a")?.endedAt ?? "");
    expect(Date.parse(stateOf(ended, "1-2-b")?.startedAt ?? "")).toBeGreaterThanOrEqual(aEnd);
    expect(stateOf(ended, "1-2-b")?.waits.map((w) => w.state)).toEqual(["waiting-conflict"]);
  });

  it("a dependency in progress elsewhere is waited for, then the story starts; one that stops without completing cancels it", async () => {
    const stories = [
      { key: "1-1-a", writes: ["src/a.ts"] },
      { key: "1-2-b", writes: ["src/b.ts"], dependsOn: "1.1" },
    ];
    for (const outcome of ["completes", "is cancelled"] as const) {
      const root = projectWith(stories);
      const { a, b, release, aRun } = await aHolds11(root);
      // Not blocked by the plan: the dependency is in progress, so the story waits for it.
      const started = await b.call({
        action: "execute",
        storyIds: ["1-2-b"],
        conflictStrategy: "coordinate",
      });
      const bRun = started.metadata.run?.id ?? "";
      const waiting = await until(root, bRun, (r) => stateOf(r, "1-2-b")?.state === "waiting-deps");
      expect(stateOf(waiting, "1-2-b")?.waitingOn).toBe(
        `waits for 1-1-a to complete (worked on in run ${aRun} (pid ${process.pid}))`,
      );
      if (outcome === "completes") release.fire();
      else await a.call({ action: "cancel", runId: aRun });
      const ended = await b.athena.engine.waitFor(bRun);
      if (outcome === "completes") {
        expect(stateOf(ended, "1-2-b")?.state).toBe("completed");
      } else {
        expect(stateOf(ended, "1-2-b")).toMatchObject({ state: "cancelled", reason: "dependency" });
        expect(stateOf(ended, "1-2-b")?.errors.at(-1)).toBe(
          'not started: it depends on 1-1-a, which stopped without completing (its sprint entry is now "ready-for-dev")',
        );
        expect(sprintText(root)).toContain("1-2-b: ready-for-dev");
      }
      release.fire();
    }
  });

  it("a story a person has in progress by hand is waited for until its entry moves", async () => {
    const root = projectWith(shared);
    await setStatus({ root, sprintFile: SPRINT_FILE }, { key: "1-1-a", status: "in-progress" });
    const b = harness(root, () => ({ ms: 50 }));
    const run = (
      await b.call({ action: "execute", storyIds: ["1-2-b"], conflictStrategy: "coordinate" })
    ).metadata.run;
    const id = run?.id ?? "";
    const waiting = await until(root, id, (r) => stateOf(r, "1-2-b")?.state === "waiting-conflict");
    expect(stateOf(waiting, "1-2-b")?.waitingOn).toBe(
      "waits for 1-1-a (they write the same files), worked on by hand (in-progress in sprint-status.yaml, no run owns it)",
    );
    await setStatus({ root, sprintFile: SPRINT_FILE }, { key: "1-1-a", status: "review" });
    const ended = await b.athena.engine.waitFor(id);
    expect(stateOf(ended, "1-2-b")?.state).toBe("completed");
  });

  it("prevent: refused beside another process's story, naming its run and process; nothing changes", async () => {
    const root = projectWith(shared);
    const { a, b, release, aRun } = await aHolds11(root);
    const before = sprintText(root);
    const refused = await b.call({ action: "execute", storyIds: ["1-2-b"] });
    expect(refused.title).toContain("refused");
    expect(refused.output).toContain(
      `- 1.2 (1-2-b) writes the same files as 1.1 (1-1-a), worked on in run ${aRun} (pid ${process.pid})`,
    );
    expect(sprintText(root)).toBe(before);
    release.fire();
    // The other process's run ends before the test does: nothing written into a removed folder.
    await a.athena.engine.waitFor(aRun);
  });

  it("never lets two runs wait for each other: the newer one waits, the older goes", async () => {
    // A waits for B, in progress by hand; then B is handed to a run of its own, which waits
    // for A. Each saw the other's story in progress when planned.
    const root = projectWith(shared);
    const sprint = { root, sprintFile: SPRINT_FILE };
    await setStatus(sprint, { key: "1-2-b", status: "in-progress" });
    const h = harness(root, () => ({ ms: 50 }));
    const older = (
      await h.call({ action: "execute", storyIds: ["1-1-a"], conflictStrategy: "coordinate" })
    ).metadata.run?.id;
    await until(root, older ?? "", (r) => r.stories[0]?.state === "waiting-conflict");
    const newer = (
      await h.call({ action: "execute", storyIds: ["1-2-b"], conflictStrategy: "coordinate" })
    ).metadata.run?.id;
    const [a, b] = await Promise.all([
      h.athena.engine.waitFor(older ?? ""),
      h.athena.engine.waitFor(newer ?? ""),
    ]);
    expect([a.stories[0]?.state, b.stories[0]?.state]).toEqual(["completed", "completed"]);
    expect(Date.parse(b.stories[0]?.startedAt ?? "")).toBeGreaterThanOrEqual(
      Date.parse(a.stories[0]?.endedAt ?? ""),
    );
    expect(h.host.maxBusy).toBe(1);
  });

  it("does not start a story another run is working on", async () => {
    const root = projectWith(shared);
    const { a, b, release, aRun } = await aHolds11(root);
    const before = sprintText(root);
    const refused = await b.call({ action: "execute", storyIds: ["1-1-a", "1-3-c"] });
    expect(refused.output).toBe(
      `athena_parallel: not started: 1.1 (1-1-a) is being worked on in run ${aRun} (pid ${process.pid}). Wait for it to end, or cancel that run first.`,
    );
    expect(sprintText(root)).toBe(before);
    release.fire();
    await a.athena.engine.waitFor(aRun);
  });

  it("never runs one story already in-progress in two runs started at the same moment", async () => {
    // A story named while `in-progress` (a person set it): the claim changes nothing, so the
    // story's lock decides.
    const root = projectWith(stories);
    const sprint = path.join(root, SPRINT_FILE);
    writeFileSync(
      sprint,
      readFileSync(sprint, "utf8").replace("1-2-b: ready-for-dev", "1-2-b: in-progress"),
    );
    const a = harness(root, () => ({ ms: 200 }));
    const b = harness(root, () => ({ ms: 200 }));
    const outs = await Promise.all([
      a.call({ action: "execute", storyIds: ["1-2-b"] }),
      b.call({ action: "execute", storyIds: ["1-2-b"] }),
      a.call({ action: "execute", storyIds: ["1-2-b"] }),
    ]);
    const started = outs.filter((o) => o.metadata.run);
    expect(started).toHaveLength(1);
    for (const r of outs.filter((o) => !o.metadata.run))
      expect(r.output).toMatch(/1\.2 \(1-2-b\) is being run by run run-/);
    const engine = started[0] === outs[1] ? b : a;
    await engine.athena.engine.waitFor(started[0]?.metadata.run?.id ?? "");
    expect([...a.host.sessions.values(), ...b.host.sessions.values()]).toHaveLength(1);
    // Ended, its lock is free: the story can be run again.
    expect(a.athena.locks.list()).toEqual([]);
  });

  it("never runs one story in two runs started at the same moment (two processes, or one)", async () => {
    // Neither run's plan sees the other yet: the claim of the sprint entry decides, under the
    // sprint lock, and the run that finds its story taken starts nothing.
    const root = projectWith([...stories, { key: "1-3-c", writes: ["src/c.ts"] }]);
    const a = harness(root, () => ({ ms: 200 }));
    const b = harness(root, () => ({ ms: 200 }));
    const before = sprintText(root);
    const [outA, outB, outC] = await Promise.all([
      a.call({ action: "execute", storyIds: ["1-2-b", "1-1-a"] }),
      b.call({ action: "execute", storyIds: ["1-2-b", "1-3-c"] }),
      a.call({ action: "execute", storyIds: ["1-2-b"] }),
    ]);
    const started = [outA, outB, outC].filter((o) => o.metadata.run);
    const refused = [outA, outB, outC].filter((o) => !o.metadata.run);
    expect(started).toHaveLength(1);
    for (const r of refused) {
      expect(r.output).toMatch(/^athena_parallel: not started, nothing changed: /);
      // Its lock held by the run that started, or its entry claimed by it.
      expect(r.output).toMatch(
        /1\.2 \(1-2-b\) (is being run by run run-|is "in-progress" in the sprint file now, no longer "ready-for-dev")/,
      );
    }
    const run = started[0]?.metadata.run;
    const engine = started[0] === outB ? b : a;
    const ended = await engine.athena.engine.waitFor(run?.id ?? "");
    expect(ended.stories.every((s) => s.state === "completed")).toBe(true);
    expect([...a.host.sessions.values(), ...b.host.sessions.values()]).toHaveLength(2);
    // Only the started run's stories moved; the refused ones' claims were put back.
    let expected = before;
    for (const st of ended.stories)
      expected = expected.replace(`  ${st.key}: ready-for-dev`, `  ${st.key}: review`);
    expect(sprintText(root)).toBe(expected);
    expect(loadRuns(root).runs).toHaveLength(1);
  });

  it("a run whose process died is recovered, then neither blocks nor counts", async () => {
    const root = projectWith(shared);
    const sprint = { root, sprintFile: SPRINT_FILE };
    await setStatus(sprint, { key: "1-1-a", status: "in-progress" });
    const orphan = saveOrphan(
      root,
      { sessionId: "ses_gone", claimedStatus: "in-progress" },
      { strategy: "coordinate" },
    );
    const b = harness(root, () => ({ ms: 50 }));
    const run = (
      await b.call({ action: "execute", storyIds: ["1-2-b"], conflictStrategy: "coordinate" })
    ).metadata.run;
    const ended = await b.athena.engine.waitFor(run?.id ?? "");
    expect(stateOf(ended, "1-2-b")?.state).toBe("completed");
    const recovered = loadRuns(root).runs.find((r) => r.id === orphan.id);
    expect(recovered?.state).toBe("interrupted");
    expect(sprintText(root)).toContain("1-1-a: ready-for-dev");
  });

  it("keeps a person's edit of a running story's sprint entry, and says so; the story's own edit is its work", async () => {
    const root = projectWith(shared);
    const release = signal();
    let edited = "";
    const a = harness(root, (_work, key) => ({
      ms: 0,
      work: async (session) => {
        if (key === "1-3-c") {
          // The dev workflow moves its own entry on: not a person's edit.
          const text = await a.agent.read(session, SPRINT_FILE);
          edited = text.replace("1-3-c: in-progress", "1-3-c: review");
          await a.agent.write(session, SPRINT_FILE, edited);
        }
        await release.fired;
      },
    }));
    const run = (
      await a.call({ action: "execute", storyIds: ["1-1-a", "1-3-c"], conflictStrategy: "manual" })
    ).metadata.run;
    const id = run?.id ?? "";
    await until(root, id, (r) => r.stories.every((s) => s.state === "running"));
    await setStatus({ root, sprintFile: SPRINT_FILE }, { key: "1-1-a", status: "done" });
    const seen = await until(root, id, (r) => stateOf(r, "1-1-a")?.sprintEdit !== undefined);
    expect(stateOf(seen, "1-1-a")?.sprintEdit?.status).toBe("done");
    expect(a.host.notes.map((n) => n.text).join("\n")).toContain(
      'Story 1.1 (1-1-a): its sprint entry was set to "done" during the run, not by the run: it is left as it is.',
    );
    release.fire();
    const ended = await a.athena.engine.waitFor(id);
    expect(ended.stories.map((s) => s.state)).toEqual(["completed", "completed"]);
    expect(stateOf(ended, "1-3-c")?.sprintEdit).toBeUndefined();
    const text = sprintText(root);
    expect(text).toContain("1-1-a: done");
    expect(text).toContain("1-3-c: review");
    // The summary repeats it.
    expect(a.host.notes.at(-1)?.text).toContain(
      '- 1.1 (1-1-a): completed in 0s, 0 tokens\n  its sprint entry was set to "done" during the run',
    );
  });
});

describe("projectMaxConcurrentStories: one cap across processes", () => {
  it("holds a project cap of 2 across three OpenCode processes, each free to run 2", async () => {
    const keys = ["1-1-a", "1-2-b", "1-3-c", "1-4-d", "1-5-e", "1-6-f"];
    const root = projectWith(
      keys.map((key) => ({ key, writes: [`src/${key}.ts`] })),
      { parallel: { maxConcurrentStories: 2, projectMaxConcurrentStories: 2 } },
    );
    const log = path.join(root, "work.log");
    const workers = [0, 1, 2].map((i) =>
      startWorker("plugin-process", [root, keys.slice(2 * i, 2 * i + 2).join(","), "250", log]),
    );
    const results = await Promise.all(workers.map((w) => w.done));
    for (const r of results) expect(r.out).toMatch(/^ended (\S+=completed ?){2}\n$/);
    // Replay the agents' starts and ends: never more than 2 at once, and 2 did run together.
    const events = readFileSync(log, "utf8")
      .trim()
      .split("\n")
      .map((line) => line.split(" "))
      .map(([, what, at]) => ({ delta: what === "start" ? 1 : -1, at: Number(at) }))
      .sort((x, y) => x.at - y.at || x.delta - y.delta);
    expect(events).toHaveLength(12);
    let now = 0;
    let most = 0;
    for (const e of events) {
      now += e.delta;
      most = Math.max(most, now);
    }
    expect(most).toBe(2);
    expect(locksLeft(root)).toEqual([]);
  });

  it("takes over the slot of a process that died", async () => {
    const root = projectWith([{ key: "1-1-a", writes: ["src/a.ts"] }], {
      // Only the dead-process check can free the slot: it never goes stale by age.
      parallel: { projectMaxConcurrentStories: 1, lockStaleSeconds: 3600 },
    });
    const holder = startWorker("lock", ["hold", root, "(project slot 1)", "9-9-gone"]);
    expect(await holder.waitFor("held")).toBe("held");
    holder.child.kill("SIGKILL");
    await holder.done;
    const a = harness(root, () => ({ ms: 50 }));
    const run = (await a.call({ action: "execute", storyIds: ["1-1-a"] })).metadata.run;
    const ended = await a.athena.engine.waitFor(run?.id ?? "");
    expect(ended.stories.map((s) => s.state)).toEqual(["completed"]);
    expect(locksLeft(root)).toEqual([]);
  });

  it("shows a story waiting for a project slot held by another process", async () => {
    const root = projectWith([{ key: "1-1-a", writes: ["src/a.ts"] }], {
      parallel: { projectMaxConcurrentStories: 1 },
    });
    const holder = startWorker("lock", ["hold", root, "(project slot 1)", "9-9-other"]);
    await holder.waitFor("held");
    const a = harness(root, () => ({ ms: 50 }));
    const id = (await a.call({ action: "execute", storyIds: ["1-1-a"] })).metadata.run?.id ?? "";
    const waiting = await until(root, id, (r) => r.stories[0]?.waitingOn !== undefined);
    expect(waiting.stories[0]).toMatchObject({
      state: "queued",
      waitingOn:
        "waits for a free project slot (projectMaxConcurrentStories 1: every slot is taken)",
    });
    holder.child.kill("SIGKILL");
    const ended = await a.athena.engine.waitFor(id);
    expect(ended.stories.map((s) => s.state)).toEqual(["completed"]);
  });
});

describe("outsideWork: who works on what", () => {
  const record = (stories: Array<[string, StoryRun["state"]]>, pid = 1) => ({
    ...createRun({
      strategy: "coordinate",
      cap: 2,
      stories: stories.map(([key, state]) => ({
        key,
        id: key,
        state,
        previousStatus: "ready-for-dev",
        updatedAt: "",
      })),
    }),
    pid,
  });

  it("counts a run's unended stories while their entry says in-progress, and people's entries no run owns", () => {
    const live = record([
      ["1-1-a", "running"],
      ["1-2-b", "queued"],
      ["1-3-c", "completed"],
      ["1-4-d", "running"],
    ]);
    const work = outsideWork({
      runs: [live],
      status: new Map([
        ["1-1-a", "in-progress"],
        ["1-2-b", "in-progress"],
        ["1-3-c", "review"],
        // Moved on (by its agent, or a person) while its session finishes: no longer worked on.
        ["1-4-d", "review"],
        ["2-1-e", "in-progress"],
        ["2-2-f", "ready-for-dev"],
      ]),
      alive: () => true,
    });
    expect([...work.working.keys()].sort()).toEqual(["1-1-a", "1-2-b", "2-1-e"]);
    expect(work.working.get("1-1-a")).toMatchObject({ run: live.id, pid: 1 });
    expect(work.working.get("2-1-e")?.run).toBeUndefined();
    expect(work.orphaned).toEqual([]);
  });

  it("keeps counting a dead process's run until it is recovered, and names it for recovery", () => {
    const dead = record([["1-1-a", "running"]], 7);
    const ended = { ...record([["1-2-b", "interrupted"]], 8), state: "interrupted" as const };
    const work = outsideWork({
      runs: [dead, ended],
      status: new Map([["1-1-a", "in-progress"]]),
      alive: () => false,
    });
    expect(work.orphaned).toEqual([dead.id]);
    expect(work.working.get("1-1-a")?.where).toBe(
      `run ${dead.id} (pid 7, gone: waiting for its recovery)`,
    );
  });
});

describe("two runs of one process", () => {
  it("the second run's story waits for the first run's story it conflicts with", async () => {
    const root = projectWith([
      { key: "1-1-a", writes: ["src/shared.ts"] },
      { key: "1-2-b", writes: ["src/shared.ts"] },
    ]);
    const release = signal();
    const a = harness(root, (_work, key) => ({
      ms: 0,
      work: () => (key === "1-1-a" ? release.fired : Promise.resolve()),
    }));
    const first = (await a.call({ action: "execute", storyIds: ["1-1-a"] })).metadata.run?.id;
    const second = (
      await a.call({ action: "execute", storyIds: ["1-2-b"], conflictStrategy: "coordinate" })
    ).metadata.run?.id;
    const waiting = await until(
      root,
      second ?? "",
      (r) => r.stories[0]?.state === "waiting-conflict",
    );
    expect(waiting.stories[0]?.waitingOn).toContain(`worked on in run ${first}`);
    release.fire();
    const ended = await a.athena.engine.waitFor(second ?? "");
    expect(ended.stories[0]?.state).toBe("completed");
    expect(a.host.maxBusy).toBe(1);
  });
});

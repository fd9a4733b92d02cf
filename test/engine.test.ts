import {
  existsSync,
  mkdirSync,
  readFileSync,
  renameSync,
  rmSync,
  truncateSync,
  writeFileSync,
} from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { EXCLUSIVE_COMMANDS_LOCK } from "../src/athena.ts";
import { MAX_STORY_BYTES } from "../src/bmad/project.ts";
import { readHistory } from "../src/run/history-log.ts";
import { Journal } from "../src/run/journal.ts";
import { loadRuns } from "../src/run/state.ts";
import {
  harness,
  projectWith,
  SPRINT_FILE,
  STORIES_DIR,
  signal,
  sleep,
  sprintText,
  tickStory,
} from "./helpers/athena-harness.ts";

const six = [
  { key: "1-1-a", writes: ["src/a.ts"] },
  { key: "1-2-b", writes: ["src/b.ts"] },
  { key: "1-3-c", writes: ["src/c.ts"] },
  { key: "1-4-d", writes: ["src/d.ts"] },
  { key: "1-5-e", writes: ["src/e.ts"] },
  { key: "1-6-f", writes: ["src/f.ts"] },
];

/**
 * A shell line defining and calling `name`, which records in `trace-<key>.log` when it starts
 * and ends (ns) and takes `seconds` between: a stand-in for an install or a test run.
 */
const traced = (name: string, key: string, seconds: number) =>
  `${name}() { date +%s%N >> "$1"; sleep ${seconds}; date +%s%N >> "$1"; }; ${name} trace-${key}.log`;

/** [start, end] of a traced command, from its log. */
const spanOf = (root: string, key: string): bigint[] =>
  readFileSync(path.join(root, `trace-${key}.log`), "utf8")
    .trim()
    .split("\n")
    .map(BigInt);

async function waitForRun(h: ReturnType<typeof harness>, runId: string) {
  return h.athena.engine.waitFor(runId);
}

describe("execute", () => {
  it("runs six stories with a cap of three: never more, at least two together, sprint and notes right", async () => {
    const root = projectWith(six);
    const h = harness(root, () => ({ ms: 120 }), { maxConcurrentStories: 3 });
    const before = sprintText(root);
    const started = await h.call({ action: "execute", storyIds: six.map((s) => s.key) });
    expect(started.title).toMatch(/^athena-parallel run run-\S+: 6 stories started$/);
    const runId = started.metadata.run?.id ?? "";
    expect(sprintText(root)).toBe(before.replaceAll(": ready-for-dev #", ": in-progress #"));

    await sleep(30);
    const status = await h.call({ action: "status" });
    expect(status.output).toContain(`### Run ${runId}: running`);
    expect(status.output).toMatch(/\| 1\.4 `1-4-d` \| queued \|/);

    const ended = await waitForRun(h, runId);
    expect(ended.state).toBe("completed");
    expect(h.host.maxBusy).toBe(3);
    expect(h.host.timeline.some((t) => t.busy.length >= 2)).toBe(true);
    expect(h.host.timeline.every((t) => t.busy.length <= 3)).toBe(true);
    expect(sprintText(root)).toBe(before.replaceAll(": ready-for-dev #", ": review #"));
    expect(h.host.toasts).toHaveLength(6);
    expect(h.host.notes.filter((n) => !n.wake)).toHaveLength(6);
    const summary = h.host.notes.filter((n) => n.wake);
    expect(summary).toHaveLength(1);
    expect(summary[0]?.text).toContain("run the combined tests");
    expect(h.athena.locks.list()).toEqual([]);
    // The session titles name the story.
    expect([...h.host.sessions.values()].map((s) => s.title).sort()[0]).toBe("Story 1.1: 1-1-a");
  });

  it("runs a project that became BMAD's after OpenCode started, in the sprint file its plan found", async () => {
    const root = projectWith(six.slice(0, 2));
    const sprint = path.join(root, SPRINT_FILE);
    const planned = readFileSync(sprint, "utf8");
    rmSync(sprint); // at start: no sprint planned yet
    const h = harness(root, () => ({ ms: 40 }));
    writeFileSync(sprint, planned); // the sprint planned in the same session
    const started = await h.call({ action: "execute", storyIds: ["1-1-a", "1-2-b"] });
    expect(started.output).toContain("2 stories, at most 3 at once");
    expect(sprintText(root)).toBe(planned.replaceAll(": ready-for-dev #", ": in-progress #"));
    const ended = await waitForRun(h, started.metadata.run?.id ?? "");
    expect(ended.state).toBe("completed");
    expect(ended.sprintFile).toBe(SPRINT_FILE);
    expect(sprintText(root)).toBe(planned.replaceAll(": ready-for-dev #", ": review #"));
    expect(existsSync(path.join(root, "sprint-status.yaml"))).toBe(false);

    // A run still going keeps its sprint file as the plugin's while a plan finds another.
    writeFileSync(sprint, sprintText(root).replace("1-2-b: review", "1-2-b: ready-for-dev"));
    const slow = await h.call({ action: "execute", storyIds: ["1-2-b"] });
    h.athena.engine.setSprintFile("docs/other-sprint.yaml");
    expect(h.athena.engine.isSprintFile(SPRINT_FILE)).toBe(true);
    const second = await waitForRun(h, slow.metadata.run?.id ?? "");
    expect(second.state).toBe("completed");
    expect(sprintText(root)).toContain("1-2-b: review");
    expect(h.athena.engine.isSprintFile(SPRINT_FILE)).toBe(false);
    expect(h.athena.engine.isSprintFile("docs/other-sprint.yaml")).toBe(true);

    // The sprint file moved (bmad.paths set): the next run claims and ends its stories there.
    const moved = "docs/sprint-status.yaml";
    mkdirSync(path.join(root, "docs"));
    renameSync(sprint, path.join(root, moved));
    writeFileSync(
      path.join(root, "athena.json"),
      JSON.stringify({ bmad: { paths: { sprintStatus: moved, stories: STORIES_DIR } } }),
    );
    const text = readFileSync(path.join(root, moved), "utf8").replace(
      "1-1-a: review",
      "1-1-a: ready-for-dev",
    );
    writeFileSync(path.join(root, moved), text);
    const again = await h.call({ action: "execute", storyIds: ["1-1-a"] });
    const third = await waitForRun(h, again.metadata.run?.id ?? "");
    expect(third.sprintFile).toBe(moved);
    expect(readFileSync(path.join(root, moved), "utf8")).toBe(
      text.replace("1-1-a: ready-for-dev", "1-1-a: review"),
    );
  });

  it("holds a cap asked above maxConcurrentStories to it, and says so in the dry run and the run", async () => {
    const root = projectWith(six);
    const h = harness(root, () => ({ ms: 60 }), { maxConcurrentStories: 2 });
    const ids = six.map((s) => s.key);
    const dry = await h.call({ action: "dryRun", storyIds: ids, maxConcurrentStories: 5 });
    expect(dry.metadata.plan?.schedule.cap).toBe(2);
    expect(dry.output).toContain("a cap of 5 is above parallel.maxConcurrentStories (2)");
    const started = await h.call({ action: "execute", storyIds: ids, maxConcurrentStories: 5 });
    expect(started.output).toContain("at most 2 at once");
    expect(started.output).toContain("planned and run at 2");
    const ended = await waitForRun(h, started.metadata.run?.id ?? "");
    expect(ended.cap).toBe(2);
    expect(h.host.maxBusy).toBe(2);
    // A cap under it is the caller's to choose, and nothing is said.
    const lower = await h.call({ action: "dryRun", storyIds: ids, maxConcurrentStories: 1 });
    expect(lower.metadata.plan?.schedule.cap).toBe(1);
    expect(lower.output).not.toContain("a cap of");
  });

  it("shows the task boxes a story ticked after its run has ended, in this process and a new one", async () => {
    const root = projectWith([{ key: "1-1-a", writes: ["src/a.ts"] }]);
    const storyFile = path.join(root, "_bmad-output/implementation-artifacts/1-1-a.md");
    const h = harness(root, () => ({
      ms: 50,
      // The agent ticks every box of its story (2 tasks and the edit of src/a.ts).
      work: async () => {
        writeFileSync(storyFile, readFileSync(storyFile, "utf8").replaceAll("- [ ]", "- [x]"));
      },
    }));
    const started = await h.call({ action: "execute", storyIds: ["1-1-a"] });
    const runId = started.metadata.run?.id ?? "";
    expect((await waitForRun(h, runId)).state).toBe("completed");
    const row = /\| 1\.1 `1-1-a` \| completed \| [^|]+ \| 3\/3 \|/;
    expect((await h.call({ action: "status" })).output).toMatch(row);
    // Another OpenCode process on the project, which never had the run live.
    const later = harness(root, () => ({ ms: 50 }));
    expect((await later.call({ action: "status", runId })).output).toMatch(row);
  });

  it("keeps conflicting stories apart under coordinate, and runs the rest beside them", async () => {
    const stories = [
      { key: "1-1-a", writes: ["src/shared.ts"] },
      { key: "1-2-b", writes: ["src/shared.ts"] },
      { key: "1-3-c", writes: ["src/c.ts"] },
    ];
    const root = projectWith(stories);
    const h = harness(
      root,
      (_w, key) => ({
        ms: 80,
        onlyItsWork: true,
        work: async (session) => {
          // As an agent does: a file that is there is read before it is written whole.
          for (const file of stories.find((s) => s.key === key)?.writes ?? []) {
            if (existsSync(path.join(root, file))) await h.agent.read(session, file);
            await h.agent.write(session, file, `by ${key}\n`);
          }
          tickStory(root, key);
        },
      }),
      { conflictStrategy: "coordinate" },
    );
    const started = await h.call({ action: "execute", storyIds: stories.map((s) => s.key) });
    await waitForRun(h, started.metadata.run?.id ?? "");
    const titleOf = (id: string) => h.host.sessions.get(id)?.title ?? "";
    for (const moment of h.host.timeline) {
      const titles = moment.busy.map(titleOf);
      expect(titles.filter((t) => /1-1-a|1-2-b/.test(t)).length).toBeLessThanOrEqual(1);
    }
    expect(h.host.timeline.some((m) => m.busy.length === 2)).toBe(true);
    // Each finished story left a line in the history log, with what the guard saw it write.
    const history = readHistory(root);
    expect(history.skipped).toEqual([]);
    expect(
      Object.fromEntries(history.lines.map((l) => [l.story, [l.outcome, l.wroteFiles]])),
    ).toEqual({
      "1-1-a": ["completed", ["src/shared.ts"]],
      "1-2-b": ["completed", ["src/shared.ts"]],
      "1-3-c": ["completed", ["src/c.ts"]],
    });
    expect(history.lines.every((l) => (l.durationMs ?? -1) >= 0)).toBe(true);
  });

  it("leaves out a story that cannot be read, names it, and runs the others", async () => {
    const stories = [
      { key: "1-1-a", writes: ["src/a.ts"] },
      { key: "1-2-b", writes: ["src/b.ts"] },
    ];
    const root = projectWith(stories);
    const storyFile = path.join(root, "_bmad-output/implementation-artifacts/1-2-b.md");
    truncateSync(storyFile, MAX_STORY_BYTES + 1); // sparse: nothing is written
    const before = sprintText(root);
    const h = harness(root, () => ({ ms: 20 }));
    const result = await h.call({ action: "execute", storyIds: ["1.1", "1.2"] });
    expect(result.title).toMatch(/: 1 stories started$/);
    expect(result.output).toContain(
      "Not started, the story could not be read:\n- 1.2 (1-2-b): _bmad-output/implementation-artifacts/1-2-b.md:1: the file is 8.0 MB",
    );
    const ended = await waitForRun(h, result.metadata.run?.id ?? "");
    expect(ended.stories.map((s) => [s.key, s.state])).toEqual([["1-1-a", "completed"]]);
    // Its sprint entry was never touched.
    expect(sprintText(root)).toBe(before.replace("1-1-a: ready-for-dev", "1-1-a: review"));
  });

  it("answers an unexpected failure with one line asking for a report, never a trace", async () => {
    const root = projectWith([{ key: "1-1-a", writes: ["src/a.ts"] }]);
    writeFileSync(path.join(root, ".athena"), "a file where the state folder should be\n");
    const before = sprintText(root);
    const h = harness(root, () => ({ ms: 20 }));
    const result = await h.call({ action: "execute", storyIds: ["1.1"] });
    expect(sprintText(root)).toBe(before);
    expect(h.host.sessions.size).toBe(0);
    expect(result.output).toMatch(/^athena_parallel: athena_parallel execute: unexpected error: /);
    expect(result.output).toContain("please report it");
    expect(result.output).not.toMatch(/^\s+at /m);
  });

  it("refuses when no story of the batch can be read", async () => {
    const root = projectWith([{ key: "1-1-a", writes: ["src/a.ts"] }]);
    truncateSync(
      path.join(root, "_bmad-output/implementation-artifacts/1-1-a.md"),
      MAX_STORY_BYTES + 1,
    );
    const h = harness(root, () => ({ ms: 20 }));
    const result = await h.call({ action: "execute", storyIds: ["1.1"] });
    expect(result.output).toContain("no story can be read:");
    expect(h.host.sessions.size).toBe(0);
  });

  it("refuses under prevent while file conflicts remain, naming the subset that could run", async () => {
    const stories = [
      { key: "1-1-a", writes: ["src/shared.ts"] },
      { key: "1-2-b", writes: ["src/shared.ts"] },
      { key: "1-3-c", writes: ["src/c.ts"] },
    ];
    const root = projectWith(stories);
    const before = sprintText(root);
    const h = harness(root, () => ({ ms: 10 }));
    const result = await h.call({ action: "execute", storyIds: stories.map((s) => s.key) });
    expect(result.title).toBe("athena-parallel: refused (file conflicts)");
    expect(result.output).toContain("These stories could run together: 1.1, 1.3");
    expect(sprintText(root)).toBe(before);
    expect(h.host.sessions.size).toBe(0);
  });

  it("starts a story only after the story it depends on has completed", async () => {
    const stories = [
      { key: "1-1-a", writes: ["src/a.ts"], dependsOn: "1.2" },
      { key: "1-2-b", writes: ["src/b.ts"] },
    ];
    const h = harness(projectWith(stories), () => ({ ms: 60 }));
    const started = await h.call({ action: "execute", storyIds: ["1.1", "1.2"] });
    await sleep(20);
    const run = h.athena.engine.runsLive()[0];
    expect(run?.stories.find((s) => s.key === "1-1-a")?.state).toBe("waiting-deps");
    const ended = await waitForRun(h, started.metadata.run?.id ?? "");
    const [a, b] = ["1-1-a", "1-2-b"].map((k) => ended.stories.find((s) => s.key === k));
    expect(Date.parse(a?.startedAt ?? "")).toBeGreaterThanOrEqual(Date.parse(b?.endedAt ?? ""));
  });

  it("refuses a story whose dependency is neither done nor in the run", async () => {
    const stories = [
      { key: "1-1-a", writes: ["src/a.ts"], dependsOn: "1.2" },
      { key: "1-2-b", writes: ["src/b.ts"] },
    ];
    const h = harness(projectWith(stories), () => ({ ms: 10 }));
    const result = await h.call({ action: "execute", storyIds: ["1.1"] });
    expect(result.output).toContain(
      "these stories cannot start:\n- 1-1-a: depends on 1-2-b (ready-for-dev), which is neither done nor in this batch",
    );
  });
});

describe("failures, quirks and cancel", () => {
  it("reports a provider error, restores the sprint entry, and ends the others normally", async () => {
    const root = projectWith(six.slice(0, 3));
    const h = harness(root, (_w, key) => ({
      ms: 40,
      outcome: key === "1-2-b" ? "provider-4xx" : "ok",
    }));
    const started = await h.call({ action: "execute", storyIds: ["1.1", "1.2", "1.3"] });
    const ended = await waitForRun(h, started.metadata.run?.id ?? "");
    const failed = ended.stories.find((s) => s.key === "1-2-b");
    expect(failed?.state).toBe("failed");
    expect(failed?.errors[0]).toContain("400 Bad Request: context too long");
    expect(ended.state).toBe("failed");
    expect(sprintText(root)).toContain("1-2-b: ready-for-dev #");
    expect(sprintText(root)).toContain("1-1-a: review #");
    // Duplicate idle events and error-then-idle give one notification per story.
    expect(h.host.toasts).toHaveLength(3);
  });

  it("fails a story whose agent does not exist (an error, and never an idle)", async () => {
    const root = projectWith(six.slice(0, 2));
    const h = harness(root, (_w, key) => ({
      ms: 20,
      outcome: key === "1-1-a" ? "unknown-agent" : "ok",
    }));
    const started = await h.call({ action: "execute", storyIds: ["1.1", "1.2"] });
    const ended = await waitForRun(h, started.metadata.run?.id ?? "");
    expect(ended.stories.map((s) => s.state)).toEqual(["failed", "completed"]);
    expect(ended.stories[0]?.errors[0]).toContain("Agent not found");
    expect(ended.stories[0]?.attempts).toBe(1); // a bad agent does not pass: no retry
  });

  it("aborts and fails a story stuck retrying a provider 5xx", async () => {
    const root = projectWith(six.slice(0, 1));
    const h = harness(root, () => ({ ms: 10, outcome: "provider-5xx" }), {
      retryTimeoutMinutes: 0.01,
    });
    const started = await h.call({ action: "execute", storyIds: ["1.1"] });
    const ended = await waitForRun(h, started.metadata.run?.id ?? "");
    expect(ended.stories[0]?.state).toBe("failed");
    expect(ended.stories[0]?.errors[0]).toContain("the provider kept failing");
    // A provider that keeps failing may pass: tried once more in a fresh session, then failed.
    expect(ended.stories[0]).toMatchObject({ reason: "provider", attempts: 2 });
    expect(h.host.aborted).toContain(ended.stories[0]?.sessionId);
    expect(h.host.aborted).toHaveLength(2);
    expect(sprintText(root)).toContain("1-1-a: ready-for-dev #");
  });

  it("cancel aborts every child (sub-sessions first), releases every lock and restores the sprint", async () => {
    const root = projectWith(six.slice(0, 3));
    const before = sprintText(root);
    const h = harness(root, () => ({ ms: 5_000 }));
    const started = await h.call({ action: "execute", storyIds: ["1.1", "1.2", "1.3"] });
    await sleep(50);
    const run = h.athena.engine.runsLive()[0];
    const first = run?.stories[0]?.sessionId ?? "";
    // The story's agent started a sub-agent, and holds a lock.
    const sub = await h.host.createChildSession(first, "sub-agent");
    await sleep(10);
    expect(await h.agent.write(sub, "src/a.ts", "x")).toBeUndefined();
    // Its own story's lock (this run's story) and the file.
    expect(h.athena.locks.heldBy("1-1-a")).toEqual(["(story 1-1-a)", "src/a.ts"]);

    const cancelled = await h.call({ action: "cancel" });
    expect(cancelled.title).toBe(
      `athena-parallel run ${started.metadata.run?.id ?? ""}: cancelled`,
    );
    expect(h.host.aborted.indexOf(sub)).toBeLessThan(h.host.aborted.indexOf(first));
    expect(h.host.aborted.filter((id) => id !== sub)).toHaveLength(3);
    expect([...h.host.sessions.values()].every((s) => s.state === "idle")).toBe(true);
    expect(h.athena.locks.list()).toEqual([]);
    expect(sprintText(root)).toBe(before);
    expect(loadRuns(root).runs[0]?.stories.map((s) => s.state)).toEqual([
      "cancelled",
      "cancelled",
      "cancelled",
    ]);
  });

  it("refuses athena_parallel inside a story session", async () => {
    const h = harness(projectWith(six.slice(0, 1)), () => ({ ms: 200 }));
    const started = await h.call({ action: "execute", storyIds: ["1.1"] });
    await sleep(20);
    const session = h.athena.engine.runsLive()[0]?.stories[0]?.sessionId ?? "";
    expect((await h.call({ action: "dryRun" }, session)).output).toContain(
      "cannot be used from inside a story session",
    );
    await expect(
      h.athena.hooks["tool.execute.before"]?.(
        { tool: "athena_parallel", sessionID: session, callID: "x" },
        { args: {} },
      ),
    ).rejects.toThrow(/not available inside a story session/);
    // The run ends before the test does, so it writes nothing into a removed folder.
    await waitForRun(h, started.metadata.run?.id ?? "");
  });
});

describe("runtime coordination", () => {
  it("makes a story wait for a file another story holds, then lets it proceed", async () => {
    const stories = [
      { key: "1-1-a", writes: ["src/a.ts"] },
      { key: "1-2-b", writes: ["src/b.ts"] },
    ];
    const root = projectWith(stories);
    const log: string[] = [];
    // In turns, not by timing: a takes the file, b asks for it, a ends once b is seen waiting.
    const aWrote = signal();
    const release = signal();
    const h = harness(
      root,
      (_w, key) => ({
        ms: 0,
        work: async (session) => {
          if (key === "1-2-b") await aWrote.fired;
          const refused = await h.agent.write(session, "src/unplanned.ts", `by ${key}\n`);
          log.push(`${key} ${refused ?? "wrote"}`);
          if (refused) {
            // Written whole over a's file, never read: read, then written.
            const text = await h.agent.read(session, "src/unplanned.ts");
            const again = await h.agent.write(session, "src/unplanned.ts", `${text}by ${key}\n`);
            log.push(`${key} ${again ?? "wrote"}`);
          }
          if (key === "1-1-a") {
            aWrote.fire();
            await release.fired;
          }
        },
      }),
      { conflictStrategy: "manual" },
    );
    const started = await h.call({ action: "execute", storyIds: ["1.1", "1.2"] });
    const storyB = () => h.athena.engine.runsLive()[0]?.stories.find((s) => s.key === "1-2-b");
    // Until b has asked for the file (or, were the lock not to hold it back, gone past it).
    const before = new Set([undefined, "queued", "launching", "running"]);
    while (before.has(storyB()?.state) && !log.some((l) => l.startsWith("1-2-b"))) await sleep(10);
    const waiting = storyB();
    expect(waiting?.state).toBe("waiting-lock");
    expect(waiting?.waitingOn).toBe("waits for `src/unplanned.ts`, held by 1-1-a");
    release.fire();
    const ended = await waitForRun(h, started.metadata.run?.id ?? "");
    expect(log).toEqual([
      "1-1-a wrote",
      "1-2-b Not written: story 1-1-a changed `src/unplanned.ts` and you have not read it. Read it first, then make your change on its current content: writing it whole, or with a shell command, would lose story 1-1-a's change.",
      "1-2-b wrote",
    ]);
    expect(ended.stories.map((s) => s.state)).toEqual(["completed", "completed"]);
    expect(ended.stories[0]?.outsideClaims).toEqual(["src/unplanned.ts"]);
    expect(readFileSync(path.join(root, "src/unplanned.ts"), "utf8")).toBe("by 1-1-a\nby 1-2-b\n");
  });

  it("asks the user at once, under manual, when a story first waits for another's file", async () => {
    const root = projectWith([
      { key: "1-1-a", writes: ["src/a.ts"] },
      { key: "1-2-b", writes: ["src/b.ts"] },
    ]);
    const aWrote = signal();
    const release = signal();
    const h = harness(
      root,
      (_w, key) => ({
        ms: 0,
        work: async (session) => {
          if (key === "1-2-b") await aWrote.fired;
          await h.agent.write(session, "src/shared.ts", `by ${key}\n`);
          if (key === "1-1-a") {
            aWrote.fire();
            await release.fired;
          }
        },
      }),
      { conflictStrategy: "manual", lockWaitSeconds: 30 },
      60_000, // no poll in the test's time: the question cannot come from one
    );
    const started = await h.call({ action: "execute", storyIds: ["1.1", "1.2"] });
    const storyB = () => h.athena.engine.runsLive()[0]?.stories.find((s) => s.key === "1-2-b");
    await expect.poll(() => storyB()?.state, { timeout: 10_000 }).toBe("waiting-lock");
    expect(storyB()?.question).toMatchObject({ kind: "contention", path: "src/shared.ts" });
    await expect
      .poll(() => h.host.notes.some((n) => n.text.includes("src/shared.ts")), { timeout: 10_000 })
      .toBe(true);
    release.fire();
    const ended = await waitForRun(h, started.metadata.run?.id ?? "");
    expect(ended.stories.map((s) => s.state)).toEqual(["completed", "completed"]);
  });

  it("refuses at once when two stories would wait on each other", async () => {
    const h = harness(projectWith(six.slice(0, 2)), () => ({ ms: 2_000 }), {
      conflictStrategy: "manual",
    });
    await h.call({ action: "execute", storyIds: ["1.1", "1.2"] });
    await sleep(30);
    const [a, b] = h.athena.engine.runsLive()[0]?.stories.map((s) => s.sessionId ?? "") ?? [];
    expect(await h.agent.write(a ?? "", "x.ts", "a")).toBeUndefined();
    expect(await h.agent.write(b ?? "", "y.ts", "b")).toBeUndefined();
    const waiting = h.agent.write(a ?? "", "y.ts", "a"); // a waits for b
    await sleep(50);
    const refused = await h.agent.write(b ?? "", "x.ts", "b"); // b would wait for a: a cycle
    expect(refused).toMatch(
      /^Not written: `x.ts` is held by story 1-1-a, which is itself waiting for a file you hold/,
    );
    expect(refused).toContain("Waiting would deadlock");
    await h.call({ action: "cancel" });
    expect(await waiting).toMatch(/^Not written/);
  });

  it("keeps both changes when two stories read a file and rewrite it whole", async () => {
    const root = projectWith(six.slice(0, 2));
    writeFileSync(path.join(root, "notes.md"), "start\n");
    const refusals: string[] = [];
    const h = harness(
      root,
      (_w, key) => ({
        ms: 10,
        // As real agents do: read, think a while, write the whole file; on refusal, read again.
        work: async (session) => {
          for (let attempt = 0; attempt < 5; attempt++) {
            const text = await h.agent.read(session, "notes.md");
            await sleep(key === "1-1-a" ? 40 : 80);
            const refused = await h.agent.write(session, "notes.md", `${text}${key}\n`);
            if (!refused) return;
            refusals.push(`${key}: ${refused}`);
          }
        },
      }),
      { conflictStrategy: "manual", lockWaitSeconds: 5 },
    );
    const started = await h.call({ action: "execute", storyIds: ["1.1", "1.2"] });
    const ended = await waitForRun(h, started.metadata.run?.id ?? "");
    expect(ended.stories.map((s) => s.state)).toEqual(["completed", "completed"]);
    const final = readFileSync(path.join(root, "notes.md"), "utf8");
    expect(final.split("\n").filter(Boolean).sort()).toEqual(["1-1-a", "1-2-b", "start"]);
    expect(
      refusals.some(
        (r) => r.includes("changed since you last read it") && r.includes("Read the file again"),
      ),
    ).toBe(true);
  });

  it("keeps both changes when one story rewrites the file through the shell (cat > file <<EOF)", async () => {
    const root = projectWith(six.slice(0, 2));
    writeFileSync(path.join(root, "notes.md"), "start\n");
    const refusals: string[] = [];
    // The issue's order, made certain: A reads; B reads with `cat` and appends with `echo >>`
    // (after a `cd`); then A writes its stale copy back with a heredoc, and must be refused.
    const aHasRead = signal();
    const bHasWritten = signal();
    const h = harness(
      root,
      (_w, key) => ({
        ms: 10,
        onlyItsWork: true,
        work: async (session) => {
          if (key === "1-2-b") {
            await aHasRead.fired;
            await h.agent.bash(session, "cat notes.md");
            const refused = await h.agent.bash(
              session,
              `mkdir -p sub && cd sub && echo ${key} >> ../notes.md`,
            );
            if (refused) refusals.push(`${key}: ${refused}`);
            tickStory(root, key);
            bHasWritten.fire();
            return;
          }
          tickStory(root, key);
          for (let attempt = 0; attempt < 3; attempt++) {
            const text = await h.agent.read(session, "notes.md");
            aHasRead.fire();
            await bHasWritten.fired;
            const refused = await h.agent.bash(
              session,
              `cat > notes.md <<'EOF'\n${text}${key}\nEOF`,
            );
            if (!refused) return;
            refusals.push(`${key}: ${refused}`);
          }
        },
      }),
      { conflictStrategy: "manual", lockWaitSeconds: 5 },
    );
    const started = await h.call({ action: "execute", storyIds: ["1.1", "1.2"] });
    const ended = await waitForRun(h, started.metadata.run?.id ?? "");
    expect(ended.stories.map((s) => s.state)).toEqual(["completed", "completed"]);
    const final = readFileSync(path.join(root, "notes.md"), "utf8");
    expect(final).toBe("start\n1-2-b\n1-1-a\n");
    expect(refusals).toEqual([
      "1-1-a: Not written: `notes.md` changed since you last read it (story 1-2-b wrote it). Read the file again, then redo your change on its current content and retry. None of this command ran.",
    ]);
    expect(ended.stories.map((s) => s.wroteFiles)).toEqual([["notes.md"], ["notes.md"]]);
  });

  it("makes a shell write wait for the file's lock like a file tool", async () => {
    const root = projectWith(six.slice(0, 2));
    const order: string[] = [];
    const aHasWritten = signal();
    const bIsWaiting = signal();
    const h = harness(
      root,
      (_w, key) => ({
        ms: 10,
        work: async (session) => {
          if (key === "1-1-a") {
            await h.agent.write(session, "src/shared.ts", "by a\n");
            order.push("a wrote");
            aHasWritten.fire();
            await bIsWaiting.fired; // A's story, and its lock, last until B is seen waiting
            return;
          }
          await aHasWritten.fired;
          // B never read A's file: its whole write waits for the lock, then is refused, until
          // B has read it.
          for (let attempt = 0; attempt < 2; attempt++) {
            const refused = await h.agent.bash(session, "printf 'by b\\n' | tee src/shared.ts");
            order.push(refused ?? "b wrote");
            if (!refused) return;
            await h.agent.bash(session, "cat src/shared.ts");
          }
        },
      }),
      { conflictStrategy: "manual", lockWaitSeconds: 5 },
    );
    const started = await h.call({ action: "execute", storyIds: ["1.1", "1.2"] });
    const storyB = () => h.athena.engine.runsLive()[0]?.stories.find((s) => s.key === "1-2-b");
    while (storyB()?.state !== "waiting-lock") await sleep(10);
    expect(storyB()?.waitingOn).toBe("waits for `src/shared.ts`, held by 1-1-a");
    expect(order).toEqual(["a wrote"]);
    bIsWaiting.fire();
    const ended = await waitForRun(h, started.metadata.run?.id ?? "");
    expect(order).toEqual([
      "a wrote",
      "Not written: story 1-1-a changed `src/shared.ts` and you have not read it. Read it first, then make your change on its current content: writing it whole, or with a shell command, would lose story 1-1-a's change. None of this command ran.",
      "b wrote",
    ]);
    expect(ended.stories.map((s) => s.state)).toEqual(["completed", "completed"]);
    expect(readFileSync(path.join(root, "src/shared.ts"), "utf8")).toBe("by b\n");
  });

  it("refuses a whole write over another story's change the story never read, not an edit", async () => {
    const root = projectWith(six.slice(0, 2));
    const results: string[] = [];
    const aHasWritten = signal();
    const h = harness(
      root,
      (_w, key) => ({
        ms: 10,
        work: async (session) => {
          if (key === "1-1-a") {
            await h.agent.write(session, "src/shared.ts", "by a\n");
            await h.agent.write(session, "src/other.ts", "by a\n");
            await h.agent.write(session, "src/third.ts", "by a\n");
            aHasWritten.fire();
            return;
          }
          await aHasWritten.fired;
          // Written whole without a read: A's line would be lost.
          results.push((await h.agent.write(session, "src/shared.ts", "by b\n")) ?? "b wrote");
          // An edit applies to what is there: no read needed; so does `sed -i`.
          results.push(
            (await h.agent.edit(session, "src/other.ts", "by a", "by a, then b")) ?? "b edited",
          );
          results.push(
            (await h.agent.bash(session, "sed -i 's/by a/by a; b too/' src/third.ts")) ?? "b sed",
          );
          // An install that would truncate it is refused too, and gives its exclusive lock up.
          results.push((await h.agent.bash(session, "fake-install x > src/shared.ts")) ?? "ran");
          results.push(h.athena.locks.heldBy("1-2-b").join(", "));
          const text = await h.agent.read(session, "src/shared.ts");
          results.push(
            (await h.agent.write(session, "src/shared.ts", `${text}by b\n`)) ?? "b wrote",
          );
        },
      }),
      { conflictStrategy: "manual", lockWaitSeconds: 5, exclusiveCommands: ["fake-install *"] },
    );
    const started = await h.call({ action: "execute", storyIds: ["1.1", "1.2"] });
    const ended = await waitForRun(h, started.metadata.run?.id ?? "");
    const refusal =
      "Not written: story 1-1-a changed `src/shared.ts` and you have not read it. Read it first, then make your change on its current content: writing it whole, or with a shell command, would lose story 1-1-a's change.";
    expect(results).toEqual([
      refusal,
      "b edited",
      "b sed",
      // The shell's refusal also says that none of the command ran.
      `${refusal} None of this command ran.`,
      "(story 1-2-b), src/shared.ts, src/other.ts, src/third.ts",
      "b wrote",
    ]);
    expect(readFileSync(path.join(root, "src/third.ts"), "utf8")).toBe("by a; b too\n");
    expect(ended.stories.map((s) => s.state)).toEqual(["completed", "completed"]);
    expect(readFileSync(path.join(root, "src/shared.ts"), "utf8")).toBe("by a\nby b\n");
    expect(readFileSync(path.join(root, "src/other.ts"), "utf8")).toBe("by a, then b\n");
  });

  it("refuses a shell command that removes a folder holding another story's file, or copies onto it through a folder; journals a brace-list move", async () => {
    const root = projectWith(six.slice(0, 2));
    writeFileSync(path.join(root, "tmpl.ts"), "template\n");
    const results: string[] = [];
    const aHasWritten = signal();
    const h = harness(
      root,
      (_w, key) => ({
        ms: 10,
        work: async (session) => {
          if (key === "1-1-a") {
            await h.agent.write(session, "src/feature/a.ts", "by a\n");
            await h.agent.write(session, "src/feature/deep/b.ts", "by a\n");
            await h.agent.write(session, "src/other/o.ts", "by a\n");
            await h.agent.write(session, "src/kept/tmpl.ts", "by a\n");
            aHasWritten.fire();
            return;
          }
          await aHasWritten.fired;
          for (const command of [
            // Each would lose a's file without a trace: refused until b has read it.
            "rm -rf src/feature",
            "cp tmpl.ts src/kept",
            // A move keeps the content, under another name: it runs, and is journaled.
            "mv src/other/o.ts{,.bak}",
          ]) {
            const refused = await h.agent.bash(session, command);
            results.push(refused?.replace(/ Read (it|them) first.*/, "") ?? "ran");
          }
          // One refusal names every file the command would lose, not one per try.
          const rmFeature = async () =>
            (await h.agent.bash(session, "rm -rf src/feature"))?.replace(/ Read it first.*/, "");
          await h.agent.bash(session, "cat src/feature/a.ts");
          results.push((await rmFeature()) ?? "ran");
          await h.agent.bash(session, "cat src/feature/deep/b.ts");
          results.push((await rmFeature()) ?? "ran");
        },
      }),
      { conflictStrategy: "manual", lockWaitSeconds: 5 },
    );
    const started = await h.call({ action: "execute", storyIds: ["1.1", "1.2"] });
    const ended = await waitForRun(h, started.metadata.run?.id ?? "");
    const refusal = (p: string) =>
      `Not written: story 1-1-a changed \`${p}\` and you have not read it.`;
    expect(results).toEqual([
      "Not written: story 1-1-a changed `src/feature/a.ts`, `src/feature/deep/b.ts` and you have not read them.",
      refusal("src/kept/tmpl.ts"),
      "ran",
      refusal("src/feature/deep/b.ts"),
      "ran",
    ]);
    expect(readFileSync(path.join(root, "src/kept/tmpl.ts"), "utf8")).toBe("by a\n");
    // b's journal holds a's versions: b's changes can be reviewed and undone.
    const record = new Journal(root).read(ended.id, "1-2-b");
    const files = record?.files.filter((f) => f.path.startsWith("src/")) ?? [];
    expect(files.map((f) => [f.path, f.before === null, f.after === null])).toEqual([
      ["src/other/o.ts", false, true],
      ["src/other/o.ts.bak", true, false],
      ["src/feature/a.ts", false, true],
      ["src/feature/deep/b.ts", false, true],
    ]);
    expect(ended.stories.map((s) => s.state)).toEqual(["completed", "completed"]);
  });

  it("refuses a story's stale copy of the sprint file, which would undo the statuses set meanwhile", async () => {
    const root = projectWith(six.slice(0, 2));
    const results: string[] = [];
    const aHasRead = signal();
    const h = harness(
      root,
      (_w, key) => ({
        ms: 10,
        work: async (session) => {
          if (key === "1-2-b") {
            await aHasRead.fired;
            return;
          }
          const text = await h.agent.read(session, SPRINT_FILE);
          aHasRead.fire();
          // b ends meanwhile, and its entry goes to review.
          while (!sprintText(root).includes("1-2-b: review")) await sleep(10);
          const mine = text.replace("1-1-a: in-progress", "1-1-a: review");
          results.push((await h.agent.write(session, SPRINT_FILE, mine)) ?? "wrote");
          const now = await h.agent.read(session, SPRINT_FILE);
          const again = now.replace("1-1-a: in-progress", "1-1-a: review");
          results.push((await h.agent.write(session, SPRINT_FILE, again)) ?? "wrote");
        },
      }),
      { conflictStrategy: "manual" },
    );
    const started = await h.call({ action: "execute", storyIds: ["1.1", "1.2"] });
    await waitForRun(h, started.metadata.run?.id ?? "");
    expect(results).toEqual([
      `Not written: \`${SPRINT_FILE}\` changed since you last read it. Read the file again, then redo your change on its current content and retry.`,
      "wrote",
    ]);
    expect(sprintText(root)).toMatch(/1-1-a: review[^\n]*\n {2}1-2-b: review/);
  });

  it("fails a story whose agent changed no file, not even its story file, and puts its entry back", async () => {
    const root = projectWith(six.slice(0, 2));
    // 1.1's agent answers ("I cannot implement this story") and stops; 1.2's does its work.
    const h = harness(root, (_w, key) =>
      key === "1-1-a" ? { ms: 10, onlyItsWork: true } : { ms: 10 },
    );
    const started = await h.call({ action: "execute", storyIds: ["1.1", "1.2"] });
    const ended = await waitForRun(h, started.metadata.run?.id ?? "");
    expect(ended.stories.map((s) => [s.key, s.state, s.reason ?? ""])).toEqual([
      ["1-1-a", "failed", "no-work"],
      ["1-2-b", "completed", ""],
    ]);
    expect(ended.stories[0]?.errors).toEqual([
      "its agent ended without changing any file, not even its story file: nothing was implemented (see its session for what it said)",
    ]);
    expect(sprintText(root)).toContain("1-1-a: ready-for-dev # 1-1-a");
    expect(sprintText(root)).toContain("1-2-b: review # 1-2-b");
    const note = h.host.notes.find((n) => n.text.includes("Story 1.1 (1-1-a)"));
    expect(note?.text).toContain("nothing was implemented");
    // Not retried: another attempt would read the same story the same way.
    expect(ended.stories[0]?.attempts).toBe(1);
  });

  it("fails a story whose agent stopped early, its story file as it was, and puts its entry back", async () => {
    const root = projectWith(six.slice(0, 2));
    // 1.1's agent writes one file and answers "Done, I think.": no task ticked, no status.
    const h = harness(root, (_w, key) =>
      key === "1-1-a"
        ? {
            ms: 10,
            onlyItsWork: true,
            work: async (session) => void (await h.agent.write(session, "src/a.ts", "half\n")),
          }
        : { ms: 10 },
    );
    const started = await h.call({ action: "execute", storyIds: ["1.1", "1.2"] });
    const ended = await waitForRun(h, started.metadata.run?.id ?? "");
    expect(ended.stories.map((s) => [s.key, s.state, s.reason ?? ""])).toEqual([
      ["1-1-a", "failed", "incomplete"],
      ["1-2-b", "completed", ""],
    ]);
    expect(ended.stories[0]?.errors[0]).toMatch(
      /^its agent ended without updating its story file \(0\/\d+ tasks ticked, its status unchanged\)/,
    );
    expect(ended.stories[0]?.wroteFiles).toEqual(["src/a.ts"]);
    expect(sprintText(root)).toContain("1-1-a: ready-for-dev # 1-1-a");
    expect(sprintText(root)).toContain("1-2-b: review # 1-2-b");
    expect(h.athena.locks.list()).toEqual([]);
  });

  it("gives a story's second run in one process only the files it wrote in that run", async () => {
    const root = projectWith(six.slice(0, 1));
    let run = 0;
    const h = harness(root, () => ({
      ms: 10,
      onlyItsWork: true,
      work: async (session) => void (await h.agent.write(session, `src/run${run}.ts`, "x\n")),
    }));
    const ids: string[] = [];
    for (run = 1; run <= 2; run++) {
      // Ready again, as a person would set it after the first run.
      writeFileSync(
        path.join(root, SPRINT_FILE),
        sprintText(root).replace(/1-1-a: \S+/, "1-1-a: ready-for-dev"),
      );
      const started = await h.call({ action: "execute", storyIds: ["1.1"] });
      ids.push((await waitForRun(h, started.metadata.run?.id ?? "")).id);
    }
    const records = loadRuns(root).runs;
    const wrote = ids.map((id) => records.find((r) => r.id === id)?.stories[0]?.wroteFiles);
    expect(wrote).toEqual([["src/run1.ts"], ["src/run2.ts"]]);
  });

  it("counts as work a story file changed by a tool the plugin does not follow", async () => {
    const root = projectWith(six.slice(0, 1));
    const storyFile = path.join(root, "_bmad-output/implementation-artifacts/1-1-a.md");
    // As an MCP server's edit tool would: no hook of the plugin sees it.
    const h = harness(root, () => ({
      ms: 10,
      onlyItsWork: true,
      work: async () =>
        writeFileSync(
          storyFile,
          readFileSync(storyFile, "utf8").replace("- [ ] Task 1", "- [x] Task 1"),
        ),
    }));
    const started = await h.call({ action: "execute", storyIds: ["1.1"] });
    const ended = await waitForRun(h, started.metadata.run?.id ?? "");
    expect(ended.stories.map((s) => [s.state, s.reason ?? ""])).toEqual([["completed", ""]]);
  });

  /**
   * The one story's end when its only trace is a journal entry for `src.txt` (kept before a
   * write, as the hooks keep it), and the file then changed or not.
   */
  async function endWithJournalEntryOnly(changed: boolean) {
    const root = projectWith(six.slice(0, 1));
    writeFileSync(path.join(root, "src.txt"), "before\n");
    const h = harness(root, () => ({
      ms: 10,
      onlyItsWork: true,
      work: async () => {
        const run = h.athena.engine.runsLive()[0]?.id ?? "";
        new Journal(root).beforeChange(run, "1-1-a", ["src.txt"]);
        if (changed) {
          writeFileSync(path.join(root, "src.txt"), "after\n");
          tickStory(root, "1-1-a");
        }
      },
    }));
    const started = await h.call({ action: "execute", storyIds: ["1.1"] });
    const ended = await waitForRun(h, started.metadata.run?.id ?? "");
    return ended.stories.map((s) => [s.state, s.reason ?? ""]);
  }

  it("counts as work the changes its journal holds from before a restart", async () => {
    // The process that ran the story before a restart changed a file (its journal, on disk,
    // says so); this process's guard saw nothing.
    expect(await endWithJournalEntryOnly(true)).toEqual([["completed", ""]]);
  });

  it("does not count as work a journal entry of a write that left the file as it was", async () => {
    // An edit whose text was not found: kept before it ran, then it failed.
    expect(await endWithJournalEntryOnly(false)).toEqual([["failed", "no-work"]]);
  });

  it("never asks for a read the story cannot make: a file gone since, a binary file", async () => {
    const root = projectWith(six.slice(0, 2));
    writeFileSync(path.join(root, "notes.md"), "start\n");
    const results: string[] = [];
    const aHasRead = signal();
    const bDone = signal();
    const h = harness(root, (_w, key) => ({
      ms: 10,
      onlyItsWork: true,
      work: async (session) => {
        if (key === "1-2-b") {
          await aHasRead.fired;
          await h.agent.bash(session, "rm notes.md && printf 'PNG\\000\\001' > logo.bin");
          bDone.fire();
          return;
        }
        await h.agent.read(session, "notes.md");
        aHasRead.fire();
        await bDone.fired;
        // Removed by b since a read it; a binary file b wrote, which the read tool refuses.
        results.push((await h.agent.write(session, "notes.md", "anew\n")) ?? "wrote");
        results.push((await h.agent.bash(session, "rm -f logo.bin")) ?? "removed");
      },
    }));
    const started = await h.call({ action: "execute", storyIds: ["1.1", "1.2"] });
    await waitForRun(h, started.metadata.run?.id ?? "");
    expect(results).toEqual(["wrote", "removed"]);
  });

  it("says when a story's sprint entry could not be written, and writes it as the next story ends", async () => {
    const root = projectWith(six.slice(0, 2));
    const go = { "1-1-a": signal(), "1-2-b": signal() };
    const h = harness(root, (_w, key) => ({
      ms: 10,
      work: async () => await go[key as keyof typeof go].fired,
    }));
    const started = await h.call({ action: "execute", storyIds: ["1.1", "1.2"] });
    const runId = started.metadata.run?.id ?? "";
    const good = sprintText(root);
    // A person's half-saved edit: the file does not parse when 1.1 ends.
    writeFileSync(
      path.join(root, SPRINT_FILE),
      good.replace("epic-1: in-progress", "epic-1: [in-progress"),
    );
    go["1-1-a"].fire();
    const storyA = () => h.athena.engine.runsLive()[0]?.stories.find((s) => s.key === "1-1-a");
    while (storyA()?.state !== "completed") await sleep(10);
    await sleep(50);
    const note = h.host.notes.find((n) => n.text.includes("Story 1.1 (1-1-a) completed"));
    expect(note?.text).toMatch(
      /Its sprint entry was not set to "review": .*does not parse.*\. It is tried again as the run's other stories end; otherwise set `1-1-a: review` in the sprint file by hand\./,
    );
    writeFileSync(path.join(root, SPRINT_FILE), good);
    go["1-2-b"].fire();
    const ended = await waitForRun(h, runId);
    expect(sprintText(root)).toContain("1-1-a: review # 1-1-a");
    expect(sprintText(root)).toContain("1-2-b: review # 1-2-b");
    expect(ended.stories.map((s) => s.sprintUnwritten)).toEqual([undefined, undefined]);
  });

  it("tells, when a story is cancelled, that its changes stay and how to see or undo them", async () => {
    const root = projectWith(six.slice(0, 1));
    const wrote = signal();
    const h = harness(root, () => ({
      ms: 10,
      work: async (session) => {
        await h.agent.write(session, "src/a.ts", "half done\n");
        wrote.fire();
        await new Promise(() => {}); // never ends by itself
      },
    }));
    const started = await h.call({ action: "execute", storyIds: ["1.1"] });
    await wrote.fired;
    const ended = waitForRun(h, started.metadata.run?.id ?? "");
    await h.call({ action: "cancel" });
    await ended;
    const note = h.host.notes.find((n) => n.text.includes("Story 1.1 (1-1-a) cancelled"));
    expect(note?.text).toContain(
      "Its changes to 1 file stay in the tree: `/athena-parallel diff 1.1` shows them, `/athena-parallel revert 1.1` puts them back.",
    );
  });

  it("asks for no combined test run when no story completed", async () => {
    const root = projectWith(six.slice(0, 1));
    const h = harness(root, () => ({ ms: 10, onlyItsWork: true }));
    const started = await h.call({ action: "execute", storyIds: ["1.1"] });
    await waitForRun(h, started.metadata.run?.id ?? "");
    const summary = h.host.notes.find((n) => n.wake)?.text ?? "";
    expect(summary).toContain("ended: ");
    expect(summary).not.toContain("Please run the combined tests");
  });

  it("runs exclusive commands (package installs) one at a time, and shows who waits", async () => {
    const root = projectWith(six.slice(0, 3));
    const h = harness(
      root,
      (_w, key) => ({
        ms: 10,
        work: async (session) => {
          // Each "install" records when it ran, in a file of its own (no file lock shared).
          await h.agent.bash(session, traced("fake-install", key, 0.2));
        },
      }),
      {
        conflictStrategy: "manual",
        maxConcurrentStories: 3,
        exclusiveCommands: ["fake-install *"],
      },
    );
    const started = await h.call({ action: "execute", storyIds: ["1.1", "1.2", "1.3"] });
    // Waited on from the start: the run leaves the live ones as soon as it ends.
    const ended = waitForRun(h, started.metadata.run?.id ?? "");
    const seen = new Set<string>();
    const live = () => h.athena.engine.runsLive()[0]?.stories ?? [];
    while (live().some((s) => s.state !== "completed")) {
      for (const s of live()) if (s.waitingOn) seen.add(s.waitingOn.replace(/held by .*/, ""));
      await sleep(5);
    }
    await ended;
    const spans = six.slice(0, 3).map((s) => spanOf(root, s.key));
    spans.sort((a, b) => ((a[0] ?? 0n) < (b[0] ?? 0n) ? -1 : 1));
    for (let i = 1; i < spans.length; i++)
      expect((spans[i]?.[0] ?? 0n) >= (spans[i - 1]?.[1] ?? 0n)).toBe(true);
    expect([...seen]).toContain(`waits for \`${EXCLUSIVE_COMMANDS_LOCK}\`, `);
    expect(h.athena.locks.list()).toEqual([]);
  });

  it("lets commands that are not exclusive run side by side", async () => {
    const root = projectWith(six.slice(0, 2));
    const h = harness(
      root,
      (_w, key) => ({
        ms: 10,
        work: async (session) => {
          await h.agent.bash(session, traced("run-tests", key, 0.3));
        },
      }),
      { conflictStrategy: "manual", exclusiveCommands: ["fake-install *"] },
    );
    const started = await h.call({ action: "execute", storyIds: ["1.1", "1.2"] });
    await waitForRun(h, started.metadata.run?.id ?? "");
    const [a, b] = six.slice(0, 2).map((s) => spanOf(root, s.key));
    // They overlapped: each started before the other ended.
    expect((a?.[0] ?? 0n) < (b?.[1] ?? 0n) && (b?.[0] ?? 0n) < (a?.[1] ?? 0n)).toBe(true);
  });

  it("costs a session outside any run nothing but a lookup, and never touches its files", async () => {
    const h = harness(projectWith(six.slice(0, 1)), () => ({ ms: 10 }));
    expect(await h.agent.write("ses_unrelated", "anything.ts", "x")).toBeUndefined();
    expect(h.athena.locks.list()).toEqual([]);
    expect(readFileSync(path.join(h.root, SPRINT_FILE), "utf8")).toContain("1-1-a: ready-for-dev");
  });
});

describe("more of execute", () => {
  it("never exceeds the cap with two runs at once: one limiter for the whole process", async () => {
    const h = harness(projectWith(six), () => ({ ms: 100 }), {
      maxConcurrentStories: 2,
      conflictStrategy: "manual",
    });
    const [first, second] = await Promise.all([
      h.call({ action: "execute", storyIds: ["1.1", "1.2", "1.3"] }),
      h.call({ action: "execute", storyIds: ["1.4", "1.5", "1.6"] }),
    ]);
    await Promise.all(
      [first, second].map((r) => h.athena.engine.waitFor(r.metadata.run?.id ?? "")),
    );
    expect(h.host.maxBusy).toBe(2);
    expect(h.host.sessions.size).toBe(6);
  });

  it("waits for the end with waitForCompletion and returns the final table", async () => {
    const h = harness(projectWith(six.slice(0, 2)), () => ({ ms: 40 }));
    const result = await h.call({
      action: "execute",
      storyIds: ["1.1", "1.2"],
      waitForCompletion: true,
    });
    expect(result.title).toMatch(/^athena-parallel run run-\S+: completed$/);
    expect(result.output).toMatch(/\| 1\.1 `1-1-a` \| completed \|/);
    expect(result.output).toMatch(/\| 1\.2 `1-2-b` \| completed \|/);
  });
});

describe("status and cancel given a story, an option or an ended run", () => {
  it("names the run that holds a story, refuses an unknown option, and says how a run ended", async () => {
    const root = projectWith([
      { key: "1-1-a", writes: ["src/a.ts"] },
      { key: "1-2-b", writes: ["src/b.ts"] },
    ]);
    const release = signal();
    const h = harness(root, () => ({ ms: 10, work: () => release.fired }));
    const runId = (await h.call({ action: "execute", storyIds: ["1-1-a", "1-2-b"] })).metadata.run
      ?.id;
    const status = await h.call({ command: "status 1.1" });
    expect(status.output).toMatch(
      new RegExp(
        `^1\\.1 is a story, not a run: 1\\.1 \\(1-1-a\\) is \\S+ in run ${runId}, shown below\\.\n`,
      ),
    );
    expect(status.output).toContain(`### Run ${runId}: running`);
    expect((await h.call({ command: "status 9.9" })).output).toBe(
      `athena_parallel: status takes a run id (run-YYYYMMDD-HHMMSS-xxxxxx), and no run has a story "9.9"; known runs: ${runId}.`,
    );
    expect((await h.call({ command: "status --json" })).output).toContain(
      "unknown option --json: status takes only a run id (status [run-id])",
    );
    expect((await h.call({ command: "cancel 1-2-b" })).output).toBe(
      `athena_parallel: cancel takes a run id (cancel [run-id]) and stops the whole run; story 1.2 (1-2-b) is in run ${runId}: \`resolve 1.2 cancel\` stops that story alone, \`cancel ${runId}\` the whole run.`,
    );
    // Nothing was cancelled by it; what it offers does cancel the story alone.
    expect(h.athena.engine.runsLive().map((r) => r.id)).toEqual([runId]);
    expect((await h.call({ command: "resolve 1.2 cancel" })).output).toMatch(
      /^Story 1\.2 \(1-2-b\) cancelled/,
    );
    release.fire();
    const ended = await waitForRun(h, runId ?? "");
    // Named for the story cancelled, and the count says the other completed.
    expect(h.host.notes.find((n) => n.wake)?.text).toMatch(
      new RegExp(
        `^\\[athena-parallel\\] Run ${runId} ended: cancelled \\(1 completed, 1 cancelled\\)\\.`,
      ),
    );
    expect((await h.call({ command: `cancel ${runId}` })).output).toBe(
      `athena_parallel: run ${runId} already ended ${ended.state} (${ended.updatedAt}): nothing to cancel.`,
    );
    expect((await h.call({ command: "cancel 1.1" })).output).toContain(
      `story 1.1 (1-1-a) is in no running run: it ended completed in run ${runId}.`,
    );
  });
});

/**
 * Timelines as Mermaid gantt charts (issue 10): the planned schedule and a run as it happened,
 * each checked against Mermaid's gantt grammar (test/helpers/gantt-grammar.ts), not by
 * substrings alone.
 */
import { describe, expect, it } from "vitest";
import { plannedGantt, renderGantt } from "../src/plan/gantt.ts";
import { planProject } from "../src/plan-project.ts";
import { noteUserWait, noteWait } from "../src/run/live.ts";
import type { StoryRun } from "../src/run/state.ts";
import { createRun } from "../src/run/state.ts";
import { runGantt } from "../src/run/timeline.ts";
import { MAX_WAIT_BARS } from "../src/run/wait-bars.ts";
import { harness, projectWith } from "./helpers/athena-harness.ts";
import { ganttProblems } from "./helpers/gantt-grammar.ts";

const FIXTURES = `${import.meta.dirname}/../fixtures`;
const env = { HOME: "/nonexistent", XDG_CONFIG_HOME: "/nonexistent" };

/** `s` seconds into the runs these tests draw, as a run record writes times. */
const t = (s: number) => new Date(Date.parse("2026-12-01T09:00:00.000Z") + s * 1000).toISOString();

describe("the grammar check itself", () => {
  it("accepts a well-formed chart and names each kind of mistake", () => {
    const good = "gantt\n  title T\n  dateFormat X\n  section S\n  a b :done, t1, 0, 60\n";
    expect(ganttProblems(good)).toEqual([]);
    expect(ganttProblems(good.replace("a b", "a: b"))).toEqual([
      "line 5: not a gantt statement: a: b :done, t1, 0, 60",
      "no task",
    ]);
    expect(ganttProblems(good.replace("0, 60", "60, 60"))).toEqual([
      "line 5: ends (60) before it starts (60)",
    ]);
    expect(ganttProblems(`${good}  c :t1, 0, 5\n`)).toEqual(["line 6: id t1 used twice"]);
    expect(ganttProblems(good.replace("  section S\n", ""))).toEqual([
      "line 4: a task before any section",
    ]);
    expect(ganttProblems("graph LR\n")).toContain('line 1: expected "gantt", got "graph LR"');
  });
});

describe("charts", () => {
  it("keeps text Mermaid cannot read out of titles and task names", () => {
    const text = renderGantt("Run: #1; with\nnewline", [
      { section: "1.1: a#b", label: "x: y; z # w", start: 0, end: 500, tag: "crit" },
    ]);
    expect(ganttProblems(text)).toEqual([]);
    expect(text).toContain("  title Run 1 with newline\n");
    expect(text).toContain("  x y z w :crit, t1, 0, 1\n");
  });

  it("draws the planned schedule of a fixture, one section per wave, at the given pace", () => {
    const { plan } = planProject(`${FIXTURES}/demo-project`, { env, cache: false, cap: 3 });
    const startAt = Date.parse("2026-12-01T09:00:00.000Z");
    const text = plannedGantt(plan, { startAt, perTaskMs: 60_000, pace: "1 min per task" });
    expect(ganttProblems(text)).toEqual([]);
    expect(text).toContain("  title Planned schedule, cap 3 (1 min per task)\n");
    expect(text).toContain("  section Wave 1\n");
    // Every scheduled story has a bar, starting when the schedule says (in task units).
    const bars = text.split("\n").filter((l) => / :t\d+, /.test(l));
    expect(bars).toHaveLength(plan.schedule.order.length);
    const first = plan.schedule.order[0];
    expect(text).toContain(`, ${startAt / 1000 + (first?.start ?? 0) * 60}, `);
  });

  it("draws a run as it happened: done, failed and running bars, and the waits", () => {
    const run = createRun({
      strategy: "coordinate",
      cap: 2,
      stories: [
        {
          key: "1-1-a",
          id: "1.1",
          state: "completed",
          startedAt: t(0),
          endedAt: t(60),
          previousStatus: "ready-for-dev",
          updatedAt: t(60),
        },
        {
          key: "1-2-b",
          id: "1.2",
          state: "failed",
          reason: "stalled",
          attempts: 2,
          startedAt: t(70),
          endedAt: t(100),
          waits: [{ state: "waiting-conflict", from: t(0), to: t(60), on: "waits for 1-1-a" }],
          previousStatus: "ready-for-dev",
          updatedAt: t(100),
        },
        {
          key: "1-3-c",
          id: "1.3",
          state: "running",
          startedAt: t(10),
          previousStatus: "ready-for-dev",
          updatedAt: t(10),
        },
      ],
    });
    const text = runGantt(run, Date.parse(t(120)));
    expect(ganttProblems(text)).toEqual([]);
    const base = Date.parse(t(0)) / 1000;
    expect(text).toContain(`  section 1.1 1-1-a\n  completed :done, t1, ${base}, ${base + 60}\n`);
    expect(text).toContain(
      `  section 1.2 1-2-b\n  waits for a conflicting story :crit, t2, ${base}, ${base + 60}\n  failed (stalled), 2 attempts :crit, t3, ${base + 70}, ${base + 100}\n`,
    );
    expect(text).toContain(`  running :active, t4, ${base + 10}, ${base + 120}\n`);
  });
});

describe("many waits", () => {
  it("draws a story's hundreds of permission asks as a few bars that say how many they hold", () => {
    // 300 asks of 2 s, one every 10 s, with a long pause after the first 100; two lock waits.
    const userWaits = Array.from({ length: 300 }, (_, i) => {
      const at = i * 10 + (i >= 100 ? 5000 : 0);
      return { kind: "permission" as const, from: t(at), to: t(at + 2) };
    });
    const run = createRun({
      strategy: "coordinate",
      cap: 2,
      stories: [
        {
          key: "1-1-a",
          id: "1.1",
          state: "completed",
          startedAt: t(0),
          endedAt: t(9000),
          userWaits,
          waits: [
            { state: "waiting-lock", from: t(1), to: t(3), on: "waits for `a.ts`" },
            { state: "waiting-lock", from: t(2), to: t(4), on: "waits for `b.ts`" },
          ],
          previousStatus: "ready-for-dev",
          updatedAt: t(9000),
        },
      ],
    });
    const text = runGantt(run, Date.parse(t(9000)));
    expect(ganttProblems(text)).toEqual([]);
    const asks = text.split("\n").filter((l) => l.includes("waits for your answer"));
    expect(asks.length).toBeGreaterThan(1);
    expect(asks.length).toBeLessThanOrEqual(MAX_WAIT_BARS);
    // Every ask is in one bar, and the pause is no bar's inside.
    const counts = asks.map((l) => Number(/, (\d+) times/.exec(l)?.[1] ?? 1));
    expect(counts.reduce((a, b) => a + b, 0)).toBe(300);
    const base = Date.parse(t(0)) / 1000;
    expect(text).toContain(
      `permission), 100 times, 3 min in all :crit, t1, ${base}, ${base + 992}\n`,
    );
    // The two lock waits overlap: one bar from the first's start to the last's end.
    expect(text).toContain(`waits for a lock, 2 times, 3 s in all :crit,`);
    expect(text).toContain(`, ${base + 1}, ${base + 4}\n`);
  });
});

describe("on a live run", () => {
  it("records the waits, and draws the run in status and in the final summary", async () => {
    const stories = [
      { key: "1-1-a", writes: ["src/shared.ts"] },
      { key: "1-2-b", writes: ["src/shared.ts"] },
    ];
    const root = projectWith(stories);
    const h = harness(root, () => ({ ms: 150 }), { conflictStrategy: "coordinate" });
    const started = await h.call({ action: "execute", storyIds: ["1-1-a", "1-2-b"] });
    const ended = await h.athena.engine.waitFor(started.metadata.run?.id ?? "");
    const [first, second] = ended.stories;
    expect(first?.waits).toEqual([]);
    expect(second?.waits).toEqual([
      {
        state: "waiting-conflict",
        from: expect.any(String),
        to: expect.any(String),
        on: "waits for 1-1-a (they write the same files)",
      },
    ]);
    expect(Date.parse(second?.waits[0]?.to ?? "")).toBeLessThanOrEqual(
      Date.parse(second?.startedAt ?? ""),
    );
    const summary = h.host.notes.find((n) => n.wake)?.text ?? "";
    const chart = /```mermaid\n([\s\S]*?)```/.exec(summary)?.[1] ?? "";
    expect(ganttProblems(chart)).toEqual([]);
    expect(chart).toContain("waits for a conflicting story :crit");
    const status = (await h.call({ action: "status", runId: ended.id })).output;
    expect(ganttProblems(/```mermaid\n([\s\S]*?)```/.exec(status)?.[1] ?? "")).toEqual([]);
    const dry = (await h.call({ action: "dryRun", storyIds: ["1-1-a", "1-2-b"] })).output;
    const planned = /## Timeline \(estimated\)\n\n```mermaid\n([\s\S]*?)```/.exec(dry)?.[1] ?? "";
    expect(ganttProblems(planned)).toEqual([]);
    // The history of the two stories sets the pace of the next plan.
    expect(planned).toMatch(/min per task, from 2 earlier stories\)/);
  });
});

describe("the waits a story records", () => {
  it("keeps one wait while the state stays, its description the latest; a new state opens a new one", () => {
    const story = { waits: [] } as unknown as StoryRun;
    noteWait(story, "waiting-conflict", "waits for 1-1-a, worked on in run r1 (pid 7)");
    // The other run's record read mid-save: the same wait, described anew.
    noteWait(story, "waiting-conflict", "waits for 1-1-a, worked on by hand");
    noteWait(story, "waiting-conflict", "waits for 1-1-a, worked on in run r1 (pid 7)");
    noteWait(story, "running");
    noteWait(story, "waiting-lock", "waits for `a.ts`, held by 1-1-a");
    noteWait(story, "waiting-lock", "waits for `a.ts`, held by 1-3-c");
    noteWait(story, "waiting-deps");
    expect(story.waits.map((w) => [w.state, w.on, w.to !== undefined])).toEqual([
      ["waiting-conflict", "waits for 1-1-a, worked on in run r1 (pid 7)", true],
      ["waiting-lock", "waits for `a.ts`, held by 1-3-c", true],
      ["waiting-deps", undefined, false],
    ]);
  });
});

describe("the waits on the user a story records", () => {
  it("opens one stretch at the first unanswered ask and ends it when none is left", () => {
    const story = { userWaits: [] } as unknown as StoryRun;
    noteUserWait(story, { kind: "question", since: "2026-01-01T00:00:00.000Z" });
    // A second ask while the first is open: the same stretch.
    noteUserWait(story, { kind: "permission", since: "2026-01-01T00:00:05.000Z" });
    noteUserWait(story, undefined);
    noteUserWait(story, undefined);
    noteUserWait(story, { kind: "permission", since: "2026-01-01T00:01:00.000Z" });
    expect(story.userWaits.map((w) => [w.kind, w.from, w.to !== undefined])).toEqual([
      ["question", "2026-01-01T00:00:00.000Z", true],
      ["permission", "2026-01-01T00:01:00.000Z", false],
    ]);
  });
});

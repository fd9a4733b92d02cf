/**
 * Estimates: time per task from the history log (estimate.ts), and the time left of a run
 * (progress.ts) from this run's finished stories, else from history as a range, else unknown.
 */
import { describe, expect, it } from "vitest";
import { taskTimeFromHistory } from "../src/run/estimate.ts";
import type { HistoryLine } from "../src/run/history-log.ts";
import { describeRemaining, renderProgress, runProgress } from "../src/run/progress.ts";
import { createRun, type RunRecord } from "../src/run/state.ts";

const MIN = 60_000;

function line(minutes: number, tasks: number, extra: Partial<HistoryLine> = {}): HistoryLine {
  return {
    format: 1,
    story: "1-1-a",
    run: "run-20261201-000000-abcdef",
    outcome: "completed",
    wroteFiles: [],
    endedAt: "2026-12-01T00:00:00.000Z",
    durationMs: minutes * MIN,
    tasks,
    ...extra,
  };
}

describe("time per task from the history log", () => {
  it("is the median of the completed stories, with the middle half as its range", () => {
    const time = taskTimeFromHistory([line(2, 1), line(8, 2), line(6, 1), line(10, 1)]);
    // Per task: 2, 4, 6, 10 minutes.
    expect(time).toEqual({ median: 5 * MIN, low: 3.5 * MIN, high: 7 * MIN, stories: 4 });
  });

  it("leaves out failures, stories without a duration or tasks, and is undefined with none", () => {
    const time = taskTimeFromHistory([
      line(4, 1),
      line(1, 1, { outcome: "failed" }),
      line(1, 0),
      { ...line(1, 1), durationMs: undefined },
    ]);
    expect(time).toMatchObject({ median: 4 * MIN, stories: 1 });
    expect(taskTimeFromHistory([])).toBeUndefined();
    expect(taskTimeFromHistory([line(1, 1, { outcome: "cancelled" })])).toBeUndefined();
  });

  it("uses a model's own stories once there are three of them", () => {
    const lines = [
      line(1, 1, { model: "a/fast" }),
      line(1, 1, { model: "a/fast" }),
      line(9, 1, { model: "a/slow" }),
      line(9, 1, { model: "a/slow" }),
      line(9, 1, { model: "a/slow" }),
    ];
    expect(taskTimeFromHistory(lines, "a/slow")).toMatchObject({
      median: 9 * MIN,
      stories: 3,
      model: "a/slow",
    });
    // Two are not enough: all five.
    expect(taskTimeFromHistory(lines, "a/fast")).toMatchObject({ median: 9 * MIN, stories: 5 });
    expect(taskTimeFromHistory(lines, "a/fast")?.model).toBeUndefined();
  });
});

describe("time left of a run", () => {
  const now = Date.parse("2026-12-01T10:00:00.000Z");
  const at = (minutesAgo: number) => new Date(now - minutesAgo * MIN).toISOString();
  function run(stories: Array<Partial<RunRecord["stories"][number]> & { key: string }>): RunRecord {
    const record = createRun({
      strategy: "manual",
      cap: 2,
      stories: stories.map((s) => ({
        id: s.key,
        previousStatus: "ready-for-dev",
        state: "queued" as const,
        updatedAt: at(0),
        ...s,
      })),
    });
    return record;
  }
  const sources = (history: HistoryLine[]) => ({
    now,
    tasksNow: () => ({ done: 0, total: 2 }),
    todos: () => [],
    locks: () => [],
    taskTime: (model?: string) => taskTimeFromHistory(history, model),
  });

  it("before any story ends, estimates from history as a range", () => {
    const record = run([
      { key: "a", state: "running", startedAt: at(1) },
      { key: "b", state: "running", startedAt: at(1) },
      { key: "c" },
    ]);
    // 2 to 6 minutes per task (median 4), 2 tasks each, cap 2.
    const progress = runProgress(record, sources([line(2, 1), line(4, 1), line(6, 1)]));
    expect(progress.basis).toBe("history");
    // a and b: 8 - 1 = 7 min each; c after them: 8 min. 15 minutes in all.
    expect(progress.remainingMs).toBe(15 * MIN);
    expect(progress.range).toEqual({ low: 11 * MIN, high: 19 * MIN, stories: 3 });
    expect(describeRemaining(progress)).toBe(
      "about 11m00s to 19m00s left (from 3 earlier stories)",
    );
    expect(renderProgress(progress)).toContain(
      `### Run ${record.id}: running, about 11m00s to 19m00s left`,
    );
  });

  it("shows what a story's session asks the user, a `|` in it kept inside its cell", () => {
    const record = run([
      {
        key: "a",
        state: "running",
        startedAt: at(1),
        asking: { kind: "permission", what: "permission `bash` for `ls | wc -l`", since: at(0) },
      },
      { key: "b", state: "failed", errors: ["APIError: 400 | bad\nrequest"] },
      { key: "c", state: "running", startedAt: at(1), waitingOn: "runs `grep a\\|b f`" },
    ]);
    const text = renderProgress(runProgress(record, sources([])));
    const row = (key: string) => text.split("\n").find((l) => l.startsWith(`| ${key} \`${key}\``));
    expect(row("a")).toContain("| your answer: permission `bash` for `ls \\| wc -l` |");
    expect(row("a")?.split(/(?<!\\)\|/)).toHaveLength(11);
    expect(row("b")).toContain("| APIError: 400 \\| bad request |");
    // A backslash before the `|` is escaped too, or `\\|` would end the cell.
    expect(row("c")?.split(/(?<!\\)(?:\\\\)*\|/).length).toBe(11);
    expect(row("c")).toContain("| runs `grep a\\\\\\|b f` |");
    expect(text).toContain(
      "- a `a` waits for your answer in its session: permission `bash` for `ls | wc -l` (answer it there)",
    );
  });

  it("says a run whose stories outlast their estimate is past it, never '0s left'", () => {
    // a took 4 min for 2 tasks (2 min per task); b, 2 tasks too, has run 7 min: 3 min over.
    const record = run([
      { key: "a", state: "completed", startedAt: at(12), endedAt: at(8) },
      { key: "b", state: "running", startedAt: at(7) },
    ]);
    const progress = runProgress(record, sources([]));
    expect(progress.remainingMs).toBeLessThan(1);
    expect(progress.overdueMs).toBe(3 * MIN);
    expect(describeRemaining(progress)).toBe("past its estimate by 3m00s, still running");
    const text = renderProgress(progress);
    expect(text).toContain(`### Run ${record.id}: running, past its estimate by 3m00s`);
    expect(text).not.toContain("about 0s left");
    expect(text.split("\n").find((l) => l.startsWith("| b `b`"))).toMatch(/\| 3m00s over \|$/);
    // A story that ended has no time left to show: not "0s".
    expect(text.split("\n").find((l) => l.startsWith("| a `a`"))).toMatch(/\| - \|$/);
    // A queued story still to come keeps the run's estimate above 0: no overdue then.
    const more = run([
      { key: "a", state: "completed", startedAt: at(12), endedAt: at(8) },
      { key: "b", state: "running", startedAt: at(7) },
      { key: "c" },
    ]);
    const ahead = runProgress(more, sources([]));
    expect(ahead.overdueMs).toBeUndefined();
    expect(describeRemaining(ahead)).toBe("about 4m00s left");
  });

  it("says there is no history yet on a project's first run, and uses the run's own pace once it has one", () => {
    const first = run([{ key: "a", state: "running", startedAt: at(1) }, { key: "b" }]);
    const none = runProgress(first, sources([]));
    expect(none.basis).toBe("none");
    expect(describeRemaining(none)).toBe(
      "time left unknown (no history yet: the first story to finish sets the pace)",
    );
    const later = run([
      { key: "a", state: "completed", startedAt: at(10), endedAt: at(6) },
      { key: "b", state: "running", startedAt: at(1) },
    ]);
    // This run's pace (2 min per task) wins over history (100 min per task).
    const progress = runProgress(later, sources([line(100, 1)]));
    expect(progress.basis).toBe("run");
    expect(progress.remainingMs).toBe(3 * MIN);
    expect(progress.range).toBeUndefined();
    expect(describeRemaining(progress)).toBe("about 3m00s left");
  });
});

/**
 * The engine's rules without a host: which story may start (admission.ts) and how a session
 * ended (completion.ts).
 */
import { describe, expect, it } from "vitest";
import type { Conflict, Plan, PlannedStory } from "../src/plan/types.ts";
import { admissions } from "../src/run/admission.ts";
import { isAbort, mayPass, outcomeOf, sessionOf } from "../src/run/completion.ts";
import { liveRun } from "../src/run/live.ts";
import { createRun, type RunRecord, type StoryState } from "../src/run/state.ts";

function planned(key: string, dependsOn?: string): PlannedStory {
  return {
    key,
    id: key,
    title: key,
    status: "ready-for-dev",
    role: "in-batch",
    tasks: { done: 0, total: 1 },
    claims: [],
    dependencies: dependsOn
      ? [{ id: dependsOn, key: dependsOn, evidence: { file: "x.md", section: "", line: 1 } }]
      : [],
  };
}

function run(
  keys: string[],
  options: {
    cap?: number;
    deps?: Record<string, string>;
    conflicts?: Array<[string, string]>;
    strategy?: RunRecord["strategy"];
  } = {},
) {
  const stories = keys.map((k) => planned(k, options.deps?.[k]));
  const conflicts: Conflict[] = (options.conflicts ?? []).map(([a, b]) => ({
    kind: "file",
    stories: [a, b],
    paths: ["src/x.ts"],
    evidence: [],
    detail: "",
    blocking: true,
    confidence: 1,
  }));
  const plan: Plan = {
    format: 2,
    mode: "named",
    sources: [],
    stories,
    conflicts,
    findings: [],
    schedule: {
      cap: options.cap ?? 2,
      waves: [],
      order: keys.map((story, i) => ({ story, start: i, end: i + 1 })),
      criticalPath: [],
      batchNow: [],
      blocked: [],
      makespan: keys.length,
    },
    warnings: [],
  };
  const record = createRun({
    strategy: options.strategy ?? "coordinate",
    cap: options.cap ?? 2,
    stories: keys.map((key) => ({
      key,
      id: key,
      state: "queued" as const,
      previousStatus: "ready-for-dev",
      updatedAt: "",
    })),
  });
  const live = liveRun(record, plan);
  const set = (key: string, state: StoryState, admitted = true) => {
    const story = live.stories.get(key);
    if (!story) throw new Error(key);
    story.record.state = state;
    story.admitted = admitted;
  };
  return { live, set };
}

describe("admission", () => {
  it("starts stories in the schedule's order up to the cap, and queues the rest", () => {
    const { live } = run(["a", "b", "c"], { cap: 2 });
    expect(admissions(live)).toEqual([
      { key: "a", kind: "start" },
      { key: "b", kind: "start" },
      { key: "c", kind: "wait", state: "queued", why: "waits for a free slot" },
    ]);
  });

  it("keeps a story back until its dependency completes, and cancels it when that failed", () => {
    const { live, set } = run(["a", "b"], { deps: { b: "a" } });
    expect(admissions(live)[1]).toEqual({
      key: "b",
      kind: "wait",
      state: "waiting-deps",
      why: "waits for a to complete",
    });
    set("a", "completed");
    expect(admissions(live)).toEqual([{ key: "b", kind: "start" }]);
    set("a", "failed");
    expect(admissions(live)).toEqual([
      {
        key: "b",
        kind: "cancel",
        why: "not started: it depends on a, which ended failed",
        reason: "dependency",
      },
    ]);
  });

  it("keeps conflict partners apart under coordinate only, counting those it starts now", () => {
    const { live } = run(["a", "b", "c"], { cap: 3, conflicts: [["a", "b"]] });
    expect(admissions(live).map((d) => [d.key, d.kind])).toEqual([
      ["a", "start"],
      ["b", "wait"],
      ["c", "start"],
    ]);
    const manual = run(["a", "b"], { conflicts: [["a", "b"]], strategy: "manual" });
    expect(admissions(manual.live).map((d) => d.kind)).toEqual(["start", "start"]);
  });

  it("starts nothing once the run is stopped, and nothing for a run that ended", () => {
    const { live, set } = run(["a", "b", "c"]);
    set("a", "running");
    live.record.stopped = "the run used $6 of its maxCostPerRun $5";
    expect(admissions(live)).toEqual([
      { key: "b", kind: "cancel", why: `not started: ${live.record.stopped}`, reason: "budget" },
      { key: "c", kind: "cancel", why: `not started: ${live.record.stopped}`, reason: "budget" },
    ]);
    live.record.state = "cancelled";
    expect(admissions(live)).toEqual([]);
  });
});

describe("completion", () => {
  const at = Date.parse("2026-12-01T10:00:00.000Z");
  const started = new Date(at).toISOString();

  it("reads a session's last answer: completed, failed, or not yet", () => {
    expect(outcomeOf({ createdAt: at + 5, completed: true }, started, false)).toEqual({
      state: "completed",
    });
    expect(outcomeOf({ createdAt: at + 5, completed: false }, started, false)).toBeUndefined();
    expect(
      outcomeOf({ createdAt: at + 5, completed: true, error: "APIError: 400" }, started, false),
    ).toEqual({ state: "failed", error: "APIError: 400", reason: "error" });
    // An answer from before the story started (an idle before busy) says nothing.
    expect(outcomeOf({ createdAt: at - 5_000, completed: true }, started, false)).toBeUndefined();
    expect(outcomeOf(undefined, started, false)).toBeUndefined();
  });

  it("ignores the abort a cancel asked for, and only that one", () => {
    const aborted = { createdAt: at + 5, completed: true, error: "MessageAbortedError: x" };
    expect(outcomeOf(aborted, started, true)).toBeUndefined();
    expect(outcomeOf(aborted, started, false)?.state).toBe("failed");
    expect(isAbort("MessageAbortedError: The operation was aborted.")).toBe(true);
  });

  it("retries what may pass and nothing else", () => {
    expect(mayPass("stalled", undefined)).toBe(true);
    expect(mayPass("provider", undefined)).toBe(true);
    for (const error of [
      "APIError: 503 Service Unavailable",
      "APIError: 429 Too Many Requests",
      "Overloaded",
      "ECONNRESET",
      // A stream cut mid-event, as the host words it.
      "UnknownError: JSON parsing failed: Text: {not json.\nError message: JSON Parse error: Expected '}'.",
    ])
      expect(mayPass("error", error)).toBe(true);
    for (const error of ["APIError: 400 Bad Request", 'Agent not found: "nope"'])
      expect(mayPass("error", error)).toBe(false);
    for (const reason of ["budget", "timeout", "user", "dependency"] as const)
      expect(mayPass(reason, "503")).toBe(false);
  });

  it("finds the session of an event in its own field, its message or its part", () => {
    expect(sessionOf({ sessionID: "s1" })).toBe("s1");
    expect(sessionOf({ info: { sessionID: "s2" } })).toBe("s2");
    expect(sessionOf({ part: { sessionID: "s3" } })).toBe("s3");
    expect(sessionOf({ info: { id: "x" } })).toBeUndefined();
  });
});

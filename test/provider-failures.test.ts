/**
 * A provider that keeps failing, on the fake host: the story's error keeps what the host said
 * (the provider's reason, the host's attempt), and a story started again keeps its first start.
 */
import { describe, expect, it } from "vitest";
import { readHistory } from "../src/run/history-log.ts";
import { type AgentBehaviour, harness, projectWith } from "./helpers/athena-harness.ts";

const one = [{ key: "1-1-a", writes: ["src/a.ts"] }];

/** Each story's agent behaves as `first` on its first attempt, then does its work in 50 ms. */
function firstAttemptThenOk(first: AgentBehaviour) {
  const attempts = new Map<string, number>();
  return (_w: unknown, key: string): AgentBehaviour => {
    const n = (attempts.get(key) ?? 0) + 1;
    attempts.set(key, n);
    return n === 1 ? first : { ms: 50 };
  };
}

describe("a provider that keeps failing", () => {
  it("fails the story with the host's reason and attempt, from the session.status event", async () => {
    const h = harness(
      projectWith(one),
      () => ({ ms: 10, outcome: "provider-5xx", retryMessage: "Rate limited" }),
      { retryTimeoutMinutes: 0.01, maxAttempts: 1 },
    );
    const started = await h.call({ action: "execute", storyIds: ["1.1"] });
    const ended = await h.athena.engine.waitFor(started.metadata.run?.id ?? "");
    expect(ended.stories[0]?.errors).toEqual([
      "the provider kept failing: still retrying after 0.01 min (attempt 1: Rate limited)",
    ]);
  });

  it("keeps it from the host's status list too, when the events are lost", async () => {
    const h = harness(
      projectWith(one),
      () => ({
        ms: 10,
        outcome: "provider-5xx",
        retryMessage: "503 upstream\n  unavailable",
      }),
      { retryTimeoutMinutes: 0.01, maxAttempts: 1 },
    );
    const deliver = h.host.onEvent;
    h.host.onEvent = (event) => {
      const status = event.properties.status as { type?: string } | undefined;
      if (status?.type !== "retry") deliver(event);
    };
    const started = await h.call({ action: "execute", storyIds: ["1.1"] });
    const ended = await h.athena.engine.waitFor(started.metadata.run?.id ?? "");
    expect(ended.stories[0]?.errors).toEqual([
      "the provider kept failing: still retrying after 0.01 min (attempt 1: 503 upstream unavailable)",
    ]);
  });

  it("gives a story that passed on its second attempt the time of both; history keeps each", async () => {
    const h = harness(projectWith(one), firstAttemptThenOk({ ms: 10, outcome: "provider-5xx" }), {
      retryTimeoutMinutes: 0.01,
    });
    const started = await h.call({ action: "execute", storyIds: ["1.1"] });
    const ended = await h.athena.engine.waitFor(started.metadata.run?.id ?? "");
    const story = ended.stories[0];
    expect(story).toMatchObject({ state: "completed", attempts: 2 });
    const lines = readHistory(h.root).lines;
    expect(lines.map((l) => l.outcome)).toEqual(["failed", "completed"]);
    const [first, second] = lines;
    // The story's time runs from its first start to its end, over both attempts.
    expect(story?.startedAt).toBe(first?.startedAt);
    const whole = Date.parse(story?.endedAt ?? "") - Date.parse(story?.startedAt ?? "");
    expect(whole).toBeGreaterThanOrEqual((first?.durationMs ?? 0) + (second?.durationMs ?? 0));
    expect(first?.durationMs).toBeGreaterThanOrEqual(600);
    expect(second?.durationMs).toBeLessThan(600);
    expect(Date.parse(second?.startedAt ?? "")).toBeGreaterThan(Date.parse(first?.startedAt ?? ""));
  });

  it("fails a story whose provider answers only empty streams, and retries it in a fresh session", async () => {
    // Its turn would last the story timeout: the host asks again after each empty answer.
    const h = harness(projectWith(one), firstAttemptThenOk({ ms: 600_000, emptyAnswers: true }), {
      stallTimeoutSeconds: 600,
    });
    const started = await h.call({ action: "execute", storyIds: ["1.1"] });
    const ended = await h.athena.engine.waitFor(started.metadata.run?.id ?? "");
    expect(ended.stories[0]).toMatchObject({ state: "completed", attempts: 2 });
    expect(ended.stories[0]?.errors).toEqual([
      "the provider answered 5 times in a row with an empty stream (no text, no tool call)",
    ]);
  });

  it("fails it for good when every attempt gets only empty streams", async () => {
    const h = harness(projectWith(one), () => ({ ms: 600_000, emptyAnswers: true }), {
      stallTimeoutSeconds: 600,
    });
    const started = await h.call({ action: "execute", storyIds: ["1.1"] });
    const ended = await h.athena.engine.waitFor(started.metadata.run?.id ?? "");
    expect(ended.stories[0]).toMatchObject({ state: "failed", attempts: 2 });
    expect(ended.stories[0]?.errors).toHaveLength(2);
  });
});

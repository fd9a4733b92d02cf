/**
 * Tokens, cost and budgets (usage.ts) and the watchdog's rules (watchdog.ts), without a host.
 */
import { describe, expect, it } from "vitest";
import {
  checkRunBudget,
  checkStoryBudget,
  describeUsage,
  describeVerdict,
  formatCost,
  formatCount,
  NO_USAGE,
  tokensOf,
  type Usage,
  UsageMeter,
  usageOfMessage,
} from "../src/run/usage.ts";
import {
  pollInterval,
  REPEAT_LIMIT,
  RepeatWatch,
  showsActivity,
  stalledFor,
} from "../src/run/watchdog.ts";

const usage = (input: number, cost = 0): Usage => ({ ...NO_USAGE, input, cost });

describe("usage from the host's messages", () => {
  const info = {
    id: "msg_1",
    sessionID: "ses_1",
    role: "assistant",
    time: { created: 1 },
    cost: 0.25,
    tokens: {
      total: 1180,
      input: 1000,
      output: 100,
      reasoning: 50,
      cache: { read: 20, write: 10 },
    },
  };

  it("reads tokens and cost from an assistant message's info", () => {
    expect(usageOfMessage(info)).toEqual({
      messageId: "msg_1",
      sessionId: "ses_1",
      usage: { input: 1000, output: 100, reasoning: 50, cacheRead: 20, cacheWrite: 10, cost: 0.25 },
    });
    expect(tokensOf(usageOfMessage(info)?.usage ?? NO_USAGE)).toBe(1180);
  });

  it("ignores user messages and shapes it does not know, and survives odd numbers", () => {
    expect(usageOfMessage({ ...info, role: "user" })).toBeUndefined();
    expect(usageOfMessage(undefined)).toBeUndefined();
    expect(usageOfMessage({ id: 3 })).toBeUndefined();
    // A message still streaming has no tokens yet; a negative count is not believed.
    const { tokens: _drop, ...streaming } = info;
    expect(usageOfMessage(streaming)?.usage).toEqual({ ...NO_USAGE, cost: 0.25 });
    expect(
      usageOfMessage({ ...info, cost: -1, tokens: { ...info.tokens, input: -5 } })?.usage.input,
    ).toBe(0);
  });

  it("counts a message sent again once, with its latest figures, per story", () => {
    const meter = new UsageMeter();
    const at = (messageId: string, input: number) => ({
      messageId,
      sessionId: "s",
      usage: usage(input),
    });
    expect(meter.record("a", at("m1", 10))).toBe(true);
    expect(meter.record("a", at("m1", 10))).toBe(false); // the same info again
    expect(meter.record("a", at("m1", 40))).toBe(true); // completed with its final count
    meter.record("a", at("m2", 5));
    meter.record("b", at("m1", 7)); // ids are per story
    expect(tokensOf(meter.of("a"))).toBe(45);
    expect(tokensOf(meter.of("b"))).toBe(7);
    meter.forget("a");
    expect(meter.of("a")).toEqual(NO_USAGE);
  });
});

describe("budgets", () => {
  it("warns from 80% and is over at the limit, per story, the most severe first", () => {
    const budget = { maxTokensPerStory: 1000, maxCostPerStory: 1 };
    expect(checkStoryBudget(usage(799), budget).kind).toBe("ok");
    expect(checkStoryBudget(usage(800), budget)).toMatchObject({
      kind: "warn",
      limit: "maxTokensPerStory",
    });
    expect(checkStoryBudget(usage(1000), budget).kind).toBe("over");
    // Tokens only warn, but the cost is over: over wins.
    expect(checkStoryBudget(usage(850, 1.5), budget)).toMatchObject({
      kind: "over",
      limit: "maxCostPerStory",
    });
    expect(checkStoryBudget(usage(10 ** 9, 99), {}).kind).toBe("ok");
  });

  it("checks the run's cost, and says what was used of what", () => {
    const over = checkRunBudget(5.5, { maxCostPerRun: 5 });
    expect(over.kind).toBe("over");
    if (over.kind === "ok") throw new Error("unreachable");
    expect(describeVerdict(over)).toBe("used $5.50 of its maxCostPerRun $5.00");
    const tokens = checkStoryBudget(usage(120_400), { maxTokensPerStory: 100_000 });
    if (tokens.kind === "ok") throw new Error("unreachable");
    expect(describeVerdict(tokens)).toBe("used 120k tokens of its maxTokensPerStory 100k tokens");
  });

  it("writes counts and costs short", () => {
    expect([
      formatCount(950),
      formatCount(1234),
      formatCount(56_789),
      formatCount(2_345_678),
    ]).toEqual(["950", "1.2k", "57k", "2.35M"]);
    expect([formatCost(0.0123), formatCost(0.5), formatCost(12.345)]).toEqual([
      "$0.0123",
      "$0.50",
      "$12.35",
    ]);
    expect(describeUsage(usage(1500))).toBe("1.5k tokens");
    expect(describeUsage(usage(1500, 0.02))).toBe("1.5k tokens, $0.02");
  });
});

describe("the watchdog's rules", () => {
  const story = (state: "running" | "waiting-lock" | "launching", quietMs: number) => ({
    record: { state },
    lastActivity: 10_000 - quietMs,
  });

  it("calls a running story stalled once it has been quiet longer than the timeout", () => {
    expect(stalledFor(story("running", 2_000), 10_000, 2)).toBeUndefined();
    expect(stalledFor(story("running", 2_001), 10_000, 2)).toBe(2_001);
  });

  it("never calls stalled a story waiting for a lock or launching, nor with the watchdog off", () => {
    expect(stalledFor(story("waiting-lock", 60_000), 10_000, 2)).toBeUndefined();
    expect(stalledFor(story("launching", 60_000), 10_000, 2)).toBeUndefined();
    expect(stalledFor(story("running", 60_000), 10_000, 0)).toBeUndefined();
  });

  it("takes every event of a session as activity but those that say it stopped", () => {
    // The real host streams an answer as deltas: a long answer streamed slowly is alive.
    const delta = { sessionID: "s", messageID: "m", partID: "p", field: "text", delta: "x" };
    expect(showsActivity("message.part.delta", delta)).toBe(true);
    expect(showsActivity("message.part.updated", { part: { sessionID: "s" } })).toBe(true);
    expect(showsActivity("session.status", { sessionID: "s", status: { type: "busy" } })).toBe(
      true,
    );
    expect(showsActivity("session.status", { sessionID: "s", status: { type: "retry" } })).toBe(
      true,
    );
    expect(showsActivity("a.kind.a.later.host.adds", { sessionID: "s" })).toBe(true);
    expect(showsActivity("session.status", { sessionID: "s", status: { type: "idle" } })).toBe(
      false,
    );
    for (const stop of ["session.idle", "session.error", "session.deleted"])
      expect(showsActivity(stop, { sessionID: "s" })).toBe(false);
  });

  it("polls often enough for a short timeout, and not more than 4 times a second", () => {
    expect(pollInterval(600)).toBe(5_000);
    expect(pollInterval(2)).toBe(500);
    expect(pollInterval(0.1)).toBe(250);
    expect(pollInterval(0)).toBe(5_000);
  });

  it("reports the same call repeated in a row once per streak, whatever the key order", () => {
    const watch = new RepeatWatch();
    const seen: Array<number | undefined> = [];
    for (let i = 0; i < REPEAT_LIMIT + 2; i++)
      seen.push(
        watch.see("read", i % 2 ? { filePath: "a", limit: 5 } : { limit: 5, filePath: "a" }),
      );
    expect(seen.filter((n) => n !== undefined)).toEqual([REPEAT_LIMIT]);
    // Another call breaks the streak; a new streak is reported again.
    watch.see("edit", {});
    const again = Array.from({ length: REPEAT_LIMIT }, () => watch.see("read", { filePath: "a" }));
    expect(again.at(-1)).toBe(REPEAT_LIMIT);
    // Different arguments are different calls.
    const other = new RepeatWatch();
    const varied = Array.from({ length: 10 }, (_, i) => other.see("read", { filePath: `f${i}` }));
    expect(varied.every((n) => n === undefined)).toBe(true);
  });
});

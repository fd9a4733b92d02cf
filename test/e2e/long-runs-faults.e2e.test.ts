/**
 * Long runs under control, tried as a demanding user would on the real OpenCode host (offline,
 * scripted model): budgets crossed in the middle of a story, a model that streams slowly or
 * stops mid-stream, provider errors (429, 5xx) with the host's own retries, a cancel while the
 * host backs off, per-story models the host does not have, and the figures `status` shows
 * along the way. Each test starts its own host and stops it by PID.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { describe, expect, it } from "vitest";
import { locksLeft, type Scenario } from "../../harness/scenario.ts";
import { notes, scenarioPerTest, signal, stories } from "./real-host.ts";

const start = scenarioPerTest();

/** No absurd figure in a status text: no NaN, Infinity, undefined, negative durations or sums. */
function expectSane(status: string): void {
  expect(status).not.toMatch(/NaN|Infinity|undefined|null/);
  expect(status).not.toMatch(/-\d+(s|m\d\ds|h\d\dm)\b/);
  expect(status).not.toMatch(/\$-|-\d+(\.\d+)?k? tokens/);
}

async function observer(s: Scenario): Promise<string> {
  return (await s.host.api<{ id: string }>("POST", "/session", { title: "observer" })).id;
}

describe("long runs on the real host", () => {
  it("does not take a long answer streamed slowly for a stall", async () => {
    // The story's last answer streams for about 8 s in 10 pieces; the stall timeout is 3 s.
    const s = await start({
      stories: stories(0, { "1-3-search": { finalStream: { chunks: 10, chunkDelayMs: 800 } } }),
      athena: { parallel: { stallTimeoutSeconds: 3, maxAttempts: 1 } },
    });
    await s.command("1.3 --strategy manual");
    const run = await s.waitForRun((r) => r.state !== "running");
    expect(run.stories[0]).toMatchObject({ state: "completed", attempts: 1, errors: [] });
    expect((await notes(s)).filter((n) => n.includes("stalled"))).toEqual([]);
  }, 120_000);

  it("stops a story whose provider dies mid-stream once, and retries it cleanly in a fresh session", async () => {
    const s = await start({
      stories: stories(100, {
        "1-3-search": {
          replyFor: (attempt, request) =>
            attempt === 1 && request.messages.some((m) => m.role === "tool")
              ? { text: "Let me think about this", stallAfterFirstChunk: true }
              : undefined,
        },
      }),
      // 6 s: the retry, which must succeed, gets the margin a busy machine needs (see the host test).
      athena: { parallel: { stallTimeoutSeconds: 6, maxAttempts: 2 } },
    });
    const original = s.sprint();
    await s.command("1.3 --strategy manual");
    const retrying = await s.waitForRun((r) => (r.stories[0]?.attempts ?? 0) >= 2);
    expect(retrying.stories[0]?.errors[0]).toMatch(/^stalled: no activity for \d+s/);
    // While it is retried, its sprint entry stays in-progress.
    expect(s.sprint()).toBe(
      original.replace("1-3-search: ready-for-dev", "1-3-search: in-progress"),
    );
    const run = await s.waitForRun((r) => r.state !== "running");
    expect(run.stories[0]).toMatchObject({ state: "completed", attempts: 2 });
    expect(run.stories[0]?.errors).toHaveLength(1);
    const said = await notes(s);
    expect(
      said.filter((n) => / stalled: no activity/.test(n) && n.includes("stopping it")),
    ).toHaveLength(1);
    expect(said.filter((n) => n.includes("Starting it again in a fresh session"))).toHaveLength(1);
    expect(s.sprint()).toBe(original.replace("1-3-search: ready-for-dev", "1-3-search: review"));
    // The dead stream was given up: nothing of the first attempt is still asked of the model.
    for (let i = 0; i < 50 && s.model.taggedInFlight.length > 0; i++) await sleep(100);
    expect(s.model.taggedInFlight).toEqual([]);
    const children = await s.host.api<Array<{ id: string; title: string }>>(
      "GET",
      `/session/${s.parent}/children`,
    );
    expect(children.filter((c) => c.title.startsWith("Story 1.3:"))).toHaveLength(2);
    expect(locksLeft(s.root)).toEqual([]);
    expectSane(await s.command("status", await observer(s)));
  }, 150_000);

  it("retries a story whose provider sends a garbled stream once, as a dropped connection", async () => {
    const s = await start({
      stories: stories(100, {
        "1-3-search": {
          replyFor: (attempt, request) =>
            attempt === 1 && !request.messages.some((m) => m.role === "assistant")
              ? { raw: "data: {not json\n\n" }
              : undefined,
        },
      }),
      athena: { parallel: { maxAttempts: 2 } },
    });
    const original = s.sprint();
    await s.command("1.3 --strategy manual");
    const run = await s.waitForRun((r) => r.state !== "running");
    expect(run.stories[0]).toMatchObject({ state: "completed", attempts: 2 });
    expect(run.stories[0]?.errors[0]).toMatch(/JSON parsing failed/);
    expect(s.sprint()).toBe(original.replace("1-3-search: ready-for-dev", "1-3-search: review"));
    expect(locksLeft(s.root)).toEqual([]);
  }, 120_000);

  it("stops a story whose provider answers only empty streams (the host asks again for ever), and retries it", async () => {
    const s = await start({
      stories: stories(100, {
        "1-3-search": { replyFor: (attempt) => (attempt === 1 ? { raw: "" } : undefined) },
      }),
      athena: { parallel: { maxAttempts: 2 } },
    });
    const original = s.sprint();
    await s.command("1.3 --strategy manual");
    const run = await s.waitForRun((r) => r.state !== "running");
    expect(run.stories[0]).toMatchObject({ state: "completed", attempts: 2 });
    expect(run.stories[0]?.errors[0]).toMatch(/empty stream/);
    expect(s.sprint()).toBe(original.replace("1-3-search: ready-for-dev", "1-3-search: review"));
    // The first session was aborted: it no longer asks the model.
    for (let i = 0; i < 50 && (await s.busyChildren()).length > 0; i++) await sleep(100);
    expect(await s.busyChildren()).toEqual([]);
    expect(locksLeft(s.root)).toEqual([]);
  }, 120_000);

  it("fails a story that stalls on every attempt as stalled, once per attempt, and puts its entry back", async () => {
    const s = await start({
      stories: stories(100, { "1-3-search": { replyFor: () => ({ hang: true }) } }),
      athena: { parallel: { stallTimeoutSeconds: 3, maxAttempts: 2 } },
    });
    const original = s.sprint();
    await s.command("1.3 1.5 --strategy manual");
    const run = await s.waitForRun((r) => r.state !== "running");
    const search = run.stories.find((st) => st.key === "1-3-search");
    expect(search).toMatchObject({ state: "failed", reason: "stalled", attempts: 2 });
    expect(search?.errors).toHaveLength(2);
    expect(run.stories.find((st) => st.key === "1-5-pricing")?.state).toBe("completed");
    expect(s.sprint()).toBe(original.replace("1-5-pricing: ready-for-dev", "1-5-pricing: review"));
    const said = await notes(s);
    expect(said.filter((n) => n.includes("stopping it"))).toHaveLength(2);
    expect(said.filter((n) => n.includes("Starting it again"))).toHaveLength(1);
    const end = said.filter((n) => n.includes("Story 1.3 (1-3-search) failed"));
    expect(end).toHaveLength(1);
    expect(end[0]).toMatch(/failed.*: stalled: no activity/);
    const status = await s.command("status", await observer(s));
    expect(status).toContain("| failed (stalled) |");
    expectSane(status);
    expect(locksLeft(s.root)).toEqual([]);
  }, 150_000);

  it.each([
    ["a 429 (rate limited)", 429, "scripted: rate limit reached"],
    ["a 500", 500, "scripted: upstream unavailable"],
  ] as const)(
    "retries a story whose provider keeps answering %s, then fails it with the provider's reason",
    async (_what, code, message) => {
      const s = await start({
        stories: stories(100, {
          "1-3-search": { replyFor: () => ({ status: code, message }) },
        }),
        athena: { parallel: { retryTimeoutMinutes: 0.1, maxAttempts: 2, stallTimeoutSeconds: 60 } },
      });
      const original = s.sprint();
      await s.command("1.3 1.5 --strategy manual");
      const run = await s.waitForRun((r) => r.state !== "running", 150_000);
      const search = run.stories.find((st) => st.key === "1-3-search");
      expect(search).toMatchObject({ state: "failed", attempts: 2 });
      expect(search?.reason).toBe("provider");
      expect(search?.errors).toHaveLength(2);
      expect(search?.errors.at(-1)).toContain(message);
      expect(s.sprint()).toBe(
        original.replace("1-5-pricing: ready-for-dev", "1-5-pricing: review"),
      );
      const status = await s.command("status", await observer(s));
      expect(status).toContain("| failed (provider) |");
      expectSane(status);
      // No attempt is still retried by the host once the story has ended.
      const before = s.model.requests;
      await sleep(3_000);
      expect(s.model.requests).toBe(before);
      expect(await s.busyChildren()).toEqual([]);
      expect(locksLeft(s.root)).toEqual([]);
    },
    200_000,
  );

  it("cancels a run while the host backs off from a failing provider: nothing keeps retrying", async () => {
    const s = await start({
      stories: stories(100, {
        "1-3-search": { replyFor: () => ({ status: 503, message: "scripted: overloaded" }) },
      }),
      athena: { parallel: { retryTimeoutMinutes: 30 } },
    });
    const original = s.sprint();
    await s.command("1.3 --strategy manual");
    // The host is retrying (status `retry`) once the model has refused twice.
    while (s.model.requests < 2 || (await s.busyChildren()).every((c) => c.status !== "retry"))
      await sleep(200);
    const during = await s.command("status", await observer(s));
    expectSane(during);
    const output = await s.command("cancel");
    expect(output).toMatch(/^Run run-\S+ cancelled/);
    const run = await s.waitForRun((r) => r.state !== "running");
    expect(run.stories[0]).toMatchObject({ state: "cancelled", attempts: 1 });
    expect(s.sprint()).toBe(original);
    for (let i = 0; i < 50 && (await s.busyChildren()).length > 0; i++) await sleep(100);
    expect(await s.busyChildren()).toEqual([]);
    const before = s.model.requests;
    await sleep(5_000);
    expect(s.model.requests).toBe(before);
    expect(locksLeft(s.root)).toEqual([]);
  }, 150_000);

  it("stops a story that crosses maxCostPerStory mid-story, and a run over maxCostPerRun starts no more", async () => {
    // 1.3 costs $0.03 per answer (10k prompt tokens at $3/M): over $0.05 at its second answer.
    // 1.5 is cheap; 1.1 waits for the cap of 1... and must never start once the run is over.
    const s = await start({
      stories: stories(100, { "1-3-search": { promptTokens: 10_000 } }),
      athena: { parallel: { budget: { maxCostPerStory: 0.05, maxCostPerRun: 0.05 } } },
      price: { input: 3, output: 15 },
    });
    const original = s.sprint();
    await s.command("1.3 1.5 1.1 --strategy manual --cap 1");
    const run = await s.waitForRun((r) => r.state !== "running");
    const search = run.stories.find((st) => st.key === "1-3-search");
    expect(search).toMatchObject({ state: "failed", reason: "budget", attempts: 1 });
    expect(search?.errors.at(-1)).toMatch(/^over budget: used \$0\.0\d+ of its maxCost/);
    expect(run.stopped).toMatch(/maxCostPerRun/);
    let expected = original;
    for (const other of run.stories.filter((st) => st.key !== "1-3-search")) {
      if (other.startedAt) {
        expect(other.state).toBe("completed");
        expected = expected.replace(`${other.key}: ready-for-dev`, `${other.key}: review`);
      } else expect(other).toMatchObject({ state: "cancelled", reason: "budget" });
    }
    expect(run.stories.some((st) => !st.startedAt)).toBe(true);
    expect(s.sprint()).toBe(expected);
    const status = await s.command("status", await observer(s));
    expectSane(status);
    expect(status).toContain("| failed (budget) |");
    const said = await notes(s);
    expect(said.filter((n) => n.includes("Story 1.3 (1-3-search) failed"))).toHaveLength(1);
    expect(locksLeft(s.root)).toEqual([]);
  }, 150_000);

  it("says a run past its estimate is past it while a story goes on, never 'about 0s left'", async () => {
    // Cap 1: 1.5 ends fast and sets the pace; 1.3 then runs until the test lets it end.
    const gate = signal();
    const s = await start({
      stories: stories(100, { "1-3-search": { finishWhen: gate.fired } }),
    });
    await s.command("1.5 1.3 --strategy manual --cap 1");
    await s.waitForRun(
      (r) => r.stories.find((st) => st.key === "1-5-pricing")?.state === "completed",
    );
    const pace = s.run()?.stories.find((st) => st.key === "1-5-pricing");
    const paceMs = Date.parse(pace?.endedAt ?? "") - Date.parse(pace?.startedAt ?? "");
    const who = await observer(s);
    let status = "";
    // Until 1.3 has run well past 1.5's time (its estimate: the same tasks, the same pace).
    for (;;) {
      status = await s.command("status", who);
      expectSane(status);
      const search = s.run()?.stories.find((st) => st.key === "1-3-search");
      const ran = Date.now() - Date.parse(search?.startedAt ?? "");
      if (search?.state === "running" && ran > 2 * paceMs + 3_000) break;
      await sleep(500);
    }
    status = await s.command("status", who);
    gate.fire();
    expect(status).not.toContain("about 0s left");
    expect(status).toMatch(
      /### Run run-\S+: running, past its estimate by \d+(s|m\d\ds), still running/,
    );
    expect(status).toMatch(/\| 1\.3 `1-3-search` \| running \|.*\| \d+(s|m\d\ds) over \|/);
    const run = await s.waitForRun((r) => r.state !== "running");
    expect(run.state).toBe("completed");
  }, 150_000);

  it("refuses per-story models and agents the host lacks, before anything starts", async () => {
    const s = await start({
      stories: stories(100),
      athena: {
        parallel: {
          stories: {
            "1-3-search": { model: "nowhere/scripted-model" },
            "1.1": { agent: "builder" },
          },
        },
      },
    });
    const original = s.sprint();
    const refused = await s.command("1.3 1.5 1.1 --strategy manual");
    expect(refused).toContain('1.3 (1-3-search): the host has no model "nowhere/scripted-model"');
    expect(refused).toMatch(/1\.1 \(1-1-catalog-model\): the host has no agent "builder"/);
    expect(s.sprint()).toBe(original);
    expect(s.run()).toBeUndefined();
  }, 120_000);

  it("says why through /athena-parallel when athena.json names a model in the wrong form", async () => {
    const s = await start({
      stories: stories(100),
      athena: { parallel: { stories: { "1.5": { model: "scripted-model" } } } },
    });
    const original = s.sprint();
    const refused = await s.command("1.5 --strategy manual");
    expect(refused).toContain("the plugin could not start:");
    expect(refused).toContain('expected "provider/model"');
    expect(s.sprint()).toBe(original);
  }, 120_000);
});

/**
 * Long runs under control (issue 10) on the fake host: tokens and cost per story and per run,
 * budgets that stop a story or a run, the stall and loop watchdog, retries, and a model and
 * an agent per story.
 */
import { describe, expect, it } from "vitest";
import { ParallelConfig } from "../src/config/schema.ts";
import { readHistory } from "../src/run/history-log.ts";
import { loadRuns } from "../src/run/state.ts";
import { settingsFor } from "../src/run/story-settings.ts";
import { runGantt } from "../src/run/timeline.ts";
import { REPEAT_LIMIT } from "../src/run/watchdog.ts";
import { harness, projectWith, sprintText, tickStory } from "./helpers/athena-harness.ts";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const three = [
  { key: "1-1-a", writes: ["src/a.ts"] },
  { key: "1-2-b", writes: ["src/b.ts"] },
  { key: "1-3-c", writes: ["src/c.ts"] },
];

describe("tokens and cost", () => {
  it("sums each story's messages once, shows them in status, notes, summary, record and history", async () => {
    const root = projectWith(three.slice(0, 2));
    const h = harness(root, (_w, key) => ({
      ms: 400,
      usage: { tokens: key === "1-1-a" ? 1_000 : 300, cost: 0.01, everyMs: 40 },
    }));
    const started = await h.call({ action: "execute", storyIds: ["1-1-a", "1-2-b"] });
    const runId = started.metadata.run?.id ?? "";
    await new Promise((resolve) => setTimeout(resolve, 200));
    const live = await h.call({ action: "status" });
    expect(live.output).toMatch(
      /\| 1\.1 `1-1-a` \| running \|.*\| \d+(\.\d)?k tokens, \$0\.\d+ \|/,
    );
    const ended = await h.athena.engine.waitFor(runId);

    // Exactly what the host recorded, though every message info came twice.
    const hostTokens = (key: string) =>
      [...h.host.sessions.values()]
        .filter((s) => s.title.includes(key))
        .flatMap((s) => s.usage)
        .reduce((sum, m) => sum + m.usage.input, 0);
    const a = ended.stories.find((s) => s.key === "1-1-a");
    const b = ended.stories.find((s) => s.key === "1-2-b");
    expect(hostTokens("1-1-a")).toBeGreaterThan(0);
    expect(a?.usage?.input).toBe(hostTokens("1-1-a"));
    expect(b?.usage?.input).toBe(hostTokens("1-2-b"));
    expect(ended.usage?.input).toBe(hostTokens("1-1-a") + hostTokens("1-2-b"));
    expect(ended.usage?.cost).toBeGreaterThan(0);

    const [saved] = loadRuns(root).runs;
    expect(saved?.usage).toEqual(ended.usage);
    expect(h.host.notes.find((n) => n.text.includes("1-1-a) completed"))?.text).toMatch(
      /completed \(\d+(\.\d)?k tokens, \$0\.\d+\)/,
    );
    const summary = h.host.notes.find((n) => n.wake)?.text ?? "";
    expect(summary).toMatch(/ended: completed\. It used \d+(\.\d)?k tokens, \$0\.\d+\./);
    const history = readHistory(root).lines;
    expect(history.find((l) => l.story === "1-1-a")?.usage?.input).toBe(hostTokens("1-1-a"));
  });
});

describe("budgets", () => {
  it("stops a story over maxTokensPerStory: failed (budget), locks released, sprint put back; the others finish", async () => {
    const root = projectWith(three.slice(0, 2), {
      parallel: { budget: { maxTokensPerStory: 3_000 } },
    });
    const h = harness(root, (_w, key) => ({
      ms: key === "1-1-a" ? 20_000 : 300,
      usage: { tokens: key === "1-1-a" ? 500 : 10, everyMs: 30 },
      work: async (session) => {
        await h.agent.write(session, `src/${key}.ts`, "x\n");
      },
    }));
    const before = sprintText(root);
    const started = await h.call({ action: "execute", storyIds: ["1-1-a", "1-2-b"] });
    const ended = await h.athena.engine.waitFor(started.metadata.run?.id ?? "");
    const a = ended.stories.find((s) => s.key === "1-1-a");
    expect(a).toMatchObject({ state: "failed", reason: "budget" });
    expect(a?.errors.at(-1)).toMatch(
      /^over budget: used 3(\.\d)?k tokens of its maxTokensPerStory 3\.0k tokens$/,
    );
    expect(ended.stories.find((s) => s.key === "1-2-b")?.state).toBe("completed");
    expect(h.host.aborted).toContain(a?.sessionId);
    expect(h.athena.locks.list()).toEqual([]);
    expect(sprintText(root)).toBe(
      before
        .replace("1-1-a: ready-for-dev", "1-1-a: ready-for-dev")
        .replace("1-2-b: ready-for-dev", "1-2-b: review"),
    );
    // Warned once at 80%, before the stop.
    const warnings = h.host.notes.filter((n) => /warned at 80%/.test(n.text));
    expect(warnings.map((n) => n.text)).toEqual([
      expect.stringMatching(/Story 1\.1 \(1-1-a\) used 2\.\d?k tokens of its maxTokensPerStory/),
    ]);
    expect(readHistory(root).lines.find((l) => l.story === "1-1-a")?.reason).toBe("budget");
  });

  it("starts no new story once the run's cost is over maxCostPerRun, and says why", async () => {
    const root = projectWith(three, { parallel: { budget: { maxCostPerRun: 0.05 } } });
    const h = harness(root, () => ({ ms: 300, usage: { tokens: 10, cost: 0.02, everyMs: 40 } }), {
      maxConcurrentStories: 1,
    });
    const started = await h.call({ action: "execute", storyIds: three.map((s) => s.key) });
    const ended = await h.athena.engine.waitFor(started.metadata.run?.id ?? "");
    const [first, ...rest] = ended.stories;
    // The running story goes on (it has no budget of its own); the others never start.
    expect(first?.state).toBe("completed");
    for (const s of rest) {
      expect(s).toMatchObject({ state: "cancelled", reason: "budget" });
      expect(s.sessionId).toBeUndefined();
      expect(s.errors.at(-1)).toMatch(
        /^not started: the run used \$0\.\d+ of its maxCostPerRun \$0\.05$/,
      );
    }
    expect(ended.stopped).toMatch(/maxCostPerRun/);
    expect(
      h.host.notes.some((n) => /no new story starts; the running ones go on/.test(n.text)),
    ).toBe(true);
    expect(h.host.notes.find((n) => n.wake)?.text).toContain("It stopped starting stories");
    expect(sprintText(root)).toMatch(/1-2-b: ready-for-dev/);
  });
});

describe("the stall and loop watchdog", () => {
  it("reports, aborts and fails a story whose session goes quiet; the others finish", async () => {
    const root = projectWith(three.slice(0, 2), {
      parallel: { stallTimeoutSeconds: 0.3, maxAttempts: 1 },
    });
    const h = harness(root, (_w, key) => ({
      ms: key === "1-1-a" ? 60_000 : 900,
      stall: key === "1-1-a",
    }));
    const started = await h.call({ action: "execute", storyIds: ["1-1-a", "1-2-b"] });
    const ended = await h.athena.engine.waitFor(started.metadata.run?.id ?? "");
    const a = ended.stories.find((s) => s.key === "1-1-a");
    expect(a).toMatchObject({ state: "failed", reason: "stalled" });
    expect(a?.errors.at(-1)).toMatch(
      /^stalled: no activity for \d+s \(stallTimeoutSeconds 0\.3\)$/,
    );
    expect(h.host.aborted).toContain(a?.sessionId);
    // 1-2-b streamed for 900 ms, three times the timeout: alive, not stalled.
    expect(ended.stories.find((s) => s.key === "1-2-b")?.state).toBe("completed");
    const report = h.host.notes.findIndex((n) => /1-1-a\) stalled: .*stopping it/.test(n.text));
    const failed = h.host.notes.findIndex((n) => /1-1-a\) failed/.test(n.text));
    expect(report).toBeGreaterThanOrEqual(0);
    expect(report).toBeLessThan(failed);
  });

  it("does not count a wait for another story's lock as a stall", async () => {
    const stories = [
      { key: "1-1-a", writes: ["src/shared.ts"] },
      { key: "1-2-b", writes: ["src/shared.ts"] },
    ];
    const root = projectWith(stories, { parallel: { stallTimeoutSeconds: 0.3 } });
    const h = harness(
      root,
      (_w, key) => ({
        ms: key === "1-1-a" ? 1_200 : 50,
        // 1-2-b streams nothing: only its tool calls show it is alive.
        stall: key === "1-2-b",
        work: async (session) => {
          if (key === "1-2-b") await new Promise((resolve) => setTimeout(resolve, 100));
          await h.agent.write(session, "src/shared.ts", `by ${key}\n`);
        },
      }),
      { conflictStrategy: "manual" },
    );
    const started = await h.call({ action: "execute", storyIds: ["1-1-a", "1-2-b"] });
    const ended = await h.athena.engine.waitFor(started.metadata.run?.id ?? "");
    // 1-2-b waited about a second for 1-1-a's lock, silent meanwhile, and was not stopped.
    expect(h.host.notes.some((n) => /stalled/.test(n.text))).toBe(false);
    expect(ended.stories.map((s) => [s.key, s.state])).toEqual([
      ["1-1-a", "completed"],
      ["1-2-b", "completed"],
    ]);
  });

  it("waits while a story's session asks the user a permission: shown, told, not a stall", async () => {
    const root = projectWith(three.slice(0, 1), {
      parallel: { stallTimeoutSeconds: 0.3, maxAttempts: 1 },
    });
    const h = harness(root, () => ({ ms: 100, work: (session) => h.host.ask(session) }));
    const started = await h.call({ action: "execute", storyIds: ["1-1-a"] });
    // The record says so once the host's event reaches the plugin (asynchronously, as on the bus).
    while (!loadRuns(root).runs[0]?.stories[0]?.asking) await sleep(20);
    const id = h.host.pendingAsks()[0] ?? "";
    const status = await h.call({ action: "status" });
    expect(status.output).toContain("| 1.1 `1-1-a` | running | ");
    expect(status.output).toContain(
      "- 1.1 `1-1-a` waits for your answer in its session: permission `bash` for `npm test`",
    );
    expect(loadRuns(root).runs[0]?.stories[0]?.asking).toMatchObject({
      kind: "permission",
      what: "permission `bash` for `npm test`",
    });
    const told = h.host.notes.filter((n) => /1-1-a\) waits for your answer/.test(n.text));
    expect(told).toHaveLength(1);
    // Silent for over three times the stall timeout while the watchdog polls: still running.
    await sleep(1_000);
    expect(h.host.aborted).toEqual([]);
    h.host.answer(id);
    const ended = await h.athena.engine.waitFor(started.metadata.run?.id ?? "");
    expect(ended.stories[0]).toMatchObject({ state: "completed", attempts: 1, errors: [] });
    expect(ended.stories[0]?.asking).toBeUndefined();
    expect(h.host.notes.some((n) => /stalled/.test(n.text))).toBe(false);
    // The wait is drawn in the run's timeline, inside the story's bar.
    const [wait, ...more] = ended.stories[0]?.userWaits ?? [];
    expect(more).toEqual([]);
    expect(wait?.kind).toBe("permission");
    expect(Date.parse(wait?.to ?? "")).toBeGreaterThan(Date.parse(wait?.from ?? ""));
    expect(Date.parse(wait?.to ?? "")).toBeLessThanOrEqual(
      Date.parse(ended.stories[0]?.endedAt ?? ""),
    );
    expect(runGantt(ended, Date.now())).toContain("waits for your answer (permission) :crit");
  });

  it("forgets an ask whose session stopped unanswered (a sub-agent aborted): the watchdog is back", async () => {
    const root = projectWith(three.slice(0, 1), {
      parallel: { stallTimeoutSeconds: 0.3, maxAttempts: 1 },
    });
    const h = harness(root, () => ({
      ms: 60_000,
      stall: true,
      work: async (session) => {
        const sub = await h.host.createChildSession(session, "sub-agent");
        void h.host.ask(sub);
        while (!loadRuns(root).runs[0]?.stories[0]?.asking) await sleep(20);
        await h.host.abort(sub); // the sub-agent's session ends without an answer
      },
    }));
    const started = await h.call({ action: "execute", storyIds: ["1-1-a"] });
    const ended = await h.athena.engine.waitFor(started.metadata.run?.id ?? "");
    expect(ended.stories[0]).toMatchObject({ state: "failed", reason: "stalled" });
    expect(ended.stories[0]?.asking).toBeUndefined();
  });

  it("tells the parent once when a story repeats the same call many times", async () => {
    const root = projectWith(three.slice(0, 1));
    const h = harness(root, () => ({
      ms: 100,
      work: async (session) => {
        for (let i = 0; i < REPEAT_LIMIT * 2; i++) await h.agent.read(session, "athena.json");
      },
    }));
    const started = await h.call({ action: "execute", storyIds: ["1-1-a"] });
    await h.athena.engine.waitFor(started.metadata.run?.id ?? "");
    const loops = h.host.notes.filter((n) => /same `read` call 5 times in a row/.test(n.text));
    expect(loops).toHaveLength(1);
  });
});

describe("retries", () => {
  it("starts a stalled story again in a fresh session, told what happened, and it completes", async () => {
    const root = projectWith(three.slice(0, 1), { parallel: { stallTimeoutSeconds: 0.3 } });
    let attempts = 0;
    const h = harness(root, () => {
      attempts++;
      return attempts === 1
        ? {
            ms: 60_000,
            stall: true,
            onlyItsWork: true,
            work: async (s) => void (await h.agent.write(s, "src/a.ts", "1\n")),
          }
        : {
            ms: 100,
            onlyItsWork: true,
            work: async (s) => {
              await h.agent.write(s, "src/b.ts", "2\n");
              tickStory(root, "1-1-a");
            },
          };
    });
    // A slow message read: the aborted attempt's idle is still being checked when the story
    // starts again, and must not end the new attempt.
    h.host.messageReadMs = 30;
    h.host.abortEventsFirst = true;
    const before = sprintText(root);
    const started = await h.call({ action: "execute", storyIds: ["1-1-a"] });
    const ended = await h.athena.engine.waitFor(started.metadata.run?.id ?? "");
    const [story] = ended.stories;
    expect(story).toMatchObject({ state: "completed", attempts: 2 });
    expect(story?.errors[0]).toMatch(/^stalled: no activity/);
    // Both attempts' writes are the story's; the locks of the first went with it.
    expect(story?.wroteFiles).toEqual(["src/a.ts", "src/b.ts"]);
    expect(h.athena.locks.list()).toEqual([]);
    const sessions = [...h.host.sessions.values()];
    expect(sessions).toHaveLength(2);
    expect(h.host.aborted).toContain(sessions[0]?.id);
    expect(story?.sessionId).toBe(sessions[1]?.id);
    expect(sessions[0]?.work?.text).not.toContain("attempt");
    expect(sessions[1]?.work?.text).toContain(
      "This is attempt 2 of 2. The earlier attempt was stopped: stalled: no activity",
    );
    expect(
      h.host.notes.some((n) =>
        /Starting it again in a fresh session \(attempt 2 of 2\)/.test(n.text),
      ),
    ).toBe(true);
    // The sprint entry stayed claimed between the attempts, and ended as for any completion.
    expect(sprintText(root)).toBe(before.replace("1-1-a: ready-for-dev", "1-1-a: review"));
    expect(readHistory(root).lines.map((l) => [l.outcome, l.reason])).toEqual([
      ["failed", "stalled"],
      ["completed", undefined],
    ]);
  });

  it("a story cancelled while its session is being created never starts, on its first attempt or a retry", async () => {
    // A busy host takes a while to create a session; the user cancels meanwhile. 1-1-a is
    // cancelled launching its first attempt; 1-2-b stalls, then is cancelled launching its retry.
    const root = projectWith(three.slice(0, 2), { parallel: { stallTimeoutSeconds: 0.3 } });
    const worked: string[] = [];
    const h = harness(root, (_w, key) => ({
      ms: 60_000,
      stall: key === "1-2-b",
      work: async () => void worked.push(key),
    }));
    const before = sprintText(root);
    h.host.createSessionMs = 300;
    const started = await h.call({ action: "execute", storyIds: ["1-1-a", "1-2-b"] });
    const runId = started.metadata.run?.id ?? "";
    const stateOf = (key: string) => loadRuns(root).runs[0]?.stories.find((st) => st.key === key);
    while (stateOf("1-1-a")?.state !== "launching") await sleep(10);
    expect(
      (await h.call({ action: "resolve", storyIds: ["1-1-a"], choice: "cancel" })).output,
    ).toContain("cancel");
    while ((stateOf("1-2-b")?.attempts ?? 0) < 1 || stateOf("1-2-b")?.state !== "launching")
      await sleep(10);
    await h.call({ action: "cancel", runId });
    // Each session the host created meanwhile is aborted, never given work.
    const settled = () =>
      h.host.sessions.size === 3 &&
      [...h.host.sessions.values()].every((x) => x.work || h.host.aborted.includes(x.id));
    while (!settled()) await sleep(10);
    const sessions = [...h.host.sessions.values()];
    expect(sessions.filter((x) => x.work).map((x) => x.title)).toEqual(["Story 1.2: 1-2-b"]);
    expect(worked).toEqual(["1-2-b"]);
    const run = loadRuns(root).runs[0];
    expect(run?.state).toBe("cancelled");
    expect(run?.stories.map((st) => [st.key, st.state])).toEqual([
      ["1-1-a", "cancelled"],
      ["1-2-b", "cancelled"],
    ]);
    expect(sprintText(root)).toBe(before);
    expect(h.athena.locks.list()).toEqual([]);
  });

  it("counts a story's budget over all its attempts, and warns at 80% once, not again on a retry", async () => {
    // Attempt 1 uses 8,500 tokens (past the 80% of 10,000), then stalls; attempt 2 goes over.
    const root = projectWith(three.slice(0, 1), {
      parallel: { stallTimeoutSeconds: 0.3, budget: { maxTokensPerStory: 10_000 } },
    });
    let attempts = 0;
    const h = harness(root, () => {
      attempts++;
      return attempts === 1
        ? { ms: 60_000, usage: { tokens: 850, everyMs: 20 }, stallAfter: 10 }
        : { ms: 60_000, usage: { tokens: 500, everyMs: 20 } };
    });
    const started = await h.call({ action: "execute", storyIds: ["1-1-a"] });
    const ended = await h.athena.engine.waitFor(started.metadata.run?.id ?? "");
    expect(ended.stories[0]).toMatchObject({ state: "failed", reason: "budget", attempts: 2 });
    expect(attempts).toBe(2);
    const warnings = h.host.notes.filter((n) => /warned at 80%/.test(n.text));
    expect(warnings).toHaveLength(1);
  });

  it("fails for good when the last attempt fails too, and never retries a final failure", async () => {
    const root = projectWith(three.slice(0, 2), {
      parallel: { stallTimeoutSeconds: 0.3, maxAttempts: 3 },
    });
    const h = harness(root, (_w, key) =>
      key === "1-1-a" ? { ms: 60_000, stall: true } : { ms: 20, outcome: "provider-4xx" },
    );
    const started = await h.call({ action: "execute", storyIds: ["1-1-a", "1-2-b"] });
    const ended = await h.athena.engine.waitFor(started.metadata.run?.id ?? "");
    expect(ended.stories.map((s) => [s.key, s.state, s.reason, s.attempts])).toEqual([
      ["1-1-a", "failed", "stalled", 3],
      // A 400 is not passing: one attempt.
      ["1-2-b", "failed", "error", 1],
    ]);
    expect(h.host.sessions.size).toBe(4);
    expect(sprintText(root)).toMatch(/1-1-a: ready-for-dev/);
  });
});

describe("a model and an agent per story", () => {
  it("resolves parallel.stories by id, number or key, over parallel.model and parallel.agent", () => {
    const batch = [
      { id: "1.1", key: "1-1-a" },
      { id: "1.2", key: "1-2-b" },
      { id: "3.5.1", key: "3-5-1-c" },
    ];
    const config = ParallelConfig.parse({
      model: "scripted/scripted-model",
      stories: {
        "1.2": { model: "anthropic/claude-sonnet-4" },
        "3-5-1": { agent: "plan" },
        "9.9": { agent: "build" },
      },
    });
    const resolved = settingsFor(batch, config);
    expect(Object.fromEntries(resolved.byKey)).toEqual({
      "1-1-a": { model: "scripted/scripted-model" },
      "1-2-b": { model: "anthropic/claude-sonnet-4" },
      "3-5-1-c": { model: "scripted/scripted-model", agent: "plan" },
    });
    expect(resolved.unmatched).toEqual(["9.9"]);
    // "3-5" would be the start of two keys: it names neither.
    const two = settingsFor(
      [
        { id: "3.5.1", key: "3-5-1-c" },
        { id: "3.5.2", key: "3-5-2-d" },
      ],
      ParallelConfig.parse({ stories: { "3-5": { agent: "plan" } } }),
    );
    expect(two.byKey.size).toBe(0);
    expect(two.unmatched).toEqual(["3-5"]);
  });

  it("starts each story with its own model and agent, and records them", async () => {
    const root = projectWith(three.slice(0, 2), {
      parallel: {
        model: "scripted/scripted-model",
        stories: { "1.2": { model: "anthropic/claude-sonnet-4", agent: "plan" } },
      },
    });
    const h = harness(root, () => ({ ms: 50 }));
    const started = await h.call({ action: "execute", storyIds: ["1-1-a", "1-2-b"] });
    const ended = await h.athena.engine.waitFor(started.metadata.run?.id ?? "");
    const work = (key: string) =>
      [...h.host.sessions.values()].find((s) => s.title.includes(key))?.work;
    expect(work("1-1-a")).toMatchObject({ model: "scripted/scripted-model" });
    expect(work("1-1-a")?.agent).toBeUndefined();
    expect(work("1-2-b")).toMatchObject({ model: "anthropic/claude-sonnet-4", agent: "plan" });
    expect(ended.stories.map((s) => [s.key, s.model, s.agent])).toEqual([
      ["1-1-a", "scripted/scripted-model", undefined],
      ["1-2-b", "anthropic/claude-sonnet-4", "plan"],
    ]);
    expect(readHistory(root).lines.map((l) => l.model)).toEqual(
      expect.arrayContaining(["scripted/scripted-model", "anthropic/claude-sonnet-4"]),
    );
  });

  it("refuses before anything starts when a story's model or agent is unknown to the host", async () => {
    const root = projectWith(three.slice(0, 2), {
      parallel: {
        agent: "biuld",
        stories: { "1.2": { model: "anthropic/claude-sonet-4" } },
      },
    });
    const h = harness(root, () => ({ ms: 50 }));
    const before = sprintText(root);
    const result = await h.call({ action: "execute", storyIds: ["1-1-a", "1-2-b"] });
    expect(result.output).toContain(
      'athena_parallel: not started: 1.1 (1-1-a): the host has no agent "biuld" (did you mean "build"?)',
    );
    expect(result.output).toContain(
      '1.2 (1-2-b): the host has no model "anthropic/claude-sonet-4" (did you mean "anthropic/claude-sonnet-4"?)',
    );
    expect(h.host.sessions.size).toBe(0);
    expect(sprintText(root)).toBe(before);
    expect(loadRuns(root).runs).toEqual([]);
  });
});

describe("the retry action", () => {
  it("starts again an ended run's failed stories, told what happened, with that run's cap and strategy", async () => {
    const root = projectWith(three);
    let failing = true;
    const h = harness(root, (_w, key) =>
      key === "1-2-b" && failing ? { ms: 20, outcome: "provider-4xx" } : { ms: 30 },
    );
    const first = await h.call({
      action: "execute",
      storyIds: ["1-1-a", "1-2-b"],
      maxConcurrentStories: 2,
      conflictStrategy: "manual",
    });
    const ended = await h.athena.engine.waitFor(first.metadata.run?.id ?? "");
    expect(ended.stories.map((s) => s.state)).toEqual(["completed", "failed"]);

    // Nothing to retry in a story that completed; a story the run did not have is named.
    expect((await h.call({ command: "retry 1.1" })).output).toContain(
      "1.1 (1-1-a) completed in run",
    );
    expect((await h.call({ command: "retry 1.3" })).output).toContain(
      `1.3: not a story of run ${ended.id} (its stories: 1.1, 1.2)`,
    );

    failing = false;
    const again = await h.call({ command: "retry" });
    expect(again.output).toContain(
      `at most 2 at once, strategy manual. It starts again the stories of run ${ended.id} that did not complete.`,
    );
    const second = await h.athena.engine.waitFor(again.metadata.run?.id ?? "");
    expect(second.retryOf).toBe(ended.id);
    expect(second.stories.map((s) => [s.key, s.state])).toEqual([["1-2-b", "completed"]]);
    const prompt = [...h.host.sessions.values()].at(-1)?.work?.text ?? "";
    expect(prompt).toContain(
      `The earlier attempt (run ${ended.id}) ended failed: APIError: 400 Bad Request`,
    );
    expect(prompt).not.toContain("This is attempt");
    expect(sprintText(root)).toMatch(/1-2-b: review/);
    // Every story of the ended runs completed: nothing left.
    expect((await h.call({ command: "retry" })).output).toBe(
      "athena_parallel: nothing to retry: every story of the ended runs completed, or was retried in a later run.",
    );
  });

  it("refuses to retry a run that is still running", async () => {
    const root = projectWith(three.slice(0, 1));
    const h = harness(root, () => ({ ms: 2_000 }));
    const started = await h.call({ action: "execute", storyIds: ["1-1-a"] });
    const runId = started.metadata.run?.id ?? "";
    expect((await h.call({ action: "retry", runId })).output).toBe(
      `athena_parallel: run ${runId} is still running: retry its stories when it has ended (or cancel it).`,
    );
    await h.call({ action: "cancel", runId });
  });
});

describe("contention", () => {
  it("tells the parent once when a story has waited long for another story's file", async () => {
    const stories = [
      { key: "1-1-a", writes: ["src/shared.ts"] },
      { key: "1-2-b", writes: ["src/shared.ts"] },
    ];
    const root = projectWith(stories, { parallel: { contentionNoticeSeconds: 0.3 } });
    const h = harness(
      root,
      (_w, key) => ({
        ms: key === "1-1-a" ? 1_200 : 50,
        work: async (session) => {
          if (key === "1-2-b") await new Promise((resolve) => setTimeout(resolve, 100));
          await h.agent.write(session, "src/shared.ts", `by ${key}\n`);
        },
      }),
      { conflictStrategy: "manual" },
    );
    const started = await h.call({ action: "execute", storyIds: ["1-1-a", "1-2-b"] });
    const ended = await h.athena.engine.waitFor(started.metadata.run?.id ?? "");
    expect(ended.stories.map((s) => s.state)).toEqual(["completed", "completed"]);
    const notices = h.host.notes.filter((n) => /has waited \d+s/.test(n.text));
    expect(notices.map((n) => n.text)).toEqual([
      expect.stringContaining(
        "Story 1.2 (1-2-b) has waited 1s: it waits for `src/shared.ts`, held by 1-1-a.",
      ),
    ]);
    expect(h.host.toasts.some((t) => /1-2-b\) has waited/.test(t))).toBe(true);
  });
});

describe("story ids athena.json names", () => {
  it("says at execute, not only in the dry run, which ones name no story and are ignored", async () => {
    const root = projectWith(three.slice(0, 2), {
      parallel: { dependencies: { "1.2": ["1.9"] }, stories: { "1.8": { agent: "build" } } },
    });
    const h = harness(root, () => ({ ms: 20 }));
    const started = await h.call({ action: "execute", storyIds: ["1-1-a", "1-2-b"] });
    expect(started.output).toMatch(/^Run run-\S+ started: 2 stories/);
    expect(started.output).toContain("\n\nWarning:\n- athena.json ");
    expect(started.output).toContain(
      '- athena.json parallel.dependencies["1.2"]: unknown story "1.9"',
    );
    expect(started.output).toContain('- athena.json parallel.stories: unknown story "1.8"');
    await h.athena.engine.waitFor(started.metadata.run?.id ?? "");
  });
});

describe("the project's cap at execute", () => {
  it("says that projectMaxConcurrentStories holds the run below its own cap", async () => {
    const root = projectWith(three, { parallel: { projectMaxConcurrentStories: 1 } });
    const h = harness(root, () => ({ ms: 20 }));
    const started = await h.call({ action: "execute", storyIds: three.map((s) => s.key) });
    expect(started.output).toMatch(/^Run run-\S+ started: 3 stories, at most 3 at once/);
    expect(started.output).toContain(
      "Note: parallel.projectMaxConcurrentStories is 1: at most 1 at once on the project, across every OpenCode process; the others wait for a free slot (queued).",
    );
    const ended = await h.athena.engine.waitFor(started.metadata.run?.id ?? "");
    expect(ended.state).toBe("completed");
  });
});

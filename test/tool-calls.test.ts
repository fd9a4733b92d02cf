/**
 * The tool's execute and retry as the user meets them on a live OpenCode process: athena.json
 * edited while it runs, "prevent" proposing what can run, retries across several runs.
 */
import { writeFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { harness, projectWith } from "./helpers/athena-harness.ts";

const two = [
  { key: "1-1-a", writes: ["src/a.ts"] },
  { key: "1-2-b", writes: ["src/b.ts"] },
];

describe("athena.json edited while OpenCode runs", () => {
  it("runs with the cap and strategy the dry run just read, and names what only a restart applies", async () => {
    const root = projectWith(two, {
      parallel: { maxConcurrentStories: 1, conflictStrategy: "coordinate" },
    });
    const h = harness(root, () => ({ ms: 200 }));
    writeFileSync(
      path.join(root, "athena.json"),
      JSON.stringify({
        parallel: { maxConcurrentStories: 3, conflictStrategy: "manual", storyTimeoutMinutes: 30 },
      }),
    );
    expect((await h.call({ action: "dryRun", storyIds: ["1.1", "1.2"] })).output).toContain(
      "## Start now (cap 3)",
    );
    const started = await h.call({ action: "execute", storyIds: ["1.1", "1.2"] });
    expect(started.output).toContain("2 stories, at most 3 at once, strategy manual.");
    expect(started.output).toContain(
      "athena.json changed since OpenCode started. This run uses its cap, strategy, models and agents as they are now; these settings stay as they were at start until OpenCode restarts:\n- storyTimeoutMinutes: 120 (athena.json now: 30)",
    );
    const ended = await h.athena.engine.waitFor(started.metadata.run?.id ?? "");
    expect([ended.cap, ended.strategy]).toEqual([3, "manual"]);
    // The process-wide cap follows athena.json too: both stories ran at once.
    expect(h.host.maxBusy).toBe(2);
    expect(h.athena.engine.processCap).toBe(3);
  });

  it("says nothing of a restart when only per-call settings changed", async () => {
    const root = projectWith(two, { parallel: { maxConcurrentStories: 1 } });
    const h = harness(root, () => ({ ms: 20 }));
    writeFileSync(
      path.join(root, "athena.json"),
      JSON.stringify({ parallel: { maxConcurrentStories: 2 } }),
    );
    const started = await h.call({ action: "execute", storyIds: ["1.1"] });
    expect(started.output).toContain("at most 2 at once");
    expect(started.output).not.toContain("since OpenCode started");
    await h.athena.engine.waitFor(started.metadata.run?.id ?? "");
  });
});

describe('"prevent" refusing a batch', () => {
  it("proposes only stories it would start: none needing work still going on elsewhere, nor a story left out", async () => {
    const root = projectWith([
      { key: "1-1-a", writes: ["src/a.ts"] },
      { key: "1-2-b", writes: ["src/shared.ts"] },
      { key: "1-3-c", writes: ["src/shared.ts"] },
      { key: "1-4-d", writes: ["src/d.ts"], dependsOn: "1.1" },
      { key: "1-5-e", writes: ["src/e.ts"], dependsOn: "1.4" },
      { key: "1-6-f", writes: ["src/f.ts"] },
    ]);
    const h = harness(root, (_w, key) => ({ ms: key === "1-1-a" ? 3_000 : 20 }));
    const first = await h.call({ action: "execute", storyIds: ["1.1"] });
    const refused = await h.call({ action: "execute" });
    expect(refused.output).toContain(
      'not started: 1 file conflict remain and the strategy is "prevent".',
    );
    // 1.4 needs 1.1, still running; 1.5 needs 1.4; 1.2 and 1.3 write the same file.
    expect(refused.output).toContain(
      "These stories could run together: 1.2, 1.6 (call execute with them).",
    );
    const proposed = refused.metadata.runnable as string[];
    const started = await h.call({ action: "execute", storyIds: proposed });
    expect(started.output).toContain("Run run-");
    await h.athena.engine.waitFor(started.metadata.run?.id ?? "");
    await h.call({ action: "cancel", runId: first.metadata.run?.id });
  });
});

describe("retry after a partial retry", () => {
  /** A run of 1.1 and 1.3, cancelled; then `retry 1.3`, which completes. */
  async function partlyRetried() {
    const root = projectWith([
      { key: "1-1-a", writes: ["src/a.ts"] },
      { key: "1-2-b", writes: ["src/b.ts"] },
      { key: "1-3-c", writes: ["src/c.ts"] },
    ]);
    let ms = 5_000;
    const h = harness(root, () => ({ ms }));
    const first = await h.call({ command: "1.1 1.3 --strategy manual" });
    const original = first.metadata.run?.id ?? "";
    await h.call({ action: "cancel", runId: original });
    ms = 20;
    const partial = await h.call({ command: "retry 1.3 --wait" });
    expect(partial.metadata.run?.stories.map((s) => [s.key, s.state])).toEqual([
      ["1-3-c", "completed"],
    ]);
    return { h, original };
  }

  it("offers the stories the first run left, though the latest run completed", async () => {
    const { h, original } = await partlyRetried();
    const again = await h.call({ command: "retry --wait" });
    expect(again.metadata.run?.retryOf).toBe(original);
    expect(again.metadata.run?.stories.map((s) => [s.key, s.state])).toEqual([
      ["1-1-a", "completed"],
    ]);
    expect((await h.call({ command: "retry" })).output).toBe(
      "athena_parallel: nothing to retry: every story of the ended runs completed, or was retried in a later run.",
    );
  });

  it("with --run, passes over the stories in review now, saying so, and retries the rest", async () => {
    const { h, original } = await partlyRetried();
    const again = await h.call({ command: `retry --run ${original}` });
    expect(again.output).toContain(
      "Not started again, done or in review now: 1.3 (1-3-c) is review.",
    );
    const ended = await h.athena.engine.waitFor(again.metadata.run?.id ?? "");
    expect(ended.stories.map((s) => [s.key, s.state])).toEqual([["1-1-a", "completed"]]);
    expect((await h.call({ command: `retry 1.3 --run ${original}` })).output).toBe(
      `athena_parallel: 1.3 (1-3-c) is review in the sprint file now: only stories not yet in review are retried.`,
    );
  });
});

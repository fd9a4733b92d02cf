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

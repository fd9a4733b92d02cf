/**
 * Runs of another OpenCode process on the same project (issue 11, part 3): listed read-only
 * in `status`, and cancelled through a request the owning process takes up, from the tool or
 * from any terminal (`athena-parallel cancel <run-id>`). Two plugin instances on one project
 * stand for the two processes.
 */
import path from "node:path";
import { describe, expect, it } from "vitest";
import { createRun, saveRun } from "../src/run/state.ts";
import { harness, projectWith, sprintText } from "./helpers/athena-harness.ts";
import { runCliCaptured } from "./helpers/cli.ts";

const stories = [
  { key: "1-1-a", writes: ["src/a.ts"] },
  { key: "1-2-b", writes: ["src/b.ts"] },
];

const cli = (args: string[]) => runCliCaptured(args, "/", {});

describe("another process's runs", () => {
  it("are listed read-only in status, and cancelled on request from the tool", async () => {
    const root = projectWith(stories);
    const a = harness(root, () => ({ ms: 60_000 }));
    const b = harness(root, () => ({ ms: 60_000 }));
    const before = sprintText(root);
    const started = await a.call({ action: "execute", storyIds: ["1-1-a"] });
    const runId = started.metadata.run?.id ?? "";
    const status = (await b.call({ action: "status" })).output;
    expect(status).toContain("## Runs of other OpenCode processes on this project (read-only");
    expect(status).toContain(`### Run ${runId}: running`);
    const asked = await b.call({ action: "cancel", runId });
    expect(asked.output).toContain(`Run ${runId} belongs to another OpenCode process`);
    const ended = await a.athena.engine.waitFor(runId);
    expect(ended.stories.map((s) => s.state)).toEqual(["cancelled"]);
    expect(sprintText(root)).toBe(before);
    // Nothing left to show once it ended.
    expect((await b.call({ action: "status" })).output).not.toContain("Runs of other OpenCode");
  });

  it("are cancelled from any terminal: the CLI asks, waits, and reports", async () => {
    const root = projectWith(stories);
    const a = harness(root, () => ({ ms: 60_000 }));
    const started = await a.call({ action: "execute", storyIds: ["1-1-a", "1-2-b"] });
    const runId = started.metadata.run?.id ?? "";
    const result = await cli(["cancel", runId, "--dir", root]);
    expect(result).toMatchObject({ code: 0 });
    expect(result.out).toMatch(
      new RegExp(
        `^${runId} cancelled by its process \\(pid \\d+\\): 1\\.1 cancelled, 1\\.2 cancelled\\.\\n$`,
      ),
    );
    expect((await cli(["cancel", runId, "--dir", root])).out).toContain(
      "is not running (it ended cancelled): nothing to cancel",
    );
  });

  it("says what it can: a bad id, an unknown run, a run whose process is gone", async () => {
    const root = projectWith(stories);
    expect((await cli(["cancel", "nope", "--dir", root])).err).toContain('"nope" is not a run id');
    expect((await cli(["cancel", "run-20260101-000000-abcdef", "--dir", root])).err).toContain(
      'no run "run-20260101-000000-abcdef"',
    );
    const orphan = createRun({
      strategy: "manual",
      cap: 1,
      stories: [
        {
          key: "1-1-a",
          id: "1.1",
          state: "running",
          previousStatus: "ready-for-dev",
          updatedAt: "",
        },
      ],
    });
    saveRun(root, { ...orphan, pid: 2 ** 22 + 12_345 });
    const gone = await cli(["cancel", orphan.id, "--dir", path.resolve(root)]);
    expect(gone.code).toBe(1);
    expect(gone.out).toContain(
      "is gone: the next OpenCode start on this project marks its stories interrupted",
    );
  });
});

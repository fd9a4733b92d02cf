/**
 * OpenCode started in a folder below the project's root (`cd packages/api && opencode`), on
 * the real host: the plugin runs the project's sprint from the root above, and what a story's
 * session writes from its own folder is coordinated where it lands.
 */
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { locksLeft, SPRINT } from "../../harness/scenario.ts";
import { scenarioPerTest, stories } from "./real-host.ts";

const start = scenarioPerTest();

describe("a host started in a subfolder of the project", () => {
  it("runs the root's sprint, and a story's shell write from the subfolder is its own", async () => {
    const s = await start({
      stories: stories(100, { "1-3-search": { shell: ["echo checked > NOTES.md"] } }),
      hostFolder: "packages/api",
    });
    const output = await s.command("1.3");
    expect(output).toMatch(/^Run run-\S+ started/);
    const run = await s.waitForRun((r) => r.state !== "running");
    expect(run.stories[0]).toMatchObject({ key: "1-3-search", state: "completed" });
    expect(run.stories[0]?.wroteFiles).toEqual(
      expect.arrayContaining(["src/search/index.ts", "packages/api/NOTES.md"]),
    );
    expect(readFileSync(path.join(s.root, "packages/api/NOTES.md"), "utf8")).toBe("checked\n");
    expect(readFileSync(path.join(s.root, SPRINT), "utf8")).toMatch(/1-3-search: review/);
    // One project, one `.athena/`: none made in the host's folder.
    expect(existsSync(path.join(s.root, "packages/api/.athena"))).toBe(false);
    expect(locksLeft(s.root)).toEqual([]);
  }, 120_000);
});

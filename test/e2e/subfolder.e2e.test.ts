/**
 * OpenCode started in a folder below the project's root (`cd packages/api && opencode`), on
 * the real host: the plugin runs the project's sprint from the root above, and what a story's
 * session writes from its own folder is coordinated where it lands.
 */
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { locksLeft, SPRINT } from "../../harness/scenario.ts";
import { runIdOf, scenarioPerTest, stories } from "./real-host.ts";

const start = scenarioPerTest();

describe("a host started in a subfolder of the project", () => {
  it("runs the root's sprint, and a story's shell write from the subfolder is its own", async () => {
    const s = await start({
      stories: stories(100, { "1-3-search": { shell: ["echo checked > NOTES.md"] } }),
      hostFolder: "packages/api",
    });
    const output = await s.command("1.3");
    expect(output).toMatch(/^Run run-\S+ started/);
    // The repository at the root holds every story's files: the host asks nothing.
    expect(output).not.toContain("external_directory");
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

  it("with no repository holding the root, says each story's session will ask to reach it, shows the ask, and goes on once allowed", async () => {
    const s = await start({
      stories: stories(100, { "1-3-search": { shell: ["echo checked > NOTES.md"] } }),
      hostFolder: "packages/api",
      git: false,
    });
    const notice =
      /OpenCode runs in `packages\/api`, below the project's root .* no git repository holds the root/;
    expect(await s.command("1.3 --dry-run")).toMatch(
      new RegExp(`^Before you run: ${notice.source}`),
    );
    const output = await s.command("1.3");
    expect(output).toMatch(new RegExp(`^Run run-\\S+ started.*\n\nNote: ${notice.source}`));
    // The host asks before the session reaches the root's files: the run record says so.
    const asking = await s.waitForRun((r) => r.stories[0]?.asking !== undefined);
    expect(asking.stories[0]?.asking?.what).toMatch(/^permission `external_directory`/);
    // Allowed each time it asks, the story goes on to the end.
    for (;;) {
      const run = s.run(runIdOf(output));
      if (run && run.state !== "running") break;
      const pending = await s.host.api<Array<{ id: string }>>("GET", "/permission");
      for (const ask of pending)
        await s.host.api("POST", `/permission/${ask.id}/reply`, { reply: "once" });
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(s.run(runIdOf(output))?.stories[0]).toMatchObject({ state: "completed" });
    expect(locksLeft(s.root)).toEqual([]);
  }, 120_000);

  it("says nothing of it when opencode.json lets the sessions reach the root, and runs on its own", async () => {
    const s = await start({
      stories: stories(100, { "1-3-search": { shell: ["echo checked > NOTES.md"] } }),
      hostFolder: "packages/api",
      git: false,
      opencode: (root) => ({
        permission: { external_directory: { [`${root}/**`]: "allow" } },
      }),
    });
    expect(await s.command("1.3 --dry-run")).not.toContain("Before you run");
    const output = await s.command("1.3");
    expect(output).not.toContain("external_directory");
    const run = await s.waitForRun((r) => r.state !== "running");
    expect(run.stories[0]).toMatchObject({ state: "completed" });
    expect(run.stories[0]?.wroteFiles).toEqual(
      expect.arrayContaining(["src/search/index.ts", "packages/api/NOTES.md"]),
    );
  }, 120_000);
});

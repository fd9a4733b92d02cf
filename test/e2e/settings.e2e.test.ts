/**
 * athena.json settings as a user who sets them sees them, on the real host: each test is a
 * setting that once did not do what its description says.
 */
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { locksLeft, type Scenario } from "../../harness/scenario.ts";
import { processAlive } from "../../src/run/locks.ts";
import { pidIn } from "../helpers/spawn.ts";
import { notes, runIdOf, scenarioPerTest, stories } from "./real-host.ts";

const start = scenarioPerTest();

describe("athena.json settings on the real host", () => {
  it("runs a story through the host's devCommand on the model and agent parallel.stories gives it", async () => {
    const models = new Set<string>();
    const s = await start({
      stories: stories(100, {
        "1-3-search": {
          replyFor: (_attempt, request) => void models.add(request.model),
        },
      }),
      athena: {
        parallel: { stories: { "1.3": { model: "scripted/scripted-big", agent: "storydev" } } },
      },
      opencode: {
        agent: { storydev: { description: "Story developer", mode: "primary" } },
        // The host's dev command (opencode-athena installs one): the story runs it.
        command: {
          "athena-dev": {
            description: "Develop a story",
            template:
              "Implement BMAD story dev ($ARGUMENTS).\n\nThe story file is `_bmad-output/implementation-artifacts/$ARGUMENTS.md`. Read it first.",
          },
        },
      },
    });
    // A second model of the scripted provider (its address is known once the scenario runs).
    const config = JSON.parse(readFileSync(`${s.root}/opencode.json`, "utf8"));
    config.provider.scripted.models["scripted-big"] = { name: "Big", tool_call: true };
    writeFileSync(`${s.root}/opencode.json`, JSON.stringify(config, null, 2));
    await s.restartHost();
    const parent = (await s.host.api<{ id: string }>("POST", "/session", { title: "p" })).id;
    await s.command("1.3", parent);
    const run = await s.waitForRun((r) => r.state !== "running");
    const story = run.stories[0];
    expect(story).toMatchObject({
      key: "1-3-search",
      state: "completed",
      model: "scripted/scripted-big",
      agent: "storydev",
    });
    const messages = await s.host.api<
      Array<{ info: { role: string; agent?: string; modelID?: string; providerID?: string } }>
    >("GET", `/session/${story?.sessionId}/message`);
    const answers = messages.filter((m) => m.info.role === "assistant");
    expect(answers.length).toBeGreaterThan(0);
    for (const m of answers)
      expect(m.info).toMatchObject({
        agent: "storydev",
        providerID: "scripted",
        modelID: "scripted-big",
      });
    expect([...models]).toEqual(["scripted-big"]);
    expect(locksLeft(s.root)).toEqual([]);
  }, 120_000);

  it("runs autoRunTests' command in the host, and stops it with the host", async () => {
    const s = await start({
      stories: stories(100),
      athena: {
        parallel: {
          autoRunTests: true,
          // The first run's tests pass; the second's run on (a watch mode) until stopped.
          testCommand:
            "if [ -f first.done ]; then echo $$ > tests.pid; exec sleep 300; else touch first.done; echo all green; fi",
        },
      },
    });
    await s.command("1.3");
    await s.waitForRun((r) => r.state !== "running");
    await expect
      .poll(async () => (await notes(s)).some((n) => n.includes("PASSED")), { timeout: 30_000 })
      .toBe(true);
    expect((await notes(s)).join("\n")).toContain("all green");
    // The summary woke the parent session: its answer ends before the next command is typed.
    await expect.poll(() => parentAnswered(s), { timeout: 30_000 }).toBe(true);
    const second = await s.command("1.5");
    expect(second).toMatch(/^Run run-\S+ started/);
    const run = await s.waitForRun((r) => r.state !== "running", 90_000, runIdOf(second));
    expect(run.stories[0]).toMatchObject({ key: "1-5-pricing", state: "completed" });
    const pidFile = path.join(s.root, "tests.pid");
    await expect.poll(() => pidIn(pidFile), { timeout: 60_000 }).toBeGreaterThan(0);
    const tests = pidIn(pidFile);
    expect(processAlive(tests)).toBe(true);
    // No dispose hook runs when OpenCode is stopped (measured): the command ends all the same.
    await s.host.stop("SIGTERM");
    await expect.poll(() => processAlive(tests), { timeout: 20_000 }).toBe(false);
  }, 150_000);
});

/** The parent session's last message is an answer, and it has ended. */
async function parentAnswered(s: Scenario): Promise<boolean> {
  const messages = await s.host.api<
    Array<{ info: { role: string; time?: { completed?: number } } }>
  >("GET", `/session/${s.parent}/message`);
  const last = messages.at(-1)?.info;
  return last?.role === "assistant" && last.time?.completed !== undefined;
}

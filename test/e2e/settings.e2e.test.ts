/**
 * athena.json settings as a user who sets them sees them, on the real host: each test is a
 * setting that once did not do what its description says.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { locksLeft } from "../../harness/scenario.ts";
import { scenarioPerTest, stories } from "./real-host.ts";

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
});

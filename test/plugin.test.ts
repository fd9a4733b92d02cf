import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import type { PluginInput, ToolContext } from "@opencode-ai/plugin";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import plugin from "../src/index.ts";
import { miniProject } from "./helpers/mini-project.ts";

function context(directory: string): ToolContext {
  return {
    sessionID: "ses_test",
    messageID: "msg_test",
    agent: "build",
    directory,
    worktree: directory,
    abort: new AbortController().signal,
    metadata: () => {},
    ask: async () => {},
  };
}

async function tools(options?: Record<string, unknown>) {
  const hooks = await plugin.server({ directory: "/" } as PluginInput, options);
  const tool = hooks.tool?.athena_parallel;
  if (!tool) throw new Error("athena_parallel is not registered");
  return tool;
}

describe("the plugin", () => {
  it("exports { id, server } as the host requires", () => {
    expect(plugin.id).toBe("athena-parallel");
    expect(typeof plugin.server).toBe("function");
  });

  it("registers athena_parallel with only the actions that work", async () => {
    const tool = await tools();
    const action = tool.args.action;
    if (!action) throw new Error("no action argument");
    expect(z.safeParse(action, "dryRun").success).toBe(true);
    expect(z.safeParse(action, "execute").success).toBe(false);
    expect(tool.description).toContain("dryRun");
  });

  it("plans on a dry run: markdown for the model, the plan as metadata, nothing in the sprint file changed", async () => {
    const dir = miniProject();
    const sprint = path.join(dir, "_bmad-output/implementation-artifacts/sprint-status.yaml");
    const before = readFileSync(sprint, "utf8");
    const result = await (await tools()).execute(
      { action: "dryRun", storyIds: ["1.1", "1.2"] },
      context(dir),
    );
    if (typeof result === "string") throw new Error("expected a structured result");
    expect(result.title).toBe("athena-parallel plan: 2 stories, 1 file conflicts");
    expect(result.output).toContain("both write `src/shared.ts`");
    expect(result.metadata?.plan.conflicts).toHaveLength(1);
    expect(readFileSync(sprint, "utf8")).toBe(before);
    // The only thing written is the parse cache, under .athena/ with its .gitignore.
    expect(readFileSync(path.join(dir, ".athena/.gitignore"), "utf8")).toContain("*");
  });

  it("takes plugin options from opencode.json's tuple form", async () => {
    const dir = miniProject();
    const result = await (await tools({ maxConcurrentStories: 1 })).execute(
      { action: "dryRun" },
      context(dir),
    );
    if (typeof result === "string") throw new Error("expected a structured result");
    expect(result.metadata?.plan.schedule.cap).toBe(1);
    expect(result.metadata?.plan.schedule.batchNow).toHaveLength(1);
  });

  it("answers bad input with a sentence the model can act on", async () => {
    const dir = miniProject();
    const result = await (await tools()).execute(
      { action: "dryRun", storyIds: ["7.7"] },
      context(dir),
    );
    if (typeof result === "string") throw new Error("expected a structured result");
    expect(result.title).toBe("athena-parallel: bad input");
    expect(result.output).toContain('unknown story "7.7"');
    expect(result.output).toContain("call the tool again");
    expect(existsSync(path.join(dir, ".athena/runs"))).toBe(false);
  });
});

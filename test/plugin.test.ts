import { existsSync, readFileSync, writeFileSync } from "node:fs";
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

  it("registers athena_parallel with its four actions", async () => {
    const tool = await tools();
    const action = tool.args.action;
    if (!action) throw new Error("no action argument");
    expect(z.safeParse(action, "dryRun").success).toBe(true);
    for (const name of ["execute", "status", "cancel"])
      expect(z.safeParse(action, name).success).toBe(true);
    expect(z.safeParse(action, "explode").success).toBe(false);
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
    expect(result.title).toBe("athena-parallel plan: 2 stories, 1 blocking conflicts");
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
    expect(result.title).toBe("athena-parallel: refused");
    expect(result.output).toContain('unknown story "7.7"');
    expect(result.output).toContain("call the tool again");
    expect(existsSync(path.join(dir, ".athena/runs"))).toBe(false);
  });
});

describe("the /athena-parallel command", () => {
  it("is registered through the config hook, without overriding a user's own", async () => {
    const hooks = await plugin.server({ directory: "/" } as PluginInput);
    const config: { command?: Record<string, { template: string }> } = {};
    await hooks.config?.(config as never);
    expect(config.command?.["athena-parallel"]?.template).toContain('{ "command": "$ARGUMENTS" }');
    const mine = { command: { "athena-parallel": { template: "mine" } } };
    await hooks.config?.(mine as never);
    expect(mine.command["athena-parallel"].template).toBe("mine");
  });

  it("stays when the plugin cannot start (a bad athena.json): the command reaches the tool, which says why", async () => {
    // Without the command, `/athena-parallel` failed in the host with a bare "UnknownError".
    const dir = miniProject();
    writeFileSync(
      path.join(dir, "athena.json"),
      JSON.stringify({ parallel: { stories: { "1.1": { model: "no-provider" } } } }),
    );
    const hooks = await plugin.server({ directory: dir } as PluginInput);
    const config: { command?: Record<string, { template: string }>; subagent_depth?: number } = {};
    await hooks.config?.(config as never);
    expect(config.command?.["athena-parallel"]?.template).toContain('{ "command": "$ARGUMENTS" }');
    expect(config.subagent_depth).toBe(2);
    const result = await hooks.tool?.athena_parallel?.execute(
      { command: "1.1" } as never,
      context(dir),
    );
    const output = typeof result === "string" ? result : result?.output;
    expect(output).toContain("the plugin could not start:");
    expect(output).toContain('expected "provider/model"');
  });

  it("says, once athena.json is edited after a failed start, what holds now: another error, or restart", async () => {
    const dir = miniProject();
    const file = path.join(dir, "athena.json");
    writeFileSync(file, JSON.stringify({ parallel: { maxConcurrentStories: "3" } }));
    const hooks = await plugin.server({ directory: dir } as PluginInput);
    const call = async () => {
      const result = await hooks.tool?.athena_parallel?.execute(
        { command: "1.1" } as never,
        context(dir),
      );
      return typeof result === "string" ? result : (result?.output ?? "");
    };
    const first = await call();
    expect(first).toContain('"parallel.maxConcurrentStories"');
    expect(first).toContain("Fix it and restart OpenCode.");
    expect(first).not.toContain("Now:");
    writeFileSync(file, JSON.stringify({ parallel: { lockWaitSecs: 5 } }));
    const second = await call();
    expect(second).toMatch(/\nNow: \S*athena\.json:1: unknown key "parallel\.lockWaitSecs"/);
    writeFileSync(file, JSON.stringify({ parallel: { maxConcurrentStories: 3 } }));
    expect(await call()).toContain("That reads well now: restart OpenCode to load the plugin.");
  });

  it("gives story sessions back the sub-agent level they sit below, unless the user set it", async () => {
    const hooks = await plugin.server({ directory: "/" } as PluginInput);
    const unset: { subagent_depth?: number } = {};
    await hooks.config?.(unset as never);
    expect(unset.subagent_depth).toBe(2);
    const set = { subagent_depth: 1 };
    await hooks.config?.(set as never);
    expect(set.subagent_depth).toBe(1);
  });

  it("ships the same text in commands/athena-parallel.md for manual installation", async () => {
    const { commandFile } = await import("../scripts/write-command.ts");
    expect(
      readFileSync(path.join(import.meta.dirname, "../commands/athena-parallel.md"), "utf8"),
    ).toBe(commandFile());
  });

  it("parses its arguments itself: dry run, status, cancel, retry, options", async () => {
    const { parseCommandArgs } = await import("../src/tool/command-args.ts");
    expect(parseCommandArgs("2.1 2.2 --dry-run")).toEqual({
      action: "dryRun",
      storyIds: ["2.1", "2.2"],
    });
    expect(parseCommandArgs("status")).toEqual({ action: "status", storyIds: [] });
    expect(parseCommandArgs("cancel run-20260101-000000-abcdef")).toEqual({
      action: "cancel",
      storyIds: [],
      runId: "run-20260101-000000-abcdef",
    });
    expect(parseCommandArgs("2.1, 2.2 --cap 2 --strategy coordinate --wait")).toEqual({
      action: "execute",
      storyIds: ["2.1", "2.2"],
      maxConcurrentStories: 2,
      conflictStrategy: "coordinate",
      waitForCompletion: true,
    });
    expect(() => parseCommandArgs("2.1 --cap 99")).toThrow(
      /--cap expects a whole number from 1 to 16/,
    );
    expect(() => parseCommandArgs("2.1 --yolo")).toThrow(/unknown option --yolo/);
    expect(parseCommandArgs("retry")).toEqual({ action: "retry", storyIds: [] });
    expect(parseCommandArgs("retry 1.3 --run run-20260101-000000-abcdef --wait")).toEqual({
      action: "retry",
      storyIds: ["1.3"],
      runId: "run-20260101-000000-abcdef",
      waitForCompletion: true,
    });
    // --run belongs to retry; a story id that happens to be "retry" is not possible.
    expect(() => parseCommandArgs("2.1 --run run-x")).toThrow(/unknown option --run/);
    expect(() => parseCommandArgs("retry --run")).toThrow(/--run needs a value/);
  });

  it("takes ids separated by commas, and refuses an option status or cancel does not take", async () => {
    const { parseCommandArgs } = await import("../src/tool/command-args.ts");
    expect(parseCommandArgs("1-3-search,1.5").storyIds).toEqual(["1-3-search", "1.5"]);
    expect(parseCommandArgs("retry 1.3,1.5 --wait").storyIds).toEqual(["1.3", "1.5"]);
    // Quoted as in a shell or markdown: the quotes are no part of the id.
    expect(parseCommandArgs(`"1.3" '1.5' \`1.6\``).storyIds).toEqual(["1.3", "1.5", "1.6"]);
    expect(parseCommandArgs(`"1.3 1.5" --dry-run`)).toEqual({
      action: "dryRun",
      storyIds: ["1.3", "1.5"],
    });
    expect(parseCommandArgs(`"status" 'run-x'`)).toEqual({
      action: "status",
      storyIds: [],
      runId: "run-x",
    });
    expect(() => parseCommandArgs("status --json")).toThrow(
      "unknown option --json: status takes only a run id (status [run-id])",
    );
    expect(() => parseCommandArgs("cancel -f")).toThrow(/^unknown option -f: cancel takes/);
    // A story where the run id goes: the tool names the run that holds it.
    expect(parseCommandArgs("status 1.3")).toEqual({ action: "status", storyIds: ["1.3"] });
    expect(parseCommandArgs("cancel 1.3")).toEqual({ action: "cancel", storyIds: ["1.3"] });
    // A mistyped run id stays a run id: the tool answers with the known runs.
    expect(parseCommandArgs("status run-2026")).toEqual({
      action: "status",
      storyIds: [],
      runId: "run-2026",
    });
    expect(() => parseCommandArgs("cancel run-20260101-000000-abcdef 1.3")).toThrow(
      /^cancel takes one run id/,
    );
  });

  it("runs a dry run through the tool's command argument", async () => {
    const dir = miniProject();
    const result = await (await tools()).execute(
      { command: "1.1 1.2 --dry-run" } as never,
      context(dir),
    );
    if (typeof result === "string") throw new Error("expected a structured result");
    expect(result.output).toContain("both write `src/shared.ts`");
  });
});

describe("/athena-parallel versions and mark, the next steps its outputs name", () => {
  it("parses them, and refuses them malformed", async () => {
    const { parseCommandArgs } = await import("../src/tool/command-args.ts");
    expect(parseCommandArgs("versions src/a.ts")).toEqual({
      action: "versions",
      storyIds: [],
      file: "src/a.ts",
    });
    expect(parseCommandArgs("mark 1-3-search ready-for-dev --force")).toEqual({
      action: "mark",
      storyIds: ["1-3-search"],
      status: "ready-for-dev",
      force: true,
    });
    expect(() => parseCommandArgs("versions")).toThrow(/usage: versions <file>/);
    expect(() => parseCommandArgs("mark 1.1")).toThrow(/usage: mark <story> <status>/);
    expect(() => parseCommandArgs("mark 1.1 done --yes")).toThrow(/unknown option --yes/);
  });

  it("mark sets a sprint entry (a downgrade only with --force); versions lists a file's versions", async () => {
    const dir = miniProject();
    const sprint = path.join(dir, "_bmad-output/implementation-artifacts/sprint-status.yaml");
    const tool = await tools();
    const run = async (command: string) => {
      const result = await tool.execute({ command }, context(dir));
      return typeof result === "string" ? result : result.output;
    };
    expect(await run("mark 1.1 done")).toBe(
      "_bmad-output/implementation-artifacts/sprint-status.yaml: 1-1-alpha: ready-for-dev -> done.",
    );
    expect(readFileSync(sprint, "utf8")).toContain("1-1-alpha: done");
    expect(await run("mark 1.1 ready-for-dev")).toMatch(/^athena_parallel: .*--force/s);
    expect(readFileSync(sprint, "utf8")).toContain("1-1-alpha: done");
    expect(await run("mark 1.1 ready-for-dev --force")).toContain(
      "1-1-alpha: done -> ready-for-dev",
    );
    expect(await run("versions src/shared.ts")).toBe(
      "src/shared.ts: no story changed it in the journal\n",
    );
    expect(await run("versions ../outside.ts")).toMatch(
      /^athena_parallel: .*not a file of the project/,
    );
    expect(await run("mark ../x done")).toMatch(/^athena_parallel: .*unknown story "\.\.\/x"/);
  });
});

describe("/athena-parallel with a word that is no sub-command", () => {
  it("says it is no sub-command either and lists them; a story id gets no such line", async () => {
    const dir = miniProject();
    const tool = await tools();
    const run = async (command: string) => {
      const result = await tool.execute({ command }, context(dir));
      return typeof result === "string" ? result : result.output;
    };
    const word = await run("frobnicate 1.1");
    expect(word).toContain('unknown story "frobnicate"');
    expect(word).toContain(
      '"frobnicate" is no sub-command either: /athena-parallel takes story ids (2.1 2.2 [--dry-run]), or status, cancel, retry, diff, revert, resolve, versions, mark.',
    );
    expect(await run("9.9")).not.toContain("sub-command");
    expect(await run("1.1 nothing")).not.toContain("sub-command");
  });
});

describe("/athena-parallel revert, twice", () => {
  it("says the second time that the story was already reverted, with what is left to do, not as bad input", async () => {
    const { Journal } = await import("../src/run/journal.ts");
    const dir = miniProject();
    const journal = new Journal(dir);
    journal.beforeChange("run-20261201-100000-aaaaaa", "1-1-alpha", ["src/shared.ts"]);
    writeFileSync(path.join(dir, "src/shared.ts"), "export const changed = 1;\n");
    journal.close("run-20261201-100000-aaaaaa", "1-1-alpha");
    const tool = await tools();
    const run = async (command: string) => {
      const result = await tool.execute({ command }, context(dir));
      return typeof result === "string" ? result : result.output;
    };
    expect(await run("revert 1.1")).toContain("put back as they were before it");
    expect(readFileSync(path.join(dir, "src/shared.ts"), "utf8")).toBe("export {};\n");
    const again = await run("revert 1.1");
    expect(again).toMatch(
      /^Story 1-1-alpha \(run run-20261201-100000-aaaaaa\) was already reverted at \S+: nothing written\. `diff 1-1-alpha` shows what it had changed\. Its sprint entry is unchanged: `athena-parallel mark 1-1-alpha ready-for-dev --force`/,
    );
    expect(again).not.toContain("Fix the input");
  });
});

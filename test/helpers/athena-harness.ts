/**
 * A project, a fake host and the plugin's own wiring (createAthena), with helpers that act
 * like an agent: tool calls go through the plugin's hooks exactly as the host sends them.
 */
import { execFile } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { promisify } from "node:util";
import { afterEach } from "vitest";
import { type Athena, createAthena } from "../../src/athena.ts";
import type { Plan } from "../../src/plan/types.ts";
import type { StartWork } from "../../src/run/host.ts";
import type { RunRecord } from "../../src/run/state.ts";
import { type Behaviour, FakeHost } from "./fake-host.ts";
import { signal } from "./signal.ts";
import { tempProject } from "./tmp.ts";
import { toolContext } from "./tool-context.ts";

export const STORIES_DIR = "_bmad-output/implementation-artifacts";
export const SPRINT_FILE = `${STORIES_DIR}/sprint-status.yaml`;

export interface StorySpec {
  key: string;
  writes: string[];
  dependsOn?: string;
  tasks?: number;
}

export function projectWith(stories: StorySpec[], athenaJson: object = {}): string {
  const files: Record<string, string> = {
    [SPRINT_FILE]: `# STATUS DEFINITIONS: this comment must survive\ndevelopment_status:\n  # Epic 1\n  epic-1: in-progress\n${stories.map((s) => `  ${s.key}: ready-for-dev # ${s.key}`).join("\n")}\n`,
    "athena.json": JSON.stringify(athenaJson),
  };
  for (const s of stories) {
    const [epic, story] = s.key.split("-");
    const tasks = Array.from({ length: s.tasks ?? 2 }, (_, i) => `- [ ] Task ${i + 1}`).join("\n");
    files[`_bmad-output/implementation-artifacts/${s.key}.md`] = [
      `# Story ${epic}.${story}: ${s.key}`,
      "",
      "Status: ready-for-dev",
      "",
      "## Tasks / Subtasks",
      "",
      tasks,
      ...s.writes.map((w) => `- [ ] Edit \`${w}\``),
      "",
      "## Dev Notes",
      "",
      s.dependsOn ? `- Depends on Story ${s.dependsOn}.` : "- Nothing special.",
      "",
    ].join("\n");
  }
  return tempProject(files);
}

/**
 * A scripted agent: its `work`, then what a dev agent does last, its story file's status set
 * to review (an agent that changes no file at all is not done: the story fails). With
 * `onlyItsWork`, its work and nothing more (a test of exactly which files a story wrote).
 */
export type AgentBehaviour = Behaviour & { onlyItsWork?: boolean };

/** Every plugin a test made: its runs are ended before the test's folder is removed. */
const made: Athena[] = [];
afterEach(async () => {
  // A run still going when its test ends would write `.athena/` into a folder already removed,
  // leaving it behind in the system's temporary folder.
  for (const athena of made.splice(0)) {
    for (const run of athena.engine.runsLive()) {
      await athena.engine.cancel(run.id).catch(() => undefined);
      await athena.engine.waitFor(run.id).catch(() => undefined);
    }
    athena.engine.dispose();
  }
});

/**
 * A story's first task ticked in its story file straight on disk, not through a tool: for an
 * agent of a test that checks exactly which files the tools wrote. An agent that leaves its
 * story file as it was does not complete its story.
 */
export function tickStory(root: string, key: string): void {
  const file = path.join(root, STORIES_DIR, `${key}.md`);
  if (existsSync(file)) writeFileSync(file, readFileSync(file, "utf8").replace("- [ ]", "- [x]"));
}

export function harness(
  root: string,
  behave: (work: StartWork, key: string) => AgentBehaviour,
  pluginOptions: Record<string, unknown> = {},
  /** How often the engine polls the host (50 ms: a test waits on it; longer: none does). */
  pollMs = 50,
  /** Where the host runs, when not at the root: OpenCode started in a subfolder. */
  hostDirectory?: string,
) {
  let athena: Athena | undefined;
  const host = new FakeHost((work) => {
    const key = keyOfWork(work);
    const behaviour = behave(work, key);
    if (behaviour.onlyItsWork) return behaviour;
    return {
      ...behaviour,
      work: async (session) => {
        await behaviour.work?.(session);
        await agent.markStory(session, key);
      },
    };
  });
  athena = createAthena({
    directory: root,
    ...(hostDirectory ? { hostDirectory } : {}),
    host,
    pluginOptions,
    env: { HOME: root, XDG_CONFIG_HOME: path.join(root, "no-global") },
    pollMs,
  });
  made.push(athena);
  host.onEvent = (event) => void athena?.hooks.event?.({ event: event as never });
  const tool = athena.hooks.tool?.athena_parallel;
  if (!tool) throw new Error("no tool");
  type Metadata = { run?: RunRecord; plan?: Plan } & Record<string, unknown>;
  const call = async (args: Record<string, unknown>, sessionID?: string) => {
    const result = await tool.execute(args as never, toolContext(hostDirectory ?? root, sessionID));
    if (typeof result === "string") return { title: "", output: result, metadata: {} as Metadata };
    return result as { title: string; output: string; metadata: Metadata };
  };
  let callId = 0;
  // One call id per tool call, the same for its before and after hooks, as the host does.
  const calls = new Map<string, string>();
  const before = (sessionID: string, toolName: string, args: object) => {
    const id = `c${++callId}`;
    calls.set(sessionID, id);
    return athena?.hooks["tool.execute.before"]?.(
      { tool: toolName, sessionID, callID: id },
      { args },
    );
  };
  const after = async (sessionID: string, toolName: string, args: object) => {
    const output = { title: "", output: "", metadata: {} };
    await athena?.hooks["tool.execute.after"]?.(
      { tool: toolName, sessionID, callID: calls.get(sessionID) ?? "", args },
      output,
    );
    return output.output;
  };
  const agent = {
    async read(sessionID: string, file: string): Promise<string> {
      const filePath = path.join(root, file);
      await before(sessionID, "read", { filePath });
      const text = readFileSync(filePath, "utf8");
      await after(sessionID, "read", { filePath });
      return text;
    },
    /** Resolves with the refusal message, or undefined when written. */
    async write(sessionID: string, file: string, content: string): Promise<string | undefined> {
      const filePath = path.join(root, file);
      try {
        await before(sessionID, "write", { filePath, content });
      } catch (error) {
        return (error as Error).message;
      }
      mkdirSync(path.dirname(filePath), { recursive: true });
      writeFileSync(filePath, content);
      await after(sessionID, "write", { filePath, content });
      return undefined;
    },
    /**
     * As BMAD's dev workflow leaves its story file: a task ticked and the status set to review,
     * with the edit tool, when the file is there.
     */
    async markStory(sessionID: string, key: string): Promise<void> {
      const file = `${STORIES_DIR}/${key}.md`;
      if (!existsSync(path.join(root, file))) return;
      if (readFileSync(path.join(root, file), "utf8").includes("- [ ]"))
        await agent.edit(sessionID, file, "- [ ]", "- [x]");
      await agent.edit(sessionID, file, "Status: ready-for-dev", "Status: review");
    },
    /** The edit tool: replaces `oldString` in the file as it is now; the refusal, if any. */
    async edit(
      sessionID: string,
      file: string,
      oldString: string,
      newString: string,
    ): Promise<string | undefined> {
      const filePath = path.join(root, file);
      const args = { filePath, oldString, newString };
      try {
        await before(sessionID, "edit", args);
      } catch (error) {
        return (error as Error).message;
      }
      writeFileSync(filePath, readFileSync(filePath, "utf8").replace(oldString, newString));
      await after(sessionID, "edit", args);
      return undefined;
    },
  };
  /**
   * Runs a shell command as the host's bash tool would: hooks around `bash -c` in the host's
   * directory (the root, unless given).
   */
  const bash = async (sessionID: string, command: string): Promise<string | undefined> => {
    const args = { command, description: "test" };
    try {
      await before(sessionID, "bash", args);
    } catch (error) {
      return (error as Error).message;
    }
    // Asynchronous, as the host runs it: other stories' commands run meanwhile.
    await promisify(execFile)("bash", ["-c", command], { cwd: hostDirectory ?? root });
    lastOutput.set(sessionID, await after(sessionID, "bash", args));
    return undefined;
  };
  /** What the hooks left in a session's last bash output (a clobber notice, or nothing). */
  const lastOutput = new Map<string, string>();
  return { athena, host, call, agent: { ...agent, bash, lastOutput }, root };
}

/** The story key a session was asked to implement, from the built-in prompt. */
export function keyOfWork(work: StartWork): string {
  return /\(([\w.-]+)\)/.exec(work.text)?.[1] ?? work.command?.arguments ?? "";
}

export const sprintText = (root: string) => readFileSync(path.join(root, SPRINT_FILE), "utf8");
export { setTimeout as sleep } from "node:timers/promises";
export { signal };

/**
 * The clobber: 1-1-a and 1-2-b both read NOTES.md (a file no story names), a then writes it
 * with the write tool, and b's script (`./rewrite.sh`) rewrites it whole, overwriting a's
 * change. `conflictStrategy: "manual"`, so the clobber is asked about. b's session then waits
 * for `bHolds` (default: it ends at once). Returns the harness and the started run's id.
 */
export async function clobberScenario(options: {
  ms: number;
  bHolds?: Promise<void>;
  /** What b's script does instead (it runs in the project's root). */
  script?: string;
}) {
  const root = projectWith(
    [
      { key: "1-1-a", writes: ["src/a.ts"] },
      { key: "1-2-b", writes: ["src/b.ts"] },
    ],
    { parallel: { conflictStrategy: "manual" } },
  );
  writeFileSync(path.join(root, "NOTES.md"), "# Notes\n");
  writeFileSync(
    path.join(root, "rewrite.sh"),
    `#!/bin/sh\n${options.script ?? "printf '# Notes\\nfrom b\\n' > NOTES.md"}\n`,
    {
      mode: 0o755,
    },
  );
  const step = { bRead: signal(), aWrote: signal() };
  const h = harness(root, (_w, key) => ({
    ms: options.ms,
    work: async (session) => {
      if (key === "1-1-a") {
        await h.agent.read(session, "NOTES.md");
        await step.bRead.fired;
        await h.agent.write(session, "NOTES.md", "# Notes\nfrom a\n");
        step.aWrote.fire();
      } else {
        await h.agent.read(session, "NOTES.md");
        step.bRead.fire();
        await step.aWrote.fired;
        await h.agent.bash(session, "./rewrite.sh");
        await options.bHolds;
      }
    },
  }));
  const started = await h.call({ action: "execute", storyIds: ["1-1-a", "1-2-b"] });
  return { root, h, runId: started.metadata.run?.id ?? "" };
}

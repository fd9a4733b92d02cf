/**
 * One end-to-end scenario: the scripted model, a temporary copy of a fixture, the real host
 * with this plugin, a parent session, and helpers to drive `/athena-parallel` and read what
 * the run left on disk. `stop()` stops every process by PID and removes the copy.
 */
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { loadRuns, type RunRecord } from "../src/run/state.ts";
import { agentScript, type StoryScript, storyOf } from "./agent-script.ts";
import { type ModelServer, startModelServer } from "./model-server.ts";
import { type Host, killAll, makeProject, startHost } from "./opencode.ts";

export interface Scenario {
  root: string;
  home: string;
  host: Host;
  model: ModelServer;
  parent: string;
  /** Runs `/athena-parallel ARGS` in a session and returns the tool's output. */
  command(args: string, session?: string): Promise<string>;
  run(): RunRecord | undefined;
  waitForRun(predicate: (run: RunRecord) => boolean, timeoutMs?: number): Promise<RunRecord>;
  busyChildren(): Promise<Array<{ id: string; title: string; status: string }>>;
  restartHost(): Promise<void>;
  sprint(): string;
  file(rel: string): string;
  stop(): Promise<void>;
}

export const SPRINT = "_bmad-output/implementation-artifacts/sprint-status.yaml";

export async function scenario(options: {
  fixture?: string;
  stories: Record<string, StoryScript>;
  athena?: object;
  /** The scripted model's price, USD per million tokens. */
  price?: { input: number; output: number };
}): Promise<Scenario> {
  let root = "";
  // One script for the whole scenario (it keeps per-story state), made once the copy exists.
  let script: ReturnType<typeof agentScript> | undefined;
  const model = await startModelServer((request) => {
    script ??= agentScript(root, options.stories);
    return script(request);
  }, storyOf);
  const project = makeProject({
    fixture: options.fixture ?? "demo-project",
    modelUrl: model.url,
    ...(options.athena ? { athena: options.athena } : {}),
    ...(options.price ? { price: options.price } : {}),
  });
  root = project.root;
  let host = await startHost(project.root, project.home);
  const parent = (await host.api<{ id: string }>("POST", "/session", { title: "parent" })).id;
  const children = new Map<string, string>();

  const self: Scenario = {
    root,
    home: project.home,
    get host() {
      return host;
    },
    model,
    parent,
    async command(args, session = parent) {
      const result = await host.api<{
        parts: Array<{ type: string; tool?: string; state?: { output?: string } }>;
      }>("POST", `/session/${session}/command`, { command: "athena-parallel", arguments: args });
      const tool = result.parts.find((p) => p.type === "tool" && p.tool === "athena_parallel");
      if (!tool) {
        const messages = await host.api<
          Array<{ parts: Array<{ type: string; tool?: string; state?: { output?: string } }> }>
        >("GET", `/session/${session}/message`);
        const last = messages
          .flatMap((m) => m.parts)
          .findLast((p) => p.type === "tool" && p.tool === "athena_parallel");
        return last?.state?.output ?? "";
      }
      return tool.state?.output ?? "";
    },
    run() {
      return loadRuns(root).runs.sort((a, b) => b.createdAt.localeCompare(a.createdAt))[0];
    },
    async waitForRun(predicate, timeoutMs = 90_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const run = self.run();
        if (run && predicate(run)) return run;
        if (Date.now() > deadline)
          throw new Error(
            `run not as expected after ${timeoutMs} ms: ${JSON.stringify(run?.stories.map((s) => [s.key, s.state]))}`,
          );
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    },
    async busyChildren() {
      const status = await host.api<Record<string, { type: string }>>("GET", "/session/status");
      const busy = Object.entries(status).filter(([, s]) => s.type !== "idle");
      for (const [id] of busy) {
        if (children.has(id)) continue;
        const info = await host.api<{ title: string; parentID?: string }>("GET", `/session/${id}`);
        children.set(id, info.parentID === parent ? info.title : "");
      }
      return busy
        .filter(([id]) => children.get(id))
        .map(([id, s]) => ({ id, title: children.get(id) ?? "", status: s.type }));
    },
    async restartHost() {
      await host.stop("SIGKILL");
      host = await startHost(root, project.home);
    },
    sprint: () => readFileSync(path.join(root, SPRINT), "utf8"),
    file: (rel) => readFileSync(path.join(root, rel), "utf8"),
    async stop() {
      await host.stop().catch(() => {});
      await model.close();
      killAll();
      project.cleanup();
    },
  };
  return self;
}

/** Lock directories left in `.athena/locks` (the sprint writer's included). */
export function locksLeft(root: string): string[] {
  try {
    return readdirSync(path.join(root, ".athena/locks")).filter((name) => name.endsWith(".lock"));
  } catch {
    return [];
  }
}

/**
 * One end-to-end scenario: the scripted model, a temporary copy of a fixture, the real host
 * with this plugin, a parent session, and helpers to drive `/athena-parallel` and read what
 * the run left on disk. `secondHost()` starts another host on the same project (a second
 * OpenCode process, as in a second terminal). `stop()` stops every process by PID and removes
 * the copy.
 */
import { mkdirSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { loadRuns, type RunRecord } from "../src/run/state.ts";
import { agentScript, type StoryScript, storyOf } from "./agent-script.ts";
import { type ModelServer, startModelServer } from "./model-server.ts";
import { type Host, killAll, makeProject, startHost } from "./opencode.ts";

/** A host on the scenario's project, with a parent session of its own. */
export interface HostSession {
  host: Host;
  parent: string;
  /** Runs `/athena-parallel ARGS` in a session of this host and returns the tool's output. */
  command(args: string, session?: string): Promise<string>;
}

export interface Scenario {
  root: string;
  home: string;
  host: Host;
  model: ModelServer;
  parent: string;
  /** Runs `/athena-parallel ARGS` in a session and returns the tool's output. */
  command(args: string, session?: string): Promise<string>;
  /** The latest run on disk, or the one with this id. */
  run(id?: string): RunRecord | undefined;
  waitForRun(
    predicate: (run: RunRecord) => boolean,
    timeoutMs?: number,
    id?: string,
  ): Promise<RunRecord>;
  /**
   * Starts another `opencode serve` process on the same project (its own port, the same HOME
   * and scripted model), stopped by PID with the rest.
   */
  secondHost(): Promise<HostSession>;
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
  /** More of opencode.json (`permission`, ...); a function is given the project's root. */
  opencode?: object | ((root: string) => object);
  /** A folder of the project (repo-relative) to start the host in, as `cd packages/api`. */
  hostFolder?: string;
  /** Make the project a git repository (default true). */
  git?: boolean;
}): Promise<Scenario> {
  let root = "";
  // One script for the whole scenario (it keeps per-story state), made once the copy exists.
  let script: ReturnType<typeof agentScript> | undefined;
  const model = await startModelServer((request) => {
    script ??= agentScript(root, options.stories, hostDirectory());
    return script(request);
  }, storyOf);
  const project = makeProject({
    fixture: options.fixture ?? "demo-project",
    modelUrl: model.url,
    ...(options.athena ? { athena: options.athena } : {}),
    ...(options.price ? { price: options.price } : {}),
    ...(options.opencode ? { opencode: options.opencode } : {}),
    ...(options.git === false ? { git: false } : {}),
  });
  root = project.root;
  const hostDirectory = () => path.join(root, options.hostFolder ?? "");
  mkdirSync(hostDirectory(), { recursive: true });
  let host = await startHost(hostDirectory(), project.home);
  const parent = (await host.api<{ id: string }>("POST", "/session", { title: "parent" })).id;
  const children = new Map<string, string>();
  const others: Host[] = [];

  const self: Scenario = {
    root,
    home: project.home,
    get host() {
      return host;
    },
    model,
    parent,
    command: (args, session = parent) => commandOn(host, session, args),
    run(id) {
      const runs = loadRuns(root).runs;
      if (id) return runs.find((r) => r.id === id);
      return runs.sort((a, b) => b.createdAt.localeCompare(a.createdAt))[0];
    },
    async waitForRun(predicate, timeoutMs = 90_000, id) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const run = self.run(id);
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
    async secondHost() {
      const other = await startHost(hostDirectory(), project.home);
      others.push(other);
      const session = (await other.api<{ id: string }>("POST", "/session", { title: "parent" })).id;
      return {
        host: other,
        parent: session,
        command: (args, on = session) => commandOn(other, on, args),
      };
    },
    async restartHost() {
      await host.stop("SIGKILL");
      host = await startHost(hostDirectory(), project.home);
    },
    sprint: () => readFileSync(path.join(root, SPRINT), "utf8"),
    file: (rel) => readFileSync(path.join(root, rel), "utf8"),
    async stop() {
      for (const h of [host, ...others]) await h.stop().catch(() => {});
      await model.close();
      killAll();
      project.cleanup();
    },
  };
  return self;
}

type Part = {
  type: string;
  tool?: string;
  callID?: string;
  state?: { status?: string; output?: string; error?: string };
};

/**
 * Runs `/athena-parallel ARGS` in `session` of `host` and returns the tool's output: the text
 * of this command's own call, once it has ended (an error as `error: ...`), never an earlier
 * call's nor an empty one. The turn's last message may hold no tool part (the model's answer
 * after it, or a note that woke the session meanwhile): the call is then found in the session.
 */
async function commandOn(host: Host, session: string, args: string): Promise<string> {
  const calls = async () =>
    (await host.api<Array<{ parts: Part[] }>>("GET", `/session/${session}/message`))
      .flatMap((m) => m.parts)
      .filter((p) => p.type === "tool" && p.tool === "athena_parallel");
  const before = new Set((await calls()).map((p) => p.callID));
  const result = await host.api<{ parts: Part[] }>("POST", `/session/${session}/command`, {
    command: "athena-parallel",
    arguments: args,
  });
  const text = (p: Part) =>
    p.state?.status === "error" ? `error: ${p.state.error ?? ""}` : (p.state?.output ?? "");
  const ended = (p: Part) => p.state?.status === "completed" || p.state?.status === "error";
  let own = result.parts.find((p) => p.type === "tool" && p.tool === "athena_parallel");
  for (const deadline = Date.now() + 30_000; !own || !ended(own); ) {
    own = (await calls()).findLast((p) => !before.has(p.callID));
    if (own && ended(own)) break;
    if (Date.now() > deadline)
      throw new Error(
        `/athena-parallel ${args}: no ended call of the tool (${own?.state?.status})`,
      );
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return text(own);
}

/** Lock directories left in `.athena/locks` (the sprint writer's included). */
export function locksLeft(root: string): string[] {
  try {
    return readdirSync(path.join(root, ".athena/locks")).filter((name) => name.endsWith(".lock"));
  } catch {
    return [];
  }
}

/**
 * OpenCode started in a folder below the project's root (a package of a monorepo): the plugin
 * works on the project above, as the CLI does, while the story sessions run where the host
 * runs and name their files from there.
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import type { PluginInput } from "@opencode-ai/plugin";
import { describe, expect, it } from "vitest";
import { projectOfHost } from "../src/athena.ts";
import { hostProjectRoot } from "../src/bmad/project-root.ts";
import plugin from "../src/index.ts";
import { WriteGuard } from "../src/run/guard.ts";
import { FileLocks } from "../src/run/locks.ts";
import { harness, projectWith, SPRINT_FILE } from "./helpers/athena-harness.ts";
import { tempProject } from "./helpers/tmp.ts";
import { toolContext } from "./helpers/tool-context.ts";

const ENV = (root: string) => ({
  HOME: path.join(root, "no-home"),
  XDG_CONFIG_HOME: path.join(root, "no-global"),
});

describe("the project of a host started in a subfolder", () => {
  const subfolder = (root: string, rel = "packages/api") => {
    const dir = path.join(root, rel);
    mkdirSync(dir, { recursive: true });
    return dir;
  };

  it("is the folder itself when it has a marker or is a BMAD project", () => {
    const root = tempProject({ ".git/HEAD": "ref\n", "packages/api/opencode.json": "{}" });
    const api = path.join(root, "packages/api");
    expect(hostProjectRoot(api, () => false)).toBe(api);
    const plain = subfolder(root, "packages/web");
    expect(hostProjectRoot(plain, (dir) => dir === plain)).toBe(plain);
  });

  it("is the folder above whose marker is BMAD's, or whose BMAD files are found", () => {
    const bmad = tempProject({ "_bmad/core/config.yaml": "x: 1\n" });
    expect(hostProjectRoot(subfolder(bmad), () => false)).toBe(bmad);
    const repo = tempProject({ ".git/HEAD": "ref\n" });
    expect(hostProjectRoot(subfolder(repo), (dir) => dir === repo)).toBe(repo);
  });

  it("is the BMAD root above the sprint file's folder, and above a package's own opencode.json", () => {
    const root = tempProject({
      "_bmad/core/config.yaml": "x: 1\n",
      ".git/HEAD": "ref\n",
      "_bmad-output/implementation-artifacts/sprint-status.yaml": "development_status: {}\n",
      "apps/web/opencode.json": "{}",
    });
    const sprintFolder = path.join(root, "_bmad-output/implementation-artifacts");
    // That folder's own files are found there too: the root is the project all the same.
    expect(hostProjectRoot(sprintFolder, () => true)).toBe(root);
    expect(hostProjectRoot(subfolder(root, "apps/web/src"), () => false)).toBe(root);
  });

  it("stops at a repository's root", () => {
    const outer = tempProject({ "_bmad/core/config.yaml": "x: 1\n" });
    const inner = path.join(outer, "vendor/lib");
    mkdirSync(path.join(inner, ".git"), { recursive: true });
    expect(hostProjectRoot(subfolder(inner, "src"), () => false)).toBe(path.join(inner, "src"));
  });

  it("stays the folder when the one above is a repository without BMAD files", () => {
    const repo = tempProject({ ".git/HEAD": "ref\n" });
    const api = subfolder(repo);
    expect(hostProjectRoot(api, () => false)).toBe(api);
  });

  it("finds the sprint file of the project above, with its athena.json", () => {
    const root = projectWith([{ key: "1-1-a", writes: ["src/a.ts"] }]);
    mkdirSync(path.join(root, ".git"));
    const api = subfolder(root);
    expect(projectOfHost(api, undefined, ENV(root))).toBe(root);
    expect(projectOfHost(root, undefined, ENV(root))).toBe(root);
  });

  it("lets the plugin plan the project above the host's folder", async () => {
    const root = projectWith([{ key: "1-1-a", writes: ["src/a.ts"] }]);
    const api = subfolder(root);
    const logged: string[] = [];
    const client = {
      app: { log: async (m: { body: { message: string } }) => logged.push(m.body.message) },
    };
    const hooks = await plugin.server({ directory: api, client } as unknown as PluginInput);
    expect(logged).toContain(`project root: ${root} (OpenCode runs in ${api}, a folder below it)`);
    const result = await hooks.tool?.athena_parallel?.execute(
      { action: "dryRun" } as never,
      toolContext(api),
    );
    const output = typeof result === "string" ? result : (result?.output ?? "");
    expect(output).toContain("1-1-a");
    expect(output).not.toContain("refused");
  });

  it("says before a run that each story's session will ask to reach the root, when no repository holds it", async () => {
    const root = projectWith([{ key: "1-1-a", writes: ["src/a.ts"] }]);
    const api = subfolder(root);
    const client = { app: { log: async () => {} } };
    /** The dry run's output of a plugin started in `api`, given the host's worktree and config. */
    const dryRun = async (worktree: string, hostConfig: Record<string, unknown> = {}) => {
      const input = { directory: api, worktree, client } as unknown as PluginInput;
      const hooks = await plugin.server(input);
      await hooks.config?.(hostConfig as never);
      const result = await hooks.tool?.athena_parallel?.execute(
        { action: "dryRun" } as never,
        toolContext(api),
      );
      return typeof result === "string" ? result : (result?.output ?? "");
    };
    // "/": the host's answer when no repository holds its folder.
    const asked = await dryRun("/");
    expect(asked).toMatch(
      /^Before you run: OpenCode runs in `packages\/api`, below the project's root/,
    );
    expect(asked).toContain(`"external_directory":{"${root}/**":"allow"}`);
    // A repository at the root holds every story's files: nothing to say.
    expect(await dryRun(root)).not.toContain("Before you run");
    // Nor when opencode.json lets the sessions reach the root.
    const allowed = { permission: { external_directory: { [`${root}/**`]: "allow" } } };
    expect(await dryRun("/", allowed)).not.toContain("Before you run");
  });
});

describe("a run whose host is in a subfolder", () => {
  it("names the story file from the session's folder and places its relative writes there", async () => {
    const root = projectWith([{ key: "1-1-a", writes: ["packages/api/src/x.ts"] }]);
    const api = path.join(root, "packages/api");
    mkdirSync(api, { recursive: true });
    const prompts: string[] = [];
    const h = harness(
      root,
      (work) => {
        prompts.push(work.text);
        return {
          ms: 50,
          work: async (session) => {
            // A write tool given a path relative to the host's folder, and a shell command
            // run there with no workdir: both are the package's files.
            const args = { filePath: "src/x.ts", content: "export {};\n" };
            const call = { tool: "write", sessionID: session, callID: "w1" };
            await h.athena.hooks["tool.execute.before"]?.(call, { args });
            mkdirSync(path.join(api, "src"), { recursive: true });
            writeFileSync(path.join(api, "src/x.ts"), args.content);
            await h.athena.hooks["tool.execute.after"]?.(
              { ...call, args },
              { title: "", output: "", metadata: {} },
            );
            await h.agent.bash(session, "echo note > NOTES.md");
          },
        };
      },
      {},
      50,
      api,
    );
    const started = await h.call({ action: "execute", storyIds: ["1-1-a"] });
    const run = await h.athena.engine.waitFor(started.metadata.run?.id ?? "");
    expect(prompts[0]).toContain(
      "The story file is `../../_bmad-output/implementation-artifacts/1-1-a.md`",
    );
    expect(run.stories[0]?.wroteFiles).toEqual(
      expect.arrayContaining(["packages/api/src/x.ts", "packages/api/NOTES.md"]),
    );
    expect(run.stories[0]?.state).toBe("completed");
    expect(readFileSync(path.join(root, SPRINT_FILE), "utf8")).toContain("1-1-a: review");
  });
});

describe("what a story's session in a subfolder is told", () => {
  it("names a refused file from the session's folder, as its tools resolve it", async () => {
    const root = tempProject({ "README.md": "# app\n" });
    const api = path.join(root, "packages/api");
    mkdirSync(api, { recursive: true });
    const guard = new WriteGuard({
      root,
      cwd: api,
      locks: new FileLocks({ root }),
      lockWaitMs: 0,
      isShared: () => false,
    });
    const holder = { run: "run-20260101-000000-abcdef", story: "1-1-a" };
    guard.afterRead("1-1-a", "../../README.md");
    writeFileSync(path.join(root, "README.md"), "# app, as another story left it\n");
    await expect(guard.beforeWrite(holder, ["README.md"])).rejects.toThrow(
      "Not written: `../../README.md` changed since you last read it.",
    );
  });
});

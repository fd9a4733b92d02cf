/**
 * athena-parallel never runs git: the user commits, branches and merges. Every process the
 * plugin could start goes through node:child_process, which is wrapped here to record each call
 * during a whole run (with autoRunTests on, so something is spawned), and the sources are
 * checked so no other way to start a process (Bun's `$`, `Bun.spawn`) creeps in.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { describe, expect, it, vi } from "vitest";

const spawned: string[] = [];
vi.mock("node:child_process", async (importOriginal) => {
  const actual = await importOriginal<typeof import("node:child_process")>();
  const record =
    <F extends (...args: never[]) => unknown>(name: string, fn: F) =>
    (...args: Parameters<F>) => {
      spawned.push(`${name} ${JSON.stringify(args.slice(0, 2))}`);
      return fn(...args);
    };
  return {
    ...actual,
    spawn: record("spawn", actual.spawn),
    spawnSync: record("spawnSync", actual.spawnSync),
    exec: record("exec", actual.exec),
    execSync: record("execSync", actual.execSync),
    execFile: record("execFile", actual.execFile),
    execFileSync: record("execFileSync", actual.execFileSync),
    fork: record("fork", actual.fork),
  };
});

const { harness, projectWith } = await import("./helpers/athena-harness.ts");

describe("no git, ever", () => {
  it("spawns nothing but the configured test command during a whole run", async () => {
    const stories = [
      { key: "1-1-a", writes: ["src/a.ts"] },
      { key: "1-2-b", writes: ["src/b.ts"] },
    ];
    const h = harness(projectWith(stories), () => ({ ms: 30 }), {
      autoRunTests: true,
      testCommand: 'node -e "process.exit(0)"',
      conflictStrategy: "coordinate",
    });
    await h.call({ action: "dryRun" });
    const started = await h.call({ action: "execute", storyIds: ["1.1", "1.2"] });
    await h.athena.engine.waitFor(started.metadata.run?.id ?? "");
    await h.call({ action: "status" });
    // Two spawns: the shell that runs the command, and its watcher (run/test-command.ts).
    expect(spawned).toHaveLength(2);
    const [command, watcher] = spawned.map((s) => JSON.parse(s.slice("spawn ".length)));
    expect(command).toEqual(["/bin/sh", ["-c", 'node -e "process.exit(0)"']]);
    expect(watcher[0]).toBe("/bin/sh");
    expect(watcher[1].slice(-2)[0]).toBe("athena-test-watcher");
    expect(watcher[1].at(-1)).toMatch(/^\d+$/); // the command's process group
    expect(spawned.join("\n")).not.toMatch(/\bgit\b/);
    const summary = h.host.notes.find((n) => n.wake)?.text ?? "";
    expect(summary).toContain('Combined test run (`node -e "process.exit(0)"`): PASSED.');
  });

  it("has no other way to start a process in its sources", () => {
    const root = path.resolve(import.meta.dirname, "../src");
    const files: string[] = [];
    const walk = (dir: string) => {
      for (const name of readdirSync(dir)) {
        const full = path.join(dir, name);
        if (statSync(full).isDirectory()) walk(full);
        else if (full.endsWith(".ts")) files.push(full);
      }
    };
    walk(root);
    const offenders = files.filter((file) => {
      const text = readFileSync(file, "utf8");
      return (
        /Bun\.spawn|\binput\.\$|\$`|from "node:child_process"/.test(text) &&
        !file.endsWith(path.join("run", "test-command.ts"))
      );
    });
    expect(offenders).toEqual([]);
    // The spawns left run the user's own test command and its watcher, both through the
    // shell, never a fixed program.
    const runner = readFileSync(path.join(root, "run", "test-command.ts"), "utf8");
    expect(runner.match(/spawn\(/g)).toHaveLength(2);
    expect(runner.match(/spawn\("\/bin\/sh", \[/g)).toHaveLength(2);
  });
});

import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { processAlive } from "../src/run/locks.ts";
import { runTestCommand } from "../src/run/test-command.ts";
import { pidIn, startWorker } from "./helpers/spawn.ts";
import { tempDir } from "./helpers/tmp.ts";

describe("the project's test command (autoRunTests)", () => {
  it("passes or fails on its exit code, with the tail of its output, run in the project", async () => {
    const dir = tempDir();
    const passed = await runTestCommand("echo ok-$(basename $PWD); exit 0", dir, 60_000);
    expect(passed).toEqual({ ok: true, tail: `ok-${path.basename(dir)}` });
    const failed = await runTestCommand("echo 1 failing >&2; exit 3", dir, 60_000);
    expect(failed).toEqual({ ok: false, tail: "1 failing" });
  });

  it("stops a command that runs past its limit, with what it started, and says so", async () => {
    const dir = tempDir();
    // A watch mode of sorts: a child in the background, the shell waiting on it.
    const result = await runTestCommand(
      "echo watching; sleep 60 & echo $! > child.pid; wait",
      dir,
      300,
    );
    expect(result.ok).toBe(false);
    expect(result.tail).toBe(
      "watching\n(stopped: still running after 0.3 s, parallel.testTimeoutMinutes)",
    );
    const child = Number(readFileSync(path.join(dir, "child.pid"), "utf8"));
    await expect.poll(() => processAlive(child), { timeout: 10_000 }).toBe(false);
  });

  it("ends with the process that started it, killed while the command runs", async () => {
    const dir = tempDir();
    const pidFile = path.join(dir, "command.pid");
    const worker = startWorker("test-command", [`echo $$ > command.pid; exec sleep 300`, dir]);
    await worker.waitFor("running");
    await expect.poll(() => pidIn(pidFile), { timeout: 10_000 }).toBeGreaterThan(0);
    const command = pidIn(pidFile);
    expect(processAlive(command)).toBe(true);
    worker.child.kill("SIGKILL"); // no exit handler runs: as OpenCode killed or stopped
    await worker.done;
    await expect.poll(() => processAlive(command), { timeout: 15_000 }).toBe(false);
  });
});

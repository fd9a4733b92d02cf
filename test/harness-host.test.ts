/**
 * The real-host runner's process handling (harness/opencode.ts), on a plain child process: a
 * host that died of a signal (SIGTERM from outside, the OOM killer) must not make `stop()`
 * throw `kill ESRCH` in a test's clean-up.
 */
import { spawn } from "node:child_process";
import { once } from "node:events";
import { describe, expect, it } from "vitest";
import { hasEnded, stopChild } from "../harness/opencode.ts";

const sleeper = () => spawn(process.execPath, ["-e", "setTimeout(() => {}, 30000)"]);

describe("harness: stopping a host", () => {
  it("leaves alone a child that died of a signal, whose exitCode stays null", async () => {
    const child = sleeper();
    const exit = once(child, "exit");
    process.kill(child.pid ?? 0, "SIGTERM");
    await exit;
    expect(child.exitCode).toBeNull();
    expect(hasEnded(child)).toBe(true);
    await expect(stopChild(child)).resolves.toBeUndefined();
  });

  it("stops a live child and waits for its end", async () => {
    const child = sleeper();
    expect(hasEnded(child)).toBe(false);
    await stopChild(child);
    expect(child.signalCode).toBe("SIGTERM");
  });
});

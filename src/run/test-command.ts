/**
 * The project's test command, run once a run's stories have all ended (`autoRunTests`): its
 * result and the tail of its output. Bounded in time: a command that never ends (a watch
 * mode, a test waiting on input) would hold the run's summary back for ever; past the limit
 * it is stopped with everything it started (its own process group), and said so.
 */
import { spawn } from "node:child_process";

export interface TestResult {
  ok: boolean;
  /** The output's last lines (stdout and stderr as they came). */
  tail: string;
}

/** How long a stopped command's group has to end on SIGTERM before SIGKILL. */
const GRACE_MS = 5_000;

export function runTestCommand(command: string, cwd: string, limitMs: number): Promise<TestResult> {
  return new Promise((resolve) => {
    // Its own process group (detached), so that a stop reaches what the shell started too.
    const child = spawn(command, {
      cwd,
      shell: true,
      detached: true,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    let stopped = false;
    const keep = (chunk: Buffer) => {
      output = (output + chunk.toString()).slice(-20_000);
    };
    const signalGroup = (signal: NodeJS.Signals) => {
      try {
        if (child.pid !== undefined) process.kill(-child.pid, signal);
      } catch {
        // already gone
      }
    };
    let kill: NodeJS.Timeout | undefined;
    const limit = setTimeout(() => {
      stopped = true;
      signalGroup("SIGTERM");
      kill = setTimeout(() => signalGroup("SIGKILL"), GRACE_MS);
      kill.unref();
    }, limitMs);
    limit.unref();
    child.stdout?.on("data", keep);
    child.stderr?.on("data", keep);
    child.on("error", (error) => {
      clearTimeout(limit);
      resolve({ ok: false, tail: String(error) });
    });
    child.on("close", (code) => {
      clearTimeout(limit);
      if (kill) clearTimeout(kill);
      const tail = output.split("\n").slice(-30).join("\n").trim();
      resolve(
        stopped
          ? {
              ok: false,
              tail: `${tail}${tail ? "\n" : ""}(stopped: still running after ${duration(limitMs)}, parallel.testTimeoutMinutes)`,
            }
          : { ok: code === 0, tail },
      );
    });
  });
}

function duration(ms: number): string {
  const m = ms / 60_000;
  return m >= 1 ? `${Number(m.toFixed(2))} min` : `${Number((ms / 1000).toFixed(1))} s`;
}

/**
 * The project's test command, run once a run's stories have all ended (`autoRunTests`): its
 * result and the tail of its output. Bounded in time: a command that never ends (a watch
 * mode, a test waiting on input) would hold the run's summary back for ever; past the limit
 * it is stopped with everything it started (its own process group), and said so. It also
 * ends with the process that started it: OpenCode stopped or killed while the tests run runs
 * no dispose hook (measured), and a watch mode left behind would hold its ports and CPU.
 */
import { spawn } from "node:child_process";

export interface TestResult {
  ok: boolean;
  /** The output's last lines (stdout and stderr as they came). */
  tail: string;
}

/** How long a stopped command's group has to end on SIGTERM before SIGKILL. */
const GRACE_MS = 5_000;

/**
 * The watcher of a command's process group (`$1`): its own process, reading a pipe this
 * process holds open. A line ("done") once the command has ended lets it go; the end of the
 * pipe without one means this process is gone, and the group is stopped as the time limit stops
 * it. Nothing polls: the kernel closes the pipe however this process ends. A process of its
 * own, on stdin, not a fourth pipe of the command's shell: on the real host, a fourth pipe left
 * the parent session's next turn hanging, busy for ever, about one run in eight under load
 * (none in 16 runs with the watcher apart, as now).
 */
const WATCHER = `if read -r _; then exit 0; fi
kill -TERM -"$1" 2>/dev/null; sleep ${GRACE_MS / 1000}; kill -KILL -"$1" 2>/dev/null`;

export function runTestCommand(command: string, cwd: string, limitMs: number): Promise<TestResult> {
  return new Promise((resolve) => {
    // Its own process group (detached), so that a stop reaches what the shell started too.
    const child = spawn("/bin/sh", ["-c", command], {
      cwd,
      detached: true,
      stdio: ["ignore", "pipe", "pipe"],
    });
    // Its own group too: stopping the command's group leaves it, and it outlives this process.
    const watcher =
      child.pid === undefined
        ? undefined
        : spawn("/bin/sh", ["-c", WATCHER, "athena-test-watcher", String(child.pid)], {
            detached: true,
            stdio: ["pipe", "ignore", "ignore"],
          });
    // A watcher that could not start (no process left to fork) leaves the time limit alone.
    watcher?.on("error", () => {});
    watcher?.stdin?.on("error", () => {}); // already gone: nothing to tell
    watcher?.unref();
    const release = () => watcher?.stdin?.end("done\n");
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
      release();
      resolve({ ok: false, tail: String(error) });
    });
    child.on("exit", release);
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

/**
 * Runs shell commands as the host's bash tool does (`bash -c <command>` in a new process), but
 * from a helper shell rather than from the measuring process itself.
 *
 * Why: Node's `execFileSync` forks the measuring process, and after a fork every page that
 * process writes takes a copy-on-write fault (measured here: 2,048 pages touched after a
 * command, 0.02 ms before a fork, 2.4 ms after). The host (Bun) starts commands with `vfork`,
 * which leaves its memory alone, so those faults would be charged to the plugin's hooks though
 * the host never pays them. The helper shell forks instead; the command's own time is the same.
 */
import { type ChildProcessWithoutNullStreams, spawn } from "node:child_process";

const DONE = "\u0001athena-bench-done";

export class CommandRunner {
  private readonly shell: ChildProcessWithoutNullStreams;
  private buffer = "";
  private waiting: ((status: number) => void) | undefined;

  constructor(cwd: string) {
    this.shell = spawn("bash", ["--noprofile", "--norc"], { cwd });
    this.shell.stdout.on("data", (chunk: Buffer) => {
      this.buffer += chunk.toString();
      const match = new RegExp(`${DONE} (\\d+)\\n`).exec(this.buffer);
      if (!match) return;
      this.buffer = this.buffer.slice(match.index + match[0].length);
      const resolve = this.waiting;
      this.waiting = undefined;
      resolve?.(Number(match[1]));
    });
  }

  /** Runs `command` with `bash -c` in the runner's folder; rejects when it fails. */
  async run(command: string): Promise<void> {
    if (this.waiting) throw new Error("CommandRunner runs one command at a time");
    const quoted = `'${command.replaceAll("'", `'\\''`)}'`;
    const status = await new Promise<number>((resolve) => {
      this.waiting = resolve;
      this.shell.stdin.write(`bash -c ${quoted} >/dev/null; printf '${DONE} %d\\n' $?\n`);
    });
    if (status !== 0) throw new Error(`\`${command}\` exited with ${status}`);
  }

  /** Stops the helper shell (by its PID). */
  stop(): void {
    if (this.shell.pid !== undefined && this.shell.exitCode === null)
      process.kill(this.shell.pid, "SIGTERM");
  }
}

import { type ChildProcess, spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import path from "node:path";
import { afterEach } from "vitest";
import { REPO } from "./tmp.ts";

const started: ChildProcess[] = [];
afterEach(() => {
  // Every process a test starts is stopped by its PID, even when the test failed.
  for (const child of started.splice(0)) {
    if (child.exitCode === null && child.pid) {
      try {
        process.kill(child.pid, "SIGKILL");
      } catch {
        // Already gone.
      }
    }
  }
});

export interface Worker {
  child: ChildProcess;
  /** Resolves with the first stdout line that contains `text`. */
  waitFor(text: string): Promise<string>;
  /** Resolves with the exit code and everything printed. */
  done: Promise<{ code: number | null; out: string; err: string }>;
}

/** Starts `test/workers/<name>.ts` in a new Node process (TypeScript through tsx). */
export function startWorker(name: string, args: string[]): Worker {
  const child = spawn(
    process.execPath,
    ["--import", "tsx", path.join(REPO, "test/workers", `${name}.ts`), ...args],
    {
      cwd: REPO,
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  started.push(child);
  let out = "";
  let err = "";
  const waiters: Array<{ text: string; resolve: (line: string) => void }> = [];
  child.stdout?.on("data", (chunk: Buffer) => {
    out += chunk.toString();
    for (const waiter of [...waiters]) {
      const line = out.split("\n").find((l) => l.includes(waiter.text));
      if (line !== undefined) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve(line);
      }
    }
  });
  child.stderr?.on("data", (chunk: Buffer) => {
    err += chunk.toString();
  });
  const done = new Promise<{ code: number | null; out: string; err: string }>((resolve) => {
    child.on("exit", (code) => resolve({ code, out, err }));
  });
  return {
    child,
    done,
    waitFor: (text) =>
      new Promise((resolve, reject) => {
        const line = out.split("\n").find((l) => l.includes(text));
        if (line !== undefined) return resolve(line);
        waiters.push({ text, resolve });
        done.then(({ code }) =>
          reject(new Error(`worker ${name} exited (${code}) before "${text}": ${err}`)),
        );
      }),
  };
}

/** The pid a command wrote to `file` (`echo $$ > file`), or 0 before it has. */
export function pidIn(file: string): number {
  try {
    return Number(readFileSync(file, "utf8"));
  } catch {
    return 0;
  }
}

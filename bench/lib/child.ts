/** Runs one of the `*-once.ts` scripts in a new process and returns the JSON it prints. */
import { spawnSync } from "node:child_process";
import path from "node:path";

export function once<T>(script: string, args: string[]): T {
  const result = spawnSync(
    process.execPath,
    ["--import", "tsx", path.join(import.meta.dirname, script), ...args],
    { encoding: "utf8", maxBuffer: 64 * 1024 * 1024 },
  );
  if (result.status !== 0) throw new Error(`${script} failed:\n${result.stderr}`);
  return JSON.parse(result.stdout) as T;
}

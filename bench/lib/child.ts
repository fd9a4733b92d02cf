/** Runs one of the `*-once.ts` scripts in a new process and returns the JSON it prints. */
import { spawn, spawnSync } from "node:child_process";
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

/** The same without blocking, so that several such processes can run at once. */
export function onceAsync<T>(script: string, args: string[], nodeArgs: string[] = []): Promise<T> {
  const child = spawn(
    process.execPath,
    [...nodeArgs, "--import", "tsx", path.join(import.meta.dirname, script), ...args],
    { stdio: ["ignore", "pipe", "pipe"] },
  );
  let out = "";
  let err = "";
  child.stdout.on("data", (chunk: Buffer) => {
    out += chunk.toString();
  });
  child.stderr.on("data", (chunk: Buffer) => {
    err += chunk.toString();
  });
  return new Promise((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (code) => {
      if (code !== 0) reject(new Error(`${script} failed:\n${err}`));
      else resolve(JSON.parse(out) as T);
    });
  });
}

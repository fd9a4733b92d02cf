import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach } from "vitest";

const made: string[] = [];
afterEach(() => {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A temporary folder removed after the test. */
export function tempDir(prefix = "athena-test-"): string {
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  made.push(dir);
  return dir;
}

/** Writes `files` (path -> content) under a new temporary folder. */
export function tempProject(files: Record<string, string>): string {
  const dir = tempDir();
  for (const [rel, content] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    writeFileSync(path.join(dir, rel), content);
  }
  return dir;
}

export const REPO = path.resolve(import.meta.dirname, "../..");

/** A copy of a fixture project, so tests may write `.athena/` in it. */
export function copyFixture(name: string): string {
  const dir = path.join(tempDir(), name);
  cpSync(path.join(REPO, "fixtures", name), dir, { recursive: true });
  return dir;
}

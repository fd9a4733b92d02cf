/**
 * A cheap picture of the project's files (size and modification time of each), taken before
 * and after a shell command whose writes could not be known before it ran, to find what it
 * changed. Folders that are never a story's work are not walked: `.git`, `.athena`,
 * `node_modules` and the like.
 */
import { type Dirent, lstatSync, readdirSync, statSync } from "node:fs";
import path from "node:path";

export type FileState = { size: number; mtimeMs: number };
export type Snapshot = Map<string, FileState>;

/** A regular file's size and mtime (undefined: gone, or not a regular file). */
export function fileState(file: string): FileState | undefined {
  try {
    const stat = lstatSync(file);
    return stat.isFile() ? { size: stat.size, mtimeMs: stat.mtimeMs } : undefined;
  } catch {
    return undefined;
  }
}

/** Folders no story writes by hand: their churn (installs, builds, caches) is not a story's. */
export const SKIPPED_FOLDERS = new Set([
  ".git",
  ".athena",
  ".opencode",
  "node_modules",
  ".venv",
  "venv",
  "__pycache__",
  ".pytest_cache",
  ".mypy_cache",
  ".next",
  ".turbo",
  ".cache",
  "target",
]);

/** Every file under `root` (repo-relative, posix), but in the skipped folders. */
export function takeSnapshot(root: string): Snapshot {
  const out: Snapshot = new Map();
  const walk = (dir: string, rel: string) => {
    let entries: Dirent[];
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const entry of entries) {
      const child = rel ? `${rel}/${entry.name}` : entry.name;
      if (entry.isDirectory()) {
        if (!SKIPPED_FOLDERS.has(entry.name)) walk(path.join(dir, entry.name), child);
      } else if (entry.isFile()) {
        try {
          const stat = statSync(path.join(dir, entry.name));
          out.set(child, { size: stat.size, mtimeMs: stat.mtimeMs });
        } catch {
          // gone meanwhile
        }
      }
    }
  };
  walk(root, "");
  return out;
}

/** Files created, changed (size or time) or deleted between two snapshots. */
export function changedBetween(before: Snapshot, after: Snapshot): string[] {
  const changed: string[] = [];
  for (const [file, now] of after) {
    const was = before.get(file);
    if (!was || was.size !== now.size || was.mtimeMs !== now.mtimeMs) changed.push(file);
  }
  for (const file of before.keys()) if (!after.has(file)) changed.push(file);
  return changed.sort();
}

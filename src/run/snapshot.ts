/**
 * A cheap picture of the project's files (size and modification time of each), taken before
 * and after a shell command whose writes could not be known before it ran, to find what it
 * changed. Folders that are never a story's work are not walked: `.git`, `.athena`,
 * `node_modules` and the like.
 */
import { type Dirent, lstatSync, readdirSync } from "node:fs";
import path from "node:path";

export type FileState = { size: number; mtimeMs: number };
export type Snapshot = Map<string, FileState>;

/** A regular file's size and mtime (undefined: gone, or not a regular file). */
export function fileState(file: string): FileState | undefined {
  try {
    // No exception for a missing file: building one cost more than the stat (measured).
    const stat = lstatSync(file, { throwIfNoEntry: false });
    return stat?.isFile() ? { size: stat.size, mtimeMs: stat.mtimeMs } : undefined;
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

/**
 * One folder's content (repo-relative, posix): its subfolders but the skipped ones, and its
 * regular files with their state. Empty when the folder cannot be read (gone meanwhile).
 */
export function readFolder(
  root: string,
  rel: string,
): { folders: string[]; files: Array<[string, FileState]> } {
  const out = { folders: [] as string[], files: [] as Array<[string, FileState]> };
  let entries: Dirent[];
  try {
    entries = readdirSync(path.join(root, rel), { withFileTypes: true });
  } catch {
    return out;
  }
  for (const entry of entries) {
    const child = rel ? `${rel}/${entry.name}` : entry.name;
    if (entry.isDirectory()) {
      if (!SKIPPED_FOLDERS.has(entry.name)) out.folders.push(child);
    } else if (entry.isFile()) {
      const state = fileState(path.join(root, child));
      if (state) out.files.push([child, state]);
    }
  }
  return out;
}

/** Every file under `root` (repo-relative, posix), but in the skipped folders. */
export function takeSnapshot(root: string): Snapshot {
  const out: Snapshot = new Map();
  const walk = (rel: string) => {
    const { folders, files } = readFolder(root, rel);
    for (const [file, state] of files) out.set(file, state);
    for (const folder of folders) walk(folder);
  };
  walk("");
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

/**
 * BMAD's own files: the sprint file, the story files, the planning documents, the `_bmad`
 * folders (and our `.athena`). Stories are not in conflict over them (every story ticks its own
 * story file; the sprint file has its own writer), so they are never claims and never locked.
 */
import path from "node:path";
import type { BmadFiles } from "./discover.ts";

export function bmadArtefactTest(files: BmadFiles | undefined): (repoPath: string) => boolean {
  const sprintDir = files ? path.posix.dirname(files.sprintStatus) : ".";
  const docs = new Set(files?.planningDocs ?? []);
  const storyDirs = [files?.storiesDir ?? ".", sprintDir]
    .filter((d) => d !== ".")
    .map((d) => `${d}/`);
  return (p) =>
    p === files?.sprintStatus ||
    path.posix.basename(p) === "sprint-status.yaml" ||
    /^(_bmad[^/]*|\.bmad|\.athena)(\/|$)/.test(p) ||
    docs.has(p) ||
    (p.endsWith(".md") && storyDirs.some((dir) => p.startsWith(dir))) ||
    storyDirs.includes(p);
}

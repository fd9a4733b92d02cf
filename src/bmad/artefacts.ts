/**
 * BMAD's own files: the sprint file, the story files, the planning documents, BMAD as
 * installed (and our `.athena`). Stories are not in conflict over them (every story ticks its
 * own story file; the sprint file has its own writer), so they are never claims and never
 * locked.
 */
import path from "node:path";
import type { BmadFiles } from "./discover.ts";

export function bmadArtefactTest(files: BmadFiles | undefined): (repoPath: string) => boolean {
  const sprintDir = files ? path.posix.dirname(files.sprintStatus) : ".";
  const docs = new Set(files?.planningDocs ?? []);
  const storyDirs = [files?.storiesDir ?? ".", sprintDir, ...(files?.moreStoryDirs ?? [])]
    .filter((d) => d !== ".")
    .map((d) => `${d}/`);
  return (p) =>
    p === files?.sprintStatus ||
    path.posix.basename(p) === "sprint-status.yaml" ||
    /^\.athena(\/|$)/.test(p) ||
    isBmadInstall(p) ||
    docs.has(p) ||
    (p.endsWith(".md") && storyDirs.some((dir) => p.startsWith(dir))) ||
    storyDirs.includes(p);
}

/**
 * BMAD as its installer lays it out: its own folders (`_bmad/`, `_bmad-output/`, v4's
 * `.bmad-core/` and expansion packs `.bmad-*`), and what it installs into each AI tool's
 * folder, always under a name starting with `bmad` (`.claude/commands/BMad/`,
 * `.agents/skills/bmad-dev-story/`, `.opencode/agent/bmad-master.md`,
 * `.github/agents/bmad-agent-dev.agent.md`). Stories list those as read ("the create-story
 * skill was read in full"), and a tool folder's `data/` is no place for a story's new file.
 */
export function isBmadInstall(p: string): boolean {
  return (
    /^[_.]bmad[^/]*(\/|$)/.test(p) || /^\.[^/]+\/(?:[^/]+\/)*bmad(?:[-_.][^/]*)?(\/|$)/i.test(p)
  );
}

/** A tiny stable-layout BMAD project written from strings, for CLI and tool tests. */
import { tempProject } from "./tmp.ts";

export const SPRINT_TEXT = `# STATUS DEFINITIONS: every comment survives
project: mini
development_status:
  epic-1: in-progress
  1-1-alpha: ready-for-dev
  1-2-beta: ready-for-dev
  1-3-gamma: ready-for-dev
`;

const story = (title: string, body: string) =>
  `# Story ${title}\n\nStatus: ready-for-dev\n\n## Tasks / Subtasks\n\n${body}\n`;

export function miniProject(extra: Record<string, string> = {}): string {
  return tempProject({
    "_bmad-output/implementation-artifacts/sprint-status.yaml": SPRINT_TEXT,
    "_bmad-output/implementation-artifacts/1-1-alpha.md": story(
      "1.1: Alpha",
      "- [ ] Edit `src/shared.ts`",
    ),
    "_bmad-output/implementation-artifacts/1-2-beta.md": story(
      "1.2: Beta",
      "- [ ] Edit `src/shared.ts`",
    ),
    "_bmad-output/implementation-artifacts/1-3-gamma.md": story(
      "1.3: Gamma",
      "- [x] Edit `src/gamma.ts`",
    ),
    "src/shared.ts": "export {};\n",
    ...extra,
  });
}

/**
 * The project a command run inside it belongs to: the nearest folder, from the current one up,
 * that holds a project marker, as git finds its repository. Run from `docs/sprint-artifacts/`,
 * the CLI took that folder for the project: it missed `.bmad/` and the architecture, and kept
 * a second `.athena/` (locks included) there.
 */
import { existsSync } from "node:fs";
import path from "node:path";

/**
 * What a project root holds, and this module's readers look for there: athena.json and
 * `.opencode/` (config/load.ts), opencode.json (the plugin's host), BMAD's install folders and
 * default output (`_bmad/`, `.bmad/`, `_bmad-output/`, bmad/discover.ts) and a repository.
 */
export const PROJECT_MARKERS = [
  "athena.json",
  "opencode.json",
  "opencode.jsonc",
  ".opencode",
  "_bmad",
  ".bmad",
  "_bmad-output",
  ".git",
];

/**
 * `.athena/` marks a project too, but only where no other marker is found further up: the
 * CLI used to create one in whatever folder it ran from, so a stray one may sit in a subfolder.
 */
const WEAK_MARKER = ".athena";

export interface FoundRoot {
  root: string;
  /** The marker that made it the root. */
  marker: string;
}

/**
 * The nearest folder at or above `start` with a marker, or undefined. `home` (the user's home
 * folder) is passed over unless the walk starts there: it holds `.opencode/` (OpenCode's own
 * install) and often a `.git` of dotfiles, which would make every project under it one.
 */
export function findProjectRoot(start: string, home?: string): FoundRoot | undefined {
  const from = path.resolve(start);
  const skipped = home === undefined || path.resolve(home) === from ? "" : path.resolve(home);
  let weak: FoundRoot | undefined;
  for (let dir = from; ; dir = path.dirname(dir)) {
    if (dir !== skipped && !isMarkerFolder(dir)) {
      const marker = PROJECT_MARKERS.find((name) => existsSync(path.join(dir, name)));
      if (marker) return { root: dir, marker };
      if (!weak && existsSync(path.join(dir, WEAK_MARKER)))
        weak = { root: dir, marker: WEAK_MARKER };
    }
    if (path.dirname(dir) === dir) return weak;
  }
}

/** True for a marker folder itself (`.opencode/`, `_bmad/`): a project's part, never its root. */
function isMarkerFolder(dir: string): boolean {
  const name = path.basename(dir);
  return name === WEAK_MARKER || PROJECT_MARKERS.includes(name);
}

/** The markers that say BMAD itself works from a folder: its install and default output. */
const BMAD_MARKERS = ["athena.json", "_bmad", ".bmad", "_bmad-output"];

/**
 * The project OpenCode works on when started in `directory`. Started in a package of a
 * monorepo (`packages/api/`), in the folder of the sprint file or any folder below the
 * project's root, the host's directory is that folder, while the sprint file, athena.json and
 * `.athena/` are at the root: the CLI finds them by walking up, and the plugin does the same.
 * From the folder up, the first that is BMAD's: one with a BMAD marker, or with another marker
 * (`opencode.json`, `.opencode/`, `.git`) where `isBmadProject` finds its files; the walk ends
 * at a repository's root. None: the folder itself. The home folder is passed over, as in
 * findProjectRoot.
 */
export function hostProjectRoot(
  directory: string,
  isBmadProject: (root: string) => boolean,
  home?: string,
): string {
  const from = path.resolve(directory);
  const skipped = home === undefined || path.resolve(home) === from ? "" : path.resolve(home);
  for (let dir = from; ; dir = path.dirname(dir)) {
    if (dir !== skipped && !isMarkerFolder(dir)) {
      const has = (name: string) => existsSync(path.join(dir, name));
      if (BMAD_MARKERS.some(has)) return dir;
      // A repository's root ends the walk: the folder itself is the project, whatever it
      // holds, unless the root above it has the BMAD files (asked only then: it costs a search).
      if (has(".git")) return dir !== from && isBmadProject(dir) ? dir : from;
      if (PROJECT_MARKERS.some(has) && isBmadProject(dir)) return dir;
    }
    if (path.dirname(dir) === dir) return from;
  }
}

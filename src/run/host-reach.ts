/**
 * Whether the host lets a story's session reach the whole project without asking the user.
 *
 * OpenCode started in a folder below the project (`cd packages/api && opencode`) works on the
 * project above it (bmad/project-root.ts), and its sessions run in that folder. The host lets a
 * session read and write, without asking, inside its folder and inside the git repository that
 * holds it. With no repository holding the project's root, every read or write outside the
 * folder (the story file, `src/` at the root) asks the `external_directory` permission, and a
 * background story's session waits for the user's answer (measured on the real host: the story
 * stays running until it is answered). This says so before a run, with the two ways out.
 */
import path from "node:path";

type Action = "ask" | "allow" | "deny";

export interface HostReach {
  /** The project's root. */
  root: string;
  /** Where OpenCode runs: its sessions' folder. */
  hostDirectory: string;
  /** The host's project folder (its git repository's root); "/" when there is none. */
  worktree?: string | undefined;
  /** opencode.json's `permission`, as the host's `config` hook gives it. */
  permission?: unknown;
  home?: string;
}

/** The notice to give before a run, or undefined when every story's session reaches the root. */
export function hostReachNotice(reach: HostReach): string | undefined {
  const root = path.resolve(reach.root);
  const host = path.resolve(reach.hostDirectory);
  if (inside(root, host)) return undefined;
  const worktree = reach.worktree ? path.resolve(reach.worktree) : undefined;
  // "/" is the host's answer when no repository holds its folder: it then holds nothing.
  if (worktree && worktree !== path.parse(worktree).root && inside(root, worktree))
    return undefined;
  if (externalDirectoryAction(reach.permission, path.join(root, "*"), reach.home) === "allow")
    return undefined;
  const folder = path.relative(root, host) || ".";
  const rule = JSON.stringify({ external_directory: { [`${root}/**`]: "allow" } });
  return `OpenCode runs in \`${folder}\`, below the project's root \`${root}\`, and no git repository holds the root: the host asks your permission (external_directory) before a session reads or writes outside \`${folder}\`, so each story's session will wait for your answer. To let them run on their own, start OpenCode at the root, or allow the project in opencode.json: \`"permission": ${rule}\`.`;
}

/**
 * The host's answer to `external_directory` for `pattern`, from opencode.json's `permission`:
 * a string answers every permission; an object's entries are rules, each a permission name (or
 * `*`) with an answer or with patterns and their answers. As the host does, the last rule that
 * matches wins, and a pattern's `*` spans folders. Nothing set: "ask", the host's default.
 */
export function externalDirectoryAction(
  permission: unknown,
  pattern: string,
  home?: string,
): Action {
  if (isAction(permission)) return permission;
  let answer: Action = "ask";
  if (!permission || typeof permission !== "object") return answer;
  for (const [name, value] of Object.entries(permission)) {
    if (!wildcard(name).test("external_directory")) continue;
    if (isAction(value)) answer = value;
    else if (value && typeof value === "object")
      for (const [glob, action] of Object.entries(value))
        if (isAction(action) && wildcard(expandHome(glob, home)).test(pattern)) answer = action;
  }
  return answer;
}

function isAction(value: unknown): value is Action {
  return value === "ask" || value === "allow" || value === "deny";
}

/** The host's wildcard: `*` any run of characters, `/` included; `?` one character. */
function wildcard(glob: string): RegExp {
  const body = glob
    .split("")
    .map((c) => (c === "*" ? ".*" : c === "?" ? "." : c.replace(/[.+^${}()|[\]\\]/g, "\\$&")))
    .join("");
  // Ended by a lookahead, not a dollar sign before the closing backtick: test/no-git.test.ts
  // reads that pair as a shell call.
  return new RegExp(`^${body}(?![\\s\\S])`, "s");
}

function expandHome(glob: string, home: string | undefined): string {
  if (!home) return glob;
  if (glob === "~" || glob.startsWith("~/")) return home + glob.slice(1);
  if (glob.startsWith("$HOME")) return home + glob.slice("$HOME".length);
  return glob;
}

/** Whether `child` is `parent` or below it. */
function inside(child: string, parent: string): boolean {
  const relative = path.relative(parent, child);
  return (
    relative === "" ||
    (relative !== ".." && !relative.startsWith(`..${path.sep}`) && !path.isAbsolute(relative))
  );
}

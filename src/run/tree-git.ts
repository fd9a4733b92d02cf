/**
 * Git commands that change the whole working tree, its branches or its history: `git stash`,
 * `git checkout BRANCH`, `git switch`, `git reset --hard`, `git clean`, `git merge`, `git pull`,
 * `git commit`, `git push`, `git branch NAME`... A story's agent may reach for one to start
 * afresh, to test on a clean tree or to save its work; but every story of a run works in the
 * one tree, so such a command takes away, mixes in or commits the other stories' work in
 * progress (and the user's own), and branches and commits are the user's to make, as the
 * story's prompt says. Each is refused in a story's session. Reading (`git status`, `git diff`,
 * `git log`) is not one of them, nor putting back named files (`git checkout -- f`,
 * `git restore f`): those are locked and journaled as any write (run/shell.ts).
 */

/** The first of `commands` (shell.ts's lines, one per simple command) that is one; else undefined. */
export function treeWideGit(commands: readonly string[]): string | undefined {
  for (const line of commands) {
    const words = line.split(/\s+/).filter(Boolean);
    if (words[0] !== "git") continue;
    // git's own options before its command: `-C dir`, `-c key=value`, `--no-pager`.
    let at = 1;
    while ((words[at] ?? "").startsWith("-"))
      at += words[at] === "-C" || words[at] === "-c" ? 2 : 1;
    if (changesTree(words[at], words.slice(at + 1))) return line;
  }
  return undefined;
}

/** The options of `git branch` and `git tag` that list (their words are patterns or commits). */
const LISTS =
  /^(?:-[lavr]+|--(?:list|all|remotes|verbose|contains|no-contains|merged|no-merged|points-at|format|sort|show-current|column|no-column)(?:=.*)?)$/;

function changesTree(command: string | undefined, rest: readonly string[]): boolean {
  switch (command) {
    case "stash":
      return !["list", "show"].includes(rest[0] ?? "");
    case "checkout":
      // With `--`, the words after it are files to put back: not the tree.
      return !rest.includes("--");
    case "reset":
      // A mode, or a commit to move the branch to (`HEAD~1`, `abc1234`); `git reset` and
      // `git reset HEAD file` only unstage.
      return rest.some(
        (a) => /^--(hard|soft|mixed|merge|keep)$/.test(a) || /[~^]|^[0-9a-f]{7,40}$/.test(a),
      );
    case "clean":
      return !rest.some((a) => a === "-n" || a === "--dry-run" || /^-[a-z]*n/.test(a));
    case "branch":
    case "tag":
      // Deleting, moving or copying changes them; a name alone makes one. Listing is reading
      // (`git branch -a`, `git tag -l 'v*'`, `git branch --contains HEAD`): its words are
      // patterns and commits.
      if (rest.some((a) => /^-(?:[dDmMcCfF]|-delete|-move|-copy|-force)$/.test(a))) return true;
      // `git tag -a v1`, `-s`: an annotated or signed tag made.
      if (command === "tag" && rest.some((a) => /^-(?:[asu]|-annotate|-sign)$/.test(a)))
        return true;
      if (rest.some((a) => LISTS.test(a))) return false;
      return rest.some((a) => !a.startsWith("-"));
    case "commit":
    case "push":
    case "switch":
    case "merge":
    case "rebase":
    case "pull":
    case "cherry-pick":
    case "revert":
    case "am":
      return true;
    default:
      return false;
  }
}

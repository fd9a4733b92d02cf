import { execFileSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { treeWideGit } from "../src/run/tree-git.ts";
import { harness, projectWith, signal } from "./helpers/athena-harness.ts";

describe("treeWideGit", () => {
  it("finds the git commands that change the whole tree or its branch", () => {
    for (const line of [
      "git stash",
      "git stash push -m wip",
      "git stash pop",
      "git checkout main",
      "git checkout .",
      "git checkout -b feature",
      "git switch main",
      "git reset --hard",
      "git reset --hard HEAD~1",
      "git clean -fd",
      "git merge feature",
      "git pull",
      "git rebase main",
      "git cherry-pick abc123",
      "git -C . --no-pager stash",
      "git -c user.name=x reset --keep",
      "git commit -am wip",
      "git push",
      "git branch feature",
      "git branch -D old",
      "git tag v1",
      "git tag -d v1",
      "git tag -a v1 -m release",
      "git reset HEAD~1",
      "git reset --soft HEAD~1",
      "git reset abc1234",
    ])
      expect(treeWideGit([line]), line).toBe(line);
  });

  it("lets pass what reads, or puts back named files, or only unstages", () => {
    for (const line of [
      "git status",
      "git diff",
      "git log --oneline",
      "git stash list",
      "git stash show",
      "git checkout -- src/a.ts",
      "git checkout HEAD -- src/a.ts",
      "git restore src/a.ts",
      "git reset",
      "git reset HEAD src/a.ts",
      "git clean -n",
      "git clean -fdn",
      "git add src/a.ts",
      "git branch",
      "git branch -a",
      "git branch --show-current",
      "git tag -l",
      "git tag -l v*",
      "git tag --points-at HEAD",
      "git branch --contains HEAD",
      "git branch --list feat*",
      "git branch --merged main",
      "git branch -vv",
      "git reset HEAD",
      "echo git stash",
    ])
      expect(treeWideGit([line]), line).toBeUndefined();
  });

  it("finds one among the command's others", () => {
    expect(treeWideGit(["npm test", "git stash", "npm test"])).toBe("git stash");
  });
});

describe("a story's tree-wide git command", () => {
  it("is refused before it runs; a file put back by name is not", async () => {
    const root = projectWith([{ key: "1-1-a", writes: ["src/a.ts"] }]);
    const git = (...args: string[]) => execFileSync("git", args, { cwd: root, stdio: "pipe" });
    git("init", "-q", ".");
    git("-c", "user.email=t@t", "-c", "user.name=t", "add", "-A");
    git("-c", "user.email=t@t", "-c", "user.name=t", "commit", "-qm", "start");
    writeFileSync(path.join(root, "NOTES.md"), "uncommitted work\n");
    const told: Array<string | undefined> = [];
    const done = signal();
    const h = harness(root, () => ({
      ms: 0,
      work: async (session) => {
        told.push(await h.agent.bash(session, "git stash"));
        told.push(await h.agent.bash(session, "git status --short > /dev/null"));
        done.fire();
      },
    }));
    const started = await h.call({ action: "execute", storyIds: ["1.1"] });
    await done.fired;
    await h.athena.engine.waitFor(started.metadata.run?.id ?? "");
    expect(told[0]).toMatch(
      /^Not run: `git stash` changes the whole working tree, its branches or its history/,
    );
    expect(told[0]).toContain("None of this command ran.");
    expect(told[1]).toBeUndefined();
    expect(readFileSync(path.join(root, "NOTES.md"), "utf8")).toBe("uncommitted work\n");
    expect(git("stash", "list").toString()).toBe("");
  });
});

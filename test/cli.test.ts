import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it, vi } from "vitest";
import { findProjectRoot } from "../src/bmad/project-root.ts";
import { HELP, runCli } from "../src/cli/main.ts";
import { asUserError, InputError } from "../src/util/errors.ts";
import { runCliCaptured } from "./helpers/cli.ts";
import { miniProject, SPRINT_TEXT } from "./helpers/mini-project.ts";
import { REPO, tempDir, tempProject } from "./helpers/tmp.ts";

const SPRINT = "_bmad-output/implementation-artifacts/sprint-status.yaml";

/**
 * A folder whose writes the file system refuses, as a read-only checkout's are: chmod cannot
 * make one when the tests run as root, so `mkdirSync` under `denied` fails with EACCES here.
 */
const fsFaults = vi.hoisted(() => ({ denied: undefined as string | undefined }));
vi.mock("node:fs", async (importOriginal) => {
  const fs = await importOriginal<typeof import("node:fs")>();
  const mkdirSync = ((dir: string, options?: object) => {
    if (fsFaults.denied && String(dir).startsWith(fsFaults.denied))
      throw Object.assign(new Error(`EACCES: permission denied, mkdir '${dir}'`), {
        code: "EACCES",
        errno: -13,
        syscall: "mkdir",
        path: String(dir),
      });
    return fs.mkdirSync(dir, options);
  }) as typeof fs.mkdirSync;
  return { ...fs, mkdirSync, default: { ...fs, mkdirSync } };
});

const run = (args: string[], cwd: string) => runCliCaptured(args, cwd);

describe("athena-parallel plan", () => {
  it("exits 1 and reports the conflict when two stories write one file", async () => {
    const dir = miniProject();
    const { code, out } = await run(["plan", "1.1", "1.2", "--dir", dir], "/");
    expect(code).toBe(1);
    expect(out).toContain(
      "**file** (blocks, 85% sure) 1.1 (1-1-alpha) <-> 1.2 (1-2-beta): both write `src/shared.ts` (1-1-alpha 85%, task/write/path; 1-2-beta 85%, task/write/path)",
    );
    expect(out).toContain(
      "_bmad-output/implementation-artifacts/1-1-alpha.md:7 (Tasks / Subtasks)",
    );
  });

  it("exits 0 when no file conflict remains, and proposes a batch without ids", async () => {
    const dir = miniProject();
    expect((await run(["plan", "1.1", "1.3"], dir)).code).toBe(0);
    const proposed = await run(["plan", "--json", "--cap", "2"], dir);
    const plan = JSON.parse(proposed.out);
    expect(plan.mode).toBe("proposed");
    expect(plan.schedule.cap).toBe(2);
    expect(plan.schedule.batchNow).toEqual(["1-1-alpha", "1-3-gamma"]);
    expect(plan.schedule.waves).toEqual([["1-1-alpha", "1-3-gamma"], ["1-2-beta"]]);
  });

  it("prints JSON with the documented shape", async () => {
    const dir = miniProject();
    const plan = JSON.parse((await run(["plan", "1.1", "1.2", "--json"], dir)).out);
    expect(Object.keys(plan).sort()).toEqual(
      [
        "conflicts",
        "findings",
        "format",
        "mode",
        "schedule",
        "sources",
        "stories",
        "warnings",
      ].sort(),
    );
    expect(plan.format).toBe(2);
    expect(plan.stories[0]).toMatchObject({
      key: "1-1-alpha",
      id: "1.1",
      title: "Alpha",
      status: "ready-for-dev",
      file: "_bmad-output/implementation-artifacts/1-1-alpha.md",
      role: "in-batch",
      claims: [
        {
          path: "src/shared.ts",
          kind: "file",
          intent: "write",
          origin: "story",
          evidence: {
            file: "_bmad-output/implementation-artifacts/1-1-alpha.md",
            section: "Tasks / Subtasks",
            line: 7,
          },
        },
      ],
    });
    expect(plan.conflicts[0]).toMatchObject({
      kind: "file",
      stories: ["1-1-alpha", "1-2-beta"],
      paths: ["src/shared.ts"],
    });
  });

  it("prints a Mermaid graph", async () => {
    const out = (await run(["plan", "1.1", "1.2", "--mermaid"], miniProject())).out;
    expect(out).toMatch(/^graph LR\n/);
    expect(out).toContain('s_1_1_alpha["1.1: Alpha"]');
    expect(out).toContain("s_1_1_alpha <-. file .-> s_1_2_beta");
    expect((await run(["plan", "1.1", "1.2", "--mermaid"], miniProject())).err).toBe("");
  });

  it("says on stderr why a diagram is empty, keeping stdout a diagram", async () => {
    const dir = miniProject({
      "_bmad-output/implementation-artifacts/sprint-status.yaml":
        "development_status:\n  1-1-alpha: done\n  1-2-beta: done\n  1-3-gamma: backlog\n",
    });
    for (const flag of ["--gantt", "--mermaid"]) {
      const { code, out, err } = await run(["plan", flag], dir);
      expect(code).toBe(0);
      expect(out).toMatch(flag === "--gantt" ? /^gantt\n/ : /^graph LR\n/);
      expect(err).toBe("athena-parallel: No story is `ready-for-dev`: nothing to plan.\n");
    }
  });

  it("exits 2 on an unknown story, naming the close matches, and writes nothing", async () => {
    const dir = miniProject();
    const { code, err } = await run(["plan", "1-2-bta"], dir);
    expect(code).toBe(2);
    expect(err).toContain('unknown story "1-2-bta"');
    expect(err).toContain("close matches: 1-2-beta");
    // The parse cache is written only once the stories named are known (it made .athena/).
    expect(existsSync(path.join(dir, ".athena"))).toBe(false);
    expect((await run(["plan", "1.2"], dir)).code).toBe(0);
    expect(existsSync(path.join(dir, ".athena", "cache", "sprint"))).toBe(true);
  });

  it("claims no parallelism when nothing can start, and says why", async () => {
    const headline = (out: string) => out.split("\n")[3];
    const none = miniProject({
      [SPRINT]: SPRINT_TEXT.replaceAll(": ready-for-dev", ": backlog"),
    });
    expect(headline((await run(["plan"], none)).out)).toBe(
      "No story is `ready-for-dev`: nothing to plan.",
    );
    // Named stories with no story file: both blocked, nothing starts.
    const missing = miniProject({
      [SPRINT]: `${SPRINT_TEXT}  1-4-delta: ready-for-dev\n  1-5-eps: ready-for-dev\n`,
    });
    const blocked = await run(["plan", "1.4", "1.5"], missing);
    expect(blocked.out).toContain("- nothing can start now");
    expect(headline(blocked.out)).toBe(
      "No story can start now: both are blocked (see the schedule).",
    );
    expect(headline((await run(["plan", "1.3", "1.4"], missing)).out)).toBe(
      "No file conflict among the stories that can start; 1 blocked (see the schedule).",
    );
    expect(headline((await run(["plan", "1.1", "1.3"], missing)).out)).toBe(
      "No file conflict: every story can run in parallel.",
    );
    // The only story planned writes a file a story in progress writes: that story is named.
    const running = miniProject({
      [SPRINT]: SPRINT_TEXT.replace("1-1-alpha: ready-for-dev", "1-1-alpha: in-progress"),
    });
    expect(headline((await run(["plan", "1.2"], running)).out)).toBe(
      "No story can start now: 1.1 is in progress outside this batch and writes files the planned stories write (see the schedule).",
    );
    // More stories than the cap: the later ones wait for a slot, as the headline says.
    expect(headline((await run(["plan", "1.1", "1.3", "--cap", "1"], missing)).out)).toBe(
      "No file conflict: any of them can run together; the cap lets 1 run at a time, the others start as slots free.",
    );
  });

  it("gives the critical path's work in tasks, one or more", async () => {
    const dir = miniProject();
    expect((await run(["plan", "1.1"], dir)).out).toContain("(about 1 task of work end to end)");
    // 1.1 and 1.2 both edit src/shared.ts: one after the other.
    expect((await run(["plan", "1.1", "1.2"], dir)).out).toContain(
      "(about 2 tasks of work end to end)",
    );
  });

  it("names each close match once, and only close ones", async () => {
    const dir = miniProject();
    // "2" starts a word of the key 1-2-beta and is its id's last part: one story, named once.
    const two = await run(["plan", "2"], dir);
    expect(two.err).toContain(
      'unknown story "2": no story key or id matches it; close matches: 1-2-beta\n',
    );
    // "pha" is inside "alpha", by chance: no suggestion.
    const pha = await run(["plan", "pha"], dir);
    expect(pha).toMatchObject({ code: 2 });
    expect(pha.err).toContain('unknown story "pha": no story key or id matches it\n');
    // A key the file has that is no story's: said as such, at its line.
    const other = miniProject({ [SPRINT]: `${SPRINT_TEXT}  mu-s01-invitations: done\n` });
    const line = `${SPRINT_TEXT}  mu-s01-invitations: done\n`.split("\n").length - 1;
    expect(await run(["plan", "mu-s01-invitations"], other)).toMatchObject({
      code: 2,
      err: `athena-parallel: ${SPRINT}:${line}: "mu-s01-invitations" is in the sprint file but is neither a story key ({epic}-{story}-{slug}) nor a story file's name, so there is no story to plan\n`,
    });
    // A story key whose entry was skipped for want of a status: said as such, at its line.
    const statusless = miniProject({ [SPRINT]: `${SPRINT_TEXT}  1-3-gamma:\n    epic: 1\n` });
    const at = SPRINT_TEXT.split("\n").length;
    const gamma = await run(["plan", "1-3-gamma"], statusless);
    expect(gamma.code).toBe(2);
    expect(gamma.err).toContain(
      `athena-parallel: ${SPRINT}:${at}: "1-3-gamma" is in the sprint file, but its entry has no status string (\`1-3-gamma: ready-for-dev\`, or a \`status:\` field), so it was skipped\n`,
    );
  });

  it("exits 2 on a sprint file that does not parse, names file:line:col, and writes nothing", async () => {
    const dir = miniProject();
    const broken = SPRINT_TEXT.replace("  1-2-beta: ready-for-dev", "  1-2-beta: [ready-for-dev");
    writeFileSync(path.join(dir, SPRINT), broken);
    const { code, err } = await run(["plan", "1.1"], dir);
    expect(code).toBe(2);
    expect(err).toMatch(
      new RegExp(`${SPRINT.replaceAll(".", "\\.")}:\\d+:\\d+: sprint-status\\.yaml does not parse`),
    );
    expect(readFileSync(path.join(dir, SPRINT), "utf8")).toBe(broken);
    // Asked for JSON, stdout gets the error as JSON (stderr still has the line).
    const json = await run(["plan", "1.1", "--json"], dir);
    expect(json.code).toBe(2);
    expect(json.err).toBe(err);
    const { error } = JSON.parse(json.out);
    expect(error).toMatchObject({ exitCode: 2, file: SPRINT });
    expect(error.message).toMatch(/^sprint-status\.yaml does not parse/);
    expect(`${error.file}:${error.line}:${error.column}: ${error.message}`).toBe(
      err.replace(/^athena-parallel: /, "").trim(),
    );
    expect(readFileSync(path.join(dir, SPRINT), "utf8")).toBe(broken);
  });

  it("exits 2 on bad flags, naming the flag and where its help is, not printing all of it", async () => {
    const hint = "run `athena-parallel plan --help` for its options\n";
    expect((await run(["plan", "--cap", "0"], miniProject())).code).toBe(2);
    expect((await run(["plan", "--json", "--mermaid"], miniProject())).code).toBe(2);
    expect(await run(["plan", "--frobnicate"], miniProject())).toMatchObject({
      code: 2,
      out: "",
      err: `athena-parallel: unknown option --frobnicate\n${hint}`,
    });
    // A negative value is the option's value, checked as such (Node called it ambiguous).
    expect((await run(["plan", "--cap", "-1"], miniProject())).err).toBe(
      `athena-parallel: --cap expects a whole number from 1 to 16, got "-1"\n${hint}`,
    );
    expect((await run(["status", "--dir"], "/")).err).toBe(
      "athena-parallel: --dir expects a value\nrun `athena-parallel status --help` for its options\n",
    );
    expect((await run(["mark", "1.1"], miniProject())).err).toBe(
      "athena-parallel: usage: athena-parallel mark <story> <status> [--force] [--dir DIR]\nrun `athena-parallel mark --help` for its options\n",
    );
    const unknown = await run(["pln"], "/");
    expect(unknown).toMatchObject({ code: 2, out: "" });
    expect(unknown.err).toContain('unknown command "pln"; did you mean "plan"?');
    expect(unknown.err).not.toContain("Usage:");
  });

  it("prints help on stdout when asked (exit 0), on stderr when the command is missing (exit 2), and the version", async () => {
    expect(await run(["--help"], "/")).toMatchObject({ code: 0, out: HELP, err: "" });
    expect(await run(["help"], "/")).toMatchObject({ code: 0, out: HELP, err: "" });
    expect(await run([], "/")).toMatchObject({ code: 2, out: "", err: HELP });
    const { version } = JSON.parse(readFileSync(path.join(REPO, "package.json"), "utf8"));
    expect(await run(["--version"], "/")).toMatchObject({ code: 0, out: `${version}\n` });
  });

  it("gives each command its own help, listing every option it takes", async () => {
    const options: Record<string, string[]> = {
      plan: ["--json", "--mermaid", "--gantt", "--cap N", "--no-cache"],
      accuracy: ["--json", "--tree FILE", "--no-history", "--learn-first SHARE", "--seed N"],
      mark: [],
      locks: ["--json", "--release-stale"],
      status: ["--json", "--watch"],
      cancel: ["--wait-seconds N"],
      diff: ["--run ID"],
      revert: ["--run ID"],
      versions: [],
    };
    for (const [command, flags] of Object.entries(options)) {
      const help = await run([command, "--help"], "/");
      expect(help).toMatchObject({ code: 0, err: "" });
      expect(help.out).toMatch(new RegExp(`^Usage: athena-parallel ${command} `));
      for (const flag of ["--dir DIR", ...flags]) expect(help.out).toContain(`\n  ${flag}`);
      expect((await run(["help", command], "/")).out).toBe(help.out);
    }
  });

  it("says where it looked when there is no sprint file", async () => {
    const dir = tempProject({ "athena.json": "{}\n", "src/x.ts": "" });
    const { code, err } = await run(["plan"], path.join(dir, "src"));
    expect(code).toBe(2);
    expect(err).toContain(`${dir}: no sprint-status.yaml found; looked for`);
    expect(err).not.toContain("found elsewhere");
    expect(err).not.toContain("BMAD v4");
    // A BMAD v4 project keeps numbered stories and no sprint file: the user is told how to plan it.
    const v4 = tempProject({
      "docs/stories/1.1.first-thing.md": "# Story 1.1\n\n## Status\n\nDone\n",
      "docs/stories/1.2.second-thing.md": "# Story 1.2\n\n## Status\n\nDraft\n",
      "docs/stories/notes.md": "",
    });
    const v4err = (await run(["plan"], v4)).err;
    expect(v4err).toContain(
      "docs/stories/ holds 2 story files (1.1.first-thing.md...), BMAD v4's layout, which keeps no sprint file",
    );
    expect(v4err).toContain("write docs/sprint-status.yaml");
    // ...also when each epic has a folder and the files begin with `story-`.
    const v4epics = tempProject({
      "docs/stories/epic-16/story-16.4b-automated-run.md": "# Story 16.4b\n",
    });
    expect((await run(["plan"], v4epics)).err).toContain(
      "docs/stories/ holds 1 story file (story-16.4b-automated-run.md...)",
    );
    // Story files of BMAD's own names where it writes them, the sprint file not committed.
    const unplanned = tempProject({
      "_bmad-output/implementation-artifacts/1-1-first-thing.md": "# Story 1.1\n",
      "_bmad-output/implementation-artifacts/1-2-second-thing.md": "# Story 1.2\n",
      "_bmad-output/implementation-artifacts/epic-1-context.md": "# Epic 1\n",
    });
    expect((await run(["plan"], unplanned)).err).toContain(
      "; _bmad-output/implementation-artifacts/ holds 2 story files (1-1-first-thing.md...) but no sprint file: BMAD's sprint-planning workflow writes one beside them",
    );
    // Only where a sprint file beside them would be found: not a `stories/` folder at the
    // root, nor an archive.
    const elsewhere = tempProject({
      "stories/1-1-first-thing.md": "# Story 1.1\n",
      "docs/archive/1-2-second-thing.md": "# Story 1.2\n",
    });
    expect((await run(["plan"], elsewhere)).err).not.toContain("but no sprint file");
    // Nor a dated note in one of those places (`2026-04-25_design-spec.md`), no story 2026-04.
    const dated = tempProject({ "docs/specs/2026-04-25_design-spec.md": "## Status: Final\n" });
    expect((await run(["plan"], dated)).err).not.toContain("but no sprint file");
    // One kept outside the usual places is named, with how to plan it.
    const legacy = tempProject({ "bmad-legacy/sprint-status.yaml": "development_status: {}\n" });
    expect((await run(["plan"], legacy)).err).toContain(
      "found elsewhere: bmad-legacy/sprint-status.yaml (set bmad.paths.sprintStatus in athena.json to plan one)",
    );
    // ...and one a course keeps six folders down.
    const nested =
      "courses/2026/lab/toolshop/_bmad-output/implementation-artifacts/sprint-status.yaml";
    expect(
      (await run(["plan"], tempProject({ [nested]: "development_status: {}\n" }))).err,
    ).toContain(`found elsewhere: ${nested} (set`);
    // A sprint page in Markdown is named as what it is, beside the story hint.
    const page = tempProject({
      "docs/sprint-artifacts/sprint-status.md": "# Sprint\n\n| 1.1 First thing | done |\n",
      "docs/sprint-artifacts/1-1-first-thing.md": "# Story 1.1\n",
    });
    const pageErr = (await run(["plan"], page)).err;
    expect(pageErr).toContain(
      "; docs/sprint-artifacts/sprint-status.md is Markdown: the sprint file is YAML, a `development_status:` map",
    );
    expect(pageErr).toContain("docs/sprint-artifacts/ holds 1 story file");
    // Not BMAD's own sprint-status command or workflow.
    for (const command of [
      ".claude/commands/bmad/bmm/workflows/sprint-status.md",
      "_bmad/bmm/workflows/sprint-status.md",
    ]) {
      mkdirSync(path.join(page, path.dirname(command)), { recursive: true });
      writeFileSync(path.join(page, command), "Show `1-2-login: done` keys\n");
    }
    expect((await run(["plan"], page)).err).toContain(
      "; docs/sprint-artifacts/sprint-status.md is Markdown",
    );
    rmSync(path.join(page, "docs/sprint-artifacts/sprint-status.md"));
    expect((await run(["plan"], page)).err).not.toContain("is Markdown");
    // ...and one renamed `.yml`, which the setting plans.
    const renamed = tempProject({
      ".docs/requirements/sprint-status.yml": "development_status:\n  1-1-first-thing: backlog\n",
    });
    for (const worktree of [
      ".claude/worktrees/feat/_bmad-output/implementation-artifacts",
      ".worktrees/feat/_bmad-output/implementation-artifacts",
    ]) {
      mkdirSync(path.join(renamed, worktree), { recursive: true });
      writeFileSync(path.join(renamed, worktree, "sprint-status.yaml"), "development_status: {}\n");
    }
    expect((await run(["plan"], renamed)).err).toContain(
      "found elsewhere: .docs/requirements/sprint-status.yml (set",
    );
    writeFileSync(
      path.join(renamed, "athena.json"),
      JSON.stringify({ bmad: { paths: { sprintStatus: ".docs/requirements/sprint-status.yml" } } }),
    );
    expect((await run(["plan", "--json"], renamed)).code).toBe(0);
  });
});

describe("athena-parallel mark", () => {
  it("sets a status by typed id and keeps every other byte", async () => {
    const dir = miniProject();
    const { code, out } = await run(["mark", "1.2", "in-progress", "--dir", dir], "/");
    expect(code).toBe(0);
    expect(out).toBe(`${SPRINT}: 1-2-beta: ready-for-dev -> in-progress\n`);
    expect(readFileSync(path.join(dir, SPRINT), "utf8")).toBe(
      SPRINT_TEXT.replace("1-2-beta: ready-for-dev", "1-2-beta: in-progress"),
    );
    expect((await run(["mark", "1-2-beta", "in-progress"], dir)).out).toContain(
      'is already "in-progress"',
    );
    expect((await run(["mark", "epic-1", "done"], dir)).code).toBe(0);
  });

  it("takes a story the plan knows by its own file, as the plan does, by that file's path", async () => {
    const dir = miniProject({
      [SPRINT]: `${SPRINT_TEXT}  hotfix-audio: ready-for-dev\n`,
      "_bmad-output/implementation-artifacts/hotfix-audio.md": "# Hotfix\n\n- [ ] Edit `a.ts`\n",
    });
    const file = "_bmad-output/implementation-artifacts/hotfix-audio.md";
    expect((await run(["plan", file, "--json"], dir)).code).toBe(0);
    const { code, out } = await run(["mark", file, "in-progress"], dir);
    expect(code).toBe(0);
    expect(out).toBe(`${SPRINT}: hotfix-audio: ready-for-dev -> in-progress\n`);
  });

  it("exits 2 on an unknown story, an unknown status (listing the valid ones) and a downgrade", async () => {
    const dir = miniProject();
    const unknownStory = await run(["mark", "1.9", "done"], dir);
    expect(unknownStory.code).toBe(2);
    expect(unknownStory.err).toContain('unknown story "1.9"');
    const unknownStatus = await run(["mark", "1.1", "shipped"], dir);
    expect(unknownStatus.code).toBe(2);
    expect(unknownStatus.err).toContain("valid: backlog, ready-for-dev, in-progress, review, done");
    const downgrade = await run(["mark", "1.1", "backlog"], dir);
    expect(downgrade.code).toBe(2);
    expect(downgrade.err).toContain(
      "would downgrade it (athena-parallel mark 1-1-alpha backlog --force does it on purpose)",
    );
    expect((await run(["mark", "1.1"], dir)).err).toContain("usage: athena-parallel mark");
    expect(readFileSync(path.join(dir, SPRINT), "utf8")).toBe(SPRINT_TEXT);
    // On purpose, after a revert: moved back, every other byte kept.
    const forced = await run(["mark", "1.1", "backlog", "--force"], dir);
    expect(forced).toMatchObject({ code: 0, err: "" });
    expect(readFileSync(path.join(dir, SPRINT), "utf8")).toBe(
      SPRINT_TEXT.replace("1-1-alpha: ready-for-dev", "1-1-alpha: backlog"),
    );
  });

  it("exits 2 on a file that does not parse, naming the line, and leaves it untouched", async () => {
    const dir = miniProject();
    const broken = SPRINT_TEXT.replace("  1-3-gamma: ready-for-dev", "  1-3-gamma: 'ready-for-dev");
    writeFileSync(path.join(dir, SPRINT), broken);
    const result = await run(["mark", "1-1-alpha", "in-progress"], dir);
    expect(result.code).toBe(2);
    expect(result.err).toMatch(/sprint-status\.yaml:\d+:\d+: sprint-status\.yaml does not parse/);
    expect(readFileSync(path.join(dir, SPRINT), "utf8")).toBe(broken);
  });
});

describe("the project root", () => {
  const ART = "_bmad-output/implementation-artifacts";

  it("is found from a folder inside the project, said on stderr, with no .athena/ left there", async () => {
    const dir = miniProject();
    const inside = path.join(dir, ART);
    // A stray .athena/ the CLI used to leave in the folder it ran from does not make a root.
    mkdirSync(path.join(inside, ".athena", "cache"), { recursive: true });
    const planned = await run(["plan", "1.1", "--json"], inside);
    expect(planned.code).toBe(0);
    expect(planned.err).toBe(
      `athena-parallel: project root: ${dir} (the nearest folder above with _bmad-output; --dir to choose another)\n`,
    );
    expect(JSON.parse(planned.out).stories[0].file).toBe(`${ART}/1-1-alpha.md`);
    const marked = await run(["mark", "1.2", "in-progress"], path.join(dir, "src"));
    expect(marked.out).toBe(`${SPRINT}: 1-2-beta: ready-for-dev -> in-progress\n`);
    expect(existsSync(path.join(dir, "src", ".athena"))).toBe(false);
    expect(readdirSync(path.join(inside, ".athena"))).toEqual(["cache"]);
    // A file named from inside is the one there, as the journal names it.
    expect((await run(["versions", "shared.ts"], path.join(dir, "src"))).out).toBe(
      "src/shared.ts: no story changed it in the journal\n",
    );
    // --dir is the root as given: no walking up.
    expect((await run(["plan", "--dir", "src"], dir)).err).toContain(
      `${path.join(dir, "src")}: no sprint-status.yaml found`,
    );
  });

  it("is the nearest folder with a marker, never the home folder it passes", () => {
    const home = tempProject({ ".opencode/bin/opencode": "", "code/app/athena.json": "{}\n" });
    const app = path.join(home, "code", "app");
    mkdirSync(path.join(app, "docs", "stories"), { recursive: true });
    expect(findProjectRoot(path.join(app, "docs", "stories"), home)).toEqual({
      root: app,
      marker: "athena.json",
    });
    mkdirSync(path.join(home, "code", "notes"));
    // Above the home folder, the machine's own folders: none of them is this project's root.
    const above = findProjectRoot(path.join(home, "code", "notes"), home)?.root ?? "";
    expect(above.startsWith(home)).toBe(false);
    expect(findProjectRoot(home, home)).toEqual({ root: home, marker: ".opencode" });
  });
});

describe("--dir", () => {
  const COMMANDS = [
    ["plan"],
    ["accuracy"],
    ["mark", "1.1", "done"],
    ["locks"],
    ["status"],
    ["cancel", "run-20260101-000000-abcdef"],
    ["diff", "1.1"],
    ["revert", "1.1"],
    ["versions", "src/shared.ts"],
  ];

  it("exits 2 on a folder that does not exist or a file, for every command, and creates nothing", async () => {
    const base = tempDir();
    const missing = path.join(base, "missing");
    writeFileSync(path.join(base, "LICENSE"), "MIT\n");
    for (const command of COMMANDS) {
      expect(await run([...command, "--dir", missing], "/")).toMatchObject({
        code: 2,
        out: "",
        err: `athena-parallel: --dir ${missing}: no such folder\n`,
      });
      expect(await run([...command, "--dir", "LICENSE"], base)).toMatchObject({
        code: 2,
        out: "",
        err: "athena-parallel: --dir LICENSE: not a folder\n",
      });
    }
    expect(readdirSync(base)).toEqual(["LICENSE"]);
  });
});

describe("a project the user cannot write", () => {
  it("names the file and exits 2, not 3 with a bug report, and writes nothing", async () => {
    const dir = miniProject();
    fsFaults.denied = dir;
    try {
      const result = await run(["mark", "1.2", "in-progress"], dir);
      expect(result).toMatchObject({
        code: 2,
        out: "",
        err: "athena-parallel: cannot write .athena/locks: permission denied\n",
      });
    } finally {
      fsFaults.denied = undefined;
    }
    expect(readFileSync(path.join(dir, SPRINT), "utf8")).toBe(SPRINT_TEXT);
    expect(existsSync(path.join(dir, ".athena"))).toBe(false);
  });

  it("tells the machine's state from a bug: permission, read-only, full disk", () => {
    const root = path.join(path.sep, "p");
    const system = (code: string, syscall: string, file?: string) =>
      Object.assign(new Error(`${code}: ...`), { code, syscall, ...(file ? { path: file } : {}) });
    const shown = (error: unknown) => asUserError(error, root)?.format();
    expect(shown(system("EACCES", "mkdir", path.join(root, ".athena", "locks")))).toBe(
      "cannot write .athena/locks: permission denied",
    );
    expect(shown(system("EPERM", "rename", path.join(root, "a.yaml")))).toBe(
      "cannot write a.yaml: permission denied",
    );
    expect(shown(system("EROFS", "open", path.join(root, "a.yaml")))).toBe(
      "cannot open a.yaml: read-only file system",
    );
    expect(shown(system("EACCES", "scandir", "/elsewhere/docs"))).toBe(
      "cannot read /elsewhere/docs: permission denied",
    );
    expect(shown(system("ENOSPC", "write"))).toBe("cannot write: no space left on the device");
    // Anything else is a bug, reported as one.
    expect(shown(system("ENOENT", "open", path.join(root, "a")))).toBeUndefined();
    expect(shown(new TypeError("x is undefined"))).toBeUndefined();
    const input = new InputError("bad", "a.yaml", 3);
    expect(asUserError(input, root)).toBe(input);
  });
});

describe("athena-parallel locks and status", () => {
  it("lists locks with their owner, and releases only the stale ones", async () => {
    const dir = miniProject();
    expect((await run(["locks"], dir)).out).toBe("no locks\n");
    const { FileLocks } = await import("../src/run/locks.ts");
    const locks = new FileLocks({ root: dir });
    await locks.tryAcquire("src/shared.ts", {
      story: "1-1-alpha",
      run: "run-20260101-000000-abcdef",
    });
    const listed = await run(["locks"], dir);
    expect(listed.out).toMatch(
      /^src\/shared\.ts {2}1-1-alpha \(run run-20260101-000000-abcdef, pid \d+ on .+\) {2}age \d+s {2}held\n$/,
    );
    const json = JSON.parse((await run(["locks", "--json", "--release-stale"], dir)).out);
    expect(json.released).toEqual([]);
    expect(json.locks[0].owner.story).toBe("1-1-alpha");
    await locks.releaseAll("1-1-alpha");
  });

  it("prints the runs from their records, without OpenCode", async () => {
    const dir = miniProject();
    expect((await run(["status"], dir)).out).toBe("no runs\n");
    const { createRun, saveRun } = await import("../src/run/state.ts");
    const { NO_USAGE } = await import("../src/run/usage.ts");
    const record = createRun({
      strategy: "coordinate",
      cap: 2,
      // The run's plan names each story's file: its boxes are read there (1.3's is ticked).
      plan: {
        stories: [
          { key: "1-1-alpha", file: "_bmad-output/implementation-artifacts/1-1-alpha.md" },
          { key: "1-3-gamma", file: "_bmad-output/implementation-artifacts/1-3-gamma.md" },
        ],
      },
      stories: [
        {
          key: "1-1-alpha",
          id: "1.1",
          state: "failed",
          startedAt: "2026-01-01T00:00:00.000Z",
          endedAt: "2026-01-01T00:01:40.000Z",
          previousStatus: "ready-for-dev",
          wroteFiles: [],
          errors: ["provider error: 400"],
          reason: "error",
          sessionId: "ses_1",
          usage: { input: 12_000, output: 345, cost: 0.12 },
          updatedAt: "2026-01-01T00:01:40.000Z",
        },
        {
          key: "1-2-beta",
          id: "1.2",
          state: "queued",
          previousStatus: "ready-for-dev",
          updatedAt: "2026-01-01T00:01:40.000Z",
        },
        {
          key: "1-3-gamma",
          id: "1.3",
          state: "completed",
          previousStatus: "ready-for-dev",
          updatedAt: "2026-01-01T00:01:40.000Z",
        },
      ],
    });
    record.usage = { ...NO_USAGE, input: 12_000, output: 345, cost: 0.12 };
    saveRun(dir, record);
    const out = (await run(["status"], dir)).out;
    expect(out).toContain(
      `${record.id}  running  coordinate, cap 2  started ${record.createdAt}  used 12k tokens, $0.12\n`,
    );
    expect(out).toContain(
      "  1.1      failed (error)         100s   0/1  12k tokens, $0.12      1-1-alpha  provider error: 400\n",
    );
    // No file in the plan for 1.2: its boxes are not known.
    expect(out).toContain(
      "  1.2      queued                    -     -  -                      1-2-beta\n",
    );
    expect(out).toContain(
      "  1.3      completed                 -   1/1  -                      1-3-gamma\n",
    );
    expect(JSON.parse((await run(["status", "--json"], dir)).out).runs[0].id).toBe(record.id);
  });
});

describe("a run whose process is gone", () => {
  /** A pid above Linux's largest (2^22): no process has it. */
  const GONE_PID = 2 ** 22 + 12_345;

  /** A run recorded running by a process that died 30 s after its story started, 10 min ago. */
  async function goneRun() {
    const dir = miniProject();
    const { createRun, runFile } = await import("../src/run/state.ts");
    const startedAt = new Date(Date.now() - 600_000).toISOString();
    const lastSaved = new Date(Date.parse(startedAt) + 30_000).toISOString();
    const record = createRun({
      strategy: "manual",
      cap: 2,
      stories: [
        {
          key: "1-1-alpha",
          id: "1.1",
          state: "running",
          startedAt,
          previousStatus: "ready-for-dev",
          updatedAt: lastSaved,
        },
      ],
    });
    mkdirSync(path.join(dir, ".athena/runs"), { recursive: true });
    // Written by hand: saveRun would stamp it with the time now.
    const dead = { ...record, pid: GONE_PID, updatedAt: lastSaved };
    writeFileSync(runFile(dir, record.id), JSON.stringify(dead));
    return { dir, record: dead };
  }

  it("status says so, and its elapsed time stops at the record's last save", async () => {
    const { dir, record } = await goneRun();
    const out = (await run(["status"], dir)).out;
    expect(out).toContain(
      `${record.id}  running in a process that is gone (pid ${GONE_PID})  manual, cap 2  started ${record.createdAt}\n` +
        "  the next OpenCode start on this project marks its stories interrupted and puts their sprint entries back\n",
    );
    expect(out).toContain(
      "  1.1      running                 30s     -  -                      1-1-alpha\n",
    );
  });

  it("status --json says the process is gone, and only for that run", async () => {
    const { dir, record } = await goneRun();
    const { createRun, saveRun } = await import("../src/run/state.ts");
    const live = createRun({ strategy: "manual", cap: 1, stories: [] });
    saveRun(dir, live);
    const { runs } = JSON.parse((await run(["status", "--json"], dir)).out);
    const byId = new Map(runs.map((r: { id: string }) => [r.id, r]));
    expect(byId.get(record.id)).toMatchObject({ state: "running", processGone: true });
    expect(byId.get(live.id)).toMatchObject({ state: "running", processGone: false });
  });

  it("status --watch does not wait for it: no run is live", async () => {
    const { dir, record } = await goneRun();
    let out = "";
    const watching = runCli(["status", "--watch", "--dir", dir], {
      out: (t) => {
        out += t;
      },
      err: () => {},
      cwd: "/",
      env: {},
      watchMs: 20,
    });
    const waited = new Promise((resolve) => setTimeout(() => resolve("still watching"), 3_000));
    expect(await Promise.race([watching, waited])).toBe(0);
    expect(out).toMatch(/^no run is running\n/);
    expect(out).toContain(`${record.id}  running in a process that is gone (pid ${GONE_PID})`);
  });
});

describe("timelines and watching from the command line", () => {
  it("plan --gantt draws the schedule as a Mermaid gantt chart", async () => {
    const dir = miniProject();
    const { code, out } = await run(["plan", "1.1", "1.2", "1.3", "--gantt", "--dir", dir], "/");
    expect(code).toBe(1); // the same exit status as the plan
    const { ganttProblems } = await import("./helpers/gantt-grammar.ts");
    expect(ganttProblems(out)).toEqual([]);
    expect(out).toContain("(10 min per task assumed, no history yet)");
    expect((await run(["plan", "--gantt", "--json"], dir)).err).toContain(
      "--json cannot be used with --mermaid or --gantt",
    );
    const both = await run(
      ["plan", "1.1", "1.2", "1.3", "--mermaid", "--gantt", "--dir", dir],
      "/",
    );
    // Both diagrams, each in its own block (it printed the gantt chart alone).
    const blocks = [...both.out.matchAll(/```mermaid\n([\s\S]*?)```\n/g)].map((m) => m[1] ?? "");
    expect(blocks).toHaveLength(2);
    expect(blocks[0]).toMatch(/^graph LR\n/);
    expect(ganttProblems(blocks[1] ?? "")).toEqual([]);
  });

  it("plan --gantt draws a story that starts when another ends from that second, not one before", async () => {
    const dir = miniProject();
    // Half a second into a second: flooring starts and ceiling ends overlapped such bars.
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(1_767_225_600_500);
    try {
      const args = ["plan", "1.1", "1.2", "1.3", "--dir", dir];
      const plan = JSON.parse((await run([...args, "--json"], "/")).out);
      const idOf = new Map<string, string>(
        plan.stories.map((s: { key: string; id: string }) => [s.key, s.id]),
      );
      const order: Array<{ story: string; start: number; end: number }> = plan.schedule.order;
      // `  1.2 Beta :t2, 1767226201, 1767226801`: each story's bar in seconds, by its id.
      const gantt = (await run([...args, "--gantt"], "/")).out;
      const bar = new Map(
        [...gantt.matchAll(/^ {2}(\S+) .*:t\d+, (\d+), (\d+)$/gm)].map((m) => [
          m[1],
          { start: Number(m[2]), end: Number(m[3]) },
        ]),
      );
      expect(bar.size).toBe(order.length);
      const chained = order.flatMap((a) =>
        order.filter((b) => a.end === b.start).map((b) => [a, b]),
      );
      expect(chained.length).toBeGreaterThan(0); // 1.1 and 1.2 write one file: one after the other
      for (const [a, b] of chained)
        expect(bar.get(idOf.get(a?.story ?? "") ?? "")?.end).toBe(
          bar.get(idOf.get(b?.story ?? "") ?? "")?.start,
        );
    } finally {
      vi.useRealTimers();
    }
  });

  it("accuracy says why there is nothing to score: no done story, no story file, no File List", async () => {
    const sprint = (status: string) =>
      SPRINT_TEXT.replace("1-1-alpha: ready-for-dev", `1-1-alpha: ${status}`);
    const ART = "_bmad-output/implementation-artifacts";
    const none = await run(["accuracy"], miniProject());
    expect(none).toMatchObject({ code: 1, out: "" });
    expect(none.err).toContain("nothing to score against: no story is done or in review");
    // Finished entries whose keys are no story's are named, not denied.
    const oddKeys = miniProject({
      [`${ART}/sprint-status.yaml`]: `${SPRINT_TEXT}  e1-s1-create-model: done\n  e1-s2-api: review\n`,
    });
    expect((await run(["accuracy"], oddKeys)).err).toContain(
      "nothing to score against: no story is done or in review: its 2 finished keys are neither a story key ({epic}-{story}-{slug}) nor a story file's name, e.g. e1-s1-create-model (line 8)",
    );
    // A story in review has finished its work: its File List is scored like a done one's.
    const dir = miniProject({ [`${ART}/sprint-status.yaml`]: sprint("review") });
    // With --json, stdout carries the same as an error object a script can read.
    const json = await run(["accuracy", "--json"], dir);
    expect(json.code).toBe(1);
    expect(JSON.parse(json.out)).toEqual({
      error: {
        exitCode: 1,
        message:
          "nothing to score against: none of its 1 finished stories with a story file has a File List",
        file: `${ART}/sprint-status.yaml`,
      },
    });
    expect((await run(["accuracy"], dir)).err).toContain(
      "nothing to score against: none of its 1 finished stories with a story file has a File List",
    );
    const missing = miniProject({
      [`${ART}/sprint-status.yaml`]: sprint("done")
        .replace(
          "1-2-beta: ready-for-dev",
          "1-9-gone: done\n  CORE-002: done\n  1-4-d: done\n  1-5-e: review\n  1-6-f: done\n  1-7-g: done\n  1-8-h: done",
        )
        .replace("1-3-gamma: ready-for-dev", "1-3-gamma: done"),
      [`${ART}/1-1-alpha.md`]:
        "# Story 1.1: Alpha\n\n## Dev Agent Record\n\n### File List\n\n- `src/shared.ts`\n",
      // Finished, with an empty File List: said, not scored.
      [`${ART}/1-3-gamma.md`]: "# Story 1.3: Gamma\n\n## Dev Agent Record\n\n### File List\n\n",
    });
    const gone = miniProject({
      [`${ART}/sprint-status.yaml`]: SPRINT_TEXT.replace(
        "1-2-beta: ready-for-dev",
        "1-9-gone: done",
      ),
    });
    expect((await run(["accuracy"], gone)).err).toContain(
      `nothing to score against: none of its 1 finished stories has a story file under ${ART}/`,
    );
    // Only the first stories have File Lists: those are learned from, none is left to score.
    const early = miniProject({
      [`${ART}/sprint-status.yaml`]: sprint("done").replace(
        "1-2-beta: ready-for-dev",
        "1-2-beta: done",
      ),
      [`${ART}/1-1-alpha.md`]:
        "# Story 1.1: Alpha\n\n## Dev Agent Record\n\n### File List\n\n- `src/shared.ts`\n",
    });
    expect((await run(["accuracy", "--learn-first", "0.5"], early)).err).toContain(
      "nothing to score against: none of the 1 finished stories after the first 50% has a File List (the stories with one are all learned from: a smaller --learn-first scores some)",
    );
    expect((await run(["accuracy", "--learn-first", "60%"], missing)).err).toContain(
      '--learn-first expects a share between 0 and 1 (0.6 for the first 60%), got "60%"',
    );
    expect(
      (await run(["accuracy", "--learn-first", "0.5", "--no-history"], missing)).err,
    ).toContain("--learn-first and --no-history cannot go together");
    const some = await run(["accuracy"], missing);
    expect(some.code).toBe(0);
    expect(some.err).toBe(
      "athena-parallel: 1 finished key is neither a story key ({epic}-{story}-{slug}) nor a story file's name: left out, e.g. CORE-002 (line 7)\n" +
        `athena-parallel: 6 of 8 finished stories have no story file under ${ART}/: left out: 1-9-gone, 1-4-d, 1-5-e, 1-6-f, 1-7-g and 1 more\n` +
        "athena-parallel: 1 of 2 finished stories with a story file have no File List naming a file of the project: left out: 1-3-gamma\n",
    );
  });

  it("status --watch follows a run until it ends, then prints it with its timeline", async () => {
    const dir = miniProject();
    const { createRun, saveRun } = await import("../src/run/state.ts");
    const now = new Date().toISOString();
    const record = createRun({
      strategy: "manual",
      cap: 1,
      stories: [
        {
          key: "1-1-alpha",
          id: "1.1",
          state: "running",
          startedAt: now,
          previousStatus: "ready-for-dev",
          updatedAt: now,
        },
      ],
    });
    saveRun(dir, record);
    let out = "";
    const frames: string[] = [];
    const watching = runCli(["status", "--watch", "--dir", dir], {
      out: (t) => {
        out += t;
        frames.push(t);
        // The first frame shows it running; then it ends.
        if (frames.length === 1) {
          record.state = "completed";
          const [story] = record.stories;
          if (story)
            Object.assign(story, { state: "completed", endedAt: new Date().toISOString() });
          saveRun(dir, record);
        }
      },
      err: () => {},
      cwd: "/",
      env: {},
      watchMs: 20,
    });
    expect(await watching).toBe(0);
    expect(frames[0]).toContain(`${record.id}  running`);
    expect(out).toContain(`${record.id}  completed`);
    const { ganttProblems } = await import("./helpers/gantt-grammar.ts");
    expect(ganttProblems(/```mermaid\n([\s\S]*?)```/.exec(out)?.[1] ?? "")).toEqual([]);
    // Not a terminal: no screen clearing.
    expect(out).not.toContain("\x1b[2J");
    expect((await run(["status", "--watch", "--dir", dir], "/")).out).toBe("no run is running\n");
  });
});

describe("npm scripts", () => {
  it("npm run plan runs the CLI's plan, as the bin does (it printed nothing)", () => {
    const dir = miniProject();
    const npm = spawnSync("npm", ["run", "--silent", "plan", "--", "1.1", "--json", "--dir", dir], {
      cwd: REPO,
      encoding: "utf8",
    });
    expect(npm.status).toBe(0);
    expect(JSON.parse(npm.stdout).stories[0].key).toBe("1-1-alpha");
  });
});

import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { HELP, runCli } from "../src/cli/main.ts";
import { miniProject, SPRINT_TEXT } from "./helpers/mini-project.ts";

const SPRINT = "_bmad-output/implementation-artifacts/sprint-status.yaml";

function run(args: string[], cwd: string) {
  let out = "";
  let err = "";
  const code = runCli(args, {
    out: (t) => {
      out += t;
    },
    err: (t) => {
      err += t;
    },
    cwd,
    env: { HOME: cwd, XDG_CONFIG_HOME: path.join(cwd, "no-config") },
  });
  return { code, out, err };
}

describe("athena-parallel plan", () => {
  it("exits 1 and reports the conflict when two stories write one file", () => {
    const dir = miniProject();
    const { code, out } = run(["plan", "1.1", "1.2", "--dir", dir], "/");
    expect(code).toBe(1);
    expect(out).toContain(
      "**file** 1.1 (1-1-alpha) <-> 1.2 (1-2-beta): both write `src/shared.ts`",
    );
    expect(out).toContain(
      "_bmad-output/implementation-artifacts/1-1-alpha.md:7 (Tasks / Subtasks)",
    );
  });

  it("exits 0 when no file conflict remains, and proposes a batch without ids", () => {
    const dir = miniProject();
    expect(run(["plan", "1.1", "1.3"], dir).code).toBe(0);
    const proposed = run(["plan", "--json", "--cap", "2"], dir);
    const plan = JSON.parse(proposed.out);
    expect(plan.mode).toBe("proposed");
    expect(plan.schedule.cap).toBe(2);
    expect(plan.schedule.batchNow).toEqual(["1-1-alpha", "1-3-gamma"]);
    expect(plan.schedule.waves).toEqual([["1-1-alpha", "1-3-gamma"], ["1-2-beta"]]);
  });

  it("prints JSON with the documented shape", () => {
    const dir = miniProject();
    const plan = JSON.parse(run(["plan", "1.1", "1.2", "--json"], dir).out);
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
    expect(plan.format).toBe(1);
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

  it("prints a Mermaid graph", () => {
    const out = run(["plan", "1.1", "1.2", "--mermaid"], miniProject()).out;
    expect(out).toMatch(/^graph LR\n/);
    expect(out).toContain('s_1_1_alpha["1.1: Alpha"]');
    expect(out).toContain("s_1_1_alpha <-. file .-> s_1_2_beta");
  });

  it("exits 2 on an unknown story, naming the close matches", () => {
    const { code, err } = run(["plan", "1-2-bta"], miniProject());
    expect(code).toBe(2);
    expect(err).toContain('unknown story "1-2-bta"');
    expect(err).toContain("close matches: 1-2-beta");
  });

  it("exits 2 on a sprint file that does not parse, names file:line:col, and writes nothing", () => {
    const dir = miniProject();
    const broken = SPRINT_TEXT.replace("  1-2-beta: ready-for-dev", "  1-2-beta: [ready-for-dev");
    writeFileSync(path.join(dir, SPRINT), broken);
    const { code, err } = run(["plan", "1.1"], dir);
    expect(code).toBe(2);
    expect(err).toMatch(
      new RegExp(`${SPRINT.replaceAll(".", "\\.")}:\\d+:\\d+: sprint-status\\.yaml does not parse`),
    );
    expect(readFileSync(path.join(dir, SPRINT), "utf8")).toBe(broken);
  });

  it("exits 2 on bad flags, and prints help", () => {
    expect(run(["plan", "--cap", "0"], miniProject()).code).toBe(2);
    expect(run(["plan", "--json", "--mermaid"], miniProject()).code).toBe(2);
    expect(run(["plan", "--frobnicate"], miniProject()).err).toContain("Usage:");
    expect(run(["frob"], "/").code).toBe(2);
    const help = run(["--help"], "/");
    expect(help).toMatchObject({ code: 0, out: HELP });
  });

  it("says where it looked when there is no sprint file", () => {
    const { code, err } = run(["plan"], miniProject({ "x.txt": "" }).replace(/$/, "/src"));
    expect(code).toBe(2);
    expect(err).toContain("no sprint-status.yaml found; looked for");
  });
});

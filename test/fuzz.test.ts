/**
 * Issue 12, "No real project's files can break the plan or a run": property tests that feed
 * the planner hostile story files and sprint files (see test/helpers/hostile.ts) and check
 * that it never crashes, always accounts for every story it was asked about, and never
 * changes a project file (only its own cache under `.athena/`).
 *
 * The runs are deterministic: every property has a fixed seed, printed by fast-check with
 * the shrunk counterexample when it fails. To explore further, set FUZZ_SEED (a number) and
 * FUZZ_RUNS (a multiplier of the run counts): `FUZZ_SEED=7 FUZZ_RUNS=20 npx vitest run
 * test/fuzz.test.ts`.
 */
import { execFile } from "node:child_process";
import { cpSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  escapeRunawayHtml,
  MAX_PARSE_COST,
  type MarkdownProblem,
  parseCost,
} from "../src/bmad/markdown.ts";
import { parseStory } from "../src/bmad/story.ts";
import { taskProgress } from "../src/bmad/task-progress.ts";
import { renderMarkdown } from "../src/plan/render.ts";
import { planProject } from "../src/plan-project.ts";
import { patchPaths } from "../src/run/guard.ts";
import { InputError } from "../src/util/errors.ts";
import {
  hostileArchitecture,
  hostileLink,
  hostileSprint,
  hostileStory,
  ordinaryStory,
} from "./helpers/hostile.ts";
import { copyFixture, REPO, tempDir, tempProject } from "./helpers/tmp.ts";

const SEED = process.env.FUZZ_SEED ? Number(process.env.FUZZ_SEED) : 20_251_212;
const SCALE = process.env.FUZZ_RUNS ? Number(process.env.FUZZ_RUNS) : 1;
const runs = (n: number) => Math.max(1, Math.round(n * SCALE));
const params = (numRuns: number): fc.Parameters<unknown> => ({
  seed: SEED,
  numRuns: runs(numRuns),
});

const env = { HOME: "/nonexistent", XDG_CONFIG_HOME: "/nonexistent" };
const ARTIFACTS = "_bmad-output/implementation-artifacts";
const SPRINT = `${ARTIFACTS}/sprint-status.yaml`;

/** Every file and folder under `dir` with its bytes, `.athena/` (the planner's cache) left out. */
function snapshot(dir: string): Map<string, string> {
  const files = new Map<string, string>();
  const walk = (rel: string) => {
    for (const entry of readdirSync(path.join(dir, rel), { withFileTypes: true })) {
      const child = rel ? `${rel}/${entry.name}` : entry.name;
      if (child === ".athena") continue;
      if (entry.isDirectory()) {
        files.set(`${child}/`, "");
        walk(child);
      } else {
        files.set(child, readFileSync(path.join(dir, child)).toString("base64"));
      }
    }
  };
  walk("");
  return files;
}

/** Files with names only a real project would have: globs, escapes, spaces. */
const ODD_FILES: Record<string, string> = {
  "src/%SYS/Roles.cls": "x\n",
  "src/%E0%A4%A.ts": "x\n",
  "src/[id]/page.tsx": "x\n",
  "src/(group)/page.tsx": "x\n",
  "src/{a,b}.ts": "x\n",
  "src/!(x).ts": "x\n",
  "src/a b.ts": "x\n",
  "src/#hash.ts": "x\n",
  "src/**.ts": "x\n",
  "src/\\back.ts": "x\n",
};

/**
 * The stable fixture with odd file names and one more plain story, planned once so that its
 * parse cache is warm. The function returned copies it (times kept, so the cache still
 * holds) and adds the stories and sprint lines given, so a run pays only for what it
 * generated. The template lives as long as the test that made it.
 */
function projectMaker(): (stories: Record<string, string>, sprintLines: string[]) => string {
  const template = copyFixture("stable-project");
  for (const [rel, text] of Object.entries(ODD_FILES)) writeTo(template, rel, text);
  writeTo(template, `${ARTIFACTS}/9-3-plain.md`, ordinaryStory("9.3", "Plain", "src/{a,b}.ts"));
  planProject(template, { env });
  return (stories, sprintLines) => {
    const dir = path.join(tempDir(), "project");
    cpSync(template, dir, { recursive: true, preserveTimestamps: true });
    const sprint = readFileSync(path.join(dir, SPRINT), "utf8");
    writeTo(dir, SPRINT, `${sprint}${sprintLines.join("\n")}\n`);
    for (const [rel, text] of Object.entries(stories)) writeTo(dir, rel, text);
    return dir;
  };
}

function writeTo(dir: string, rel: string, text: string) {
  mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
  writeFileSync(path.join(dir, rel), text);
}

describe("hostile story files (property)", () => {
  const statuses = fc.constantFrom("ready-for-dev", "in-progress", "done");

  it("plans a batch with one or two hostile stories: no throw, every story accounted for, no project file changed", () => {
    const projectWith = projectMaker();
    fc.assert(
      fc.property(
        hostileStory,
        fc.option(fc.tuple(hostileStory, statuses), { nil: undefined }),
        (first, second) => {
          const lines = ["  epic-9: in-progress", "  9-1-hostile: ready-for-dev"];
          const stories: Record<string, string> = { [`${ARTIFACTS}/9-1-hostile.md`]: first };
          if (second) {
            lines.push(`  9-2-hostile: ${second[1]}`);
            stories[`${ARTIFACTS}/9-2-hostile.md`] = second[0];
          }
          lines.push("  9-3-plain: ready-for-dev");
          const dir = projectWith(stories, lines);
          const requested = [
            "1-2-account-management",
            "1-3-plant-data-model",
            "2-1-garden-dashboard",
            "2-2-watering-schedule",
            "2-3-watering-notifications",
            "9-1-hostile",
            "9-3-plain",
            ...(second?.[1] === "ready-for-dev" ? ["9-2-hostile"] : []),
          ];
          const before = snapshot(dir);

          // Named (parses fill the cache), then proposed (the hostile parses come back from
          // the cache as JSON): both paths through the loader.
          for (const ids of [requested, undefined]) {
            const { plan } = planProject(dir, { ...(ids ? { ids } : {}), env });
            const byKey = new Map(plan.stories.map((s) => [s.key, s]));
            for (const key of requested) {
              const story = byKey.get(key);
              expect(story, `${key} missing from the plan`).toBeDefined();
              expect(story?.role).toBe("in-batch");
              if (story?.error) {
                expect(story.error.file).toBe(`${ARTIFACTS}/${key}.md`);
                expect(story.error.line).toBeGreaterThanOrEqual(1);
                // Only the refusals: any other error caught there is a bug the net would hide.
                expect(story.error.message).toMatch(
                  /^the file is (?:not text|too much markdown|[\d.]+ MB, more than)/,
                );
              }
            }
            // The ordinary stories keep their plan whatever their neighbours hold.
            expect(byKey.get("9-3-plain")?.error).toBeUndefined();
            expect(byKey.get("1-2-account-management")?.error).toBeUndefined();
            if (second?.[1] === "in-progress")
              expect(byKey.get("9-2-hostile")?.role).toBe("in-progress");
            // Every story of the batch is either scheduled or blocked with a reason.
            const blocked = new Set(plan.schedule.blocked.map((b) => b.story));
            const scheduled = new Set(plan.schedule.order.map((s) => s.story));
            for (const key of requested) expect(scheduled.has(key) || blocked.has(key)).toBe(true);
            // The plan is JSON through and through (the CLI and the tool print it so).
            expect(() => JSON.stringify(plan)).not.toThrow();
          }
          expect(snapshot(dir)).toEqual(before);
        },
      ),
      params(20),
    );
  });

  it("plans beside a hostile architecture and epics file: no throw, the stories planned, no project file changed", () => {
    const projectWith = projectMaker();
    const requested = ["1-2-account-management", "2-1-garden-dashboard", "9-3-plain"];
    fc.assert(
      fc.property(hostileArchitecture, hostileArchitecture, (architecture, epics) => {
        const dir = projectWith(
          {
            "_bmad-output/planning-artifacts/architecture.md": architecture,
            "_bmad-output/planning-artifacts/epics.md": epics,
          },
          ["  epic-9: in-progress", "  9-3-plain: ready-for-dev"],
        );
        const before = snapshot(dir);
        const { plan } = planProject(dir, { ids: requested, env });
        const byKey = new Map(plan.stories.map((s) => [s.key, s]));
        for (const key of requested) {
          expect(byKey.get(key), `${key} missing from the plan`).toBeDefined();
          // The stories themselves are ordinary: whatever the planning files hold, they plan.
          expect(byKey.get(key)?.error).toBeUndefined();
        }
        // Its task names a file the project has: a write claim, whatever the tree drew.
        expect(byKey.get("9-3-plain")?.claims.some((c) => c.intent === "write")).toBe(true);
        const blocked = new Set(plan.schedule.blocked.map((b) => b.story));
        const scheduled = new Set(plan.schedule.order.map((s) => s.story));
        for (const key of requested) expect(scheduled.has(key) || blocked.has(key)).toBe(true);
        expect(() => JSON.stringify(plan)).not.toThrow();
        // The planner plans without a planning file it cannot read, but only the two refusals
        // may bring that about (a NUL byte, a text too costly to parse): any other error
        // caught there is a bug the safety net would hide.
        for (const warning of plan.warnings.filter((w) => w.includes("could not be read")))
          expect(warning).toMatch(/\((?:the file is not text|the file is too much markdown)/);
        expect(snapshot(dir)).toEqual(before);
      }),
      params(20),
    );
  });

  it("parses any story text the parser reads safely without throwing, into a doc the cache can store and give back", () => {
    fc.assert(
      fc.property(
        fc.oneof(
          { weight: 6, arbitrary: hostileStory },
          { weight: 1, arbitrary: fc.string({ maxLength: 400 }) },
          { weight: 1, arbitrary: fc.string({ unit: "binary", maxLength: 400 }) },
        ),
        fc.constantFrom([], ["Auth Service"], ["%", "(a+)+$", "[", "\\", "src/**/["]),
        (text, componentNames) => {
          // The one refusal: a text that costs the parser more than it reads safely (rare
          // here; a long run of nested quotes reached it), said with its cost.
          if (parseCost(text) > MAX_PARSE_COST) {
            expect(() => parseStory(text, { componentNames })).toThrow(/too much markdown/);
            return;
          }
          const doc = parseStory(text, { componentNames });
          expect(doc.tasks.done).toBeLessThanOrEqual(doc.tasks.total);
          for (const mention of doc.mentions) {
            expect(typeof mention.path).toBe("string");
            expect(mention.line).toBeGreaterThanOrEqual(0);
          }
          // A cache hit (the JSON copy) must read exactly as the fresh parse did.
          expect(JSON.parse(JSON.stringify(doc))).toEqual(doc);
        },
      ),
      params(100),
    );
  });

  it("reads every hostile link target without throwing (the `[l](%)` family)", () => {
    fc.assert(
      fc.property(
        hostileLink,
        fc.constantFrom("## Tasks / Subtasks\n\n- [ ] ", "## Dev Notes\n\n"),
        (link, prefix) => {
          parseStory(`# Story 9.1: Links\n\n${prefix}${link}\n`);
        },
      ),
      params(300),
    );
  });
});

describe("hostile sprint-status.yaml (property)", () => {
  it("plans or refuses with an InputError naming the sprint file, and never changes it", () => {
    fc.assert(
      fc.property(
        hostileSprint,
        fc.option(fc.constantFrom<string[]>(["1.1"], ["1-2-beta", "9-1-hostile"], ["1.1", "1.2"]), {
          nil: undefined,
        }),
        (sprint, ids) => {
          const dir = tempProject({
            [SPRINT]: sprint,
            [`${ARTIFACTS}/1-1-alpha.md`]: ordinaryStory("1.1", "Alpha", "src/shared.ts"),
            [`${ARTIFACTS}/1-2-beta.md`]: ordinaryStory("1.2", "Beta", "src/shared.ts"),
            [`${ARTIFACTS}/9-1-hostile.md`]: ordinaryStory("9.1", "Hostile", "src/x.ts"),
            "src/shared.ts": "export {};\n",
          });
          const before = snapshot(dir);
          let plan: ReturnType<typeof planProject>["plan"] | undefined;
          try {
            plan = planProject(dir, { ...(ids ? { ids } : {}), env }).plan;
          } catch (error) {
            if (!(error instanceof InputError)) throw error;
            expect(error.file).toBe(SPRINT);
            expect(error.format()).toContain(SPRINT);
            expect(error.message.split("\n")).toHaveLength(1);
          }
          if (plan) {
            expect(() => JSON.stringify(plan)).not.toThrow();
            // Every story named is in the plan (planned, or carrying its error).
            if (ids)
              expect(plan.stories.filter((s) => s.role === "in-batch")).toHaveLength(ids.length);
          }
          expect(snapshot(dir)).toEqual(before);
        },
      ),
      params(100),
    );
  });
});

/** Runs the real CLI (bin/athena-parallel.js through tsx) in its own process. */
function cli(args: string[], cwd: string): Promise<{ code: number; out: string; err: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [path.join(REPO, "bin/athena-parallel.js"), ...args],
      {
        cwd,
        env: { PATH: process.env.PATH ?? "", HOME: cwd, XDG_CONFIG_HOME: path.join(cwd, "none") },
        maxBuffer: 64 * 1024 * 1024,
      },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === "number" ? error.code : -1) : 0;
        resolve({ code, out: stdout, err: stderr });
      },
    );
  });
}

describe("the CLI on a project with a hostile story", () => {
  const FIXED = [
    "# Story 9.1: Links\n\n## Tasks / Subtasks\n\n- [ ] Edit [l](%) and [r](%SYS/x.cls) and ![i](%E0%A4%A)\n\n[^1]: [l](%)\n",
    `\uFEFF---\ntitle: [broken\n---\r\n# Story 9.1: CRLF\r\n\r\n## Dev Notes\r\n\r\n${">".repeat(300)} \`src/**/[\`\r\n\`\`\`\n├── %zz/\n└── {a,b`,
    `# Story 9.1: Deep\n\n## Tasks / Subtasks\n\n${Array.from({ length: 300 }, (_, i) => `${"  ".repeat(i)}- [ ] \`../../${"a/".repeat(i)}x.ts\``).join("\n")}\n<div>\n\u0000\u0001\u2028 file:///etc/passwd`,
  ];

  it("exits 0 or 1, prints JSON, and no stack trace (fixed and generated stories)", async () => {
    const projectWith = projectMaker();
    const [generated = ""] = fc.sample(hostileStory, { seed: SEED, numRuns: 1 });
    // Two hostile stories a project, two processes at a time: CI has two cores, and each
    // process pays for starting tsx.
    const check = async (first: string, second: string) => {
      const dir = projectWith(
        { [`${ARTIFACTS}/9-1-hostile.md`]: first, [`${ARTIFACTS}/9-2-hostile.md`]: second },
        ["  epic-9: in-progress", "  9-1-hostile: ready-for-dev", "  9-2-hostile: ready-for-dev"],
      );
      const { code, out, err } = await cli(["plan", "--json", "--dir", dir], dir);
      const where = `stories: ${JSON.stringify([first.slice(0, 200), second.slice(0, 200)])}\nstderr: ${err}`;
      expect([0, 1], where).toContain(code);
      expect(err, where).not.toMatch(/^ {4}at /m);
      const plan = JSON.parse(out);
      const keys = plan.stories.map((s: { key: string }) => s.key);
      expect(keys, where).toEqual(expect.arrayContaining(["9-1-hostile", "9-2-hostile"]));
    };
    const [links = "", crlf = "", deep = ""] = FIXED;
    await Promise.all([check(links, crlf), check(deep, generated)]);
  });
});

/**
 * Inputs this suite's generators led to, past what they generate (thousands of levels, a
 * story folder outside the project): each once hung the plan or overflowed the stack.
 */
describe("what the fuzzing found", () => {
  it("bounds nesting by list markers on one line, and says where", () => {
    for (const text of [`${"- ".repeat(5000)}\`src/a.ts\``, `${">- ".repeat(2500)}\`src/a.ts\``]) {
      const doc = parseStory(text);
      expect(doc.problems.map((p) => p.line)).toEqual([1]);
      expect(doc.mentions.map((m) => m.path)).toEqual(["src/a.ts"]);
    }
  });

  it("bounds nesting in a file with CR line endings, counting its lines", () => {
    const doc = parseStory(`# Story 1.1: X\r\r## Tasks\r\r${">".repeat(10_000)} \`src/a.ts\``);
    expect(doc.problems.map((p) => p.line)).toEqual([5]);
    expect(doc.mentions.map((m) => m.path)).toEqual(["src/a.ts"]);
  });

  it("reads a paragraph of 25,000 code spans in one pass (it once asked the paragraph per span)", () => {
    const doc = parseStory(
      `# Story 1.1: X\n\n## Dev Notes\n\n${"`x` ".repeat(25_000)}\`src/a.ts\`\n`,
    );
    expect(doc.mentions.filter((m) => m.path === "src/a.ts").map((m) => m.intent)).toEqual([
      "write",
    ]);
  });

  it("reads 4,500 lists, as many as a story may hold, in one pass (the parser copied all it had read at each list's end)", () => {
    const text = `# Story 1.1: X\n\n## Acceptance Criteria\n\n${"- a\n\nb\n\n".repeat(4_500)}## Tasks\n\n- [ ] Update \`src/a.ts\`\n`;
    expect(parseCost(text)).toBeGreaterThan(MAX_PARSE_COST - 2_000);
    const doc = parseStory(text);
    expect(doc.acceptanceCriteria).toBe(4_500);
    expect(doc.mentions.map((m) => [m.path, m.line])).toEqual([["src/a.ts", 18_007]]);
  });

  it("reads 'Depends on' before 300 KB of spaces (every split of the spaces was tried)", () => {
    const doc = parseStory(`# Story 1.1: X\n\nDepends on${" ".repeat(300_000)}\nDepends on 1.2\n`);
    expect(doc.dependencies.map((d) => [d.id, d.line])).toEqual([["1.2", 4]]);
  });

  it("plans beside a drawn tree and a File List naming a path 10,000 folders deep", () => {
    const deep = `${"a/".repeat(10_000)}a.ts`;
    const dir = tempProject({
      [SPRINT]: "development_status:\n  1-1-alpha: done\n  1-2-beta: ready-for-dev\n",
      [`${ARTIFACTS}/1-1-alpha.md`]: `# Story 1.1: Alpha\n\n## Dev Agent Record\n\n### File List\n\n- \`${deep}\`\n- \`src/b.ts\`\n`,
      [`${ARTIFACTS}/1-2-beta.md`]: ordinaryStory("1.2", "Beta", "src/b.ts"),
      "docs/architecture.md": `# Architecture\n\n\`\`\`\n├── ${deep}\n└── src/b.ts\n\`\`\`\n`,
    });
    const { plan } = planProject(dir, { env, cache: false });
    expect(plan.stories.map((s) => s.error)).toEqual([undefined]);
    expect(plan.stories[0]?.claims.map((c) => c.path)).toContain("src/b.ts");
  });

  it("reports 9,000 findings of one story, and shows 20 of them in the markdown", () => {
    const dir = tempProject({
      [SPRINT]: "development_status:\n  1-1-alpha: ready-for-dev\n",
      [`${ARTIFACTS}/1-1-alpha.md`]: `# Story 1.1: Alpha\n\n## Dev Notes\n\n\`\`\`\n${"├── ~a\n".repeat(9_000)}├── src/\n\`\`\`\n`,
    });
    const { plan } = planProject(dir, { env, cache: false });
    expect(plan.findings).toHaveLength(9_000);
    const shown = renderMarkdown(plan)
      .split("\n")
      .filter((line) => line.startsWith("- 1-1-alpha:"));
    expect(shown).toHaveLength(21);
    expect(shown.at(-1)).toBe("- 1-1-alpha: 8980 more findings (the JSON report lists them all)");
  });

  it("plans 1,700 task lines naming an ambiguous file 15,000 times (each was set against every claim before it)", () => {
    const task = `- [ ] Fix ${"`m.go` ".repeat(9)}\n`;
    const dir = tempProject({
      [SPRINT]: "development_status:\n  1-1-alpha: ready-for-dev\n  1-2-beta: ready-for-dev\n",
      [`${ARTIFACTS}/1-1-alpha.md`]: `# Story 1.1: Alpha\n\n## Tasks\n\n- [ ] Update \`src/a/view.go\`\n${task.repeat(1_700)}`,
      [`${ARTIFACTS}/1-2-beta.md`]: ordinaryStory("1.2", "Beta", "src/a/m.go"),
      "src/a/m.go": "x\n",
      "src/b/m.go": "x\n",
      "src/a/view.go": "x\n",
    });
    const { plan } = planProject(dir, { env, cache: false });
    const [alpha] = plan.stories;
    expect(alpha?.tasks).toEqual({ done: 0, total: 1_701 });
    // The one of the two `m.go` beside the story's other file, as sure as an ambiguous name is.
    expect(alpha?.claims.map((c) => [c.path, c.intent, c.confidence])).toEqual([
      ["src/a/view.go", "write", 0.85],
      ["src/a/m.go", "write", 0.36],
    ]);
    expect(plan.conflicts.map((c) => [c.stories, c.paths, c.blocking])).toEqual([
      [["1-1-alpha", "1-2-beta"], ["src/a/m.go"], true],
    ]);
  });

  it("leaves out a story of more markdown than the parser reads safely, with its file and the limit, and plans the others", () => {
    const dir = tempProject({
      [SPRINT]: "development_status:\n  1-1-alpha: ready-for-dev\n  1-2-beta: ready-for-dev\n",
      // 400,000 of these lines (7.6 MB) ran the plan out of memory after two and a half minutes;
      // 8,000 (150 KB) cost 64,000, each line three and its five marks one.
      [`${ARTIFACTS}/1-1-alpha.md`]: `# Story 1.1: Alpha\n\n## Tasks\n\n${"- [ ] Create `a.go`\n".repeat(8_000)}`,
      [`${ARTIFACTS}/1-2-beta.md`]: ordinaryStory("1.2", "Beta", "src/b.ts"),
    });
    const { plan } = planProject(dir, { env, cache: false });
    expect(plan.stories.map((s) => [s.key, s.error?.file, s.error?.line])).toEqual([
      ["1-1-alpha", `${ARTIFACTS}/1-1-alpha.md`, 1],
      ["1-2-beta", undefined, undefined],
    ]);
    expect(plan.stories[0]?.error?.message).toBe(
      `the file is too much markdown to parse safely: it costs 64,018 (three for each line, two for each table cell, one for each mark that can open or close a construct: * _ [ ] \` < > & ! \\ ~ # -), more than the ${MAX_PARSE_COST.toLocaleString("en-US")} a file may cost (the parser needs up to 7 KB of memory for each)`,
    );
    expect(plan.schedule.batchNow).toEqual(["1-2-beta"]);
    expect(plan.stories[1]?.claims.map((c) => c.path)).toContain("src/b.ts");
    // `status` counts the tasks of the stories it can read, and of this one none.
    expect(taskProgress(dir, `${ARTIFACTS}/1-1-alpha.md`)).toBeUndefined();
    expect(taskProgress(dir, `${ARTIFACTS}/1-2-beta.md`)).toEqual({ done: 0, total: 1 });
  });

  it("reports globs with more wildcards than a path needs, and a name past 255 characters", () => {
    const many = `src/${"*a".repeat(11)}*b`; // a dozen in one name
    const spread = `src/${"*a*a*a/".repeat(5)}*b`; // three in each of five names
    const real = "src/Services/*Privacy*Erasure*"; // three in one name: a real project's
    const names = `src/${"a".repeat(12)}/`.repeat(5);
    const dir = tempProject({
      [SPRINT]: "development_status:\n  1-1-alpha: ready-for-dev\n  1-2-beta: ready-for-dev\n",
      [`${ARTIFACTS}/1-1-alpha.md`]: `${ordinaryStory("1.1", "Alpha", many)}\n- [ ] Update \`${spread}\` and \`${real}\`\n`,
      [`${ARTIFACTS}/1-2-beta.md`]: `${ordinaryStory("1.2", "Beta", `src/${"a".repeat(40)}.ts`)}\n- [ ] Create \`src/${"n".repeat(256)}.ts\` and \`${names}c.ts\`\n`,
    });
    const { plan } = planProject(dir, { env, cache: false });
    const tooMany =
      "is a glob with more wildcards than a path needs (one per name, and two more): skipped";
    expect(plan.findings.map((f) => [f.story, f.detail])).toEqual([
      ["1-1-alpha", `\`${many}\` ${tooMany}`],
      ["1-1-alpha", `\`${spread}\` ${tooMany}`],
      [
        "1-2-beta",
        expect.stringMatching(/^`src\/n+\.\.\.` has a name longer than 255 characters: skipped$/),
      ],
    ]);
    expect(plan.stories[0]?.claims.map((c) => c.path)).toContain(real);
    expect(plan.stories[1]?.claims.map((c) => c.path)).toContain(`src/${"a".repeat(40)}.ts`);
  });

  it("reads a code span of 150,000 nested braces (each level was one more pass over it)", () => {
    const doc = parseStory(
      `## Tasks\n\n- [ ] Update \`${"{".repeat(150_000)}${"}".repeat(150_000)}\` and \`src/a.ts\`\n`,
    );
    expect(doc.mentions.map((m) => m.path)).toContain("src/a.ts");
  });

  it("reads a code block line of 120,000 'npm i to' (each looked for a -g to the line's end)", () => {
    const doc = parseStory(
      `## Tasks\n\n\`\`\`\n${"npm i to ".repeat(120_000)}\nnpm i zod\n\`\`\`\n`,
    );
    expect(doc.mentions.map((m) => [m.path, m.line])).toEqual([["package.json", 5]]);
  });

  it("reads a story_location of 'a', 300,000 spaces and 'b' (a lazy value tried each split)", () => {
    const value = `a${" ".repeat(300_000)}b`;
    const dir = tempProject({
      [SPRINT]: `story_location: ${value}\ndevelopment_status:\n  1-1-alpha: ready-for-dev\n`,
      [`${ARTIFACTS}/1-1-alpha.md`]: ordinaryStory("1.1", "Alpha", "src/a.ts"),
    });
    const { plan } = planProject(dir, { env, cache: false });
    expect(plan.stories[0]?.file).toBe(`${ARTIFACTS}/1-1-alpha.md`);
  });

  it("reads a patch header's path to its last letter in one pass, and never from the next line", () => {
    expect(
      patchPaths(`*** Add File: a${" ".repeat(300_000)}b\n*** Move to: \n*** Delete File: d.ts\n`),
    ).toEqual([`a${" ".repeat(300_000)}b`, "d.ts"]);
  });

  it("plans a story that draws a file named constructor (a lookup found the prototype's)", () => {
    const tree = "```\n├── src/\n│   └── constructor\n└── toString\n```\n";
    const dir = tempProject({
      [SPRINT]: "development_status:\n  1-1-alpha: ready-for-dev\n",
      [`${ARTIFACTS}/1-1-alpha.md`]: `${ordinaryStory("1.1", "Alpha", "src/x.ts")}\n${tree}`,
    });
    const { plan } = planProject(dir, { env, cache: false });
    expect(plan.stories.map((s) => s.error)).toEqual([undefined]);
    expect(plan.stories[0]?.claims.map((c) => c.path)).toEqual(
      expect.arrayContaining(["src/x.ts", "src/constructor"]),
    );
  });

  it("escapes 200,000 unclosed HTML comment starts in one pass, and only those no end follows", () => {
    const problems: MarkdownProblem[] = [];
    const escaped = escapeRunawayHtml(`<!--\n<!-- a\nb -->\n${"<!--\n".repeat(200_000)}`, problems);
    expect(escaped.startsWith("<!--\n<!-- a\nb -->\n\\<!--\n\\<!--\n")).toBe(true);
    expect(problems).toHaveLength(200_000);
    expect(problems[0]?.line).toBe(4);
  });

  it("never follows a story_location outside the project: reported, the sprint folder used", () => {
    for (const location of ["/", "{project-root}/../..", ".."]) {
      const dir = tempProject({
        [SPRINT]: `story_location: "${location}"\ndevelopment_status:\n  1-1-alpha: ready-for-dev\n`,
        [`${ARTIFACTS}/1-1-alpha.md`]: ordinaryStory("1.1", "Alpha", "src/a.ts"),
      });
      const { plan } = planProject(dir, { env, cache: false });
      expect(plan.sources).toContain(
        `${SPRINT}: story_location "${location}" leaves the project: ignored`,
      );
      expect(plan.stories[0]?.file).toBe(`${ARTIFACTS}/1-1-alpha.md`);
    }
  });

  it("refuses an athena.json story folder outside the project, naming the setting", () => {
    const dir = tempProject({
      [SPRINT]: "development_status:\n  1-1-alpha: ready-for-dev\n",
      "athena.json": JSON.stringify({ bmad: { paths: { stories: "../elsewhere" } } }),
    });
    expect(() => planProject(dir, { env, cache: false })).toThrow(
      'bmad.paths.stories "../elsewhere" leaves the project',
    );
  });
});

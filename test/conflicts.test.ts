import { describe, expect, it } from "vitest";
import { DEFAULT_SHARED_FILES } from "../src/config/schema.ts";
import { claimCovers, kindOf } from "../src/plan/claims.ts";
import { findConflicts, type ResolvedComponent } from "../src/plan/conflicts.ts";
import { KnownTree } from "../src/plan/known-tree.ts";
import {
  MERMAID_MAX_EDGES,
  mermaidText,
  renderMarkdown,
  renderMermaid,
} from "../src/plan/render.ts";
import type { Claim, Conflict, Plan, PlannedStory } from "../src/plan/types.ts";
import { covered } from "../src/run/live.ts";

let line = 0;
function story(
  key: string,
  claims: Array<string | (Partial<Claim> & { path: string })>,
  deps: string[] = [],
): PlannedStory {
  return {
    key,
    id: key,
    title: key,
    status: "ready-for-dev",
    file: `${key}.md`,
    role: "in-batch",
    tasks: { done: 0, total: 1 },
    claims: claims.map((c) => {
      const claim = typeof c === "string" ? { path: c } : c;
      return {
        kind: kindOf(claim.path),
        intent: "write",
        origin: "story",
        confidence: 0.9,
        basis: "task/write/path",
        evidence: { file: `${key}.md`, section: "Tasks", line: ++line },
        ...claim,
      } as Claim;
    }),
    dependencies: deps.map((d) => ({
      id: d,
      key: d,
      status: "ready-for-dev",
      evidence: { file: `${key}.md`, section: "Dev Notes", line: 1 },
    })),
  };
}

const options = (known: string[] = [], sharedFiles = ["package.json", "**/migrations/**"]) => ({
  sharedFiles,
  conflictConfidence: 0.5,
  known: new KnownTree(known),
  components: [] as ResolvedComponent[],
});
const summary = (stories: PlannedStory[], opts = options()) =>
  findConflicts(stories, opts).map((c) => `${c.kind} ${c.stories.join("+")} ${c.paths.join(",")}`);

describe("findConflicts", () => {
  it("finds two stories writing one file, with both pieces of evidence", () => {
    const conflicts = findConflicts(
      [story("a", ["src/x.ts"]), story("b", ["src/x.ts", "src/y.ts"])],
      options(),
    );
    expect(conflicts).toHaveLength(1);
    expect(conflicts[0]).toMatchObject({
      kind: "file",
      stories: ["a", "b"],
      paths: ["src/x.ts"],
      detail: "both write `src/x.ts` (a 90%, task/write/path; b 90%, task/write/path)",
      blocking: true,
      confidence: 0.9,
    });
    expect(conflicts[0]?.evidence.map((e) => e.file)).toEqual(["a.md", "b.md"]);
  });

  it("shows the surest overlap of a pair first, its path and its evidence, after weaker ones met first", () => {
    const weak = { confidence: 0.2, basis: "notes/none/dir" };
    const a = story("a", [
      "src/c/1.ts",
      "src/c/2.ts",
      "src/c/3.ts",
      "src/c/4.ts",
      "src/c/5.ts",
      "src/c/card.tsx",
    ]);
    const b = story("b", [{ path: "src/c/", ...weak }, "src/c/card.tsx"]);
    const [conflict] = findConflicts([a, b], options());
    expect(conflict?.detail).toBe(
      "both write `src/c/card.tsx` (a 90%, task/write/path; b 90%, task/write/path)",
    );
    expect(conflict?.paths[0]).toBe("src/c/card.tsx");
    const lineOf = (s: PlannedStory, p: string) =>
      s.claims.find((c) => c.path === p)?.evidence.line;
    expect(conflict?.evidence.slice(0, 2).map((e) => e.line)).toEqual([
      lineOf(a, "src/c/card.tsx"),
      lineOf(b, "src/c/card.tsx"),
    ]);
  });

  it("finds a file inside a claimed folder, in both directions, and nested folders", () => {
    expect(summary([story("a", ["src/models/"]), story("b", ["src/models/user.ts"])])).toEqual([
      "file a+b src/models/user.ts",
    ]);
    expect(summary([story("a", ["src/models/user.ts"]), story("b", ["src/models/"])])).toEqual([
      "file a+b src/models/user.ts",
    ]);
    expect(summary([story("a", ["src/"]), story("b", ["src/models/"])])).toEqual([
      "file a+b src/models/",
    ]);
    expect(summary([story("a", ["src/models/"]), story("b", ["src/modelsx/a.ts"])])).toEqual([]);
  });

  it("never counts a read", () => {
    expect(
      summary([story("a", ["src/x.ts"]), story("b", [{ path: "src/x.ts", intent: "read" }])]),
    ).toEqual([]);
  });

  it("matches globs against files, folders, and other globs over the known tree", () => {
    expect(summary([story("a", ["src/**/*.test.ts"]), story("b", ["src/ui/a.test.ts"])])).toEqual([
      "file a+b src/ui/a.test.ts",
    ]);
    expect(summary([story("a", ["src/**/*.test.ts"]), story("b", ["src/ui/a.ts"])])).toEqual([]);
    expect(summary([story("a", ["src/ui/*.tsx"]), story("b", ["src/ui/"])])).toHaveLength(1);
    const known = ["src/ui/a.test.tsx", "src/api/b.ts"];
    expect(
      summary([story("a", ["src/**/*.test.tsx"]), story("b", ["src/ui/*"])], options(known)),
    ).toHaveLength(1);
    expect(
      summary([story("a", ["src/**/*.test.tsx"]), story("b", ["src/api/*"])], options(known)),
    ).toEqual([]);
  });

  it("reports hot shared files as `shared`, and two new files in one migrations folder", () => {
    expect(summary([story("a", ["package.json"]), story("b", ["package.json"])])).toEqual([
      "shared a+b package.json",
    ]);
    expect(
      summary([story("a", ["db/migrations/001_a.sql"]), story("b", ["db/migrations/002_b.sql"])]),
    ).toEqual(["shared a+b db/migrations/001_a.sql,db/migrations/002_b.sql"]);
    expect(
      summary([story("a", ["package.json"]), story("b", ["package.json"])], options([], [])),
    ).toEqual(["file a+b package.json"]);
    // The defaults' manifests anywhere: a workspace's own, apart from the root's.
    const nested = options([], DEFAULT_SHARED_FILES);
    const web = "apps/web/package.json";
    expect(
      summary([story("a", [web]), story("b", [web]), story("c", ["package.json"])], nested),
    ).toEqual([`shared a+b ${web}`]);
    // A README, the root's or a package's, is shared by default: stories plan to update it far
    // more often than they do, and those that do add a paragraph the locks take in turns.
    for (const readme of ["README.md", "backend/README.md", "pkg/readme.md"])
      expect(summary([story("a", [readme]), story("b", [readme])], nested)).toEqual([
        `shared a+b ${readme}`,
      ]);
    expect(summary([story("a", ["docs/guide.md"]), story("b", ["docs/guide.md"])], nested)).toEqual(
      ["file a+b docs/guide.md"],
    );
    // Generated code too: each story regenerates it from its own sources, and the later run
    // includes both. A file merely named like one stays a file.
    for (const generated of [
      "apps/web/src/generated/graphql.ts",
      "src/__generated__/types.ts",
      "lib/models/user.g.dart",
      "lib/models/user.freezed.dart",
      "src/routeTree.gen.ts",
      "api/v1/service.pb.go",
      "proto/service_pb2.py",
    ])
      expect(summary([story("a", [generated]), story("b", [generated])], nested)).toEqual([
        `shared a+b ${generated}`,
      ]);
    for (const source of ["src/generator.ts", "src/generated.ts", "lib/g.dart"])
      expect(summary([story("a", [source]), story("b", [source])], nested)).toEqual([
        `file a+b ${source}`,
      ]);
  });

  it("reports a component both stories touch without a file in common, unless a file conflict says more", () => {
    const components = [
      { name: "Dashboard UI", file: "arch.md", line: 7, paths: ["src/ui/dashboard/"] },
    ];
    const opts = { ...options(), components };
    expect(
      summary(
        [story("a", ["src/ui/dashboard/A.tsx"]), story("b", ["src/ui/dashboard/B.tsx"])],
        opts,
      ),
    ).toEqual(["component a+b src/ui/dashboard/A.tsx,src/ui/dashboard/B.tsx"]);
    expect(
      summary(
        [story("a", ["src/ui/dashboard/A.tsx"]), story("b", ["src/ui/dashboard/A.tsx"])],
        opts,
      ),
    ).toEqual(["file a+b src/ui/dashboard/A.tsx"]);
    const viaName = story("a", [{ path: "src/ui/dashboard/", origin: "component" }]);
    expect(summary([viaName, story("b", ["src/ui/dashboard/B.tsx"])])).toEqual([
      "component a+b src/ui/dashboard/B.tsx",
    ]);
  });

  it("reports a dependency between two planned stories", () => {
    expect(summary([story("a", []), story("b", [], ["a"])])).toEqual(["dependency a+b "]);
    expect(summary([story("b", [], ["zz"])])).toEqual([]);
  });
});

describe("claimCovers and the run's covered check", () => {
  const claimOf = (path: string, intent: Claim["intent"] = "write") =>
    story("s", [{ path, intent }]).claims[0] as Claim;

  it("covers the same file, files under a folder, and files a glob matches", () => {
    expect(claimCovers(claimOf("src/a.ts"), "src/a.ts")).toBe(true);
    expect(claimCovers(claimOf("src/a.ts"), "src/a.tsx")).toBe(false);
    expect(claimCovers(claimOf("src/"), "src/deep/b.ts")).toBe(true);
    expect(claimCovers(claimOf("src/"), "srcx/b.ts")).toBe(false);
    expect(claimCovers(claimOf("lang/*.json"), "lang/en.json")).toBe(true);
    expect(claimCovers(claimOf("lang/*.json"), "lang/sub/en.json")).toBe(false);
    expect(claimCovers(claimOf("lang/*.json"), "lang/.hidden.json")).toBe(true);
  });

  it("counts a write a glob claim matches as inside the story's claims, a read claim as not", () => {
    const planned = story("s", [{ path: "lang/*.json" }, { path: "docs/*.md", intent: "read" }]);
    expect(covered("lang/en.json", planned)).toBe(true);
    expect(covered("docs/guide.md", planned)).toBe(false);
    expect(covered("s.md", planned)).toBe(true);
    expect(covered("src/other.ts", planned)).toBe(false);
  });
});

describe("renderMermaid", () => {
  it("keeps a title's other characters as Mermaid's entity codes, so none ends the label", () => {
    expect(mermaidText('1.2: Prices in € (VAT) ["net"] #3; a\u0007b')).toBe(
      "1.2: Prices in #8364; #40;VAT#41; #91;#34;net#34;#93; #35;3#59; ab",
    );
    expect(mermaidText("Émile's café: 7 / 8")).toBe("Émile's café: 7 / 8");
  });

  it("keeps every dependency and blocking edge, and advisory ones only up to Mermaid's edge limit", () => {
    const stories = Array.from({ length: 40 }, (_, i) => story(`s${i}`, []));
    const conflict = (a: number, b: number, blocking: boolean): Conflict => ({
      kind: blocking ? "file" : "component",
      confidence: 1,
      stories: [`s${a}`, `s${b}`],
      paths: [],
      evidence: [],
      detail: "",
      blocking,
    });
    const advisory = stories.flatMap((_, a) =>
      stories.slice(a + 1).map((__, j) => conflict(a, a + 1 + j, false)),
    );
    const blocking = [conflict(0, 39, true), conflict(1, 38, true)];
    const plan = { stories, conflicts: [...advisory, ...blocking] } as unknown as Plan;
    const text = renderMermaid(plan);
    const edges = text.split("\n").filter((l) => /<-\.|-->/.test(l));
    expect(edges).toHaveLength(MERMAID_MAX_EDGES);
    expect(edges).toContain("  s_s0 <-. file .-> s_s39");
    expect(edges).toContain("  s_s1 <-. file .-> s_s38");
    expect(text).toContain(
      `%% ${advisory.length + 2 - MERMAID_MAX_EDGES} advisory overlaps left out: Mermaid draws at most 500 edges`,
    );
    const small = renderMermaid({ stories, conflicts: blocking } as unknown as Plan);
    expect(small).not.toContain("%%");
  });
});

describe("renderMarkdown under a budget", () => {
  // Thirty stories: pairs that write one file each (blocking), and all writing `src/app.ts`
  // below the line (advisory): 15 blocking conflicts and 435 advisory ones.
  // Titles in Chinese: the host counts bytes, three a character here.
  const stories = Array.from({ length: 30 }, (_, i) => ({
    ...story(`1-${i + 1}-s`, [
      `src/pair${Math.floor(i / 2)}.ts`,
      { path: "src/app.ts", confidence: 0.2, basis: "notes/none/path" },
      ...Array.from({ length: 4 }, (__, j) => `src/own${i}-${j}.ts`),
    ]),
    title: "实现统计视图组件".repeat(20),
  }));
  const conflicts = findConflicts(stories, options());
  const plan = {
    mode: "named",
    stories,
    conflicts,
    schedule: {
      cap: 3,
      batchNow: stories.slice(0, 3).map((s) => s.key),
      waves: [stories.map((s) => s.key)],
      criticalPath: [],
      makespan: 1,
      blocked: [],
    },
    findings: [],
    warnings: ["a warning that must be kept"],
    sources: ["sprint status: sprint-status.yaml"],
  } as unknown as Plan;
  const blocking = conflicts.filter((c) => c.blocking);
  const advisory = conflicts.filter((c) => !c.blocking);
  const lineOf = (c: Conflict) => ` ${c.stories[0]} (${c.stories[0]}) <-> ${c.stories[1]} (`;

  it("shows every conflict in full without a budget, each with at most two evidence lines", () => {
    expect(blocking).toHaveLength(15);
    // A pair's conflict holds its `src/app.ts` overlap too: 435 pairs, 15 of them blocking.
    expect(advisory).toHaveLength(420);
    const text = renderMarkdown(plan);
    for (const c of conflicts) expect(text).toContain(lineOf(c));
    // Two places at most under a conflict, then the count of the rest.
    const runs = text.match(/(?:\n {2}- \S+\.md:\d+ \(.*)+/g) ?? [];
    expect(Math.max(...runs.map((run) => run.split("\n").length - 1))).toBe(2);
    expect(text).toContain(
      "1-1-s (1-1-s) <-> 1-2-s (1-2-s): both write `src/pair0.ts` (1-1-s 90%, task/write/path; 1-2-s 90%, task/write/path)\n  - 1-1-s.md:1 (Tasks)\n  - 1-2-s.md:7 (Tasks)\n  - and 2 more (the JSON report lists them)",
    );
    expect(text).toContain("Writes:\n- `src/pair0.ts` 90% task/write/path");
  });

  it("keeps within the budget, every blocking conflict and the end of the report, counting what it left out", () => {
    const full = Buffer.byteLength(renderMarkdown(plan));
    for (const budget of [full - 1, 60_000, 40_000, 30_000]) {
      const text = renderMarkdown(plan, { budget });
      expect(Buffer.byteLength(text)).toBeLessThanOrEqual(budget);
      for (const c of blocking) expect(text).toContain(lineOf(c));
      expect(text).toContain("## Warnings\n\n- a warning that must be kept");
      expect(text.trimEnd().endsWith("- sprint status: sprint-status.yaml")).toBe(true);
      // Every advisory overlap is shown or counted.
      const shown = advisory.filter((c) => text.includes(lineOf(c))).length;
      const counted = Number(/- and (\d+) more advisory overlaps/.exec(text)?.[1] ?? 0);
      expect(shown + counted).toBe(advisory.length);
    }
    expect(renderMarkdown(plan, { budget: 30_000 })).toMatch(/- and \d+ more advisory overlaps/);
    // Just over the full length: only the stories are shortened, to one line of writes each.
    const brief = renderMarkdown(plan, { budget: full - 1 });
    expect(brief).toContain("Writes: `src/pair0.ts` 90%, `src/app.ts` 20%");
    expect(brief).not.toContain("more advisory overlaps");
  });
});

// Last in the file: `story` numbers evidence lines file-wide, and the tests above quote theirs.
describe("renderMarkdown's conflicts", () => {
  // Four stories in one component, a and b also writing one file, b, c and d a shared file.
  const components = [{ name: "Dashboard UI", file: "arch.md", line: 7, paths: ["src/ui/"] }];
  const stories = [
    story("a", ["src/ui/A.tsx", "src/ui/common.ts"]),
    story("b", ["src/ui/B.tsx", "src/ui/common.ts", "package.json"]),
    story("c", ["src/ui/C.tsx", "package.json"]),
    story("d", ["src/ui/D.tsx", "package.json"]),
  ];
  const conflicts = findConflicts(stories, { ...options(), components });
  const plan = (list: Conflict[]) =>
    ({
      mode: "named",
      stories,
      conflicts: list,
      schedule: { cap: 3, batchNow: [], waves: [], criticalPath: [], makespan: 1, blocked: [] },
      findings: [],
      warnings: [],
      sources: [],
    }) as unknown as Plan;
  const section = (text: string) =>
    text.slice(text.indexOf("## Conflicts"), text.indexOf("## Stories"));

  it("gives the advisory pairs through one component or one shared file one entry, and each blocking pair its own", () => {
    expect(conflicts.filter((c) => c.kind === "component")).toHaveLength(5);
    expect(conflicts.filter((c) => c.kind === "shared")).toHaveLength(3);
    const text = section(renderMarkdown(plan(conflicts)));
    expect(text).toContain(
      "- **file** (blocks, 90% sure) a (a) <-> b (b): both write `src/ui/common.ts`",
    );
    expect(text).toContain(
      '- **component** (advisory) a (a), b (b), c (c), d (d): all touch the component "Dashboard UI" (5 pairs)',
    );
    expect(text).toContain(
      "- **shared** (advisory) b (b), c (c), d (d): all write the shared `package.json` (3 pairs)",
    );
    expect(text).not.toMatch(/\*\*(component|shared)\*\* \(advisory\) \S+ \(\S+\) <->/);
    // The blocking pair first; a group's evidence shown once per place, then counted.
    expect(text.indexOf("**file**")).toBeLessThan(text.indexOf("**component**"));
    const group = text.slice(text.indexOf("**component**")).split("\n- ")[0] ?? "";
    expect(group.match(/^ {2}- \S+:\d+ /gm)).toHaveLength(2);
    expect(group).toMatch(/- and \d+ more \(the JSON report lists them\)/);
  });

  it("gives three hundred stories sharing one file one entry, with its places counted", () => {
    const many = Array.from({ length: 300 }, (_, i) => story(`m${i}`, ["package.json"]));
    const shared = findConflicts(many, options());
    expect(shared).toHaveLength((300 * 299) / 2);
    const text = section(renderMarkdown({ ...plan(shared), stories: many } as Plan));
    expect(text.match(/^- /gm)).toHaveLength(1);
    expect(text).toContain("all write the shared `package.json` (44850 pairs)");
    expect(text).toContain("  - and 298 more (the JSON report lists them)");
  });

  it("keeps a lone advisory pair as a pair", () => {
    const one = conflicts.filter((c) => c.kind === "shared").slice(0, 1);
    expect(section(renderMarkdown(plan(one)))).toContain(
      "- **shared** (advisory) b (b) <-> c (c): both write the shared `package.json`",
    );
  });
});

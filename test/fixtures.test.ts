/**
 * The fixture projects (see fixtures/README.md): exact claims, conflicts and schedules.
 */
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import type { Plan } from "../src/plan/types.ts";
import { planProject } from "../src/plan-project.ts";
import { copyFixture } from "./helpers/tmp.ts";

const env = { HOME: "/nonexistent", XDG_CONFIG_HOME: "/nonexistent" };
const plan = (dir: string, ids?: string[]) =>
  planProject(dir, { ...(ids ? { ids } : {}), cache: false, env }).plan;

const writes = (p: Plan) =>
  Object.fromEntries(
    p.stories.map((s) => [
      s.key,
      s.claims
        .filter((c) => c.intent === "write")
        .map((c) => `${c.path}${c.origin === "component" ? " (component)" : ""}`)
        .sort(),
    ]),
  );
const reads = (p: Plan) =>
  Object.fromEntries(
    p.stories.map((s) => [
      s.key,
      s.claims
        .filter((c) => c.intent === "read")
        .map((c) => c.path)
        .sort(),
    ]),
  );
const conflicts = (p: Plan) =>
  p.conflicts
    .map((c) => `${c.kind} ${c.stories.join(" + ")}: ${[...c.paths].sort().join(", ")}`)
    .sort();

describe("fixtures/stable-project (stable layout, proposed batch)", () => {
  const p = plan(copyFixture("stable-project"));

  it("finds the files through _bmad/bmm/config.yaml", () => {
    expect(p.sources).toEqual([
      "BMAD config: _bmad/bmm/config.yaml",
      "sprint status: _bmad-output/implementation-artifacts/sprint-status.yaml",
      "stories: _bmad-output/implementation-artifacts/ (and sub-folders), then _bmad-output/",
      "architecture: _bmad-output/planning-artifacts/architecture.md",
      "history: 1 done story with a File List (0 hot files)",
    ]);
    expect(p.mode).toBe("proposed");
  });

  it("predicts every story's writes and reads", () => {
    expect(writes(p)).toEqual({
      "1-2-account-management": [
        "package.json",
        "src/api/handlers/accounts.ts",
        "src/api/routes.ts",
        "src/auth/session.ts",
        "tests/api/accounts.test.ts",
      ],
      "1-3-plant-data-model": [
        "src/db/migrations/002_plants.sql",
        "src/models/",
        "src/models/index.ts",
        "src/models/plant.ts",
        "tests/db/plants-migration.test.ts",
      ],
      "2-1-garden-dashboard": [
        "src/api/routes.ts",
        "src/ui/dashboard/ (component)",
        "src/ui/dashboard/GardenView.tsx",
        "tests/ui/garden-view.test.tsx",
      ],
      "2-2-watering-schedule": [
        "package.json",
        "src/models/schedule.ts",
        "src/services/watering.ts",
        "tests/services/watering.test.ts",
      ],
      "2-3-watering-notifications": [
        "src/services/notifier.ts",
        "src/ui/dashboard/AlertsPanel.tsx",
        "tests/services/notifier.test.ts",
      ],
      "1-4-session-tokens": ["src/auth/session.ts", "tests/auth/session.test.ts"],
    });
    expect(reads(p)["1-2-account-management"]).toEqual(["src/auth/login.ts"]);
    expect(reads(p)["1-3-plant-data-model"]).toEqual([
      "src/api/routes.ts",
      "src/db/migrations/001_init.sql",
    ]);
  });

  it("reports each conflict once, of the right kind, with evidence", () => {
    expect(conflicts(p)).toEqual([
      "component 2-1-garden-dashboard + 2-3-watering-notifications: src/ui/dashboard/, src/ui/dashboard/AlertsPanel.tsx, src/ui/dashboard/GardenView.tsx",
      "dependency 2-2-watering-schedule + 2-3-watering-notifications: ",
      "file 1-2-account-management + 1-4-session-tokens: src/auth/session.ts",
      "file 1-2-account-management + 2-1-garden-dashboard: src/api/routes.ts",
      "file 1-3-plant-data-model + 2-2-watering-schedule: src/models/schedule.ts",
      "shared 1-2-account-management + 2-2-watering-schedule: package.json",
    ]);
    const routes = p.conflicts.find((c) => c.paths.includes("src/api/routes.ts"));
    expect(routes?.evidence.map((e) => `${path.basename(e.file)}:${e.line}`)).toContain(
      "2-1-garden-dashboard.md:21",
    );
    expect(p.conflicts.find((c) => c.kind === "dependency")?.evidence[0]).toMatchObject({
      file: "_bmad-output/implementation-artifacts/2-3-watering-notifications.md",
    });
  });

  it("checks the batch against a story in progress outside it", () => {
    expect(p.stories.find((s) => s.key === "1-4-session-tokens")?.role).toBe("in-progress");
  });

  it("says which story ids of athena.json name no story, or several, once each, and ignores them", () => {
    const dir = copyFixture("stable-project");
    writeFileSync(
      path.join(dir, "athena.json"),
      `${JSON.stringify({
        parallel: {
          stories: { "7.7": { agent: "build" } },
          dependencies: { "2.2": ["8.8", "1.3"], "9.9": ["1.1"] },
        },
      })}\n`,
    );
    const p = plan(dir);
    const said = p.warnings.filter((w) => w.startsWith("athena.json"));
    expect(said).toEqual([
      'athena.json parallel.stories: unknown story "7.7": no story key or id matches it; ignored',
      expect.stringMatching(/^athena\.json parallel\.dependencies\["2\.2"\]: unknown story "8\.8"/),
      expect.stringMatching(/^athena\.json parallel\.dependencies: unknown story "9\.9"/),
    ]);
    // No warning at a line 0; the good dependency still holds.
    expect(p.warnings.join("\n")).not.toContain(":0:");
    expect(p.stories.find((s) => s.key === "2-2-watering-schedule")?.dependencies).toEqual([
      expect.objectContaining({ id: "8.8" }),
      expect.objectContaining({ id: "1.3", key: "1-3-plant-data-model" }),
    ]);
  });

  it("says a missing sprint file came from bmad.paths.sprintStatus when the config gave it", () => {
    const dir = copyFixture("stable-project");
    writeFileSync(
      path.join(dir, "athena.json"),
      `${JSON.stringify({ bmad: { paths: { sprintStatus: "nope.yaml" } } })}\n`,
    );
    expect(() => plan(dir)).toThrow(
      /no sprint-status\.yaml at nope\.yaml, the path bmad\.paths\.sprintStatus gives \(athena\.json\)/,
    );
  });

  it("reports a path that leaves the project as a finding, never a claim", () => {
    expect(p.findings.map((f) => [f.story, f.path, f.reason])).toEqual([
      ["1-3-plant-data-model", "../shared/secrets.env", "outside-project"],
    ]);
  });

  it("schedules list-style under the cap: conflicts apart, dependencies after, the longest chain first", () => {
    // 1.3 names `src/models/` only in its Dev Notes: inside it, 2.2's schedule.ts overlaps,
    // but a folder named in prose is rarely written whole, so that overlap is advisory.
    expect(p.schedule.waves).toEqual([
      ["2-2-watering-schedule", "2-1-garden-dashboard", "1-3-plant-data-model"],
      ["2-3-watering-notifications"],
      ["1-2-account-management"],
    ]);
    expect(p.schedule.batchNow).toEqual([
      "2-2-watering-schedule",
      "2-1-garden-dashboard",
      "1-3-plant-data-model",
    ]);
    const advisory = p.conflicts.find((c) => c.paths.includes("src/models/schedule.ts"));
    expect(advisory).toMatchObject({ kind: "file", blocking: false, confidence: 0.2 });
    // 1.2 waits for 1.4, running outside the batch, and for 2.1 (both write routes.ts).
    expect(p.schedule.criticalPath.at(-1)).toBe("1-2-account-management");
    expect(p.schedule.blocked).toEqual([]);
  });
});

describe("fixtures/alpha-project (alpha layout, nested stories, sharded architecture)", () => {
  const p = plan(copyFixture("alpha-project"));

  it("reads the sharded architecture and the nested story folders", () => {
    expect(p.sources).toContain(
      "architecture: docs/architecture/components.md, docs/architecture/index.md, docs/architecture/source-tree.md",
    );
    expect(p.stories.map((s) => s.file)).toEqual([
      "docs/sprint-artifacts/stories/epic-3/3-2-search-api.md",
      "docs/sprint-artifacts/stories/epic-3/3-2a-search-filters.md",
      "docs/sprint-artifacts/stories/epic-3/3-3-search-ui.md",
      "docs/sprint-artifacts/stories/epic-3.5/3-5-1-cache-layer.md",
      "docs/sprint-artifacts/stories/epic-3.5/3-5-2-cache-invalidation.md",
    ]);
    expect(p.stories.map((s) => s.id)).toEqual(["3.2", "3.2a", "3.3", "3.5.1", "3.5.2"]);
  });

  it("resolves package-relative names, :line suffixes and ./ prefixes against the known tree", () => {
    const ui = p.stories.find((s) => s.key === "3-3-search-ui");
    expect(ui?.claims.find((c) => c.path === "web/FilterBar.tsx")?.note).toBe(
      "resolved from `FilterBar.tsx`",
    );
    expect(writes(p)["3-3-search-ui"]).toEqual([
      "tests/web/search-page.test.tsx",
      "web/FilterBar.tsx",
      "web/SearchPage.tsx",
    ]);
  });

  it("finds the conflicts and the dependencies written in prose", () => {
    expect(conflicts(p)).toEqual([
      "component 3-2-search-api + 3-2a-search-filters: server/search/, server/search/filters.ts, server/search/index.ts, server/search/query.ts",
      "component 3-5-1-cache-layer + 3-5-2-cache-invalidation: server/cache/, server/cache/invalidate.ts, server/cache/store.ts",
      "dependency 3-2-search-api + 3-2a-search-filters: ",
      "dependency 3-5-1-cache-layer + 3-5-2-cache-invalidation: ",
      "file 3-2a-search-filters + 3-3-search-ui: web/FilterBar.tsx",
    ]);
    expect(p.stories.find((s) => s.key === "3-2-search-api")?.dependencies).toMatchObject([
      { key: "3-1-search-index", status: "done" },
    ]);
  });

  it("schedules dependents after what they depend on", () => {
    expect(p.schedule.waves).toEqual([
      ["3-2-search-api", "3-5-1-cache-layer", "3-3-search-ui"],
      ["3-5-2-cache-invalidation"],
      ["3-2a-search-filters"],
    ]);
    expect(p.schedule.criticalPath).toEqual(["3-2-search-api", "3-2a-search-filters"]);
  });
});

describe("fixtures/edge-project (edge cases)", () => {
  it("reads a BOM and CRLF sprint file, lettered keys and epics, and tolerates no architecture", () => {
    const p = plan(copyFixture("edge-project"));
    expect(p.stories.map((s) => `${s.id} ${s.key}`)).toEqual([
      "1.1 1-1-first",
      "1.4 1-4-escape",
      "1.5 1-5-no-file",
      "1a.1 1a-1-lettered-epic",
    ]);
    expect(conflicts(p)).toEqual(["file 1-1-first + 1a-1-lettered-epic: src/one.ts"]);
    expect(p.sources).toContain("architecture: none found (component claims are off)");
  });

  it("keeps unknown statuses, warns about disagreements and stories without a file", () => {
    const p = plan(copyFixture("edge-project"), ["1.3", "1.5", "1.2a"]);
    expect(p.warnings).toEqual([
      'docs/sprint-artifacts/sprint-status.yaml:21: unknown status "blocked-by-legal" for 1-3-weird-status (kept as it is)',
      '1-3-weird-status is "blocked-by-legal", not ready-for-dev: planned because it was named',
      '1-2a-lettered is "drafted", not ready-for-dev: planned because it was named',
      'docs/sprint-artifacts/1-3-weird-status.md:3: the story says "Status: review" but docs/sprint-artifacts/sprint-status.yaml says "blocked-by-legal" (the sprint file counts)',
      "1-5-no-file (docs/sprint-artifacts/sprint-status.yaml:23) has no story file; looked for 1-5-no-file.md (or story-1-5-no-file.md, spec-1-5-no-file.md, or the same words after its number) under docs/sprint-artifacts/",
    ]);
    expect(p.schedule.blocked).toEqual([{ story: "1-5-no-file", reason: "no story file" }]);
  });

  it("never claims a path that leaves the project", () => {
    const p = plan(copyFixture("edge-project"), ["1.4"]);
    expect(p.findings.map((f) => f.path).sort()).toEqual([
      "../../etc/passwd",
      "/etc/hosts",
      "src/../../outside.txt",
    ]);
    // An absolute path is said to be one (it is as often an app's route as a file elsewhere).
    expect(Object.fromEntries(p.findings.map((f) => [f.path, f.detail]))).toMatchObject({
      "../../etc/passwd":
        "`../../etc/passwd` leaves the project: reported, never locked or followed",
      "/etc/hosts":
        "`/etc/hosts` is an absolute path outside the project (a file elsewhere, or a URL route): reported, never locked or followed",
    });
    expect(writes(p)["1-4-escape"]).toEqual(["src/four.ts", "tests/four.test.ts"]);
  });

  it("refuses a sprint file that does not parse, naming line and column, and writes nothing", () => {
    const dir = copyFixture("edge-project");
    const sprint = path.join(dir, "docs/sprint-artifacts/sprint-status.yaml");
    const broken = readFileSync(
      path.join(dir, "docs/sprint-artifacts/broken-sprint-status.yaml"),
      "utf8",
    );
    writeFileSync(sprint, broken);
    expect(() => plan(dir)).toThrow(
      /does not parse: All mapping items must start at the same column/,
    );
    try {
      plan(dir);
    } catch (error) {
      expect((error as { line?: number; column?: number }).line).toBe(7);
      expect((error as { column?: number }).column).toBe(1);
    }
    expect(readFileSync(sprint, "utf8")).toBe(broken);
  });

  it("plans a story of 120 KB (the largest real ones are tens of kilobytes), and leaves out a megabyte of task lines", () => {
    const dir = copyFixture("edge-project");
    const file = path.join(dir, "docs/sprint-artifacts/1-1-first.md");
    const story = readFileSync(file, "utf8");
    const withTasks = (count: number) => {
      const filler = Array.from(
        { length: count },
        (_, i) => `- [x] Subtask ${i}: adjust \`src/generated/part${i % 50}.ts\` and log it\n`,
      ).join("");
      writeFileSync(
        file,
        story.replace("## Dev Notes", `### More tasks\n\n${filler}\n## Dev Notes`),
      );
    };
    withTasks(1_900);
    expect(readFileSync(file).length).toBeGreaterThan(120_000);
    const planned = plan(dir, ["1.1"]).stories[0];
    expect(planned?.claims.filter((c) => c.path.startsWith("src/generated/"))).toHaveLength(50);
    expect(planned?.claims.map((c) => c.path)).toContain("src/one.ts");
    // A megabyte of these lines needs over a gigabyte to parse: the story is left out, named.
    withTasks(20_000);
    const [left] = plan(dir, ["1.1"]).stories;
    expect(left?.claims).toEqual([]);
    expect(left?.error?.message).toMatch(
      /^the file is too much markdown to parse safely: it costs 1\d\d,\d{3} /,
    );
  });
});

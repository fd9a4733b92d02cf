/**
 * Inputs seen in real BMAD projects that the planner misread: each rebuilt here in a few lines.
 */
import { describe, expect, it } from "vitest";
import { cueOf } from "../src/bmad/clause-cue.ts";
import { pathFromCode, pathsFromText } from "../src/bmad/path-text.ts";
import { loadProject } from "../src/bmad/project.ts";
import { resolveStoryId } from "../src/bmad/resolve-id.ts";
import { parseSprintStatus, withStories } from "../src/bmad/sprint-status.ts";
import { replaceStatus } from "../src/bmad/sprint-writer.ts";
import { parseStory } from "../src/bmad/story.ts";
import { loadConfig } from "../src/config/load.ts";
import { claimContext } from "../src/plan/build.ts";
import { KnownTree } from "../src/plan/known-tree.ts";
import { planTimeDoc, writtenFiles } from "../src/plan/learn.ts";
import { doneInputs, planProject } from "../src/plan-project.ts";
import { growth } from "./helpers/growth.ts";
import { tempProject } from "./helpers/tmp.ts";

const ART = "_bmad-output/implementation-artifacts";
const env = { HOME: "/nonexistent", XDG_CONFIG_HOME: "/nonexistent" };

/** A project of `stories` (key -> body, all of `status`) beside `files`. */
function project(
  stories: Record<string, string>,
  files: Record<string, string> = {},
  status = "ready-for-dev",
) {
  const keys = Object.keys(stories);
  return tempProject({
    [`${ART}/sprint-status.yaml`]: `development_status:\n  epic-1: in-progress\n${keys
      .map((k) => `  ${k}: ${status}\n`)
      .join("")}`,
    ...Object.fromEntries(
      Object.entries(stories).map(([key, body], i) => [
        `${ART}/${key}.md`,
        `# Story 1.${i + 1}: ${key}\n\nStatus: ${status}\n\n${body}\n`,
      ]),
    ),
    ...files,
  });
}

function plan(dir: string) {
  return planProject(dir, { cache: false, env }).plan;
}

/** A one-story project's done story: its parse, and the files its File List says it wrote. */
function doneStory(dir: string) {
  const { config } = loadConfig(dir, { env });
  const loaded = loadProject(dir, { config, cache: false });
  const [done] = doneInputs(loaded);
  return {
    doc: done?.doc,
    written: done && writtenFiles(done.doc, claimContext(loaded, config.parallel)),
  };
}

describe("a path with folders left out (`src/.../x.py`)", () => {
  const files = {
    "src/app/domain/backfill/config_loader.py": "",
    "src/app/infrastructure/settings/schema.py": "",
    "src/app/a/utils/helpers.py": "",
    "src/app/b/utils/helpers.py": "",
  };
  const list = [
    "## Dev Agent Record",
    "",
    "### File List",
    "",
    "| File | Change |",
    "|------|--------|",
    "| `src/.../backfill/config_loader.py` | Modify |",
    "| `.../settings/new_rules.py` | New |",
    "| `src/.../gone/missing.py` | Modify |",
    "| `src/.../utils/helpers.py` | Modify |",
  ].join("\n");

  it("names the one known path it fits, places a new file in the one folder it fits, and claims nothing else", () => {
    const p = plan(
      project(
        {
          "1-1-a": list,
          "1-2-b": "## Tasks / Subtasks\n\n- [ ] Update `src/app/domain/backfill/config_loader.py`",
        },
        files,
      ),
    );
    const a = p.stories.find((s) => s.key === "1-1-a");
    const writes = a?.claims.filter((c) => c.intent === "write").map((c) => c.path);
    expect(writes).toContain("src/app/domain/backfill/config_loader.py");
    expect(writes).toContain("src/app/infrastructure/settings/new_rules.py");
    // No claim keeps the `...`: a file of that name is nowhere, and two stories naming the same
    // file, one in full and one elided, would never meet.
    expect(a?.claims.filter((c) => c.path.includes("..."))).toEqual([]);
    const found = p.findings.filter((f) => f.story === "1-1-a").map((f) => [f.path, f.reason]);
    expect(found).toContainEqual(["src/.../gone/missing.py", "unresolved"]);
    expect(found).toContainEqual(["src/.../utils/helpers.py", "ambiguous"]);
    const conflict = p.conflicts.find(
      (c) => c.kind === "file" && c.paths.includes("src/app/domain/backfill/config_loader.py"),
    );
    expect(conflict?.blocking).toBe(true);
  });

  it("counts as written, in a done story's File List, only the paths the tree tells", () => {
    const dir = project({ "1-1-a": list }, files, "done");
    expect(doneStory(dir).written).toEqual([
      "src/app/domain/backfill/config_loader.py",
      "src/app/infrastructure/settings/new_rules.py",
    ]);
  });

  it("is looked up quickly however many gaps it has, and never as a file named `...`", () => {
    const tree = new KnownTree(["a/b/c/d.ts", ".../x.ts", "a/.../y.ts"]);
    expect(tree.resolve("a/.../d.ts")).toEqual({ path: "a/b/c/d.ts", resolvedFrom: "a/.../d.ts" });
    expect(tree.resolve(".../c/d.ts")?.path).toBe("a/b/c/d.ts");
    expect(tree.resolve("a/.../.../d.ts")?.path).toBe("a/b/c/d.ts");
    expect(tree.resolve("a/...")).toBeUndefined();
    expect(tree.resolve(`${"a/.../".repeat(40)}d.ts`)).toBeUndefined();
    expect(growth((n) => tree.resolve(`${"a/.../".repeat(n)}d.ts`), 40)).toBeLessThan(10);
  });
});

describe("names that all start with a dot (`.yaml/.yml`, `.bashrc/.zshrc`)", () => {
  it("are alternatives, not a path: kept only where the project has such a file", () => {
    expect(pathFromCode(".yaml/.yml")).toEqual({ path: ".yaml/.yml", bare: true });
    expect(pathFromCode(".cpp/.cc/.hpp/.h")?.bare).toBe(true);
    expect(pathsFromText("Show example .bashrc/.zshrc export statements")).toEqual([
      { path: ".bashrc/.zshrc", bare: true, index: 13 },
    ]);
    // A dot folder with a named file in it, or a dotfile in a plain folder, is a path.
    expect(pathFromCode(".github/workflows/ci.yml")?.bare).toBe(false);
    expect(pathFromCode("config/.env.example")?.bare).toBe(false);
    expect(pathFromCode("../.env")?.bare).toBe(false);
  });

  it("claim nothing, and count as written nowhere, unless the tree has them", () => {
    const stories = {
      "1-1-a":
        "## Tasks / Subtasks\n\n- [ ] Auto-detect the format from the extension (.json, then .yaml/.yml)\n- [ ] Accept `.ts/.tsx` files\n- [ ] Update `.devcontainer/.env`",
    };
    const files = { ".devcontainer/.env": "" };
    const p = plan(project(stories, files));
    expect(p.stories[0]?.claims.map((c) => c.path)).toEqual([".devcontainer/.env"]);
    expect(p.findings.map((f) => [f.path, f.reason])).toEqual([[".ts/.tsx", "unresolved"]]);

    const done = project(
      {
        "1-1-a":
          "## Dev Agent Record\n\n### File List\n\n- `.yaml/.yml` loaders\n- `src/loader.ts`\n",
      },
      { "src/loader.ts": "" },
      "done",
    );
    expect(doneStory(done).written).toEqual(["src/loader.ts"]);
  });
});

describe("an architecture document named as BMAD's workflows look for it", () => {
  const story = { "1-1-a": "## Tasks / Subtasks\n\n- [ ] Update `src/a.ts`" };
  const sourcesOf = (files: Record<string, string>) =>
    planProject(project(story, { "src/a.ts": "", ...files }), { cache: false, env }).plan.sources;

  it("is found when its name is written in capitals (`AI-ARCHITECTURE.md`)", () => {
    expect(
      sourcesOf({ "docs/AI-ARCHITECTURE.md": "# Architecture\n", "docs/AI-PRD.md": "# PRD\n" }),
    ).toContain("architecture: docs/AI-ARCHITECTURE.md");
  });

  it("is found when named `*architecture*.md` in a planning folder, and none is named architecture.md", () => {
    expect(sourcesOf({ "docs/architecture-MyApp-2025-10-31.md": "# Architecture\n" })).toContain(
      "architecture: docs/architecture-MyApp-2025-10-31.md",
    );
    expect(
      sourcesOf({
        "_bmad-output/planning-artifacts/backend-architecture.md": "# Backend\n",
        "_bmad-output/planning-artifacts/ui-architecture.md": "# UI\n",
      }),
    ).toContain(
      "architecture: _bmad-output/planning-artifacts/backend-architecture.md, _bmad-output/planning-artifacts/ui-architecture.md",
    );
  });

  it("is the one architecture.md deeper in a planning folder when none is at its top, never one of several or an archived one", () => {
    expect(sourcesOf({ "docs/shared/architect/architecture.md": "# Architecture\n" })).toContain(
      "architecture: docs/shared/architect/architecture.md",
    );
    // Four levels below the planning folder, however deep that folder is.
    const deep = "_bmad-output/planning-artifacts/architect/v1/final/architecture.md";
    expect(sourcesOf({ [deep]: "# Architecture\n" })).toContain(`architecture: ${deep}`);
    expect(
      sourcesOf({
        "docs/shared/architect/architecture.md": "# Architecture\n",
        "docs/archive/2024/architecture.md": "# Old\n",
      }),
    ).toContain("architecture: docs/shared/architect/architecture.md");
    expect(
      sourcesOf({
        "docs/modules/billing/architecture.md": "# Billing\n",
        "docs/modules/orders/architecture.md": "# Orders\n",
      }),
    ).toContain("architecture: none found (component claims are off)");
  });

  it("gives way to architecture.md or a sharded folder anywhere BMAD keeps them", () => {
    expect(
      sourcesOf({
        "_bmad-output/architecture-review.md": "# Review\n",
        "docs/architecture.md": "# Architecture\n",
      }),
    ).toContain("architecture: docs/architecture.md");
  });
});

describe("an architecture folder that keeps its document a level down", () => {
  const story = { "1-1-a": "## Tasks / Subtasks\n\n- [ ] Update `src/a.ts`" };
  const sourcesOf = (files: Record<string, string>) =>
    planProject(project(story, { "src/a.ts": "", ...files }), { cache: false, env }).plan.sources;
  const PA = "_bmad-output/planning-artifacts";
  const spine = `${PA}/architecture/architecture-app-2026-07-12`;

  it("is read, its sub-folders with it, when the planning folder has no other", () => {
    // A review names the project's files as they are: what the tree is drawn from.
    expect(
      sourcesOf({
        [`${spine}/ARCHITECTURE-SPINE.md`]: "# Architecture\n",
        [`${spine}/reviews/review-adversarial.md`]: "# Review: `src/old.ts` is wrong\n",
      }),
    ).toContain(
      `architecture: ${spine}/ARCHITECTURE-SPINE.md, ${spine}/reviews/review-adversarial.md`,
    );
  });

  it("gives way to a document named for the architecture beside it, as BMAD's own pattern finds only a folder's own files", () => {
    expect(
      sourcesOf({
        [`${spine}/ARCHITECTURE-SPINE.md`]: "# A sub-project's architecture\n",
        [`${PA}/app-architecture-spine.md`]: "# Architecture\n",
      }),
    ).toContain(`architecture: ${PA}/app-architecture-spine.md`);
    // A sharded folder with files of its own still comes first, its sub-folders with it.
    expect(
      sourcesOf({
        [`${PA}/architecture/index.md`]: "# Architecture\n",
        [`${PA}/architecture/adr/adr-1.md`]: "# ADR 1\n",
        [`${PA}/app-architecture-spine.md`]: "# Architecture\n",
      }),
    ).toContain(`architecture: ${PA}/architecture/adr/adr-1.md, ${PA}/architecture/index.md`);
    // A planning folder's comes before a later folder's `architecture.md`, as it did.
    expect(
      sourcesOf({
        [`${spine}/ARCHITECTURE-SPINE.md`]: "# Architecture\n",
        "docs/architecture.md": "# An older one\n",
      }),
    ).toContain(`architecture: ${spine}/ARCHITECTURE-SPINE.md`);
  });

  it("is found under the BMAD folder that keeps the sprint file at its top (`.bmad/planning/architecture.md`)", () => {
    const dir = tempProject({
      ".bmad/sprint-status.yaml": "development_status:\n  1-1-a: ready-for-dev\n",
      ".bmad/stories/1-1-a.md":
        "# Story 1.1: A\n\nStatus: ready-for-dev\n\n## Tasks / Subtasks\n\n- [ ] Update `src/a.ts`\n",
      ".bmad/planning/architecture.md": "# Architecture\n",
      "src/a.ts": "",
    });
    expect(planProject(dir, { cache: false, env }).plan.sources).toContain(
      "architecture: .bmad/planning/architecture.md",
    );
  });
});

describe("a module that keeps its sprint, stories and architecture in one folder", () => {
  const MODULE = "docs/modules/billing";
  const files = (extra: Record<string, string>) =>
    tempProject({
      "athena.json": JSON.stringify({
        bmad: { paths: { sprintStatus: `${MODULE}/sprint-status.yaml` } },
      }),
      [`${MODULE}/sprint-status.yaml`]: "development_status:\n  bl-1-1-invoices: ready-for-dev\n",
      [`${MODULE}/bl-1-1-invoices.md`]:
        "# Story 1.1: Invoices\n\nStatus: ready-for-dev\n\n## Tasks / Subtasks\n\n- [ ] Update `src/a.ts`\n",
      "src/a.ts": "",
      "docs/architecture.md": "# The product's architecture\n",
      ...extra,
    });
  const sourcesOf = (dir: string) => planProject(dir, { cache: false, env }).plan.sources;

  it("plans with the module's own architecture.md, not the product's", () => {
    const dir = files({ [`${MODULE}/architecture.md`]: "# Billing architecture\n" });
    expect(sourcesOf(dir)).toContain(`architecture: ${MODULE}/architecture.md`);
  });

  it("takes only that exact name there: a story file carrying the word is no architecture", () => {
    const dir = files({ [`${MODULE}/bl-1-2-architecture-review.md`]: "# Story 1.2\n" });
    expect(sourcesOf(dir)).toContain("architecture: docs/architecture.md");
  });
});

describe("a module's epics keyed by its word and number (`pm-01` over `pm-01-1-task-api`)", () => {
  const sprint = parseSprintStatus(
    [
      "development_status:",
      "  pm-01: contexted",
      "  pm-01-1-project-data-model-api: done",
      "  pm-01-2-phase-crud-api: ready-for-dev",
      "  pm-01-retrospective: completed",
      "  kb-02: backlog",
      "  kb-02-1-page-editor: backlog",
      "  td-3-flaky-test: backlog",
      "  pm-9: done",
      "",
    ].join("\n"),
    "sprint-status.yaml",
  );
  const kinds = Object.fromEntries(sprint.entries.map((e) => [e.key, [e.kind, e.epic, e.id]]));

  it("are epics, their stories in them, and no key left out is warned of but a real one", () => {
    expect(kinds["pm-01"]).toEqual(["epic", "pm.01", undefined]);
    expect(kinds["kb-02"]).toEqual(["epic", "kb.02", undefined]);
    expect(kinds["pm-01-1-project-data-model-api"]).toEqual(["story", "pm.01", "pm.01.1"]);
    expect(kinds["pm-01-2-phase-crud-api"]).toEqual(["story", "pm.01", "pm.01.2"]);
    expect(kinds["kb-02-1-page-editor"]).toEqual(["story", "kb.02", "kb.02.1"]);
    // A track's story keyed by its number alone stays one; a key with no stories under it is
    // left out, as before.
    expect(kinds["td-3-flaky-test"]).toEqual(["story", "td", "td.3"]);
    expect(withStories(sprint, []).warnings).toEqual([
      "sprint-status.yaml: a key is neither a story key ({epic}-{story}-{slug}) nor a story file's name, so left out of the plan: pm-9 (line 9)",
    ]);
  });
});

describe("a past-tense files heading under a planning heading (`Implementation Notes > Files Created`)", () => {
  const body = [
    "## Tasks Checklist\n\n- [x] Build the list view in `src/planned.ts`",
    "## Dev Notes\n\n### File List\n\n- `src/also-planned.ts`",
    "## Implementation Notes\n\n### Files Created\n\n- `src/view.tsx` - the view\n\n**Files Modified:**\n- `src/app.tsx` - wired in",
  ].join("\n\n");
  const files = { "src/app.tsx": "", "src/planned.ts": "", "src/also-planned.ts": "" };

  it("is the done story's record of what it wrote, and no part of what its plan knew", () => {
    const dir = project({ "1-1-a": body }, files, "done");
    const { doc, written } = doneStory(dir);
    expect(written).toEqual(["src/view.tsx", "src/app.tsx"]);
    expect(doc && planTimeDoc(doc).mentions.map((m) => m.path)).toEqual([
      "src/planned.ts",
      "src/also-planned.ts",
    ]);
  });

  it("gives way to a Dev Agent Record's File List", () => {
    const dir = project(
      {
        "1-1-a": `${body}\n\n## Dev Agent Record\n\n### File List\n\n- \`src/app.tsx\``,
      },
      files,
      "done",
    );
    expect(doneStory(dir).written).toEqual(["src/app.tsx"]);
  });
});

describe("a spec written by BMAD's unattended dev workflow (`## Code Map`, `## Auto Run Result`)", () => {
  const body = [
    "## Intent\n\nFold the store into the checksum.",
    "## Code Map\n\n- `src/checksum.ts` -- add the store's state\n- `src/loop.ts` -- pass the store on",
    "## Auto Run Result\n\nStatus: done\n\n**Summary:** Folded `src/store.ts` into the checksum.",
    "**Files changed:**\n- `src/checksum.ts` — folds the store\n- `src/host.ts` — passes it on",
    "**Residual risks:** none in `src/loop.ts`.",
  ].join("\n\n");
  const files = { "src/checksum.ts": "", "src/loop.ts": "", "src/host.ts": "", "src/store.ts": "" };

  it("is scored by the files its result says were changed, and planned from its Code Map", () => {
    const dir = project({ "1-1-a": body }, files, "done");
    const { doc, written } = doneStory(dir);
    expect(written).toEqual(["src/checksum.ts", "src/host.ts"]);
    expect(doc && planTimeDoc(doc).mentions.map((m) => m.path)).toEqual([
      "src/checksum.ts",
      "src/loop.ts",
    ]);
  });
});

describe("a document about a story, numbered as it (`4.2-po-validation-20250924.md`)", () => {
  it("is not taken for the story's file by its number, though it shares a word with the key", () => {
    const dir = tempProject({
      "docs/process/sprint-status.yaml": [
        "story_location: docs/stories",
        "development_status:",
        "  epic-4: in-progress",
        "  4-2-execute-staging-and-canary-validation: backlog",
        "  4-3-streaming-error-parity: backlog",
        "",
      ].join("\n"),
      "docs/stories/.keep": "",
      "docs/qa/assessments/4.2-po-validation-20250924.md":
        "---\ntitle: PO Validation — Story 4.2\ndate: 2025-09-24\n---\n\n## PO Validation\n\n**Status**: PASS\n\n- Decision: GO. Update `src/app.ts`.\n",
      // An older story of that number, words changed since: still its file, as before.
      "docs/stories-v4/4.3.phase-e-error-response.md":
        "---\ntitle: Story 4.3 — Phase E: Error Response\nstatus: Done\n---\n\n## Tasks\n\n- [ ] Update `src/errors.ts`\n",
    });
    const p = planProject(dir, {
      cache: false,
      env,
      ids: ["4-2-execute-staging-and-canary-validation", "4-3-streaming-error-parity"],
    }).plan;
    const fileOf = Object.fromEntries(p.stories.map((s) => [s.key, s.file]));
    expect(fileOf["4-2-execute-staging-and-canary-validation"]).toBeUndefined();
    expect(fileOf["4-3-streaming-error-parity"]).toBe(
      "docs/stories-v4/4.3.phase-e-error-response.md",
    );
  });
});

describe("a file named alone in a task that the same story names in full elsewhere", () => {
  const body = [
    "## File Specification",
    "",
    "| Part | Path | Status |",
    "|------|------|--------|",
    "| Widget hook | `src/features/widgets/hooks/useWidgets.ts` | NEW |",
    "| Paths | `src/shared/utils/routePaths.ts` | MODIFIED |",
    "",
    "## Tasks / Subtasks",
    "",
    "- [ ] 1.1: Create `useWidgets.ts` (query hook)",
    "- [ ] 1.2: Add the widget paths to `routePaths.ts`",
  ].join("\n");

  it("is that path, not another file of its name elsewhere, and no finding", () => {
    const dir = project({ "1-1-a": body }, { "src/hooks/useWidgets.ts": "" });
    const p = plan(dir);
    const paths = p.stories[0]?.claims.filter((c) => c.intent === "write").map((c) => c.path);
    expect(paths).toContain("src/features/widgets/hooks/useWidgets.ts");
    expect(paths).toContain("src/shared/utils/routePaths.ts");
    expect(paths).not.toContain("src/hooks/useWidgets.ts");
    expect(p.findings.filter((f) => f.story === "1-1-a")).toEqual([]);
  });
});

describe("a story whose title carries a section word (`Story 1.1: Widget Context Switcher`)", () => {
  it("leaves its sections to their own headings: a table of NEW files is still written", () => {
    const dir = tempProject({
      [`${ART}/sprint-status.yaml`]:
        "development_status:\n  epic-1: in-progress\n  1-1-a: ready-for-dev\n",
      [`${ART}/1-1-a.md`]: [
        "# Story 1.1: Widget Context Switcher and Review Panel",
        "",
        "Status: ready-for-dev",
        "",
        "## File Specification",
        "",
        "| Part | Path | Status |",
        "|------|------|--------|",
        "| Store | `src/widgets/store.ts` | NEW |",
        "| Panel | `src/widgets/panel.tsx` | NEW |",
        "",
      ].join("\n"),
    });
    const writes = plan(dir).stories[0]?.claims.filter((c) => c.intent === "write");
    expect(writes?.map((c) => c.path).sort()).toEqual([
      "src/widgets/panel.tsx",
      "src/widgets/store.ts",
    ]);
    expect(writes?.every((c) => c.confidence >= 0.3)).toBe(true);
  });
});

describe("a path template with `{placeholder}` segments (a datastore document, a route)", () => {
  it("is no file, even where the architecture draws the datastore's tree", () => {
    const dir = project(
      {
        "1-1-a": [
          "## Tasks / Subtasks",
          "",
          "- [ ] 1.1: Create `src/limits.ts` - a rate doc per user at `/records/{appId}/limits/{userId}`",
          "- [ ] 1.2: Serve `api/items/{itemId}/detail` from `src/items.ts`",
        ].join("\n"),
      },
      {
        "src/items.ts": "",
        "api/handler.ts": "",
        "docs/architecture.md": [
          "# Architecture",
          "",
          "## Datastore",
          "",
          "```",
          "Datastore Structure:",
          "├── records/",
          "│   └── {appId}/",
          "│       └── users/",
          "│           └── {userId}",
          "```",
          "",
        ].join("\n"),
      },
    );
    const paths = plan(dir).stories[0]?.claims.map((c) => c.path);
    expect(paths).toContain("src/limits.ts");
    expect(paths).toContain("src/items.ts");
    expect(paths?.filter((p) => p.includes("{"))).toEqual([]);
  });

  it("keeps a brace list, which names each of its files", () => {
    const dir = project(
      { "1-1-a": "## Tasks / Subtasks\n\n- [ ] Update `locales/{en,fr}.json`" },
      {
        "locales/en.json": "",
        "locales/fr.json": "",
      },
    );
    const paths = plan(dir).stories[0]?.claims.map((c) => c.path);
    expect(paths).toEqual(expect.arrayContaining(["locales/en.json", "locales/fr.json"]));
  });
});

describe("another machine's checkout path with a space in a folder (`/Volumes/Backup Disk/app/...`)", () => {
  const list = [
    "## Dev Agent Record",
    "",
    "### File List",
    "",
    "- `/Volumes/Backup Disk/shop/src/cart/views.py` - the views",
    "- `C:\\Users\\Ann Lee\\repos\\shop\\src\\cart\\models.py`",
    "- `/Users/ann/Google Drive/shop/tests/test_views.py`",
  ].join("\n");
  const files = {
    "src/cart/views.py": "",
    "src/cart/models.py": "",
    "tests/test_views.py": "",
  };

  it("names the project's file its tail is, in a done story's File List", () => {
    const dir = project({ "1-1-a": list }, files, "done");
    expect(doneStory(dir).written).toEqual([
      "src/cart/views.py",
      "src/cart/models.py",
      "tests/test_views.py",
    ]);
  });

  it("names the project's file outside backticks too, where a route stays no path", () => {
    const bare = [
      "## Dev Agent Record",
      "",
      "### File List",
      "",
      "**Components:**",
      "- /Users/ann/dev/shop/src/cart/views.py",
      "- /home/ann/shop/tests/test_views.py (new)",
      "- calls /api/cart/items on load, then /home/dashboard and /media/images/logo.png",
    ].join("\n");
    const dir = project({ "1-1-a": bare }, files, "done");
    expect(doneStory(dir).written).toEqual(["src/cart/views.py", "tests/test_views.py"]);
    // Routes under a home or a media folder stay routes, even where the project has the file.
    expect(pathsFromText("GET /media/images/logo.png, then /home/dashboard")).toEqual([]);
  });

  it("is no path when a space is anywhere but in the folders above the project's", () => {
    expect(pathFromCode("/Users/ann/shop/src/a.py - the views")).toBeUndefined();
    expect(pathFromCode("/bmad:bmm:workflows:dev-story run")).toBeUndefined();
    expect(pathFromCode("/api/users GET")).toBeUndefined();
  });
});

describe("a path with spaces in its folders' names (`My App/Views/BigButton.swift`)", () => {
  const files = { "My App/Views/BigButton.swift": "", "My AppTests/BigButtonTests.swift": "" };

  it("is claimed where the project has it; a command in backticks is neither a claim nor a finding", () => {
    const p = plan(
      project(
        {
          "1-1-a": [
            "## Tasks / Subtasks",
            "",
            "- [ ] Update `My App/Views/BigButton.swift`",
            "- [ ] Run `npx vitest run src/views/button.test.ts`",
            "- [ ] Create `My App/Views/New Folder/Card.swift`",
          ].join("\n"),
        },
        files,
      ),
    );
    const claims = p.stories[0]?.claims.map((c) => [c.path, c.intent]);
    expect(claims).toContainEqual(["My App/Views/BigButton.swift", "write"]);
    // Its test goes with it; nothing from the command, nor a new file in a spaced folder,
    // whose name the text alone does not prove.
    expect(claims?.map(([path]) => path)).toEqual([
      "My App/Views/BigButton.swift",
      "My AppTests/BigButtonTests.swift",
    ]);
    expect(p.findings).toEqual([]);
  });

  it("counts as written in a File List", () => {
    const done = project(
      {
        "1-1-a":
          "## Dev Agent Record\n\n### File List\n\n- `My App/Views/BigButton.swift` — modified\n- `My AppTests/BigButtonTests.swift` — created\n",
      },
      files,
      "done",
    );
    expect(doneStory(done).written).toEqual([
      "My App/Views/BigButton.swift",
      "My AppTests/BigButtonTests.swift",
    ]);
  });
});

describe("an architecture tree drawn under the project's folder, checked out by another name", () => {
  it("has that root dropped when its entries are the project's top folders and files", () => {
    const tree = [
      "```",
      "ShopApp/",
      "├── backend/",
      "│   └── app/",
      "│       └── orders.py",
      "├── frontend/",
      "│   └── src/",
      "│       └── Cart.vue",
      "```",
    ].join("\n");
    const dir = project(
      {
        "1-1-a": "## Tasks / Subtasks\n\n- [ ] Add the order view to `orders.py` and `Cart.vue`",
      },
      {
        "backend/requirements.txt": "",
        "frontend/package.json": "",
        "docs/architecture.md": `# Architecture\n\n## Project Structure\n\n${tree}\n`,
      },
    );
    const paths = plan(dir).stories[0]?.claims.map((c) => c.path);
    expect(paths).toEqual(
      expect.arrayContaining(["backend/app/orders.py", "frontend/src/Cart.vue"]),
    );
    expect(paths?.filter((p) => p.startsWith("ShopApp/"))).toEqual([]);
  });

  it("keeps a root the project has, or one over folders it lacks", () => {
    const planned = [
      "```",
      "backend/",
      "├── api/",
      "│   └── routes.py",
      "└── worker/",
      "    └── jobs.py",
      "```",
    ].join("\n");
    const dir = project(
      { "1-1-a": "## Tasks / Subtasks\n\n- [ ] Update `routes.py`" },
      {
        "src/a.ts": "",
        "docs/architecture.md": `# Architecture\n\n## Project Structure\n\n${planned}\n`,
      },
    );
    expect(plan(dir).stories[0]?.claims.map((c) => c.path)).toContain("backend/api/routes.py");
  });
});

describe("a project moved from BMAD v4, its earlier stories left in `docs/stories/1.2.story.md`", () => {
  it("finds those stories for the keys the sprint file lists, after the usual folders", () => {
    const dir = tempProject({
      [`${ART}/sprint-status.yaml`]: [
        "development_status:",
        "  epic-1: done",
        "  1-1-project-setup: done",
        "  1-2-login-flow: done",
        "  epic-2: in-progress",
        "  2-1-report-view: ready-for-dev",
        "",
      ].join("\n"),
      "docs/stories/1.1.story.md":
        "# Story 1.1: Project setup\n\n## Status: Done\n\n## Dev Agent Record\n\n### File List\n\n- `src/app.ts`\n",
      "docs/stories/1.2.story.md":
        "# Story 1.2: Login flow\n\n## Status: Done\n\n## Dev Agent Record\n\n### File List\n\n- `src/login.ts`\n",
      "docs/stories/1.2.qa-report.md": "# QA report for 1.2\n",
      [`${ART}/2-1-report-view.md`]:
        "# Story 2.1: Report view\n\nStatus: ready-for-dev\n\n## Tasks / Subtasks\n\n- [ ] Update `src/report.ts`\n",
      "src/app.ts": "",
      "src/login.ts": "",
      "src/report.ts": "",
    });
    const { config } = loadConfig(dir, { env });
    const loaded = loadProject(dir, { config, cache: false });
    expect(doneInputs(loaded).map((d) => [d.key, d.file])).toEqual([
      ["1-1-project-setup", "docs/stories/1.1.story.md"],
      ["1-2-login-flow", "docs/stories/1.2.story.md"],
    ]);
    expect(plan(dir).stories.map((s) => s.file)).toEqual([`${ART}/2-1-report-view.md`]);
  });
});

describe("a new file in a package-relative folder the project has in source and in tests (`engine/x.py`)", () => {
  it("goes in the one folder of its kind, not at the project's root", () => {
    const dir = project(
      {
        "1-1-a": [
          "## Tasks / Subtasks",
          "",
          "- [ ] Create `engine/scheduler.py` with the scheduler",
        ].join("\n"),
      },
      {
        "src/shop/engine/core.py": "",
        "tests/unit/engine/test_core.py": "",
        "tests/integration/engine/test_flow.py": "",
      },
    );
    const p = plan(dir);
    const paths = p.stories[0]?.claims.map((c) => c.path);
    expect(paths).toContain("src/shop/engine/scheduler.py");
    expect(paths?.filter((x) => x.startsWith("engine/"))).toEqual([]);
  });

  it("places no new test there: some languages keep tests beside the package, some apart", () => {
    const tree = new KnownTree([
      "internal/storage/db.go",
      "test/integration/storage/db_int_test.go",
    ]);
    expect(tree.placeNew("storage/cache_test.go")).toBeUndefined();
    expect(tree.placeNew("storage/cache.go")).toBe("internal/storage/cache.go");
  });

  it("goes in a new folder under the deepest one the package has, when the path leaves the package out", () => {
    // A web app kept in `apps/web/`, its stories written from there; a tree drawn at the
    // package's root, and a File List written from there, show a `src/` at the project's.
    const tree = new KnownTree(
      [
        "apps/web/src/app/(dashboard)/settings/page.tsx",
        "apps/web/src/app/api/auth/route.ts",
        "apps/api/src/main.ts",
      ],
      ["src/", "src/app/"],
    );
    tree.addReal("src/lib/api/client.ts");
    expect(tree.placeNew("src/app/(dashboard)/settings/privacy/page.tsx")).toBe(
      "apps/web/src/app/(dashboard)/settings/privacy/page.tsx",
    );
    expect(tree.placeNew("src/app/api/export/user-data/route.ts")).toBe(
      "apps/web/src/app/api/export/user-data/route.ts",
    );
    // Only `src/` in common: every package has one.
    expect(tree.placeNew("src/jobs/nightly.ts")).toBeUndefined();
    // A first folder the project has at its root: a new folder there, as written.
    const own = new KnownTree(["src/main.ts", "apps/web/src/app/page.tsx"]);
    expect(own.placeNew("src/app/settings/page.tsx")).toBeUndefined();
  });
});

describe("a layer diagram drawn as a tree (class names under layer names, no file, no folder/)", () => {
  it("claims none of its names as files", () => {
    const dir = project(
      {
        "1-1-a": [
          "## Tasks / Subtasks",
          "",
          "- [ ] 1.1: Create `lib/widgets/badge_card.dart`",
          "",
          "## Technical Specifications",
          "",
          "### Architecture",
          "",
          "```",
          "Presentation Layer",
          "├── BadgeScreen (View)",
          "└── Widgets",
          "    ├── BadgeCard",
          "    └── BadgeDialog",
          "",
          "Data Layer",
          "├── Models",
          "│   └── BadgeModel (enum)",
          "└── Repositories",
          "    └── BadgeRepository",
          "```",
        ].join("\n"),
      },
      { "lib/widgets/other.dart": "" },
    );
    const paths = plan(dir).stories[0]?.claims.map((c) => c.path);
    expect(paths).toEqual(["lib/widgets/badge_card.dart"]);
  });

  it("still reads a tree of files drawn the same way", () => {
    const dir = project(
      {
        "1-1-a": [
          "## Dev Notes",
          "",
          "### Project Structure",
          "",
          "```",
          "lib",
          "├── widgets",
          "│   └── badge_card.dart   # new",
          "└── models",
          "    └── badge.dart",
          "```",
        ].join("\n"),
      },
      { "lib/models/badge.dart": "" },
    );
    const paths = plan(dir).stories[0]?.claims.map((c) => c.path);
    expect(paths).toEqual(expect.arrayContaining(["lib/widgets/badge_card.dart"]));
  });
});

describe("words with letters beyond ASCII around a slash (`ajouter/vérifier`)", () => {
  it("are no path cut at the first such letter", () => {
    expect(pathsFromText("// section à ajouter/vérifier:")).toEqual([]);
    expect(pathsFromText("les réglages/paramètres du compte")).toEqual([]);
    expect(pathsFromText("the café/menu.ts screen")).toEqual([]);
  });

  it("keeps a path beside such words", () => {
    expect(pathsFromText("créer src/menu/carte.ts, vérifié").map((p) => p.path)).toEqual([
      "src/menu/carte.ts",
    ]);
  });
});

describe("the coding agents' instruction files many stories' tasks end with updating", () => {
  it("are shared by default: two stories updating CLAUDE.md run together, the locks take them in turn", () => {
    const task = (file: string) =>
      `## Tasks / Subtasks\n\n- [ ] Add \`${file}\`\n- [ ] Update \`CLAUDE.md\` with the new handler`;
    const p = plan(
      project({ "1-1-a": task("src/a.ts"), "1-2-b": task("src/b.ts") }, { "CLAUDE.md": "" }),
    );
    const both = p.conflicts.filter((c) => c.paths.includes("CLAUDE.md"));
    expect(both.map((c) => [c.kind, c.blocking])).toEqual([["shared", false]]);
    expect(p.schedule.waves).toEqual([["1-1-a", "1-2-b"]]);
  });
});

describe("a drawn tree whose marks open a parenthesis that says what changes (`(modified — x)`)", () => {
  const tree = [
    "## Dev Notes",
    "",
    "### Project Structure After This Story",
    "",
    "```",
    "internal/",
    "├── link/",
    "│   ├── conn.go          (modified — Position struct, tracking, SendRotation)",
    "│   ├── conn_test.go     (modified — position tracking tests)",
    "│   └── auth.go          (unchanged)",
    "└── rpc/",
    "    ├── server.go        (new, registered in main)",
    "    └── errors.go        (unchanged)",
    "```",
  ].join("\n");

  it("claims the entries so marked, and not the unchanged ones", () => {
    const p = plan(project({ "1-1-a": tree }));
    const writes = p.stories[0]?.claims.filter((c) => c.intent === "write").map((c) => c.path);
    expect(writes).toEqual(
      expect.arrayContaining([
        "internal/link/conn.go",
        "internal/link/conn_test.go",
        "internal/rpc/server.go",
      ]),
    );
    expect(writes).not.toContain("internal/link/auth.go");
    expect(writes).not.toContain("internal/rpc/errors.go");
  });

  it("takes a note of where an entry came from for no mark: the tree's other entries stay", () => {
    const noted = [
      "## Dev Notes",
      "",
      "```",
      "src/",
      "├── auth.ts          (created in Story 1.1)",
      "├── session.ts       (added by the scaffold)",
      "└── util.ts",
      "```",
    ].join("\n");
    const p = plan(project({ "1-1-a": noted }));
    const writes = p.stories[0]?.claims.filter((c) => c.intent === "write").map((c) => c.path);
    // No entry is marked: the tree claims its entries as an unmarked tree does, each alike.
    expect(writes).toEqual(
      expect.arrayContaining(["src/auth.ts", "src/session.ts", "src/util.ts"]),
    );
  });
});

describe("a drawn tree whose arrows say what is left alone (`x.tsx ← no changes`)", () => {
  const tree = [
    "## Dev Notes",
    "",
    "```",
    "web/src/",
    "  components/",
    "    Skeleton.tsx        ← CREATE (Task 1)",
    "    Row.tsx             ← no changes",
    "    update-panel.tsx    ← No change needed",
    "  pages/",
    "    ListPage.tsx        ← MODIFY (Task 2)",
    "```",
  ].join("\n");

  it("reads those entries and writes the marked ones", () => {
    const p = plan(project({ "1-1-a": tree }));
    const claims = p.stories[0]?.claims ?? [];
    const writes = claims.filter((c) => c.intent === "write").map((c) => c.path);
    expect(writes).toEqual(
      expect.arrayContaining(["web/src/components/Skeleton.tsx", "web/src/pages/ListPage.tsx"]),
    );
    expect(writes).not.toContain("web/src/components/Row.tsx");
    expect(writes).not.toContain("web/src/components/update-panel.tsx");
  });

  it("writes an entry whose arrow goes on to say what changes in it", () => {
    const said = tree.replace("← no changes", "← no changes to its props, add a loading state");
    const p = plan(project({ "1-1-a": said }));
    const writes = p.stories[0]?.claims.filter((c) => c.intent === "write").map((c) => c.path);
    expect(writes).toContain("web/src/components/Row.tsx");
  });
});

describe("a drawn tree whose arrows credit entries to other stories (`x.ts ← Story 1.5 (completed)`)", () => {
  const tree = [
    "## Dev Notes",
    "",
    "```",
    "server/src/core/",
    "  Store.ts        ← Story 1.5 (completed)",
    "  Engine.ts       ← Story 1.7 (future)",
    "  Pool.ts         ← Story 1.4 (enhance with retry)",
    "  Runner.ts       ← This story",
    "  Queue.ts        ← Story 1.1",
    "```",
  ].join("\n");

  it("reads the entries another story made or will make, and writes the story's own", () => {
    // The story under test is 1.1 (the helper numbers stories from 1.1).
    const p = plan(project({ "1-1-a": tree }));
    const writes = p.stories[0]?.claims.filter((c) => c.intent === "write").map((c) => c.path);
    expect(writes).toEqual(
      expect.arrayContaining([
        "server/src/core/Runner.ts",
        "server/src/core/Queue.ts",
        "server/src/core/Pool.ts",
      ]),
    );
    expect(writes).not.toContain("server/src/core/Store.ts");
    expect(writes).not.toContain("server/src/core/Engine.ts");
  });
});

describe("a drawn tree whose arrows say an entry is there already (`api.ts ← existing ✅`)", () => {
  it("reads what is there already, and writes what the note also asks to change", () => {
    const tree = [
      "## Dev Notes",
      "",
      "```",
      "src/lib/",
      "  api.ts          ← existing ✅",
      "  auth.ts         # EXISTS (from the first story)",
      "  store.ts        ← unchanged",
      "  retry.ts        ← existing, extend with backoff",
      "  cache.ts        ← existing, add eviction",
      "  billing.ts      ← uses the existing db client",
      "  format.ts       ← MODIFIED (relative times)",
      "  utils.ts        ← NEW",
      "```",
    ].join("\n");
    const p = plan(project({ "1-1-a": tree }));
    const writes = p.stories[0]?.claims.filter((c) => c.intent === "write").map((c) => c.path);
    expect(writes?.sort()).toEqual([
      "src/lib/billing.ts",
      "src/lib/cache.ts",
      "src/lib/format.ts",
      "src/lib/retry.ts",
      "src/lib/utils.ts",
    ]);
  });
});

describe("a label over files to review and update (`Files to review and update:`)", () => {
  const notes = (label: string) =>
    [
      "## Dev Notes",
      "",
      "### Project Structure Notes",
      "",
      label,
      "- `web/css/site.css` - Add vendor prefixes",
      "- `web/js/app.js` - Keep the patterns portable",
    ].join("\n");
  const writes = (label: string) =>
    plan(project({ "1-1-a": notes(label) }))
      .stories[0]?.claims.filter((c) => c.intent === "write")
      .map((c) => c.path);

  it("writes what it lists, as the story changes them", () => {
    expect(writes("Files to review and update:")).toEqual(
      expect.arrayContaining(["web/css/site.css", "web/js/app.js"]),
    );
  });

  it("still reads a list of files to review alone", () => {
    expect(writes("Files to review:")).toEqual([]);
  });
});

describe("a component hierarchy drawn as a tree, a slash in what is said of a component", () => {
  const tree = [
    "## Dev Notes",
    "",
    "### Component Architecture",
    "",
    "```",
    "ListPage",
    "  ├── Header (completed/total from the full list)",
    "  ├── NewItemInput",
    "  ├── FilterBar (receives the list, filter state and callbacks)",
    "  └── <ul> renders filtered[]",
    "        └── Row (unchanged)",
    "```",
  ].join("\n");

  it("claims none of the components", () => {
    const p = plan(project({ "1-1-a": tree }));
    expect(p.stories[0]?.claims.map((c) => c.path)).toEqual([]);
  });

  it("still reads a route group drawn in parentheses", () => {
    const routes = [
      "## Dev Notes",
      "",
      "```",
      "app/",
      "├── (admin)/",
      "│   └── page.tsx  # NEW",
      "└── layout.tsx",
      "```",
    ].join("\n");
    const p = plan(project({ "1-1-a": routes }));
    expect(p.stories[0]?.claims.map((c) => c.path)).toContain("app/(admin)/page.tsx");
  });
});

describe("a list nested under an item that is a folder alone (`- \\`web/src/pages/\\``)", () => {
  const story = [
    "## Dev Notes",
    "",
    "**Update/Create:**",
    "- `web/src/features/transitions/`",
    "  - `DetailsPage.tsx` (main page with 4 tabs)",
    "  - `tabs/OverviewTab.tsx`",
    "  - `components/ConditionList.tsx`",
    "- `web/src/features/units/` — the unit pages",
    "  - `web/src/features/units/List.tsx`",
    "- `web/src/routes/index.tsx` (container)",
  ].join("\n");
  const files = {
    "web/src/components/ConditionList.tsx": "",
    "web/src/features/units/List.tsx": "",
    "web/src/routes/index.tsx": "",
  };

  it("puts the nested names in that folder, and leaves full paths as they are", () => {
    const p = plan(project({ "1-1-a": story }, files));
    const writes = p.stories[0]?.claims.filter((c) => c.intent === "write").map((c) => c.path);
    expect(writes).toEqual(
      expect.arrayContaining([
        "web/src/features/transitions/DetailsPage.tsx",
        "web/src/features/transitions/tabs/OverviewTab.tsx",
        "web/src/features/transitions/components/ConditionList.tsx",
        "web/src/features/units/List.tsx",
        "web/src/routes/index.tsx",
      ]),
    );
    expect(writes).not.toContain("tabs/OverviewTab.tsx");
    expect(writes).not.toContain("web/src/components/ConditionList.tsx");
  });

  it("takes a path from the project's root as written when the project has it there", () => {
    const monorepo = [
      "## Tasks / Subtasks",
      "",
      "- [ ] Update the web app",
      "  - `apps/web/`",
      "    - `src/App.tsx` — add route",
      "    - `packages/shared/src/types.ts` — add the `Route` type",
    ].join("\n");
    const p = plan(
      project(
        { "1-1-a": monorepo },
        { "apps/web/src/App.tsx": "", "packages/shared/src/types.ts": "" },
      ),
    );
    const writes = p.stories[0]?.claims.filter((c) => c.intent === "write").map((c) => c.path);
    expect(writes).toEqual(
      expect.arrayContaining(["apps/web/src/App.tsx", "packages/shared/src/types.ts"]),
    );
    expect(writes).not.toContain("apps/web/packages/shared/src/types.ts");
  });

  it("reads a long code span that is no folder in time that grows with it", () => {
    const text = (n: number) => `- \`${"ab/".repeat(n)}x y/\`\n  - \`a.ts\`\n`;
    expect(growth((n) => parseStory(text(n)), 400)).toBeLessThan(10);
  });
});

describe('a check or a source named in another language ("Убедиться, что ... в `x.ts`", "Из `x.ts`")', () => {
  const cue = (clause: string, path: string) => {
    const at = clause.indexOf(path);
    return cueOf(clause, at, at + path.length);
  };
  /** Each line's cue for the path named in it: `expected`, or ("not read") anything but a read. */
  const expectCues = (
    expected: "read" | "write" | "none" | "not read",
    cases: ReadonlyArray<readonly [line: string, path: string]>,
  ) => {
    for (const [line, path] of cases)
      if (expected === "not read") expect(cue(line, path), line).not.toBe("read");
      else expect(cue(line, path), line).toBe(expected);
  };

  it('reads the file a leading check names, as "Verify" does', () => {
    expect(
      cue("- [x] 1.1: Убедиться, что типы сгенерированы в `src/types/db.ts`.", "`src/types/db.ts`"),
    ).toBe("read");
    expect(cue("2. Vérifier que `app/models.py` expose le champ", "`app/models.py`")).toBe("read");
    expect(cue("- [ ] Sicherstellen, dass `src/lib.rs` kompiliert", "`src/lib.rs`")).toBe("read");
  });

  it('reads the file a "read" verb governs, as "Read" does, and writes what a write verb after it governs', () => {
    const clause =
      "- [x] 1.7 Lire `src/lib/validations.ts` — `subscriptionCreateSchema` (vérifier champs déjà ajoutés par Story 11-3)";
    expect(cue(clause, "`src/lib/validations.ts`")).toBe("read");
    expect(cue("- Leer `src/config.py` antes de modificar", "`src/config.py`")).toBe("read");
    expect(cue("- [ ] `src/lib.rs` lesen und verstehen", "`src/lib.rs`")).toBe("read");
    expect(cue("Прочитать `src/types/db.ts` перед изменением", "`src/types/db.ts`")).toBe("read");
    expect(
      cue("- [ ] Lire la configuration, puis modifier `next.config.ts`", "`next.config.ts`"),
    ).toBe("write");
    // Not the German imperative "lies": an English word, "the bug that lies in `x.ts`".
    expect(cue("- [ ] Fix the bug that lies in `src/x.ts`", "`src/x.ts`")).toBe("write");
  });

  it("reads the verbs, not every word of their stem: a noun that starts so names what is written", () => {
    expect(
      cue("Controllers: `src/controllers/user.ts` (new)", "`src/controllers/user.ts`"),
    ).not.toBe("read");
    expect(
      cue("- [ ] Prüfungslogik in `src/exam/grading.ts` (neu)", "`src/exam/grading.ts`"),
    ).not.toBe("read");
    expect(
      cue("Controller for users in `src/controllers/user.ts`", "`src/controllers/user.ts`"),
    ).toBe("none");
  });

  it('reads a file said to be there already, as "already" after it is read', () => {
    expectCues("read", [
      ["- [x] `test/hive_test.dart` (7 tests - déjà créé)", "`test/hive_test.dart`"],
      ["- `src/enums.ts` — `TaskStatus` existe déjà", "`src/enums.ts`"],
      ["- `src/pricing.ts` - Calcul des coûts (già implementato)", "`src/pricing.ts`"],
      ["- `src/lib.rs` ist bereits da", "`src/lib.rs`"],
      ["- `src/db.ts` уже содержит таблицу", "`src/db.ts`"],
      ["- [ ] `src/y.ts` 已经存在", "`src/y.ts`"],
      ["- `src/ui/colors.lua` (Colors.PLAYER) - 이미 정의됨", "`src/ui/colors.lua`"],
      ["- `src/z.ts` はすでに実装済み", "`src/z.ts`"],
    ]);
    // The verb before governs the file, as "Create `x` (if not already there)" does.
    expectCues("write", [
      ["- [x] Créer `app/exceptions.py` (si pas déjà existant)", "`app/exceptions.py`"],
      ["- [x] Modifier `src/web/delete.ts` (déjà créé en 9.4)", "`src/web/delete.ts`"],
    ]);
  });

  it("reads a file named as what is compiled or built, with how it went", () => {
    expectCues("read", [
      ["- [x] 8.3 Full `godot.csproj` build **0 errors**; then", "`godot.csproj`"],
      ["- [x] Full `godot.csproj` (production, Godot SDK) build: **0 errors**", "`godot.csproj`"],
      ["- Then `godot.sln` compiles 0-error and no code is touched", "`godot.sln`"],
      ["- [x] Build `godot.csproj` (0-err). In-engine: exercise AC6", "`godot.csproj`"],
      ["- verified by the `scenes_load_test.gd` compile guardrail", "`scenes_load_test.gd`"],
    ]);
    // What a file builds is what its code does; a build with no outcome is no check.
    expectCues("none", [
      ["- `scene_builder.gd` builds the scene tree", "`scene_builder.gd`"],
      ["- `query.ts` builds SQL with no string concatenation", "`query.ts`"],
      ["- Build `src/ui/panel.ts` component", "`src/ui/panel.ts`"],
    ]);
    // Where the compiling fails, the file is mended; a build's "no" or "without" is no outcome
    // unless errors follow.
    expectCues("not read", [
      ["- `src/app.ts` compile errors fixed in the loader", "`src/app.ts`"],
      ["- `lib.rs` compilation fails on nightly: add a cfg gate", "`lib.rs`"],
      ["- `x.ts` builds passthrough routes", "`x.ts`"],
      ["- `y.ts` builds no-op queries", "`y.ts`"],
      ["- `z.ts` builds without a trailing slash", "`z.ts`"],
    ]);
    // A write verb before still governs the file.
    expect(cue("- Fix `src/app.ts` compile errors", "`src/app.ts`")).toBe("write");
  });

  it('reads a file named as the pattern to follow, as "pattern" and "mirror" are read', () => {
    expectCues("read", [
      ["- [x] Criar `src/b.tsx` seguindo padrão de `src/a.tsx`", "`src/a.tsx`"],
      ["- [x] Crear `src/poller.ts` — mismo patrón que `src/outbox.ts`", "`src/outbox.ts`"],
      ["Neue Datei anlegen. Muster aus `tests/test_smoke.py` übernehmen:", "`tests/test_smoke.py`"],
      ["- [x] Создать политику (паттерн из `009_rls.sql`)", "`009_rls.sql`"],
      ["- [x] Espelhar `src/components/FilterBar.tsx`", "`src/components/FilterBar.tsx`"],
    ]);
    expectCues("not read", [
      // Portuguese "padrão" after a noun is "default": the file it is set in is written.
      ["- [ ] Definir idioma padrão em `src/i18n.ts`", "`src/i18n.ts`"],
      ["- Valores padrão ficam em `src/settings.ts`", "`src/settings.ts`"],
      // Not after the file a clause makes, where the word names its model; not "image" (이미지).
      [
        "- [ ] 5.1 Novo `src/hooks/use-action.ts` (padrão `useUpdate`)",
        "`src/hooks/use-action.ts`",
      ],
      [
        "- [ ] 4.3 Migration `supabase/00056_cron.sql` — **espelhar `00045`**",
        "`supabase/00056_cron.sql`",
      ],
      ["- [ ] §10 이미지 스토리지 계약 신설 `docs/conventions.md`", "`docs/conventions.md`"],
      // The other senses of the Portuguese words.
      ["- [ ] Caminho do banco (padrão: `config/default.yaml`)", "`config/default.yaml`"],
      ["- [ ] Definir `pt-BR` como padrão em `src/i18n.ts`", "`src/i18n.ts`"],
      ["- tipos TS espelhados em `src/defaults.ts`", "`src/defaults.ts`"],
    ]);
    expectCues("write", [
      // English words these spellings make.
      ["- [ ] Create Patron model in `app/models/patron.rb`", "`app/models/patron.rb`"],
      ["- [ ] Add muster roll to `src/roll.ts`", "`src/roll.ts`"],
      // The file the verb creates is still written.
      ["- [x] Criar `src/b.tsx` seguindo padrão de `src/a.tsx`", "`src/b.tsx`"],
    ]);
  });

  it("reads a file named as where something comes from", () => {
    expect(cue("Из `src/types/db.ts`, таблица `profiles.Row`:", "`src/types/db.ts`")).toBe("read");
    expect(cue("Los tipos desde `src/types/db.ts`", "`src/types/db.ts`")).toBe("read");
  });

  it("still writes what a write verb governs, before the check or after it", () => {
    expect(cue("- [ ] 1.2: Обновить `src/types/db.ts` после миграции", "`src/types/db.ts`")).toBe(
      "write",
    );
    expect(
      cue(
        "- [ ] Добавить поле в `src/types/db.ts` и убедиться, что тесты проходят",
        "`src/types/db.ts`",
      ),
    ).toBe("write");
  });

  it("reads a long item start in time that grows with it", () => {
    const clause = (n: number) =>
      `${"- ".repeat(n)}[x] ${" ".repeat(n)}1.1: ${"- ".repeat(n)}Обновить \`a.ts\``;
    expect(growth((n) => cue(clause(n), "`a.ts`"), 2000)).toBeLessThan(10);
    // Many "padrão" words, each looked behind only where it stands.
    const words = (n: number) => `${"o padrão   ".repeat(n)}\`a.ts\``;
    expect(growth((n) => cue(words(n), "`a.ts`"), 2000)).toBeLessThan(10);
    // A number of many dots: taken whole, not split every way before failing.
    const dots = (n: number) => `1${".".repeat(n)} \`a.ts\``;
    expect(growth((n) => cue(dots(n), "`a.ts`"), 2000)).toBeLessThan(10);
  });
});

describe("a sprint file's hand-made notes: a sub-story nested under a story, a mark after a status", () => {
  const text = [
    "development_status:",
    "  epic-r: in-progress",
    "  r-2-service-split: done ✅(with extra checks)",
    "  r-3-data-cleanup: done ✅",
    "    r-3-1-base-layout: done",
    "",
    "    r-3-2-more-layout: review",
    "  r-4-views: done ✅ (passed, small follow-ups)",
    "  r-5-wiring: in-progress (blocked)",
    "  r-6-later: done - but reopened",
    "",
  ].join("\n");

  it("reads the file, leaving out and naming each nested entry rather than refusing it all", () => {
    const sprint = parseSprintStatus(text, "s.yaml");
    expect(sprint.entries.map((e) => [e.key, e.line])).toEqual([
      ["epic-r", 2],
      ["r-2-service-split", 3],
      ["r-3-data-cleanup", 4],
      ["r-4-views", 8],
      ["r-5-wiring", 9],
      ["r-6-later", 10],
    ]);
    expect(sprint.warnings.filter((w) => w.includes("indented under"))).toEqual([
      "s.yaml:5: `r-3-1-base-layout` is indented under the entry above, which has a status of its own; the line is left as it is and not read (indent it as the entries beside it to plan it)",
      "s.yaml:7: `r-3-2-more-layout` is indented under the entry above, which has a status of its own; the line is left as it is and not read (indent it as the entries beside it to plan it)",
    ]);
    // Its status is still written in its own bytes.
    const last = sprint.entries.find((e) => e.key === "r-5-wiring");
    expect(last && text.slice(last.value.start, last.value.end)).toBe("in-progress (blocked)");
  });

  it("reads a status followed by a mark or a bracketed note as that status, a note in words not", () => {
    const status = Object.fromEntries(
      parseSprintStatus(text, "s.yaml").entries.map((e) => [e.key, e.status]),
    );
    expect(status).toMatchObject({
      "r-2-service-split": "done",
      "r-3-data-cleanup": "done",
      "r-4-views": "done",
      "r-5-wiring": "in-progress",
      "r-6-later": "done - but reopened",
    });
  });

  it("names the line of a story left out so, when it is asked for", () => {
    const sprint = parseSprintStatus(text, "s.yaml");
    for (const typed of ["r-3-1-base-layout", "r.3.1"])
      expect(() => resolveStoryId(sprint, typed)).toThrow(
        expect.objectContaining({
          line: 5,
          message: expect.stringMatching(/indented under the story above it and is not read/),
        }),
      );
    expect(() => resolveStoryId(sprint, "r-3")).toThrow(/^unknown story "r-3"/);
  });

  it("reads the status of a story with notes indented under it, and names each note left out", () => {
    const notes = [
      "development_status:",
      "  13-6-fix-preview: done",
      "    context: out/13-6-fix-preview-context.xml",
      "    story: out/13-6-fix-preview.md",
      "  13-7-next: ready-for-dev",
      "    owner: sam # later",
      "  epic-13-retrospective: done",
      "    artifact: out/epic-13-retrospective.md",
      "",
    ].join("\n");
    const sprint = parseSprintStatus(notes, "s.yaml");
    expect(sprint.entries.map((e) => [e.key, e.status])).toEqual([
      ["13-6-fix-preview", "done"],
      ["13-7-next", "ready-for-dev"],
      ["epic-13-retrospective", "done"],
    ]);
    expect(sprint.warnings).toEqual(
      [3, 4, 6, 8].map((line) =>
        expect.stringMatching(
          new RegExp(
            `^s\\.yaml:${line}: \`[a-z]+:\` is indented under the entry above, which has a value of its own; the line is left as it is and not read$`,
          ),
        ),
      ),
    );
    expect(sprint.nested).toBeUndefined();
    // The status is written in its own bytes; the notes stay as they were.
    const { text: after } = replaceStatus(notes, "s.yaml", {
      key: "13-7-next",
      status: "in-progress",
    });
    expect(after).toBe(notes.replace("13-7-next: ready-for-dev", "13-7-next: in-progress"));
  });

  it("reads the sprint past a block of counts typed one level too deep", () => {
    const counts = [
      "development_status:",
      "  1-1-a: done",
      "  1-2-b: ready-for-dev",
      "test_counts:",
      "    store_tests: 40",
      "        view_tests: 10",
      "      form_tests: 8",
      "    utils_tests: 126",
      "",
    ].join("\n");
    const sprint = parseSprintStatus(counts, "s.yaml");
    expect(sprint.entries.map((e) => e.key)).toEqual(["1-1-a", "1-2-b"]);
    expect(sprint.warnings.map((w) => w.split(" is indented")[0])).toEqual([
      "s.yaml:6: `view_tests:`",
      "s.yaml:7: `form_tests:`",
    ]);
  });

  it("still refuses a line under an entry that is no entry of its own", () => {
    expect(() =>
      parseSprintStatus("development_status:\n  1-1-a: done\n    owner sam: x: y\n", "s.yaml"),
    ).toThrow(/^sprint-status.yaml does not parse/);
  });
});

describe('a heading over files to read, as other stories write it ("Références", "Files To NOT Modify")', () => {
  const intents = (notes: string) =>
    Object.fromEntries(
      parseStory(
        `# Story 1.1: x\n\nStatus: ready-for-dev\n\n## Dev Notes\n\n${notes}\n`,
      ).mentions.map((m) => [m.path, m.intent]),
    );

  it("reads the files under a References heading in French, Spanish, Italian, German or Russian", () => {
    expect(
      intents(
        [
          "### Références",
          "- Jetons de style : `src/theme/tokens.ts` lignes 38-51",
          "### Referencias",
          "- `src/lib/utils.ts`",
          "### Riferimenti",
          "- `src/lib/errors.ts`",
          "### Источники",
          "- `src/lib/api.ts`",
        ].join("\n\n"),
      ),
    ).toEqual({
      "src/theme/tokens.ts": "read",
      "src/lib/utils.ts": "read",
      "src/lib/errors.ts": "read",
      "src/lib/api.ts": "read",
    });
  });

  it("still writes under a heading that only starts with such a word's letters", () => {
    expect(intents("### Referencing helpers\n\n- Add `src/lib/ref.ts`")).toEqual({
      "src/lib/ref.ts": "write",
    });
  });

  it('reads a table of files under "Files To NOT Modify", as under "Files NOT to Modify"', () => {
    const table = "| File | Why |\n| --- | --- |\n| `src/lib/scanner.ts` | out of scope |";
    expect(intents(`### Files To NOT Modify\n\n${table}`)).toEqual({
      "src/lib/scanner.ts": "read",
    });
    expect(intents(`### Files to Modify\n\n${table}`)).toEqual({
      "src/lib/scanner.ts": "write",
    });
  });
});

describe('"unchanged" said as a participle in another language ("**Fichiers inchangés** : `a.tsx`")', () => {
  const intents = (notes: string) =>
    Object.fromEntries(
      parseStory(
        `# Story 1.1: x\n\nStatus: ready-for-dev\n\n## Dev Notes\n\n### Project Structure Notes\n\n${notes}\n`,
      ).mentions.map((m) => [m.path, m.intent]),
    );

  it("reads the files a label or a remark says are left as they are", () => {
    expect(
      intents(
        [
          "- **Fichiers inchangés** : `src/a.tsx`, `src/b.tsx`",
          "- Grille non touchée (`src/c.tsx` inchangé)",
          "- `src/d.ts` unverändert",
          "- `src/e.ts` invariato",
        ].join("\n"),
      ),
    ).toEqual({
      "src/a.tsx": "read",
      "src/b.tsx": "read",
      "src/c.tsx": "read",
      "src/d.ts": "read",
      "src/e.ts": "read",
    });
  });

  it("still writes a file a write verb governs before the participle", () => {
    expect(
      intents("- **Fichier modifié** : `src/g.tsx`\n- Modifier `src/h.tsx`, le reste inchangé"),
    ).toEqual({ "src/g.tsx": "write", "src/h.tsx": "write" });
  });
});

describe("story keys led by a letter for the epic (`e-01-1-import-photos` under `epic-01`)", () => {
  const sprint = [
    "development_status:",
    "  epic-01: done",
    "  e-01-1-import-photos: done",
    "  e-01-2-sync-cloud: done",
    "  epic-02: in-progress",
    "  e-02-1-search-box: ready-for-dev",
    "",
  ].join("\n");

  it("are stories of that epic, each with its own id, not all one story of a track `e`", () => {
    const ids = parseSprintStatus(sprint, "s.yaml").entries.map((e) => [e.key, e.epic, e.id]);
    expect(ids).toEqual([
      ["epic-01", "01", undefined],
      ["e-01-1-import-photos", "01", "01.1"],
      ["e-01-2-sync-cloud", "01", "01.2"],
      ["epic-02", "02", undefined],
      ["e-02-1-search-box", "02", "02.1"],
    ]);
  });

  it("leave other tracks before a numbered epic as they were (`TD-1-1-x`, `v1-8-0-x`)", () => {
    const text = `${sprint}  TD-1-1-model-hardening: done\n  epic-8: done\n  v1-8-0-audit: done\n`;
    const ids = parseSprintStatus(text, "s.yaml").entries.map((e) => [e.key, e.epic]);
    expect(ids.slice(-3)).toEqual([
      ["TD-1-1-model-hardening", "TD"],
      ["epic-8", "8"],
      ["v1-8-0-audit", "v1"],
    ]);
  });

  it("are found by the number people type, without the epic's zeros (`1.2` for `01.2`)", () => {
    const parsed = parseSprintStatus(
      `${sprint}  epic-10: backlog\n  e-10-2-tags: backlog\n`,
      "s.yaml",
    );
    expect(resolveStoryId(parsed, "1.2").key).toBe("e-01-2-sync-cloud");
    expect(resolveStoryId(parsed, "01.2").key).toBe("e-01-2-sync-cloud");
    expect(resolveStoryId(parsed, "10.2").key).toBe("e-10-2-tags");
    // An id written as typed still wins over one that matches only without its zeros.
    const both = parseSprintStatus(
      "development_status:\n  epic-1: done\n  1-2-b: done\n  epic-01: done\n  01-2-a: done\n",
      "s.yaml",
    );
    expect(resolveStoryId(both, "1.2").key).toBe("1-2-b");
    expect(resolveStoryId(both, "01.2").key).toBe("01-2-a");
  });

  it("find their story files written without the letter (`1-1-import-photos.md`)", () => {
    const dir = tempProject({
      [`${ART}/sprint-status.yaml`]: sprint,
      [`${ART}/1-1-import-photos.md`]: "# Story 1.1: Import\n\nStatus: done\n",
      [`${ART}/1-2-sync-cloud.md`]: "# Story 1.2: Sync\n\nStatus: done\n",
      [`${ART}/2-1-search-box.md`]: "# Story 2.1: Search\n\nStatus: ready-for-dev\n",
    });
    const { config } = loadConfig(dir, { env });
    const loaded = loadProject(dir, { config, cache: false });
    expect(loaded.done.map((d) => d.file)).toEqual([
      `${ART}/1-1-import-photos.md`,
      `${ART}/1-2-sync-cloud.md`,
    ]);
    expect(loaded.batch.map((s) => s.file)).toEqual([`${ART}/2-1-search-box.md`]);
  });
});

describe("a field of the sprint file written among its stories", () => {
  it("is no story with an unknown status to warn about", () => {
    // Seen in a sprint file edited by hand: a date stamp left between two stories.
    const sprint = parseSprintStatus(
      "development_status:\n  3-4-a-thing: review\n  last_updated: 2026-08-19\n  3-5-b-thing: superseded-by-3-4\n",
      "s.yaml",
    );
    expect(sprint.warnings).toEqual([
      's.yaml:4: unknown status "superseded-by-3-4" for 3-5-b-thing (kept as it is)',
    ]);
    expect(sprint.entries.filter((e) => e.kind === "story").map((e) => e.key)).toEqual([
      "3-4-a-thing",
      "3-5-b-thing",
    ]);
    // Nor a key the plan leaves out, as a key of no story's shape is.
    expect(withStories(sprint, []).warnings).toEqual(sprint.warnings);
    // A key of that shape with a story's status is a story left out, and named.
    const odd = parseSprintStatus(
      "development_status:\n  last_updated: 2026-08-19\n  user_profile_page: in-progress\n  payment_webhook: blocked\n  bug-fix-a: done\n",
      "s.yaml",
    );
    expect(withStories(odd, []).warnings).toEqual([
      "s.yaml: 3 keys are neither a story key ({epic}-{story}-{slug}) nor a story file's name, so left out of the plan: user_profile_page (line 3), payment_webhook (line 4), bug-fix-a (line 5)",
    ]);
  });
});

describe("a heading over what a check found", () => {
  it("names the files it looked at to read, unless they are findings to fix", () => {
    const story = (heading: string) =>
      parseStory(
        `# Story 2.1: Chips\n\n## Dev Notes\n\n### ${heading}\n\n- **Design gate:** checked \`design/DESIGN.md\`; no gap found.\n`,
      ).mentions.map((m) => [m.path, m.intent]);
    expect(story("Architecture & UX Gate Findings")).toEqual([["design/DESIGN.md", "read"]]);
    expect(story("Findings to Fix")).toEqual([["design/DESIGN.md", "write"]]);
    // A review's findings still claim nothing, as before.
    expect(story("Review Findings")).toEqual([]);
  });
});

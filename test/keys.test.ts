import { describe, expect, it } from "vitest";
import { normaliseTypedId, parseKey } from "../src/bmad/keys.ts";
import { resolveStoryId } from "../src/bmad/resolve-id.ts";
import { parseSprintStatus, withStories } from "../src/bmad/sprint-status.ts";

describe("parseKey", () => {
  const epics = new Set(["3", "3.5", "1a", "npd.1", "5.5", "8.5"]);
  it.each([
    ["2-1-personality-system", { kind: "story", epic: "2", story: "1", id: "2.1" }],
    ["3-2a-split-the-thing", { kind: "story", epic: "3", story: "2a", id: "3.2a" }],
    ["3-5-help-overlay", { kind: "story", epic: "3", story: "5", id: "3.5" }],
    ["3-5-1-directory-manager", { kind: "story", epic: "3.5", story: "1", id: "3.5.1" }],
    ["1a-2-lettered-epic", { kind: "story", epic: "1a", story: "2", id: "1a.2" }],
    ["5.5-1-cleanup-rules", { kind: "story", epic: "5.5", story: "1", id: "5.5.1" }],
    ["8.5-12b-theme", { kind: "story", epic: "8.5", story: "12b", id: "8.5.12b" }],
    ["1.2-dotted-story-id", { kind: "story", epic: "1", story: "2", id: "1.2" }],
    ["1.2.3-three-parts", { kind: "story", epic: "1.2", story: "3", id: "1.2.3" }],
    // The epics present decide, as for dashed keys: no epic 3.2 here.
    ["3.2-404-page", { kind: "story", epic: "3", story: "2", id: "3.2" }],
    ["npd-1-2-bill-of-materials", { kind: "story", epic: "npd.1", story: "2", id: "npd.1.2" }],
    ["td-3-flaky-test", { kind: "story", epic: "td", story: "3", id: "td.3" }],
    ["epic-npd-1", { kind: "epic", epic: "npd.1" }],
    // A track's epic by its word alone, over `A-1-docker-publishing` and `td-3-flaky-test`.
    ["epic-A", { kind: "epic", epic: "A" }],
    ["A-1-docker-publishing", { kind: "story", epic: "A", story: "1", id: "A.1" }],
    ["epic-td", { kind: "epic", epic: "td" }],
    ["epic-14-dm-onboarding", { kind: "other" }],
    // A story keyed in words.
    ["epic-0-story-1", { kind: "story", epic: "0", story: "1", id: "0.1" }],
    ["epic-2-story-3b-login", { kind: "story", epic: "2", story: "3b", id: "2.3b" }],
    ["epic-2-story-notes", { kind: "other" }],
    ["epic-120-s01", { kind: "story", epic: "120", story: "1", id: "120.1" }],
    ["epic-12-s10-ios-banner", { kind: "story", epic: "12", story: "10", id: "12.10" }],
    ["epic-1-setup", { kind: "other" }],
    ["extra-docs-cleanup", { kind: "other" }],
    ["epic-3-5", { kind: "epic", epic: "3.5" }],
    ["epic-1a", { kind: "epic", epic: "1a" }],
    ["epic-3-5-retrospective", { kind: "retrospective", epic: "3.5" }],
    // Another track's retrospective is no story of it.
    ["EXP-001-retrospective", { kind: "retrospective", epic: "EXP.001" }],
    ["td-3-retrospective", { kind: "retrospective", epic: "td.3" }],
    ["2-4-retrospective", { kind: "story", epic: "2", story: "4", id: "2.4" }],
    // A number's letter in capitals is the same letter.
    ["2-5A-split-part", { kind: "story", epic: "2", story: "5a", id: "2.5a" }],
    ["1A-2-lettered-epic", { kind: "story", epic: "1a", story: "2", id: "1a.2" }],
    ["5.5-1A-cleanup", { kind: "story", epic: "5.5", story: "1a", id: "5.5.1a" }],
    ["epic-2B", { kind: "epic", epic: "2b" }],
    ["epic-2-story-3B-login", { kind: "story", epic: "2", story: "3b", id: "2.3b" }],
    ["epic-2B-retrospective", { kind: "retrospective", epic: "2b" }],
    // A track's word keeps its capitals.
    ["TD-3A-flaky-test", { kind: "story", epic: "TD", story: "3a", id: "TD.3a" }],
    ["generated", { kind: "other" }],
  ])("%s", (key, expected) => {
    expect(parseKey(key, epics)).toEqual(expected);
  });

  it("reads a dotted key's epic as written when the only epics are a track's", () => {
    expect(parseKey("5.5-1-cleanup", new Set(["polish"]))).toEqual({
      kind: "story",
      epic: "5.5",
      story: "1",
      id: "5.5.1",
    });
  });

  it("without epic keys, the first number is the epic", () => {
    expect(parseKey("3-5-1-directory-manager").id).toBe("3.5");
  });
});

describe("normaliseTypedId", () => {
  it.each([
    ["2.1", "2.1"],
    ["2-1", "2.1"],
    [" 2_1 ", "2.1"],
    ["Story 2.1", "2.1"],
    ["3.2A", "3.2a"],
    ["2-1-personality", "2-1-personality"],
    ["npd-1-2", "npd.1.2"],
    ["PM-01-3", "pm.01.3"],
    ["api-v2", "api-v2"],
    ["storybook-1-2", "storybook.1.2"],
  ])("%s -> %s", (typed, expected) => {
    expect(normaliseTypedId(typed)).toBe(expected);
  });
});

const SPRINT = `# comment
development_status:
  epic-3: in-progress
  3-5-help-overlay: done
  3-6-refresh: ready-for-dev
  epic-3-5: in-progress
  3-5-1-directory-manager: ready-for-dev
  3-5-2-per-project-repo: backlog
  4-1-alpha: ready-for-dev
  4-1-beta: ready-for-dev
  epic-5.5: in-progress
  5.5-1-cleanup-rules: backlog
  extra-docs-cleanup: done
  epic-npd-1: in-progress
  npd-1-2-bill-of-materials: backlog
`;

describe("resolveStoryId", () => {
  const sprint = parseSprintStatus(SPRINT, "sprint-status.yaml");
  const key = (typed: string) => resolveStoryId(sprint, typed).key;

  it("takes a path for the story whose file it is before a key it starts", () => {
    // `3-5-help.md` is the file the index gave to 4-1-beta (renamed while written), not a
    // cut `3-5-help-overlay`.
    const fileOf = (k: string) => (k === "4-1-beta" ? "docs/stories/3-5-help.md" : undefined);
    expect(resolveStoryId(sprint, "docs/stories/3-5-help.md", fileOf).key).toBe("4-1-beta");
    expect(resolveStoryId(sprint, "3-5-help", fileOf).key).toBe("3-5-help-overlay");
  });

  it("accepts dotted and dashed ids, full keys, cut keys and file paths", () => {
    expect(key("3.5")).toBe("3-5-help-overlay");
    expect(key("3-5")).toBe("3-5-help-overlay");
    expect(key("3.5.1")).toBe("3-5-1-directory-manager");
    expect(key("3-5-1-directory-manager")).toBe("3-5-1-directory-manager");
    expect(key("3-5-1-dir")).toBe("3-5-1-directory-manager");
    expect(key("docs/stories/epic-3.5/3-5-2-per-project-repo.md")).toBe("3-5-2-per-project-repo");
    expect(key("5.5.1")).toBe("5.5-1-cleanup-rules");
    expect(key("5.5-1-clean")).toBe("5.5-1-cleanup-rules");
    expect(key("npd.1.2")).toBe("npd-1-2-bill-of-materials");
    expect(key("npd-1-2-bill-of-materials")).toBe("npd-1-2-bill-of-materials");
    expect(key("npd-1-2")).toBe("npd-1-2-bill-of-materials");
  });

  it("warns about a key it leaves out, with its line", () => {
    expect(sprint.warnings).toEqual([]);
    expect(withStories(sprint, []).warnings).toEqual([
      "sprint-status.yaml: a key is neither a story key ({epic}-{story}-{slug}) nor a story file's name, so left out of the plan: extra-docs-cleanup (line 13)",
    ]);
  });

  it("refuses an ambiguous id and lists the candidates with their lines", () => {
    expect(() => key("4.1")).toThrow(/ambiguous.*4-1-alpha \(line 9\), 4-1-beta \(line 10\)/);
  });

  it("keeps a sub-story's third number in its id when its story has the same two (no such epic)", () => {
    const subs = parseSprintStatus(
      "development_status:\n  epic-0: in-progress\n  0-10-configure-security: done\n  0-10-1-phase2-encryption: done\n  0-10-2-phase3-rules: done\n  0-11-1-alone: done\n",
      "sprint-status.yaml",
    );
    const id = (typed: string) => resolveStoryId(subs, typed).key;
    expect(id("0.10")).toBe("0-10-configure-security");
    expect(id("0.10.1")).toBe("0-10-1-phase2-encryption");
    expect(id("0.10.2")).toBe("0-10-2-phase3-rules");
    // No other story 0.11: the id stays as it was.
    expect(id("0.11")).toBe("0-11-1-alone");
    // Close matches show the keys behind the ids.
    expect(() => id("0.10.9")).toThrow(/close matches: 0\.10\.1 \(0-10-1-phase2-encryption\)/);
  });

  it("reads a key whose number's letter is a capital as the lower-case one, its sub-stories and epic too", () => {
    const sprint = parseSprintStatus(
      "development_status:\n  epic-2: in-progress\n  2-5A-populate-history: done\n  2-5A-1-backfill: done\n  2-5B-store-resolved: ready-for-dev\n  epic-3B: backlog\n  3B-1-audit: backlog\n",
      "sprint-status.yaml",
    );
    expect(sprint.warnings).toEqual([]);
    const id = (typed: string) => resolveStoryId(sprint, typed).key;
    expect(id("2.5a")).toBe("2-5A-populate-history");
    expect(id("2.5A")).toBe("2-5A-populate-history");
    // The sub-story keeps its third number, as `2-5a-1-backfill` would.
    expect(id("2.5a.1")).toBe("2-5A-1-backfill");
    expect(id("2.5b")).toBe("2-5B-store-resolved");
    expect(id("3b.1")).toBe("3B-1-audit");
    expect(sprint.entries.find((e) => e.key === "3B-1-audit")?.epic).toBe("3b");
    // A full key or its start typed with the letter in the other case.
    expect(id("2-5a-populate-history")).toBe("2-5A-populate-history");
    expect(id("2-5b-store")).toBe("2-5B-store-resolved");
    // An entry with no status, typed in the other case, is named as one.
    const statusless = parseSprintStatus(
      "development_status:\n  epic-2: in-progress\n  2-6-a: done\n  2-7B-z:\n  2-8-b: backlog\n",
      "s.yaml",
    );
    expect(() => resolveStoryId(statusless, "2-7b-z")).toThrow(
      /"2-7b-z" is in the sprint file, but its entry has no status/,
    );
    // A track's epic written without `epic-` (`pm-1A`), as its stories spell it.
    const track = parseSprintStatus(
      "development_status:\n  pm-1A: in-progress\n  pm-1A-1-task-api: ready-for-dev\n",
      "sprint-status.yaml",
    );
    expect(track.entries.map((e) => [e.key, e.kind, e.epic, e.id])).toEqual([
      ["pm-1A", "epic", "pm.1a", undefined],
      ["pm-1A-1-task-api", "story", "pm.1a", "pm.1a.1"],
    ]);
  });

  it("refuses an unknown id and names the close matches", () => {
    expect(() => key("3-6-refrseh")).toThrow(
      /unknown story "3-6-refrseh".*close matches: 3-6-refresh/,
    );
    expect(() => key("9.9")).toThrow(/unknown story "9.9"/);
  });
});

/**
 * How often a plan reads the sprint file: a 1,000-story sprint takes tens of milliseconds to
 * parse, so a plan that parses it twice is a plan a tenth slower on a large project.
 */
import { describe, expect, it, vi } from "vitest";
import { planProject } from "../src/plan-project.ts";
import { tempProject } from "./helpers/tmp.ts";

const parsed: string[] = [];
vi.mock("../src/bmad/sprint-status.ts", async (importOriginal) => {
  const real = await importOriginal<typeof import("../src/bmad/sprint-status.ts")>();
  return {
    ...real,
    parseSprintStatus: (text: string, file: string) => {
      parsed.push(file);
      return real.parseSprintStatus(text, file);
    },
  };
});

const env = { HOME: "/nonexistent", XDG_CONFIG_HOME: "/nonexistent" };
const ART = "_bmad-output/implementation-artifacts";
const story =
  "# Story 1.1: a\n\nStatus: ready-for-dev\n\n## Tasks / Subtasks\n\n- [ ] Add `src/a.ts`\n";

describe("reading the sprint file", () => {
  it("parses a lone sprint file once when BMAD's config names the default folder", () => {
    const dir = tempProject({
      "_bmad/bmm/config.yaml":
        'implementation_artifacts: "{project-root}/_bmad-output/implementation-artifacts"\n',
      [`${ART}/sprint-status.yaml`]: "development_status:\n  1-1-a: ready-for-dev\n",
      [`${ART}/1-1-a.md`]: story,
    });
    parsed.length = 0;
    const { plan } = planProject(dir, { cache: false, env });
    expect(plan.stories.map((s) => s.key)).toEqual(["1-1-a"]);
    expect(parsed).toEqual([`${ART}/sprint-status.yaml`]);
  });

  it("still reads the first sprint file to see whether it lists no story, when there is another", () => {
    const dir = tempProject({
      [`${ART}/sprint-status.yaml`]: "development_status: {}\n",
      "docs/sprint-status.yaml": "development_status:\n  1-1-a: ready-for-dev\n",
      "docs/1-1-a.md": story,
    });
    parsed.length = 0;
    const { plan } = planProject(dir, { cache: false, env });
    expect(plan.stories.map((s) => s.key)).toEqual(["1-1-a"]);
    expect(parsed.filter((file) => file === `${ART}/sprint-status.yaml`)).toHaveLength(1);
    expect(plan.sources.find((s) => s.startsWith("sprint status:"))).toMatch(
      /^sprint status: docs\/sprint-status\.yaml \(_bmad-output\/.* lists no story/,
    );
  });
});

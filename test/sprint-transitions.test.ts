import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { completeStory } from "../src/run/sprint-transitions.ts";
import type { StoryRun } from "../src/run/state.ts";
import { tempProject } from "./helpers/tmp.ts";

const SPRINT = "sprint-status.yaml";

/** A completed story whose run claimed it `in-progress`, its entry now `now`. */
async function complete(now: string, completedStatus: string): Promise<string> {
  const root = tempProject({
    [SPRINT]: `development_status:\n  epic-1: in-progress\n  1-1-a: ${now} # kept\n`,
  });
  const story = {
    key: "1-1-a",
    state: "completed",
    previousStatus: "ready-for-dev",
    claimedStatus: "in-progress",
  } as unknown as StoryRun;
  await completeStory({ root, sprintFile: SPRINT, staleMs: 30_000 }, story, completedStatus);
  expect(story.sprintUnwritten).toBeUndefined();
  return /1-1-a: (\S+)/.exec(readFileSync(path.join(root, SPRINT), "utf8"))?.[1] ?? "";
}

describe("a completed story's sprint entry", () => {
  it("gets completedStatus, also from `review`, where BMAD's dev workflow leaves it", async () => {
    expect(await complete("in-progress", "review")).toBe("review");
    expect(await complete("in-progress", "done")).toBe("done");
    expect(await complete("review", "done")).toBe("done");
  });

  it("is left as someone else set it", async () => {
    expect(await complete("backlog", "done")).toBe("backlog");
    expect(await complete("ready-for-dev", "review")).toBe("ready-for-dev");
  });
});

/**
 * A run's changes to sprint-status.yaml: every story claimed `in-progress` before anything
 * starts (all or none), a completed story moved on to `completedStatus` unless someone moved it
 * since, a story that did not complete put back to what it was. Each write goes through the
 * sprint writer (comments kept, a lock against other writers, never a downgrade of someone
 * else's change); a failure is kept on the story (`sprintUnwritten`) and tried again, never
 * thrown past the run.
 */
import { setStatus } from "../bmad/sprint-writer.ts";
import { errorLine } from "../util/errors.ts";
import type { StoryRun } from "./state.ts";

export interface SprintTarget {
  root: string;
  sprintFile: string;
  staleMs: number;
}

/**
 * Stories another run took between the plan and the claim (of this process or another,
 * started at the same moment), or whose sprint entry a person changed. Nothing was claimed.
 */
export class StoriesTaken extends Error {
  override readonly name = "StoriesTaken";
  constructor(readonly taken: ReadonlyArray<{ id: string; key: string; why: string }>) {
    super(taken.map((t) => `${t.id} (${t.key}) ${t.why}`).join("; "));
  }
}

/**
 * Marks every story `in-progress`, each only while its entry still holds what the plan read
 * (under the sprint lock, so two runs claiming one story at once cannot both win: the second
 * finds it taken); on a failure or a taken story, puts back the ones it changed and throws.
 */
export async function claimStories(sprint: SprintTarget, stories: StoryRun[]): Promise<void> {
  const claimed: StoryRun[] = [];
  const taken: Array<{ id: string; key: string; why: string }> = [];
  try {
    for (const story of stories) {
      const result = await setStatus(sprint, {
        key: story.key,
        status: "in-progress",
        onlyIfCurrent: story.previousStatus,
      });
      if (result.changed) {
        story.claimedStatus = "in-progress";
        claimed.push(story);
      } else if (result.previous !== story.previousStatus) {
        taken.push({
          id: story.id,
          key: story.key,
          why: `is "${result.previous}" in the sprint file now, no longer "${story.previousStatus}" as when this run was planned`,
        });
      }
    }
    if (taken.length > 0) throw new StoriesTaken(taken);
  } catch (error) {
    for (const story of claimed) {
      await restoreStory(sprint, story);
      delete story.claimedStatus;
    }
    throw error;
  }
}

/** A completed story's entry moves on, if it still holds what the run wrote. */
export async function completeStory(
  sprint: SprintTarget,
  story: StoryRun,
  status: string,
): Promise<void> {
  if (!story.claimedStatus) return;
  const claimed = story.claimedStatus;
  // `review` is where BMAD's dev workflow leaves its own story: with `completedStatus: "done"`
  // the run moves it on from there too (any other value someone set is left as it is).
  const from = status === "review" ? [claimed] : [claimed, "review"];
  await settle(story, status, () =>
    setStatus(sprint, { key: story.key, status, onlyIfCurrent: from }),
  );
}

/** A story that did not complete gets its entry back, if it still holds what the run wrote. */
export async function restoreStory(sprint: SprintTarget, story: StoryRun): Promise<void> {
  if (!story.claimedStatus || story.previousStatus === story.claimedStatus) return;
  const claimed = story.claimedStatus;
  await settle(story, story.previousStatus, () =>
    setStatus(sprint, {
      key: story.key,
      status: story.previousStatus,
      restore: { expectedCurrent: claimed },
    }),
  );
}

/** An ended story's entry the run could not write: tried again (the file may parse now). */
export async function rewriteUnwritten(sprint: SprintTarget, story: StoryRun): Promise<void> {
  const unwritten = story.sprintUnwritten;
  if (!unwritten) return;
  if (story.state === "completed") await completeStory(sprint, story, unwritten.status);
  else await restoreStory(sprint, story);
}

/** Writes the entry; a failure is kept on the story (`sprintUnwritten`), never thrown. */
async function settle(story: StoryRun, status: string, write: () => Promise<unknown>) {
  try {
    await write();
    story.sprintUnwritten = undefined;
  } catch (error) {
    story.sprintUnwritten = { status, why: errorLine(error) };
  }
}

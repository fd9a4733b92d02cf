/**
 * A run's changes to sprint-status.yaml: every story claimed `in-progress` before anything
 * starts (all or none), a completed story moved on to `completedStatus` unless someone moved it
 * since, a story that did not complete put back to what it was. Each write goes through the
 * sprint writer (comments kept, a lock against other writers, never a downgrade of someone
 * else's change); a failure lands on the story's errors, never thrown past the run.
 */
import { setStatus } from "../bmad/sprint-writer.ts";
import type { StoryRun } from "./state.ts";

export interface SprintTarget {
  root: string;
  sprintFile: string;
  staleMs: number;
}

/** Marks every story `in-progress`; on a failure, puts back the ones it changed and throws. */
export async function claimStories(sprint: SprintTarget, stories: StoryRun[]): Promise<void> {
  const claimed: StoryRun[] = [];
  try {
    for (const story of stories) {
      const result = await setStatus(sprint, { key: story.key, status: "in-progress" });
      if (result.changed) {
        story.claimedStatus = "in-progress";
        claimed.push(story);
      }
    }
  } catch (error) {
    for (const story of claimed) await restoreStory(sprint, story);
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
  await setStatus(sprint, { key: story.key, status, onlyIfCurrent: story.claimedStatus }).catch(
    (e) => story.errors.push(`sprint file not updated: ${e.message}`),
  );
}

/** A story that did not complete gets its entry back, if it still holds what the run wrote. */
export async function restoreStory(sprint: SprintTarget, story: StoryRun): Promise<void> {
  if (!story.claimedStatus || story.previousStatus === story.claimedStatus) return;
  await setStatus(sprint, {
    key: story.key,
    status: story.previousStatus,
    restore: { expectedCurrent: story.claimedStatus },
  }).catch((e) => story.errors.push(`sprint entry not restored: ${e.message}`));
}

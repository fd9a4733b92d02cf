/** The task boxes ticked in a story file right now (for `status`), or undefined if unreadable. */
import { readFileSync } from "node:fs";
import path from "node:path";
import { parseStory } from "./story.ts";

export function taskProgress(
  root: string,
  storyFile: string | undefined,
): { done: number; total: number } | undefined {
  if (!storyFile) return undefined;
  try {
    return parseStory(readFileSync(path.join(root, storyFile), "utf8")).tasks;
  } catch {
    return undefined;
  }
}

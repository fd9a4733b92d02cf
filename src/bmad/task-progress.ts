/** The task boxes ticked in a story file right now (for `status`), or undefined if unreadable. */
import path from "node:path";
import { readText } from "../util/text-file.ts";
import { parseStory } from "./story.ts";

export function taskProgress(
  root: string,
  storyFile: string | undefined,
): { done: number; total: number } | undefined {
  if (!storyFile) return undefined;
  try {
    return parseStory(readText(path.join(root, storyFile))).tasks;
  } catch {
    return undefined;
  }
}

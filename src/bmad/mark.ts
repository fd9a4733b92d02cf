/**
 * `mark <story> <status> [--force]`: one sprint entry changed the way the plugin changes it
 * (the sprint writer's lock, an atomic write, a downgrade only with force). Shared by the CLI
 * and the tool, which say the same.
 */
import path from "node:path";
import { loadConfig } from "../config/load.ts";
import { readText } from "../util/text-file.ts";
import { discoverBmad } from "./discover.ts";
import { withStoryFiles } from "./project.ts";
import { resolveStoryId } from "./resolve-id.ts";
import { parseSprintStatus } from "./sprint-status.ts";
import { type StatusChangeResult, setStatus } from "./sprint-writer.ts";

export interface MarkResult extends StatusChangeResult {
  sprintFile: string;
  /** One line saying what changed, or that nothing did. */
  line: string;
}

export async function markStory(
  root: string,
  typed: string,
  status: string,
  options: {
    force?: boolean;
    env?: NodeJS.ProcessEnv;
    pluginOptions?: Record<string, unknown>;
  } = {},
): Promise<MarkResult> {
  const { config } = loadConfig(root, {
    ...(options.env ? { env: options.env } : {}),
    ...(options.pluginOptions ? { pluginOptions: options.pluginOptions } : {}),
  });
  const files = discoverBmad(root, config);
  const { sprint, storyFiles } = withStoryFiles(
    root,
    files,
    parseSprintStatus(readText(path.join(root, files.sprintStatus)), files.sprintStatus),
  );
  const key = sprint.entries.some((e) => e.key === typed)
    ? typed
    : resolveStoryId(sprint, typed, storyFiles.find).key;
  const result = await setStatus(
    { root, sprintFile: files.sprintStatus },
    { key, status, ...(options.force ? { force: true } : {}) },
  );
  return {
    ...result,
    sprintFile: files.sprintStatus,
    line: result.changed
      ? `${files.sprintStatus}: ${key}: ${result.previous} -> ${result.status}`
      : `${files.sprintStatus}: ${key} is already "${result.status}"`,
  };
}

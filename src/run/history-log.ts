/**
 * `.athena/history.jsonl`: one line per story a run finished, whatever way it ended, with
 * what the plugin saw it write. The planner learns from it beside the done stories' File
 * Lists (an agent's File List can forget a file; the write guard does not), and estimates can
 * read its times.
 *
 * Lines are appended in one write each, so several processes can append at once; a line that
 * does not parse (a crash mid-write, a hand edit) is skipped and counted, never fatal.
 */
import { appendFileSync, readFileSync } from "node:fs";
import path from "node:path";
import { z } from "zod";
import { ensureAthenaDir } from "../bmad/cache.ts";
import { EndReason, StoryState } from "./state.ts";
import { Usage } from "./usage.ts";

export const HISTORY_LOG = ".athena/history.jsonl";

export const HistoryLine = z.object({
  format: z.literal(1),
  story: z.string(),
  run: z.string(),
  outcome: StoryState,
  /** Repo-relative files the story wrote, as the write guard saw them. */
  wroteFiles: z.array(z.string()),
  startedAt: z.string().optional(),
  endedAt: z.string(),
  durationMs: z.number().nonnegative().optional(),
  /** Its task count at plan time (estimates divide the duration by it). */
  tasks: z.number().int().nonnegative().optional(),
  /** Tokens and cost its sessions used (absent for a story that never started). */
  usage: Usage.optional(),
  /** `provider/model` when the run set one (`parallel.model`). */
  model: z.string().optional(),
  /** Why it did not complete, when it did not. */
  reason: EndReason.optional(),
});
export type HistoryLine = z.infer<typeof HistoryLine>;

/** Appends one line; best effort by design: losing a history line must never fail a story. */
export function appendHistory(root: string, line: HistoryLine): boolean {
  try {
    ensureAthenaDir(root);
    appendFileSync(path.join(root, HISTORY_LOG), `${JSON.stringify(line)}\n`);
    return true;
  } catch {
    return false;
  }
}

export interface LoadedHistory {
  lines: HistoryLine[];
  /** Line numbers (1-based) that did not parse. */
  skipped: number[];
}

/** Every readable line of the project's history log (none when there is no log). */
export function readHistory(root: string): LoadedHistory {
  let text: string;
  try {
    text = readFileSync(path.join(root, HISTORY_LOG), "utf8");
  } catch {
    return { lines: [], skipped: [] };
  }
  const out: LoadedHistory = { lines: [], skipped: [] };
  text.split("\n").forEach((raw, i) => {
    if (raw.trim() === "") return;
    try {
      out.lines.push(HistoryLine.parse(JSON.parse(raw)));
    } catch {
      out.skipped.push(i + 1);
    }
  });
  return out;
}

/** Story key -> the files completed runs of it wrote (union over runs). */
export function filesSeenWritten(history: LoadedHistory): Map<string, string[]> {
  const seen = new Map<string, Set<string>>();
  for (const line of history.lines) {
    if (line.outcome !== "completed") continue;
    const files = seen.get(line.story) ?? new Set<string>();
    for (const file of line.wroteFiles) files.add(file);
    seen.set(line.story, files);
  }
  return new Map([...seen].map(([story, files]) => [story, [...files]]));
}

/**
 * Time per task, for estimates before a run has finished a story of its own: read from the
 * project's history log (`.athena/history.jsonl`), the completed stories' durations divided by
 * their task counts. Per model when the log holds enough stories of that model, otherwise all
 * of them. A range (the middle half of the stories) says how much it varies. Pure.
 */
import type { HistoryLine } from "./history-log.ts";

export interface TaskTime {
  /** ms per task: the median, and the first and third quartiles. */
  median: number;
  low: number;
  high: number;
  /** Completed stories it comes from. */
  stories: number;
  /** Set when it comes from that model's stories only. */
  model?: string;
}

/** Stories of one model it takes before that model's own figures are used. */
export const MIN_MODEL_STORIES = 3;

export function taskTimeFromHistory(
  lines: readonly HistoryLine[],
  model?: string,
): TaskTime | undefined {
  const usable = lines.filter(
    (l) =>
      l.outcome === "completed" &&
      l.durationMs !== undefined &&
      l.tasks !== undefined &&
      l.tasks > 0,
  );
  const same = model ? usable.filter((l) => l.model === model) : [];
  const pool = same.length >= MIN_MODEL_STORIES ? same : usable;
  if (pool.length === 0) return undefined;
  const perTask = pool.map((l) => (l.durationMs ?? 0) / (l.tasks ?? 1)).sort((a, b) => a - b);
  return {
    median: quantile(perTask, 0.5),
    low: quantile(perTask, 0.25),
    high: quantile(perTask, 0.75),
    stories: pool.length,
    ...(pool === same && model ? { model } : {}),
  };
}

/** Linear interpolation between the closest ranks of a sorted list. */
function quantile(sorted: readonly number[], q: number): number {
  const at = (sorted.length - 1) * q;
  const below = Math.floor(at);
  const a = sorted[below] ?? 0;
  const b = sorted[Math.min(sorted.length - 1, below + 1)] ?? a;
  return a + (b - a) * (at - below);
}

/** Minutes per task assumed for a planned timeline when the project has no history yet. */
export const ASSUMED_MINUTES_PER_TASK = 10;

/** The pace a planned timeline is drawn at, and the words that say where it comes from. */
export function timelinePace(known: TaskTime | undefined): { perTaskMs: number; pace: string } {
  if (!known)
    return {
      perTaskMs: ASSUMED_MINUTES_PER_TASK * 60_000,
      pace: `${ASSUMED_MINUTES_PER_TASK} min per task assumed, no history yet`,
    };
  const minutes = Math.max(0.1, Math.round((known.median / 60_000) * 10) / 10);
  return {
    perTaskMs: known.median,
    pace: `${minutes} min per task, from ${known.stories} earlier ${known.stories === 1 ? "story" : "stories"}`,
  };
}

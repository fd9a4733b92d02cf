/**
 * What `status` shows per story (state, elapsed time, task boxes ticked, the child's todo list,
 * locks held, what it waits on, tokens and cost) and the estimates: from the durations of the stories already
 * finished in this run, per task, scaled by each story's task count; "unknown" with no basis.
 */
import { schedule } from "../plan/schedule.ts";
import type { Plan } from "../plan/types.ts";
import type { TodoItem } from "./host.ts";
import {
  ACTIVE_STATES,
  type EndReason,
  FINAL_STATES,
  type RunRecord,
  type StoryState,
} from "./state.ts";
import { describeUsage, type Usage } from "./usage.ts";

export interface StoryProgress {
  key: string;
  id: string;
  state: StoryState;
  elapsedMs?: number;
  tasks: { done: number; total: number };
  todos: { done: number; total: number };
  locks: string[];
  waitingOn?: string;
  /** Time left, in ms; undefined: unknown. */
  remainingMs?: number;
  errors: string[];
  reason?: EndReason;
  usage?: Usage;
}

export interface RunProgress {
  run: string;
  state: string;
  stories: StoryProgress[];
  /** Time until the whole run ends, in ms; undefined: unknown. */
  remainingMs?: number;
  usage?: Usage;
  /** Why the run starts no new story, when it stopped. */
  stopped?: string;
}

export interface ProgressSources {
  now: number;
  /** Task boxes in the story file now. */
  tasksNow: (key: string) => { done: number; total: number } | undefined;
  todos: (key: string) => TodoItem[];
  locks: (key: string) => string[];
}

export function runProgress(run: RunRecord, sources: ProgressSources): RunProgress {
  const plan = run.plan as Plan | undefined;
  const plannedTasks = (key: string) => plan?.stories.find((s) => s.key === key)?.tasks.total ?? 0;
  const tasksOf = (key: string) => Math.max(1, sources.tasksNow(key)?.total ?? plannedTasks(key));

  const finished = run.stories.filter((s) => s.state === "completed" && s.startedAt && s.endedAt);
  const totalMs = finished.reduce(
    (sum, s) => sum + (Date.parse(s.endedAt ?? "") - Date.parse(s.startedAt ?? "")),
    0,
  );
  const totalTasks = finished.reduce((sum, s) => sum + tasksOf(s.key), 0);
  const perTask = finished.length > 0 ? totalMs / totalTasks : undefined;

  const stories = run.stories.map((s): StoryProgress => {
    const started = s.startedAt ? Date.parse(s.startedAt) : undefined;
    const elapsed =
      started === undefined
        ? undefined
        : (s.endedAt ? Date.parse(s.endedAt) : sources.now) - started;
    const todos = sources.todos(s.key);
    let remaining: number | undefined;
    if (FINAL_STATES.has(s.state)) remaining = 0;
    else if (perTask !== undefined)
      remaining = Math.max(
        0,
        perTask * tasksOf(s.key) - (ACTIVE_STATES.has(s.state) ? (elapsed ?? 0) : 0),
      );
    return {
      key: s.key,
      id: s.id,
      state: s.state,
      ...(elapsed === undefined ? {} : { elapsedMs: elapsed }),
      tasks: sources.tasksNow(s.key) ?? { done: 0, total: plannedTasks(s.key) },
      todos: { done: todos.filter((t) => t.status === "completed").length, total: todos.length },
      locks: sources.locks(s.key),
      ...(s.waitingOn ? { waitingOn: s.waitingOn } : {}),
      ...(remaining === undefined ? {} : { remainingMs: remaining }),
      errors: s.errors,
      ...(s.reason ? { reason: s.reason } : {}),
      ...(s.usage && s.sessionId ? { usage: s.usage } : {}),
    };
  });

  let remainingMs: number | undefined;
  if (stories.every((s) => FINAL_STATES.has(s.state))) remainingMs = 0;
  else if (perTask !== undefined) {
    // The rest of the run, scheduled as the engine would: cap, dependencies, conflicts.
    const open = stories.filter((s) => !FINAL_STATES.has(s.state));
    const keys = new Set(open.map((s) => s.key));
    const planned = plan?.stories ?? [];
    remainingMs = schedule({
      stories: open.map((s) => ({ key: s.key, weight: s.remainingMs ?? 0 })),
      dependencies: planned.flatMap((p) =>
        p.dependencies.flatMap((d) =>
          d.key && keys.has(d.key) && keys.has(p.key) ? [[d.key, p.key] as const] : [],
        ),
      ),
      exclusive:
        run.strategy === "coordinate"
          ? (plan?.conflicts ?? [])
              .filter((c) => c.blocking && c.stories.every((k) => keys.has(k)))
              .map((c) => c.stories)
          : [],
      cap: run.cap,
    }).makespan;
  }
  return {
    run: run.id,
    state: run.state,
    stories,
    ...(remainingMs === undefined ? {} : { remainingMs }),
    ...(run.usage ? { usage: run.usage } : {}),
    ...(run.stopped ? { stopped: run.stopped } : {}),
  };
}

export function formatDuration(ms: number | undefined): string {
  if (ms === undefined) return "unknown";
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  return m < 60
    ? `${m}m${String(s % 60).padStart(2, "0")}s`
    : `${Math.floor(m / 60)}h${String(m % 60).padStart(2, "0")}m`;
}

export function renderProgress(progress: RunProgress): string {
  const lines = [
    `### Run ${progress.run}: ${progress.state}, about ${formatDuration(progress.remainingMs)} left${progress.usage ? `, ${describeUsage(progress.usage)} so far` : ""}`,
    ...(progress.stopped ? ["", `No new story starts: ${progress.stopped}.`] : []),
    "",
    "| story | state | elapsed | tasks | todos | locks | waits on | used | left |",
    "| --- | --- | --- | --- | --- | --- | --- | --- | --- |",
  ];
  for (const s of progress.stories) {
    const todos = s.todos.total > 0 ? `${s.todos.done}/${s.todos.total}` : "-";
    const waits =
      s.waitingOn ?? (s.errors.at(-1) && s.state !== "completed" ? s.errors.at(-1) : "") ?? "";
    const state = s.reason ? `${s.state} (${s.reason})` : s.state;
    lines.push(
      `| ${s.id} \`${s.key}\` | ${state} | ${s.elapsedMs === undefined ? "-" : formatDuration(s.elapsedMs)} | ${s.tasks.done}/${s.tasks.total} | ${todos} | ${s.locks.length > 0 ? s.locks.map((l) => `\`${l}\``).join(", ") : "-"} | ${waits} | ${s.usage ? describeUsage(s.usage) : "-"} | ${formatDuration(s.remainingMs)} |`,
    );
  }
  return lines.join("\n");
}

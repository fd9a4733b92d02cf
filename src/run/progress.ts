/**
 * What `status` shows per story (state, elapsed time, task boxes ticked, the child's todo list,
 * locks held, what it waits on, tokens and cost) and the estimates: from the durations of the
 * stories already finished in this run, per task, scaled by each story's task count; before
 * the first one ends, from the project's history log (a range); "no history yet" on a
 * project's very first run.
 */
import { schedule } from "../plan/schedule.ts";
import type { Plan } from "../plan/types.ts";
import type { TaskTime } from "./estimate.ts";
import type { TodoItem } from "./host.ts";
import {
  ACTIVE_STATES,
  type EndReason,
  FINAL_STATES,
  type RunRecord,
  type StoryRun,
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
  /** A running story past its estimate: by how long, in ms (`remainingMs` is then 0). */
  overdueMs?: number;
  errors: string[];
  reason?: EndReason;
  usage?: Usage;
  question?: StoryRun["question"];
  /** What the host asks the user in the story's session, unanswered. */
  asking?: StoryRun["asking"];
}

export interface RunProgress {
  run: string;
  state: string;
  stories: StoryProgress[];
  /** Time until the whole run ends, in ms; undefined: unknown. */
  remainingMs?: number;
  /**
   * Set when the estimate says the run should have ended (`remainingMs` about 0) while stories still
   * run: how long the most overdue of them is past its estimate, in ms.
   */
  overdueMs?: number;
  /** What the estimate rests on: this run's finished stories, the history log, or nothing. */
  basis: "run" | "history" | "none";
  /** From history: the likely range of `remainingMs`, and how many stories it rests on. */
  range?: { low: number; high: number; stories: number };
  usage?: Usage;
  /** Why the run starts no new story, when it stopped. */
  stopped?: string;
}

export interface ProgressSources {
  now: number;
  /** Task boxes in the story file now; the file is the one `run`'s plan names (storyFileOf). */
  tasksNow: (key: string, run: RunRecord) => { done: number; total: number } | undefined;
  todos: (key: string) => TodoItem[];
  locks: (key: string) => string[];
  /** Time per task from the project's history, for a story's model (estimate.ts). */
  taskTime?: (model?: string) => TaskTime | undefined;
}

/** A story as the plan its run started from has it (its file, its tasks then). */
function plannedStory(run: RunRecord, key: string) {
  return (run.plan as Plan | undefined)?.stories.find((s) => s.key === key);
}

/**
 * The story file (project-relative) of a story of `run`, from the run's own plan: a run that
 * has ended still has it, so its task boxes can still be read.
 */
export function storyFileOf(run: RunRecord, key: string): string | undefined {
  return plannedStory(run, key)?.file;
}

export function runProgress(run: RunRecord, sources: ProgressSources): RunProgress {
  const plan = run.plan as Plan | undefined;
  const plannedTasks = (key: string) => plannedStory(run, key)?.tasks.total ?? 0;
  const tasksNow = (key: string) => sources.tasksNow(key, run);
  const tasksOf = (key: string) => Math.max(1, tasksNow(key)?.total ?? plannedTasks(key));

  const finished = run.stories.filter((s) => s.state === "completed" && s.startedAt && s.endedAt);
  const totalMs = finished.reduce(
    (sum, s) => sum + (Date.parse(s.endedAt ?? "") - Date.parse(s.startedAt ?? "")),
    0,
  );
  const totalTasks = finished.reduce((sum, s) => sum + tasksOf(s.key), 0);
  const perTask = finished.length > 0 ? totalMs / totalTasks : undefined;
  // Before this run has finished a story, the project's history gives the pace, as a range.
  let historyStories = 0;
  const paceOf = (model?: string): { mid: number; low: number; high: number } | undefined => {
    if (perTask !== undefined) return { mid: perTask, low: perTask, high: perTask };
    const known = sources.taskTime?.(model);
    if (!known) return undefined;
    historyStories = Math.max(historyStories, known.stories);
    return { mid: known.median, low: known.low, high: known.high };
  };

  const left = new Map<string, { mid: number; low: number; high: number }>();
  const stories = run.stories.map((s): StoryProgress => {
    const started = s.startedAt ? Date.parse(s.startedAt) : undefined;
    const elapsed =
      started === undefined
        ? undefined
        : (s.endedAt ? Date.parse(s.endedAt) : sources.now) - started;
    const todos = sources.todos(s.key);
    let remaining: number | undefined;
    let overdue: number | undefined;
    const pace = FINAL_STATES.has(s.state) ? undefined : paceOf(s.model);
    if (FINAL_STATES.has(s.state)) remaining = 0;
    else if (pace) {
      const spent = ACTIVE_STATES.has(s.state) ? (elapsed ?? 0) : 0;
      const tasks = tasksOf(s.key);
      const rest = (perTaskMs: number) => Math.max(0, perTaskMs * tasks - spent);
      left.set(s.key, { mid: rest(pace.mid), low: rest(pace.low), high: rest(pace.high) });
      remaining = rest(pace.mid);
      // "0s left" for a story that goes on for minutes reads as a time already past.
      if (spent > pace.mid * tasks) overdue = spent - pace.mid * tasks;
    }
    return {
      key: s.key,
      id: s.id,
      state: s.state,
      ...(elapsed === undefined ? {} : { elapsedMs: elapsed }),
      tasks: tasksNow(s.key) ?? { done: 0, total: plannedTasks(s.key) },
      todos: { done: todos.filter((t) => t.status === "completed").length, total: todos.length },
      locks: sources.locks(s.key),
      ...(s.waitingOn ? { waitingOn: s.waitingOn } : {}),
      ...(remaining === undefined ? {} : { remainingMs: remaining }),
      ...(overdue === undefined ? {} : { overdueMs: overdue }),
      errors: s.errors,
      ...(s.reason ? { reason: s.reason } : {}),
      ...(s.usage && s.sessionId ? { usage: s.usage } : {}),
      ...(s.question && !FINAL_STATES.has(s.state) ? { question: s.question } : {}),
      ...(s.asking && !FINAL_STATES.has(s.state) ? { asking: s.asking } : {}),
    };
  });

  const open = stories.filter((s) => !FINAL_STATES.has(s.state));
  const keys = new Set(open.map((s) => s.key));
  const planned = plan?.stories ?? [];
  // The rest of the run, scheduled as the engine would: cap, dependencies, conflicts.
  const makespan = (which: "mid" | "low" | "high") =>
    schedule({
      stories: open.map((s) => ({ key: s.key, weight: left.get(s.key)?.[which] ?? 0 })),
      started: new Set(open.filter((s) => ACTIVE_STATES.has(s.state)).map((s) => s.key)),
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

  const estimated = open.length > 0 && open.every((s) => left.has(s.key));
  const basis = perTask !== undefined ? "run" : estimated ? "history" : "none";
  let remainingMs: number | undefined;
  let range: RunProgress["range"];
  if (open.length === 0) remainingMs = 0;
  else if (estimated) {
    remainingMs = makespan("mid");
    if (basis === "history")
      range = { low: makespan("low"), high: makespan("high"), stories: historyStories };
  }
  const overdueMs =
    open.length > 0 && remainingMs !== undefined && remainingMs < 500 // shown as "0s"
      ? Math.max(0, ...open.map((s) => s.overdueMs ?? 0))
      : undefined;
  return {
    run: run.id,
    state: run.state,
    stories,
    basis: open.length === 0 ? "run" : basis,
    ...(remainingMs === undefined ? {} : { remainingMs }),
    ...(overdueMs ? { overdueMs } : {}),
    ...(range ? { range } : {}),
    ...(run.usage ? { usage: run.usage } : {}),
    ...(run.stopped ? { stopped: run.stopped } : {}),
  };
}

/** "about 4m10s left", "about 3m-6m left (from 12 earlier stories)", or why it is unknown. */
export function describeRemaining(progress: RunProgress): string {
  if (progress.remainingMs === undefined)
    return progress.basis === "none" && progress.stories.every((s) => s.state !== "completed")
      ? "time left unknown (no history yet: the first story to finish sets the pace)"
      : "time left unknown";
  if (progress.overdueMs !== undefined)
    return `past its estimate by ${formatDuration(progress.overdueMs)}, still running`;
  if (!progress.range) return `about ${formatDuration(progress.remainingMs)} left`;
  const { low, high, stories } = progress.range;
  const span =
    formatDuration(low) === formatDuration(high)
      ? formatDuration(progress.remainingMs)
      : `${formatDuration(low)} to ${formatDuration(high)}`;
  return `about ${span} left (from ${stories} earlier ${stories === 1 ? "story" : "stories"})`;
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
    progress.stories.every((s) => FINAL_STATES.has(s.state))
      ? `### Run ${progress.run}: ${progress.state}${progress.usage ? `, ${describeUsage(progress.usage)} in all` : ""}`
      : `### Run ${progress.run}: ${progress.state}, ${describeRemaining(progress)}${progress.usage ? `, ${describeUsage(progress.usage)} so far` : ""}`,
    ...(progress.stopped ? ["", `No new story starts: ${progress.stopped}.`] : []),
    "",
    "| story | state | elapsed | tasks | todos | locks | waits on | used | left |",
    "| --- | --- | --- | --- | --- | --- | --- | --- | --- |",
  ];
  for (const s of progress.stories) {
    const todos = s.todos.total > 0 ? `${s.todos.done}/${s.todos.total}` : "-";
    const waits = cell(
      s.asking
        ? `your answer: ${s.asking.what}`
        : (s.waitingOn ??
            (s.errors.at(-1) && s.state !== "completed" ? s.errors.at(-1) : "") ??
            ""),
    );
    const state = s.reason ? `${s.state} (${s.reason})` : s.state;
    lines.push(
      `| ${s.id} \`${s.key}\` | ${state} | ${s.elapsedMs === undefined ? "-" : formatDuration(s.elapsedMs)} | ${s.tasks.done}/${s.tasks.total} | ${todos} | ${s.locks.length > 0 ? s.locks.map((l) => `\`${l}\``).join(", ") : "-"} | ${waits} | ${s.usage ? describeUsage(s.usage) : "-"} | ${leftCell(s)} |`,
    );
  }
  const asked = progress.stories.filter((s) => s.question || s.asking);
  if (asked.length > 0) lines.push("", "Questions for you:");
  for (const s of asked)
    if (s.asking)
      lines.push(
        `- ${s.id} \`${s.key}\` waits for your answer in its session: ${s.asking.what} (answer it there)`,
      );
  for (const s of asked) {
    const q = s.question;
    if (!q) continue;
    lines.push(
      q.kind === "contention"
        ? `- ${s.id} \`${s.key}\` waits for \`${q.path}\`, held by ${q.other}: /athena-parallel resolve ${s.id} wait|yield|cancel`
        : `- ${s.id} \`${s.key}\` overwrote ${q.other}'s change of \`${q.path}\`: /athena-parallel resolve ${s.id} keep ${q.other}|keep ${s.key}|cancel`,
    );
  }
  return lines.join("\n");
}

/** The time a story has left: none once it ended, how long it is over past its estimate. */
function leftCell(story: StoryProgress): string {
  if (FINAL_STATES.has(story.state)) return "-";
  if (story.overdueMs !== undefined) return `${formatDuration(story.overdueMs)} over`;
  return formatDuration(story.remainingMs);
}

/**
 * Text for a table cell: a `|` (in a command, a provider's error) would end the cell, even in
 * a code span, and a line break the row.
 */
function cell(text: string): string {
  // `\|` would read as an escaped backslash then a cell's end: each backslash before a `|`
  // is escaped too.
  return text
    .replace(/\s*\n\s*/g, " ")
    .replace(/(\\*)\|/g, (_, slashes: string) => `${slashes.replaceAll("\\", "\\\\")}\\|`);
}

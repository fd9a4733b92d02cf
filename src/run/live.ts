/**
 * A run while this process drives it: the record that goes to disk, and beside it what only
 * the live engine needs (sessions, clocks, promises that resolve as stories end). The
 * engine's helpers (admission, completion, notes, accounting) read these shapes.
 */
import { claimCovers } from "../plan/claims.ts";
import type { Plan, PlannedStory } from "../plan/types.ts";
import { EmptyAnswerWatch } from "./empty-answers.ts";
import type { TodoItem } from "./host.ts";
import type { RunRecord, StoryRun, StoryState } from "./state.ts";
import { NO_USAGE, type Usage } from "./usage.ts";
import type { UserAsk } from "./user-asks.ts";
import { RepeatWatch } from "./watchdog.ts";

export interface LiveStory {
  record: StoryRun;
  /** True once everything its end entails (locks, sprint file, notes) is done. */
  settled: boolean;
  planned: PlannedStory;
  /** Given a slot (it stays admitted until it ends, or until it is retried). */
  admitted: boolean;
  sawBusy: boolean;
  /**
   * When the current attempt started (ISO): its history line and its timeout count from here,
   * while the record's `startedAt` stays the first attempt's (the story's whole time).
   */
  attemptStartedAt?: string;
  /** While its session retries a failing provider: since when, and what the host last said. */
  retrying?: Retrying;
  cancelRequested: boolean;
  todos: TodoItem[];
  sessions: Set<string>;
  /** Resolves `ended`: the attempt is over and its slot is free. */
  done: () => void;
  ended: Promise<void>;
  /** When its sessions last showed activity (a message, a part, a tool call), ms. */
  lastActivity: number;
  /** When a message's usage last came in as an event, ms (0: never). */
  usageEventAt: number;
  /** Budget limits the parent was already warned about. */
  warned: Set<string>;
  repeats: RepeatWatch;
  /** Empty answers of the provider in a row (a host that asks again for ever). */
  empties: EmptyAnswerWatch;
  /** Set when an earlier attempt failed and the story starts again: what happened. */
  retryWhy?: string;
  /** The start (`from`) of the lock wait the parent was last told about. */
  noticedWait?: string;
  /** The file it waits for and the story holding it, while it waits for a lock. */
  waitingLock?: { path: string; holder: string };
  /** What the host asks the user in its sessions and is not answered yet, by request id. */
  asks: Map<string, UserAsk>;
  /**
   * Its story file's content hash when its first attempt started: an agent may change files
   * with tools the plugin does not follow (an MCP server's), but leaves its story file changed.
   */
  storyFileAtStart?: string | null;
}

/** A session in the host's `retry` status: since when (ms), the host's attempt and reason. */
export interface Retrying {
  since: number;
  attempt?: number;
  message?: string;
}

/**
 * The retry kept up to date from the host's latest `retry` status (an event or the status
 * list): its start stays, the attempt and the provider's words are the newest given.
 */
export function stillRetrying(
  before: Retrying | undefined,
  status: { attempt?: unknown; message?: unknown },
  now: number,
): Retrying {
  const attempt = typeof status.attempt === "number" ? status.attempt : before?.attempt;
  const message =
    typeof status.message === "string" && status.message.trim() !== ""
      ? status.message
      : before?.message;
  return {
    since: before?.since ?? now,
    ...(attempt !== undefined ? { attempt } : {}),
    ...(message !== undefined ? { message } : {}),
  };
}

export interface LiveRun {
  record: RunRecord;
  plan: Plan;
  stories: Map<string, LiveStory>;
  /** File-conflict partners (coordinate keeps them apart). */
  partners: Map<string, Set<string>>;
  /**
   * Blocking partners being worked on outside the run when it was planned (another run, a
   * person): under `coordinate` a story waits while one of them is still worked on.
   */
  outsidePartners: Map<string, Set<string>>;
  /** Dependencies on stories in progress outside the run: a story waits for them to complete. */
  outsideDeps: Map<string, string[]>;
  ended: Promise<RunRecord>;
  resolveEnded: (run: RunRecord) => void;
  summarised: boolean;
  warned: Set<string>;
  /** The record changed without being saved (usage): saved at the next poll. */
  dirty: boolean;
  /** The stories' usage summed, updated in place as messages come in. */
  usage: Usage;
  /** Files a contention question was asked about in this run. */
  asked: Set<string>;
}

/** The live side of a new run: its stories waiting, their conflict partners known. */
export function liveRun(
  record: RunRecord,
  plan: Plan,
  retryWhy: ReadonlyMap<string, string> = new Map(),
): LiveRun {
  let resolveEnded: (run: RunRecord) => void = () => {};
  const ended = new Promise<RunRecord>((resolve) => {
    resolveEnded = resolve;
  });
  const run: LiveRun = {
    record,
    plan,
    stories: new Map(),
    partners: new Map(),
    outsidePartners: new Map(),
    outsideDeps: new Map(),
    ended,
    resolveEnded,
    summarised: false,
    warned: new Set(),
    dirty: false,
    usage: { ...NO_USAGE },
    asked: new Set(),
  };
  for (const story of record.stories) {
    const planned = plan.stories.find((s) => s.key === story.key) as PlannedStory;
    const why = retryWhy.get(story.key);
    run.stories.set(story.key, {
      record: story,
      planned,
      settled: false,
      admitted: false,
      sawBusy: false,
      cancelRequested: false,
      todos: [],
      sessions: new Set(),
      ...newAttempt(),
      lastActivity: Date.now(),
      usageEventAt: 0,
      warned: new Set(),
      repeats: new RepeatWatch(),
      empties: new EmptyAnswerWatch(),
      asks: new Map(),
      ...(why ? { retryWhy: why } : {}),
    });
  }
  const elsewhere = new Set(plan.stories.filter((s) => s.role === "in-progress").map((s) => s.key));
  const pair = (map: Map<string, Set<string>>, a: string, b: string) =>
    map.set(a, (map.get(a) ?? new Set()).add(b));
  if (record.strategy === "coordinate") {
    for (const c of plan.conflicts) {
      if (!c.blocking) continue;
      const [a, b] = c.stories;
      if (run.stories.has(a) && run.stories.has(b)) {
        pair(run.partners, a, b);
        pair(run.partners, b, a);
      } else if (run.stories.has(a) && elsewhere.has(b)) pair(run.outsidePartners, a, b);
      else if (run.stories.has(b) && elsewhere.has(a)) pair(run.outsidePartners, b, a);
    }
  }
  for (const [key, story] of run.stories) {
    const deps = story.planned.dependencies.flatMap((d) =>
      d.key && !run.stories.has(d.key) && elsewhere.has(d.key) ? [d.key] : [],
    );
    if (deps.length > 0) run.outsideDeps.set(key, deps);
  }
  return run;
}

/** A fresh `ended` promise and the function that resolves it: one per attempt. */
export function newAttempt(): { ended: Promise<void>; done: () => void } {
  let done: () => void = () => {};
  const ended = new Promise<void>((resolve) => {
    done = resolve;
  });
  return { ended, done };
}

/**
 * Keeps `waits` in step with a state change: a wait ends, a new one begins. A wait whose state
 * stays and whose description changes (the other story's run read mid-save, a lock's holder
 * handing over) goes on, described anew: it is one wait, told once and drawn as one bar.
 */
export function noteWait(story: StoryRun, next: StoryState, waitingOn?: string): void {
  const now = new Date().toISOString();
  const open = story.waits.at(-1);
  if (open && open.to === undefined && open.state === next) {
    if (waitingOn) open.on = waitingOn;
    else delete open.on;
    return;
  }
  if (open && open.to === undefined) open.to = now;
  if (next === "waiting-lock" || next === "waiting-conflict" || next === "waiting-deps")
    story.waits.push({ state: next, from: now, ...(waitingOn ? { on: waitingOn } : {}) });
}

/**
 * Keeps `userWaits` in step with the host's open asks in the story's sessions: a stretch
 * begins with the first ask left unanswered and ends when none is left.
 */
export function noteUserWait(
  story: StoryRun,
  asking: { kind: "permission" | "question"; since: string } | undefined,
): void {
  const open = story.userWaits.at(-1);
  const isOpen = open !== undefined && open.to === undefined;
  if (asking && !isOpen) story.userWaits.push({ kind: asking.kind, from: asking.since });
  if (!asking && isOpen) open.to = new Date().toISOString();
}

/** True when a written path is inside one of the story's predicted write claims. */
export function covered(p: string, story: PlannedStory): boolean {
  return (
    story.claims.some((c) => c.intent === "write" && claimCovers(c, p)) ||
    (story.file !== undefined && p === story.file)
  );
}

/**
 * Run records, `.athena/runs/<run-id>.json`: the truth about a run. Written atomically on every
 * transition; read back through the schema, so a torn or hand-damaged record is reported and
 * never trusted (recovery sets it aside: renamed `*.damaged-<time>`).
 */
import { randomBytes } from "node:crypto";
import { readdirSync, readFileSync, renameSync } from "node:fs";
import { hostname } from "node:os";
import path from "node:path";
import writeFileAtomic from "write-file-atomic";
import { z } from "zod";
import { ensureAthenaDir } from "../bmad/cache.ts";
import { ConflictStrategy } from "../config/schema.ts";
import { Usage } from "./usage.ts";

export const StoryState = z.enum([
  "queued",
  "waiting-deps",
  "waiting-conflict",
  "launching",
  "running",
  "waiting-lock",
  "completed",
  "failed",
  "cancelled",
  "interrupted",
]);
export type StoryState = z.infer<typeof StoryState>;

/** States in which a story may have a live session. */
export const ACTIVE_STATES: ReadonlySet<StoryState> = new Set([
  "launching",
  "running",
  "waiting-lock",
]);
export const FINAL_STATES: ReadonlySet<StoryState> = new Set([
  "completed",
  "failed",
  "cancelled",
  "interrupted",
]);

/**
 * Why a story ended other than completed: `budget` (over a `parallel.budget` limit),
 * `stalled` (no activity for `stallTimeoutSeconds`), `timeout` (`storyTimeoutMinutes`),
 * `provider` (the provider kept failing), `error` (the session reported an error or could not
 * start), `dependency` (a story it depends on did not complete), `user` (cancelled), `no-work`
 * (its agent ended without changing any file, not even its story file), `incomplete` (it
 * changed files but left its story file as it was, tasks left: no task ticked, no status).
 */
export const EndReason = z.enum([
  "budget",
  "stalled",
  "timeout",
  "provider",
  "error",
  "dependency",
  "user",
  "no-work",
  "incomplete",
]);
export type EndReason = z.infer<typeof EndReason>;

/** Run ids and story keys reach file names and prompts: only these characters. */
export const RUN_ID = /^run-[0-9]{8}-[0-9]{6}-[a-f0-9]{6}$/;
const SAFE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,199}$/;

export const StoryRun = z.object({
  key: z.string().regex(SAFE),
  id: z.string(),
  state: StoryState,
  sessionId: z.string().optional(),
  startedAt: z.string().optional(),
  endedAt: z.string().optional(),
  /** The sprint status before the run claimed the story, to put back on failure or cancel. */
  previousStatus: z.string(),
  /** The status the run wrote (`in-progress`), so a restore touches only our own value. */
  claimedStatus: z.string().optional(),
  wroteFiles: z.array(z.string()).default([]),
  /** Files written that the plan did not predict (boundary violations). */
  outsideClaims: z.array(z.string()).default([]),
  /** Paths it wrote outside the project (absolute): not locked, not journaled, reported. */
  outsideProject: z.array(z.string()).default([]),
  /** What a waiting story waits for, in words. */
  waitingOn: z.string().optional(),
  /** Each wait, for the timeline: on a file lock, a conflicting story, a dependency. */
  waits: z
    .array(
      z.object({
        state: z.enum(["waiting-lock", "waiting-conflict", "waiting-deps"]),
        from: z.string(),
        to: z.string().optional(),
        on: z.string().optional(),
      }),
    )
    .default([]),
  errors: z.array(z.string()).default([]),
  /** The model (`provider/model`) and agent it runs with, when set (else the host's own). */
  model: z.string().optional(),
  agent: z.string().optional(),
  /** How many sessions it was started in (more than 1 after a retry). */
  attempts: z.number().int().min(0).default(0),
  /**
   * A question for the user about this story: it has waited long for a file another story
   * holds (`contention`), or a command of it overwrote another story's change (`clobber`;
   * `kept` is that change's version in the journal). Answered with the `resolve` action.
   */
  question: z
    .object({
      kind: z.enum(["contention", "clobber"]),
      path: z.string(),
      other: z.string(),
      kept: z.string().optional(),
      askedAt: z.string(),
    })
    .optional(),
  /**
   * The host waits for the user's answer in one of its sessions (a permission, the agent's
   * question): shown in status; the stall watchdog waits too.
   */
  asking: z
    .object({ kind: z.enum(["permission", "question"]), what: z.string(), since: z.string() })
    .optional(),
  /** Each stretch it waited on the user's answer to the host, for the timeline. */
  userWaits: z
    .array(
      z.object({
        kind: z.enum(["permission", "question"]),
        from: z.string(),
        to: z.string().optional(),
      }),
    )
    .default([]),
  /**
   * Its sprint entry was set to `status` during the run by someone else (a person, another
   * tool): the run leaves that value as it is when the story ends.
   */
  sprintEdit: z.object({ status: z.string(), seenAt: z.string() }).optional(),
  /**
   * The status the run meant to give its sprint entry when it ended, and why it could not
   * (the file did not parse that moment, the entry was gone): said in its note and in the
   * summary, and tried again as each later story of the run ends.
   */
  sprintUnwritten: z.object({ status: z.string(), why: z.string() }).optional(),
  /** Why it ended, when it did not complete. */
  reason: EndReason.optional(),
  /** Tokens and cost of its sessions, as the host reported them. */
  usage: Usage.optional(),
  updatedAt: z.string(),
});
export type StoryRun = z.infer<typeof StoryRun>;

/** The run record's format; a record of another (another athena-parallel's) is never read. */
const RUN_RECORD_VERSION = 1;

export const RunRecord = z.object({
  version: z.literal(RUN_RECORD_VERSION),
  id: z.string().regex(RUN_ID),
  state: z.enum(["running", "completed", "failed", "cancelled", "interrupted"]),
  strategy: ConflictStrategy,
  cap: z.number().int().min(1),
  parentSession: z.string().optional(),
  /** The ended run whose stories this one starts again (action `retry`). */
  retryOf: z.string().regex(RUN_ID).optional(),
  pid: z.number().int(),
  host: z.string(),
  createdAt: z.string(),
  updatedAt: z.string(),
  /**
   * sprint-status.yaml as the run's plan found it (repo-relative): its stories' entries are
   * there, whatever the project's sprint file is by the time they end (records from before
   * this field: the process's own). A path that leaves the project is no record of ours.
   */
  sprintFile: z
    .string()
    .refine(
      // `/` only: a backslash is a folder separator on Windows, where this check would miss it.
      (p) =>
        p !== "" &&
        !p.includes("\\") &&
        !path.isAbsolute(p) &&
        !path.posix.normalize(p).startsWith(".."),
      "a path inside the project",
    )
    .optional(),
  /** The plan the run started from, as JSON (its shape: the `--json` plan). */
  plan: z.unknown().optional(),
  /** The stories' usage summed. */
  usage: Usage.optional(),
  /** Set when the run stopped admitting stories (its cost budget is spent), in words. */
  stopped: z.string().optional(),
  stories: z.array(StoryRun),
});
export type RunRecord = z.infer<typeof RunRecord>;

export function newRunId(now = new Date()): string {
  const stamp = now.toISOString().replace(/[-:]/g, "").replace("T", "-").slice(0, 15);
  return `run-${stamp}-${randomBytes(3).toString("hex")}`;
}

export function runsDir(root: string): string {
  return path.join(root, ".athena", "runs");
}

export function runFile(root: string, id: string): string {
  if (!RUN_ID.test(id)) throw new Error(`invalid run id "${id}"`);
  return path.join(runsDir(root), `${id}.json`);
}

export function createRun(
  init: Pick<RunRecord, "strategy" | "cap"> & {
    stories: Array<z.input<typeof StoryRun>>;
  } & Partial<Pick<RunRecord, "parentSession" | "plan" | "id" | "retryOf" | "sprintFile">>,
  now = new Date(),
): RunRecord {
  const at = now.toISOString();
  return RunRecord.parse({
    version: RUN_RECORD_VERSION,
    id: init.id ?? newRunId(now),
    state: "running",
    strategy: init.strategy,
    cap: init.cap,
    ...(init.parentSession ? { parentSession: init.parentSession } : {}),
    ...(init.retryOf ? { retryOf: init.retryOf } : {}),
    pid: process.pid,
    host: hostname(),
    createdAt: at,
    updatedAt: at,
    ...(init.sprintFile ? { sprintFile: init.sprintFile } : {}),
    ...(init.plan === undefined ? {} : { plan: init.plan }),
    stories: init.stories,
  });
}

/** Writes the record atomically (temp file and rename): a reader sees the old or the new. */
export function saveRun(root: string, record: RunRecord): void {
  ensureAthenaDir(root, "runs");
  const valid = RunRecord.parse({ ...record, updatedAt: new Date().toISOString() });
  writeFileAtomic.sync(runFile(root, record.id), `${JSON.stringify(valid, null, 2)}\n`);
  Object.assign(record, { updatedAt: valid.updatedAt });
}

/** Applies a change to one story and saves the run. */
export function updateStory(
  root: string,
  record: RunRecord,
  key: string,
  change: Partial<StoryRun>,
): StoryRun {
  const story = record.stories.find((s) => s.key === key);
  if (!story) throw new Error(`story ${key} is not part of run ${record.id}`);
  Object.assign(story, change, { updatedAt: new Date().toISOString() });
  saveRun(root, record);
  return story;
}

export interface LoadedRuns {
  runs: RunRecord[];
  /** Records that could not be trusted, and why; where they were moved, when set aside. */
  damaged: Array<{ file: string; movedTo?: string; reason: string }>;
  /**
   * Records of another format (`version` other than ours: another athena-parallel on this
   * project, likely newer): never read, never moved.
   */
  foreign: Array<{ file: string; version: unknown }>;
}

export interface LoadRunsOptions {
  /**
   * Rename each damaged record to `*.damaged-<time>`, out of every later read. Only recovery,
   * at the plugin's start, does: a listing (`status`) leaves every file as it was.
   */
  setAside?: boolean;
}

export function loadRuns(root: string, options: LoadRunsOptions = {}): LoadedRuns {
  const dir = runsDir(root);
  let names: string[];
  try {
    names = readdirSync(dir)
      .filter((name) => name.endsWith(".json"))
      .sort();
  } catch {
    return { runs: [], damaged: [], foreign: [] };
  }
  const result: LoadedRuns = { runs: [], damaged: [], foreign: [] };
  for (const name of names) {
    const file = path.join(dir, name);
    let reason: string | undefined;
    try {
      const raw: unknown = JSON.parse(readFileSync(file, "utf8"));
      const version = raw && typeof raw === "object" ? Reflect.get(raw, "version") : undefined;
      if (typeof version === "number" && version !== RUN_RECORD_VERSION) {
        result.foreign.push({ file, version });
        continue;
      }
      const parsed = RunRecord.safeParse(raw);
      if (parsed.success && `${parsed.data.id}.json` === name) {
        result.runs.push(parsed.data);
        continue;
      }
      reason = parsed.success
        ? "its id does not match its file name"
        : `not a run record: ${parsed.error.issues[0]?.message}`;
    } catch (error) {
      reason = `not JSON: ${(error as Error).message}`;
    }
    if (!options.setAside) {
      result.damaged.push({ file, reason });
      continue;
    }
    const movedTo = `${file}.damaged-${Date.now()}`;
    renameSync(file, movedTo);
    result.damaged.push({ file, movedTo, reason });
  }
  return result;
}

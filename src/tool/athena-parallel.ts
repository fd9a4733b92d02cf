/**
 * The `athena_parallel` tool: a thin shell over the planner and the run engine.
 * Outputs are concise markdown for the model; the full JSON goes in the metadata.
 */

import path from "node:path";
import { type ToolDefinition, type ToolResult, tool } from "@opencode-ai/plugin";
import type { BmadFiles } from "../bmad/discover.ts";
import { markStory } from "../bmad/mark.ts";
import { FINISHED_STATUSES } from "../bmad/sprint-status.ts";
import type { AthenaConfig, ParallelConfig } from "../config/schema.ts";
import { normaliseRepoPath } from "../plan/claims.ts";
import { plannedGantt } from "../plan/gantt.ts";
import { renderMarkdown } from "../plan/render.ts";
import { largestRunnableSubset } from "../plan/subset.ts";
import type { Conflict, Plan, PlannedStory } from "../plan/types.ts";
import { capHeld, planProject } from "../plan-project.ts";
import { type RunEngine, storyLock } from "../run/engine.ts";
import { taskTimeFromHistory, timelinePace } from "../run/estimate.ts";
import { readHistory } from "../run/history-log.ts";
import type { Host } from "../run/host.ts";
import { Journal } from "../run/journal.ts";
import type { FileLocks } from "../run/locks.ts";
import { otherLiveRuns, processGone, requestCancel, workedOn } from "../run/outside-runs.ts";
import {
  describeRemaining,
  type RunProgress,
  renderProgress,
  runProgress,
} from "../run/progress.ts";
import { CHOICES, type Choice } from "../run/resolve.ts";
import {
  fileVersions,
  findStoryJournal,
  revertLeavesSprint,
  revertStory,
  storyDiff,
} from "../run/review.ts";
import { StoriesTaken } from "../run/sprint-transitions.ts";
import { FINAL_STATES, loadRuns, RUN_ID, type RunRecord, type StoryRun } from "../run/state.ts";
import { settingsFor, storyNamed, unknownSettings } from "../run/story-settings.ts";
import { runGantt } from "../run/timeline.ts";
import { asUserError } from "../util/errors.ts";
import { reportUnexpected } from "../util/unexpected.ts";
import { ACTIONS, type Action, notASubCommand, parseCommandArgs } from "./command-args.ts";

const z = tool.schema;

export const DESCRIPTION = `Run BMAD stories in parallel, each in its own background agent session, without two agents editing the same file. Never runs git.
- action "dryRun": for story ids (e.g. ["2.1", "2.2"]; none: the best batch of ready-for-dev stories), the files each story will touch, every conflict with its evidence, and a schedule under the concurrency cap. Starts nothing.
- action "execute": marks the stories in-progress and starts them as child sessions under the cap; returns at once with a run id (waitForCompletion: true waits for the end).
- action "status": per story its state, elapsed time, progress, locks, what it waits on, and an estimated completion (runId; or storyIds: the latest run of those stories).
- action "cancel": stops a whole run (runId, or the only running one) and puts the sprint entries back; storyIds instead names the run that holds each story (resolve with choice "cancel" stops one story).
- action "diff": a unified diff of what one story (storyIds[0]) changed, in its latest run or runId, from the change journal.
- action "revert": puts that story's files back as they were before it, only if nobody changed them since or while it ran (else refuses, naming the file and who changed it).
- action "resolve": the answer to a story's question (status shows it): after a long wait for another story's file, choice "wait", "yield" (the holder gives the file up) or "cancel"; after a shell command overwrote another story's change, "keep" with storyIds [story, whose version stays], or "cancel".
- action "versions": every kept version of one file (filePath) and the story that made each, from the journal.
- action "mark": sets one story's sprint status (storyIds[0], newStatus; force: true for a downgrade such as done -> ready-for-dev), as the plugin writes it.
- action "retry": starts again the failed, cancelled or interrupted stories of an ended run (runId, or the latest with such a story no later run took up; storyIds to pick some), with that run's cap and strategy, passing over stories done or in review now; each story's session is told its earlier changes are in the tree.
Or pass "command" with the text of /athena-parallel's arguments.`;

export const COMMAND_DESCRIPTION =
  "Plan or run BMAD stories in parallel (2.1 2.2 [--dry-run] | status | cancel)";

export const COMMAND_TEMPLATE = `Call the \`athena_parallel\` tool exactly once with \`{ "command": "$ARGUMENTS" }\` and then show its output to the user as it is, without adding anything.
Arguments: story ids such as \`2.1 2.2\` (none: the best batch of ready-for-dev stories), \`--dry-run\` to plan only, \`--cap N\`, \`--strategy prevent|coordinate|manual\`, \`--wait\`; or \`status [run-id]\`; or \`cancel [run-id]\`; or \`retry [ids] [--run run-id] [--wait]\`; or \`diff <story> [--run run-id]\`; or \`revert <story> [--run run-id]\`; or \`resolve <story> wait|yield|cancel|keep <story>\`; or \`versions <file>\`; or \`mark <story> <status> [--force]\`.`;

export interface ToolDeps {
  pluginOptions?: Record<string, unknown>;
  env?: NodeJS.ProcessEnv;
  engine: RunEngine;
  /** For the models and agents the host offers (checked before a run starts). */
  host: Pick<Host, "models" | "agents">;
  locks: FileLocks;
  config: AthenaConfig;
  /** A story's task boxes now, in the story file `run`'s plan names. */
  tasksNow: (key: string, run: RunRecord) => { done: number; total: number } | undefined;
  /**
   * The BMAD files each plan finds, as they are now: the project may have become BMAD's, or
   * moved its sprint file, since OpenCode started.
   */
  onBmadFiles?: (files: BmadFiles) => void;
  /**
   * The project a call's directory belongs to: the root above it when OpenCode was started in
   * a subfolder (athena.ts, projectOfHost). Default: the directory itself.
   */
  projectOf?: (directory: string) => string;
  /**
   * Said before a run when the host will ask the user before each story's session reaches the
   * project (run/host-reach.ts): OpenCode started below the root, with no repository holding it.
   */
  hostNotice?: () => string | undefined;
}

type Args = {
  action?: Action | undefined;
  command?: string | undefined;
  storyIds?: string[] | undefined;
  runId?: string | undefined;
  waitForCompletion?: boolean | undefined;
  maxConcurrentStories?: number | undefined;
  conflictStrategy?: "prevent" | "coordinate" | "manual" | undefined;
  choice?: Choice | undefined;
  file?: string | undefined;
  filePath?: string | undefined;
  status?: string | undefined;
  newStatus?: string | undefined;
  force?: boolean | undefined;
};

export function createAthenaParallelTool(deps: ToolDeps): ToolDefinition {
  return tool({
    description: DESCRIPTION,
    args: {
      action: z.enum(ACTIONS).optional().describe("What to do (or give `command`)."),
      command: z
        .string()
        .max(2_000)
        .optional()
        .describe("The arguments of /athena-parallel, as typed."),
      storyIds: z
        .array(z.string().min(1).max(200))
        .max(200)
        .optional()
        .describe('"2.1", "2-1", a full key or a story file path.'),
      runId: z
        .string()
        .max(64)
        .optional()
        .describe(
          "For status and cancel: which run (default: the running ones); for retry: which ended run (default: the latest with a story left to retry).",
        ),
      waitForCompletion: z
        .boolean()
        .optional()
        .describe("execute: wait until every story has ended (default false)."),
      maxConcurrentStories: z
        .number()
        .int()
        .min(1)
        .max(16)
        .optional()
        .describe(
          "Override the concurrency cap for this call; held to parallel.maxConcurrentStories, the most the process runs at once.",
        ),
      conflictStrategy: z
        .enum(["prevent", "coordinate", "manual"])
        .optional()
        .describe("Override the conflict strategy for this call."),
      choice: z
        .enum(CHOICES)
        .optional()
        .describe(
          "resolve: the answer to a story's question (storyIds[0]): wait, yield, cancel, or keep (storyIds[1]: whose version of the file stays).",
        ),
      filePath: z
        .string()
        .max(1_000)
        .optional()
        .describe("versions: the file, relative to the project."),
      newStatus: z
        .string()
        .max(100)
        .optional()
        .describe("mark: the sprint status to set (ready-for-dev, in-progress, review, done...)."),
      force: z.boolean().optional().describe("mark: allow a downgrade (done -> ready-for-dev)."),
    },
    async execute(raw, { directory: hostDirectory, ...context }) {
      const directory = deps.projectOf?.(hostDirectory) ?? hostDirectory;
      try {
        const args: Args =
          raw.command !== undefined ? { ...raw, ...parseCommandArgs(raw.command) } : raw;
        if (deps.engine.storyOf(context.sessionID)) {
          return refusal(
            "athena_parallel cannot be used from inside a story session: implement your own story only.",
          );
        }
        // A run whose process died is put right first: what follows sees it as it now is.
        await deps.engine.recoverGone();
        switch (args.action) {
          case "dryRun":
            return dryRun(deps, directory, args);
          case "execute":
            return await execute(deps, directory, args, context.sessionID, context.abort);
          case "status":
            return status(deps, directory, args);
          case "cancel":
            return await cancel(deps, directory, args);
          case "retry":
            return await retry(deps, directory, args, context.sessionID, context.abort);
          case "diff":
          case "revert":
            return review(args.action, directory, args);
          case "versions":
            return versions(directory, args.filePath ?? args.file);
          case "mark":
            return await mark(deps, directory, args);
          case "resolve": {
            const [story, keep] = args.storyIds ?? [];
            if (!story || !args.choice)
              return refusal(
                'resolve takes a story (storyIds[0]) and a choice: "wait", "yield", "cancel" or "keep".',
              );
            const done = await deps.engine.resolve(story, args.choice, {
              ...(args.runId ? { runId: args.runId } : {}),
              ...(keep ? { keep } : {}),
            });
            return { title: "athena-parallel resolve", output: done };
          }
          default:
            return refusal(
              'say what to do: action "dryRun", "execute", "status", "cancel", "retry", "diff", "revert", "resolve", "versions" or "mark" (or pass "command").',
            );
        }
      } catch (error) {
        const user = asUserError(error, directory);
        if (user) {
          const typed = /^unknown story "([^"]*)"/.exec(user.message)?.[1];
          const word =
            raw.command !== undefined && typed !== undefined
              ? notASubCommand(raw.command, typed)
              : undefined;
          return refusal(
            `${user.format()}\n${word ? `${word}\n` : ""}Fix the input above and call the tool again.`,
          );
        }
        const action = raw.action ?? raw.command?.trim().split(/\s+/)[0] ?? "call";
        return refusal(
          reportUnexpected(error, {
            command: `athena_parallel ${action}`,
            root: directory,
          }),
        );
      }
    },
  });
}

function refusal(message: string): ToolResult {
  return {
    title: "athena-parallel: refused",
    output: `athena_parallel: ${message}`,
    metadata: { error: message },
  };
}

/** The plan, and the configuration it was made with: athena.json as it is now. */
function plan(
  deps: ToolDeps,
  directory: string,
  args: Args,
): { plan: Plan; config: AthenaConfig; files: BmadFiles } {
  const { plan, config, project } = planProject(directory, {
    ...(args.storyIds && args.storyIds.length > 0 ? { ids: args.storyIds } : {}),
    ...(args.maxConcurrentStories
      ? { cap: args.maxConcurrentStories, capAtMostConfigured: true }
      : {}),
    ...(deps.pluginOptions ? { pluginOptions: deps.pluginOptions } : {}),
    ...(deps.env ? { env: deps.env } : {}),
  });
  deps.onBmadFiles?.(project.files);
  return { plan, config, files: project.files };
}

/**
 * The settings each call reads from athena.json as it is now: the plan's, and the run's cap,
 * strategy, models and agents (the process-wide cap is resized to the new value). The rest
 * (timeouts, budgets, locks, attempts, commands...) the engine took when OpenCode started.
 */
const READ_EACH_CALL = new Set<keyof ParallelConfig>([
  "maxConcurrentStories",
  "conflictStrategy",
  "model",
  "agent",
  "stories",
  "sharedFiles",
  "conflictConfidence",
  "learnFromHistory",
  "ignorePaths",
  "dependencies",
]);

/**
 * The settings athena.json changed since OpenCode started that only a restart applies, each
 * as "key: value in force (athena.json now: value)"; empty when nothing such changed.
 */
export function changedSinceStart(start: ParallelConfig, now: ParallelConfig): string[] {
  const shown = (value: unknown) => (value === undefined ? "unset" : JSON.stringify(value));
  return (Object.keys({ ...start, ...now }) as Array<keyof ParallelConfig>)
    .filter((key) => !READ_EACH_CALL.has(key))
    .filter((key) => JSON.stringify(start[key]) !== JSON.stringify(now[key]))
    .map((key) => `${key}: ${shown(start[key])} (athena.json now: ${shown(now[key])})`);
}

/**
 * The bytes a plan report may take in the tool's output: the host cuts an output beyond
 * 50 KB (OpenCode's default `tool_output.max_bytes`), keeping its start; the report is made
 * shorter instead (see renderMarkdown), with room for the lines around it.
 */
const REPORT_BUDGET = 40_000;

function dryRun(deps: ToolDeps, directory: string, args: Args): ToolResult {
  const { plan: result, config } = plan(deps, directory, args);
  const batch = result.stories.filter((s) => s.role === "in-batch").length;
  const blocking = result.conflicts.filter((c) => c.blocking).length;
  const pace = timelinePace(
    taskTimeFromHistory(readHistory(directory).lines, config.parallel.model),
  );
  const timeline = plannedGantt(result, { startAt: Date.now(), ...pace });
  const notice = deps.hostNotice?.();
  const before = notice ? `Before you run: ${notice}\n\n` : "";
  return {
    title: `athena-parallel plan: ${batch} stories, ${blocking} blocking conflicts`,
    output: `${before}${renderMarkdown(result, { budget: REPORT_BUDGET - Buffer.byteLength(timeline + before) })}
## Timeline (estimated)

\`\`\`mermaid
${timeline}\`\`\`
`,
    metadata: { plan: result },
  };
}

/**
 * The batch's ties to stories being worked on outside it (another run, another OpenCode
 * process, a person): a blocking conflict or a dependency, each naming where that work is.
 */
function workedOnElsewhere(result: Plan, engine: RunEngine): string[] {
  const { working } = engine.outsideNow();
  const label = (key: string) => {
    const s = result.stories.find((p) => p.key === key);
    return s ? `${s.id} (${key})` : key;
  };
  const where = (key: string) => {
    const work = working.get(key);
    return work ? workedOn(work) : undefined;
  };
  const lines: string[] = [];
  for (const story of result.stories.filter((s) => s.role === "in-batch")) {
    for (const c of result.conflicts) {
      if (!c.blocking || !c.stories.includes(story.key)) continue;
      const other = c.stories.find((k) => k !== story.key) ?? "";
      const at = where(other);
      if (at) lines.push(`- ${label(story.key)} writes the same files as ${label(other)}, ${at}`);
    }
    for (const dep of story.dependencies) {
      const at = dep.key ? where(dep.key) : undefined;
      if (dep.key && at) lines.push(`- ${label(story.key)} depends on ${label(dep.key)}, ${at}`);
    }
  }
  return lines;
}

/** `diff` and `revert`: one story's changes, from the change journal. */
function review(action: "diff" | "revert", directory: string, args: Args): ToolResult {
  const story = args.storyIds?.[0];
  if (!story || (args.storyIds?.length ?? 0) > 1)
    return refusal(`${action} takes one story id (storyIds: ["2.1"]).`);
  if (args.runId !== undefined && !RUN_ID.test(args.runId))
    return refusal(`"${args.runId}" is not a run id (run-YYYYMMDD-HHMMSS-xxxxxx).`);
  const journal = new Journal(directory);
  const record = findStoryJournal(journal, story, args.runId);
  if (action === "diff")
    return {
      title: `athena-parallel diff: ${record.story} (${record.files.length} files)`,
      output: storyDiff(journal, record, directory),
      metadata: { journal: record },
    };
  // Nothing to fix in the input: say so, and what is left to do.
  if (record.revertedAt)
    return {
      title: `athena-parallel revert: ${record.story} already reverted`,
      output: `Story ${record.story} (run ${record.run}) was already reverted at ${record.revertedAt}: nothing written. \`diff ${record.story}\` shows what it had changed. ${revertLeavesSprint(record.story)}`,
      metadata: { revertedAt: record.revertedAt },
    };
  const result = revertStory(journal, record, directory);
  if (result.refused.length > 0)
    return refusal(
      `not reverted, nothing written: ${result.refused.map((r) => `\`${r.path}\`: ${r.why}`).join("; ")}.`,
    );
  return {
    title: `athena-parallel revert: ${record.story}`,
    output: `Reverted story ${record.story} (run ${record.run}): ${result.restored.map((p) => `\`${p}\``).join(", ")} put back as they were before it. ${revertLeavesSprint(record.story)}`,
    metadata: { restored: result.restored },
  };
}

/** `versions`: every kept version of one file of the project, and who made each. */
function versions(directory: string, typed: string | undefined): ToolResult {
  if (!typed) return refusal('versions takes one file of the project (filePath: "src/a.ts").');
  const normal = normaliseRepoPath(path.resolve(directory, typed), directory);
  if (!normal.inside)
    return refusal(
      `"${typed}" is not a file of the project: name one by its path from the project's folder.`,
    );
  return {
    title: `athena-parallel versions: ${normal.path}`,
    output: fileVersions(new Journal(directory), normal.path, directory),
  };
}

/**
 * `mark`: one sprint entry set as the plugin sets it. A story a running run is working on is
 * the run's to move: stopping it comes first.
 */
async function mark(deps: ToolDeps, directory: string, args: Args): Promise<ToolResult> {
  const story = args.storyIds?.[0];
  const wanted = args.newStatus ?? args.status;
  if (!story || !wanted || (args.storyIds?.length ?? 0) > 1)
    return refusal(
      'mark takes one story (storyIds: ["2.1"]) and newStatus (e.g. "ready-for-dev").',
    );
  const running = [...deps.engine.runsLive(), ...otherLiveRuns(directory, new Set())];
  for (const run of running) {
    const held = storyNamed(run.stories, story);
    if (held && !FINAL_STATES.has(held.state))
      return refusal(
        `not marked, nothing written: ${held.id} (${held.key}) is ${held.state} in run ${run.id}; stop it first (\`resolve ${held.id} cancel\`, or \`cancel ${run.id}\`), then mark it.`,
      );
  }
  const result = await markStory(directory, story, wanted, {
    ...(args.force ? { force: true } : {}),
    ...(deps.env ? { env: deps.env } : {}),
    ...(deps.pluginOptions ? { pluginOptions: deps.pluginOptions } : {}),
  });
  return {
    title: `athena-parallel mark: ${result.key} ${result.status}`,
    output: `${result.line}.${result.changed ? "" : " Nothing written."}`,
    metadata: { mark: result },
  };
}

/** States a story can be retried from. */
const RETRYABLE = new Set(["failed", "cancelled", "interrupted"]);

type RunStory = RunRecord["stories"][number];

/** What retry starts again: the run it comes from, its stories, and the ones passed over. */
interface RetryOf {
  run: string;
  why: ReadonlyMap<string, string>;
  /** Stories of that run that did not complete there but are done or in review now. */
  skipped?: string[];
}

/**
 * `retry`: stories of an ended run that did not complete, started again as a new run. Without
 * a run, the latest ended run with such a story that no later run has taken up: after `retry
 * 1.3`, a plain `retry` still offers the run's other stories.
 */
async function retry(
  deps: ToolDeps,
  directory: string,
  args: Args,
  parent: string,
  abort: AbortSignal,
): Promise<ToolResult> {
  const live = new Set(deps.engine.runsLive().map((r) => r.id));
  const recorded = loadRuns(directory).runs.sort((a, b) => b.createdAt.localeCompare(a.createdAt));
  const ended = recorded.filter((r) => r.state !== "running" && !live.has(r.id));
  // A story done or in review in the sprint file now is not run again, whatever a run says.
  const { status } = deps.engine.outsideNow();
  const finishedNow = (s: RunStory) => FINISHED_STATUSES.has(status.get(s.key) ?? "");
  const open = (run: RunRecord) => run.stories.filter((s) => RETRYABLE.has(s.state));
  /** The run's open stories no later run has had (those are that run's to retry). */
  const leftIn = (run: RunRecord) => {
    const later = recorded.slice(0, recorded.indexOf(run)).flatMap((r) => r.stories);
    return open(run).filter((s) => !finishedNow(s) && !later.some((l) => l.key === s.key));
  };
  const named = args.storyIds && args.storyIds.length > 0 ? args.storyIds : undefined;
  const target = args.runId
    ? recorded.find((r) => r.id === args.runId)
    : named
      ? (ended.find((r) => named.every((id) => storyNamed(r.stories, id))) ?? ended[0])
      : (ended.find((r) => leftIn(r).length > 0) ?? ended[0]);
  if (!target)
    return refusal(
      args.runId
        ? `no run "${args.runId}"; known runs: ${
            recorded
              .map((r) => r.id)
              .slice(0, 5)
              .join(", ") || "none"
          }.`
        : "no ended run to retry.",
    );
  if (target.state === "running" || live.has(target.id))
    return refusal(
      `run ${target.id} is still running: retry its stories when it has ended (or cancel it).`,
    );
  const label = (s: RunStory) => `${s.id} (${s.key})`;
  let picked = args.runId ? open(target).filter((s) => !finishedNow(s)) : leftIn(target);
  const skipped =
    args.runId && !named
      ? open(target)
          .filter(finishedNow)
          .map((s) => `${label(s)} is ${status.get(s.key)}`)
      : [];
  if (named) {
    const found = named.map((id) => ({ id, story: storyNamed(target.stories, id) }));
    const unknown = found.filter((n) => !n.story).map((n) => n.id);
    if (unknown.length > 0)
      return refusal(
        `${unknown.join(", ")}: not a story of run ${target.id} (its stories: ${target.stories.map((s) => s.id).join(", ")}).`,
      );
    const stories = found.flatMap((n) => (n.story ? [n.story] : []));
    const done = stories.filter((s) => !RETRYABLE.has(s.state));
    if (done.length > 0)
      return refusal(
        `${done.map((s) => `${label(s)} ${s.state}`).join("; ")} in run ${target.id}: only failed, cancelled or interrupted stories are retried.`,
      );
    const finished = stories.filter(finishedNow);
    if (finished.length > 0)
      return refusal(
        `${finished.map((s) => `${label(s)} is ${status.get(s.key)}`).join("; ")} in the sprint file now: only stories not yet in review are retried.`,
      );
    picked = stories;
  }
  if (picked.length === 0)
    return refusal(
      args.runId || named
        ? `nothing to retry in run ${target.id}: ${[...skipped, "every other story completed"].join("; ")}.`
        : "nothing to retry: every story of the ended runs completed, or was retried in a later run.",
    );
  const why = new Map(
    picked.map((s) => [
      s.key,
      `(run ${target.id}) ended ${s.state}${s.errors.at(-1) ? `: ${s.errors.at(-1)}` : ""}`,
    ]),
  );
  return execute(
    deps,
    directory,
    {
      ...args,
      storyIds: picked.map((s) => s.key),
      maxConcurrentStories: args.maxConcurrentStories ?? target.cap,
      conflictStrategy: args.conflictStrategy ?? target.strategy,
    },
    parent,
    abort,
    { run: target.id, why, ...(skipped.length > 0 ? { skipped } : {}) },
  );
}

async function execute(
  deps: ToolDeps,
  directory: string,
  args: Args,
  parent: string,
  abort: AbortSignal,
  retryOf?: RetryOf,
): Promise<ToolResult> {
  // athena.json is read now, as the dry run reads it: the run takes the settings it planned with.
  let { plan: result, config, files } = plan(deps, directory, args);
  // A story that cannot be read is named and left out; the others run.
  const unreadable = result.stories.filter((s) => s.role === "in-batch" && s.error);
  if (unreadable.length > 0) {
    const rest = result.stories.filter((s) => s.role === "in-batch" && !s.error);
    if (rest.length === 0)
      return refusal(`no story can be read:\n${unreadable.map(errorItem).join("\n")}`);
    ({
      plan: result,
      config,
      files,
    } = plan(deps, directory, {
      ...args,
      storyIds: rest.map((s) => s.key),
    }));
  }
  const notRun =
    unreadable.length > 0
      ? `Not started, the story could not be read:\n${unreadable.map(errorItem).join("\n")}`
      : undefined;
  const strategy = args.conflictStrategy ?? config.parallel.conflictStrategy;
  const batch = result.stories.filter((s) => s.role === "in-batch");
  if (batch.length === 0)
    return refusal("no story to run: name story ids, or mark stories ready-for-dev.");
  const finished = batch.filter((s) => FINISHED_STATUSES.has(s.status));
  if (finished.length > 0) {
    return refusal(
      `${finished.map((s) => `${s.id} (${s.key}) is ${s.status}`).join("; ")}: only stories not yet in review can run.`,
    );
  }
  if (result.schedule.blocked.length > 0) {
    const lines = result.schedule.blocked.map((b) => `- ${b.story}: ${b.reason}`);
    return refusal(
      `these stories cannot start:\n${lines.join("\n")}\nRun the others, or run the stories they depend on first.`,
    );
  }
  // A story another run works on (of this process or another) is not started a second time.
  const { working } = deps.engine.outsideNow();
  const taken = batch.flatMap((s) => {
    const work = working.get(s.key);
    return work?.run ? [`${s.id} (${s.key}) is being worked on in ${work.where}`] : [];
  });
  if (taken.length > 0)
    return refusal(
      `not started: ${taken.join("; ")}. Wait for it to end, or cancel that run first.`,
    );
  const blocking = result.conflicts.filter((c) => c.blocking);
  const elsewhere = strategy === "prevent" ? workedOnElsewhere(result, deps.engine) : [];
  if (strategy === "prevent" && elsewhere.length > 0 && blocking.length === 0) {
    return refusal(
      `not started: the strategy is "prevent" and ${elsewhere.length === 1 ? "a story it needs is" : "stories they need are"} being worked on elsewhere:\n${elsewhere.join("\n")}\nWait for them to end, or run with conflictStrategy "coordinate" (the stories wait for them).`,
    );
  }
  if (strategy === "prevent" && blocking.length > 0) {
    const subset = runnableTogether(batch, blocking, (key) => working.has(key));
    const ids = subset.map((k) => batch.find((s) => s.key === k)?.id ?? k);
    return {
      title: "athena-parallel: refused (file conflicts)",
      output: [
        `athena_parallel: not started: ${blocking.length} file conflict${blocking.length === 1 ? "" : "s"} remain and the strategy is "prevent".`,
        ids.length > 0
          ? `These stories could run together: ${ids.join(", ")} (call execute with them).`
          : "No subset can run now.",
        'Or run them with conflictStrategy "coordinate" (conflicting stories one after the other).',
        ...(elsewhere.length > 0 ? ["", "Worked on elsewhere:", ...elsewhere] : []),
        "",
        renderMarkdown(result, { budget: REPORT_BUDGET }),
      ].join("\n"),
      metadata: { plan: result, runnable: subset },
    };
  }
  // Every model and agent the stories would use must exist, before anything starts.
  const settings = settingsFor(batch, config.parallel);
  if (settings.byKey.size > 0) {
    const [models, agents] = await Promise.all([deps.host.models(), deps.host.agents()]);
    const who = (key: string) => {
      const story = batch.find((s) => s.key === key);
      return `${story?.id} (${key})`;
    };
    const problems = unknownSettings(settings, { models, agents }, who);
    if (problems.length > 0)
      return refusal(
        `not started: ${problems.join("; ")}. Set parallel.model, parallel.agent or parallel.stories in athena.json to ones the host has.`,
      );
  }
  const cap = result.schedule.cap;
  const asked = args.maxConcurrentStories;
  const projectCap = config.parallel.projectMaxConcurrentStories;
  const capNote = [
    asked !== undefined && asked > cap ? `Note: ${capHeld(asked, cap)}.` : undefined,
    // The run's own cap says nothing of the project's: the rest wait `queued` for a slot.
    projectCap !== undefined && projectCap < cap && projectCap < batch.length
      ? `Note: parallel.projectMaxConcurrentStories is ${projectCap}: at most ${projectCap} at once on the project, across every OpenCode process; the others wait for a free slot (queued).`
      : undefined,
  ]
    .filter(Boolean)
    .join("\n\n");
  deps.engine.setProcessCap(config.parallel.maxConcurrentStories);
  const restartOnly = changedSinceStart(deps.config.parallel, config.parallel);
  const notApplied =
    restartOnly.length > 0
      ? `athena.json changed since OpenCode started. This run uses its cap, strategy, models and agents as they are now; these settings stay as they were at start until OpenCode restarts:\n${restartOnly.map((line) => `- ${line}`).join("\n")}`
      : undefined;
  const hostNote = deps.hostNotice?.();
  const reach = hostNote ? `Note: ${hostNote}` : undefined;
  const skipped = retryOf?.skipped
    ? `Not started again, done or in review now: ${retryOf.skipped.join("; ")}.`
    : undefined;
  // A story id athena.json names that matches no story (a typo in parallel.dependencies or
  // parallel.stories) is ignored: said here too, not only in the dry run's report.
  const configWarnings = result.warnings.filter((w) => w.startsWith("athena.json "));
  const ignored =
    configWarnings.length > 0
      ? `Warning:\n${configWarnings.map((w) => `- ${w}`).join("\n")}`
      : undefined;
  let run: RunRecord;
  try {
    run = await deps.engine.execute(result, {
      strategy,
      cap,
      sprintFile: files.sprintStatus,
      parentSession: parent,
      settings: settings.byKey,
      ...(retryOf ? { retryOf: { run: retryOf.run, why: retryOf.why } } : {}),
    });
  } catch (error) {
    if (!(error instanceof StoriesTaken)) throw error;
    return refusal(
      `not started, nothing changed: ${error.message}. Another run (of this or another OpenCode process) or a person took ${error.taken.length === 1 ? "it" : "them"} meanwhile; \`status\` shows the runs. Run the other stories, or wait for ${error.taken.length === 1 ? "it" : "them"} to end.`,
    );
  }
  if (args.waitForCompletion) {
    const ended = await deps.engine.waitFor(run.id, abort);
    return {
      title: `athena-parallel run ${run.id}: ${ended.state}`,
      output: [
        renderProgress(runProgress(ended, progressSources(deps, directory))),
        skipped,
        notRun,
        ignored,
        notApplied,
        capNote,
        reach,
      ]
        .filter(Boolean)
        .join("\n\n"),
      metadata: { run: ended, unreadable },
    };
  }
  const waves = result.schedule.waves.map((w, i) => `${i + 1}. ${w.join(", ")}`).join("\n");
  return {
    title: `athena-parallel run ${run.id}: ${batch.length} stories started`,
    output: [
      `Run ${run.id} started: ${batch.length} stories, at most ${cap} at once, strategy ${strategy}.${retryOf ? ` It starts again the stories of run ${retryOf.run} that did not complete.` : ""}`,
      ...(reach ? [reach] : []),
      "The stories are marked in-progress; each runs in its own child session. You will get a note as each ends and a summary at the end.",
      `Planned order:\n${waves}`,
      `Follow it with action "status" (runId ${run.id}); stop it with action "cancel".`,
      ...(skipped ? [skipped] : []),
      ...(notRun ? [notRun] : []),
      ...(ignored ? [ignored] : []),
      ...(notApplied ? [notApplied] : []),
      ...(capNote ? [capNote] : []),
    ].join("\n\n"),
    metadata: { run, plan: result, unreadable },
  };
}

/**
 * The most stories of the batch that "prevent" would start now, to propose after a refusal:
 * none writes the files of work outside the batch or needs a story still being worked on
 * elsewhere (either is refused), none conflicts with another, and each comes with the stories
 * of the batch it depends on (without them it could not start).
 */
function runnableTogether(
  batch: PlannedStory[],
  blocking: Conflict[],
  workedOnElsewhere: (key: string) => boolean,
): string[] {
  const inBatch = new Set(batch.map((s) => s.key));
  const inside = blocking.filter((c) => c.stories.every((k) => inBatch.has(k)));
  const clashOutside = new Set(
    blocking.filter((c) => !inside.includes(c)).flatMap((c) => c.stories),
  );
  const needsOutside = (s: PlannedStory) =>
    s.dependencies.some((d) => d.key && !inBatch.has(d.key) && workedOnElsewhere(d.key));
  const candidates = batch.filter((s) => !clashOutside.has(s.key) && !needsOutside(s));
  const subset = largestRunnableSubset(
    withTheirDependencies(candidates, inBatch).map((s) => s.key),
    inside.map((c) => c.stories),
  );
  return withTheirDependencies(
    batch.filter((s) => subset.includes(s.key)),
    inBatch,
  ).map((s) => s.key);
}

/** The stories whose dependencies inside the batch are all among them (to a fixed point). */
function withTheirDependencies(
  stories: PlannedStory[],
  batchKeys: ReadonlySet<string>,
): PlannedStory[] {
  let kept = stories;
  for (;;) {
    const keys = new Set(kept.map((s) => s.key));
    const next = kept.filter((s) =>
      s.dependencies.every((d) => !d.key || keys.has(d.key) || !batchKeys.has(d.key)),
    );
    if (next.length === kept.length) return kept;
    kept = next;
  }
}

function errorItem(story: PlannedStory): string {
  return `- ${story.id} (${story.key}): ${story.error?.file}:${story.error?.line}: ${story.error?.message}`;
}

function progressSources(deps: ToolDeps, directory: string) {
  const history = readHistory(directory).lines;
  return {
    now: Date.now(),
    tasksNow: deps.tasksNow,
    todos: (key: string) =>
      deps.engine.runsLive().flatMap((r) => deps.engine.liveStory(r.id, key)?.todos ?? []),
    // The files it holds: its own story's lock goes without saying.
    locks: (key: string) => deps.locks.heldBy(key).filter((name) => name !== storyLock(key)),
    taskTime: (model?: string) => taskTimeFromHistory(history, model),
  };
}

/**
 * The files each story of another process's run holds, from the locks' owners on disk (this
 * process only knows its own): what it would show for a run of its own.
 */
function locksOnDisk(deps: ToolDeps, run: string): (key: string) => string[] {
  const owners = deps.locks
    .list()
    .flatMap((lock) => (lock.owner && !lock.stale && lock.owner.run === run ? [lock.owner] : []));
  return (key) =>
    owners.filter((o) => o.story === key && o.path !== storyLock(key)).map((o) => o.path);
}

/** The newest recorded runs, for a message naming a run that does not exist. */
function knownRuns(recorded: readonly RunRecord[]): string {
  return (
    recorded
      .map((r) => r.id)
      .slice(0, 5)
      .join(", ") || "none"
  );
}

/**
 * The newest run with a story named `typed` (its id or key), for `status 1.3` and `cancel 1.3`:
 * this process's live runs first (their records are the freshest), then the recorded ones.
 */
function runHolding(
  live: readonly RunRecord[],
  recorded: readonly RunRecord[],
  typed: string,
): { run: RunRecord; story: StoryRun } | undefined {
  for (const run of [...live, ...recorded]) {
    const story = storyNamed(run.stories, typed);
    if (story) return { run, story };
  }
  return undefined;
}

function status(deps: ToolDeps, directory: string, args: Args): ToolResult {
  const live = deps.engine.runsLive();
  const recorded = loadRuns(directory).runs.sort((a, b) => b.createdAt.localeCompare(a.createdAt));
  let runs: RunRecord[];
  // What a story id given in place of a run id stood for (`status 1.3`).
  const named: string[] = [];
  if (args.runId) {
    const found =
      live.find((r) => r.id === args.runId) ?? recorded.find((r) => r.id === args.runId);
    if (!found) return refusal(`no run "${args.runId}"; known runs: ${knownRuns(recorded)}.`);
    runs = [found];
  } else if (args.storyIds && args.storyIds.length > 0) {
    const held = args.storyIds.map((typed) => ({ typed, at: runHolding(live, recorded, typed) }));
    const unknown = held.filter((h) => !h.at).map((h) => `"${h.typed}"`);
    if (unknown.length > 0)
      return refusal(
        `status takes a run id (run-YYYYMMDD-HHMMSS-xxxxxx), and no run has a story ${unknown.join(" or ")}; known runs: ${knownRuns(recorded)}.`,
      );
    runs = [];
    for (const { typed, at } of held) {
      if (!at) continue;
      named.push(
        `${typed} is a story, not a run: ${at.story.id} (${at.story.key}) is ${at.story.state} in run ${at.run.id}, shown below.`,
      );
      if (!runs.some((r) => r.id === at.run.id)) runs.push(at.run);
    }
  } else {
    // Without a run of its own, this process shows the latest ended one; another process's
    // running runs are listed apart, below.
    const elsewhere = new Set(otherLiveRuns(directory, new Set()).map((r) => r.id));
    runs = live.length > 0 ? live : recorded.filter((r) => !elsewhere.has(r.id)).slice(0, 1);
  }
  const shown = new Set([...live, ...runs].map((r) => r.id));
  const others = otherLiveRuns(directory, shown).map((r) =>
    renderProgress(
      runProgress(r, { ...progressSources(deps, directory), locks: locksOnDisk(deps, r.id) }),
    ),
  );
  if (runs.length === 0 && others.length === 0)
    return {
      title: "athena-parallel: no runs",
      output: 'No run yet: start one with action "execute".',
    };
  // A run not live here (another process's, named by its id or a story's) holds what its
  // owners hold on disk.
  const progress = runs.map((r) =>
    runProgress(
      r,
      live.some((l) => l.id === r.id)
        ? progressSources(deps, directory)
        : { ...progressSources(deps, directory), locks: locksOnDisk(deps, r.id) },
    ),
  );
  return {
    title: `athena-parallel status: ${[...progress.map((p) => `${p.run} ${p.state}, ${describeRemaining(p)}`), ...(others.length > 0 ? [`${others.length} run(s) of other processes`] : [])].join("; ")}`,
    output: [
      ...(named.length > 0 ? [named.join("\n")] : []),
      ...runs.map(
        (r, i) =>
          `${renderProgress(progress[i] as RunProgress)}\n\n\`\`\`mermaid\n${runGantt(r, Date.now())}\`\`\``,
      ),
      ...(others.length > 0
        ? [
            `## Runs of other OpenCode processes on this project (read-only; cancel one with \`athena-parallel cancel <run-id>\`)\n\n${others.join("\n\n")}`,
          ]
        : []),
    ].join("\n\n"),
    metadata: { progress },
  };
}

async function cancel(deps: ToolDeps, directory: string, args: Args): Promise<ToolResult> {
  const live = deps.engine.runsLive();
  if (!args.runId && args.storyIds && args.storyIds.length > 0)
    return refusal(cancelOfStories(live, directory, args.storyIds));
  const target = args.runId
    ? live.find((r) => r.id === args.runId)
    : live.length === 1
      ? live[0]
      : undefined;
  const elsewhere = args.runId
    ? otherLiveRuns(directory, new Set(live.map((r) => r.id))).find((r) => r.id === args.runId)
    : undefined;
  if (!target && elsewhere) {
    requestCancel(directory, elsewhere.id);
    return {
      title: `athena-parallel run ${elsewhere.id}: cancel asked`,
      output: `Run ${elsewhere.id} belongs to another OpenCode process (pid ${elsewhere.pid}): it was asked to cancel it, and does so at its next check (within a few seconds). Follow it with action "status".`,
    };
  }
  if (!target) {
    return refusal(
      args.runId
        ? notCancellable(args.runId, live, directory)
        : live.length === 0
          ? "no run is in progress."
          : `several runs are in progress (${live.map((r) => r.id).join(", ")}): say which with runId.`,
    );
  }
  const ended = await deps.engine.cancel(target.id);
  return {
    title: `athena-parallel run ${ended.id}: cancelled`,
    output: `Run ${ended.id} cancelled: every story session was aborted, its locks released and its sprint entry put back.\n\n${renderProgress(runProgress(ended, progressSources(deps, directory)))}`,
    metadata: { run: ended },
  };
}

/**
 * Why the run `runId`, neither this process's live run nor another live process's, cannot be
 * cancelled: it ended (and how), its process is gone, it is another machine's, or no such run.
 */
function notCancellable(runId: string, live: readonly RunRecord[], directory: string): string {
  const recorded = loadRuns(directory).runs.sort((a, b) => b.createdAt.localeCompare(a.createdAt));
  const run = recorded.find((r) => r.id === runId);
  const running = live.length > 0 ? `; running: ${live.map((r) => r.id).join(", ")}` : "";
  if (!run) return `no run "${runId}"${running || `; known runs: ${knownRuns(recorded)}`}.`;
  if (run.state !== "running")
    return `run ${runId} already ended ${run.state} (${run.updatedAt}): nothing to cancel${running}.`;
  if (processGone(run))
    return `run ${runId}'s process (pid ${run.pid}) is gone: the next OpenCode start on this project marks its stories interrupted and puts their sprint entries back.`;
  return `run ${runId} is running on another machine (${run.host}, pid ${run.pid}): cancel it there.`;
}

/**
 * `cancel 1.3`: cancel takes a run and stops all of it. Names the run that holds each story,
 * and for a story of this process's runs, how to stop that story alone (`resolve 1.3 cancel`).
 */
function cancelOfStories(live: readonly RunRecord[], directory: string, typed: string[]): string {
  const recorded = loadRuns(directory).runs.sort((a, b) => b.createdAt.localeCompare(a.createdAt));
  const lines = typed.map((name) => {
    const at = runHolding(live, recorded, name);
    if (!at) return `no run has a story "${name}".`;
    const { run, story } = at;
    const label = `${story.id} (${story.key})`;
    if (run.state !== "running" || FINAL_STATES.has(story.state))
      return `story ${label} is in no running run: it ended ${story.state} in run ${run.id}.`;
    if (live.some((r) => r.id === run.id))
      return `story ${label} is in run ${run.id}: \`resolve ${story.id} cancel\` stops that story alone, \`cancel ${run.id}\` the whole run.`;
    return `story ${label} is in run ${run.id} of another OpenCode process (pid ${run.pid}): \`cancel ${run.id}\` stops that whole run.`;
  });
  return `cancel takes a run id (cancel [run-id]) and stops the whole run; ${lines.join(" ")}`;
}

/** The tool when the plugin could not start (e.g. athena.json is invalid): it says why. */
export function createBrokenTool(
  reason: string,
  /** What is wrong now (athena.json read again), undefined when nothing is. */
  recheck?: () => string | undefined,
): ToolDefinition {
  return tool({
    description: DESCRIPTION,
    args: { action: z.string().optional(), command: z.string().optional() },
    async execute() {
      if (!recheck)
        return refusal(`the plugin could not start: ${reason}\nFix it and restart OpenCode.`);
      // The user may have fixed it since: say what holds now, not only what held at start.
      const now = recheck();
      if (now === undefined)
        return refusal(
          `the plugin could not start: ${reason}\nThat reads well now: restart OpenCode to load the plugin.`,
        );
      return refusal(
        now === reason
          ? `the plugin could not start: ${reason}\nFix it and restart OpenCode.`
          : `the plugin could not start: ${reason}\nNow: ${now}\nFix it and restart OpenCode.`,
      );
    },
  });
}

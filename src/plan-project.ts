/**
 * The one place where configuration, reading and planning meet: the CLI and the tool both
 * plan through here, so they can never disagree. It also keeps the learned history model:
 * rebuilt when the done stories (or the known files) change, cached under `.athena/` by a
 * fingerprint of those, so that a plan pays for learning once, not every time.
 */
import { statSync } from "node:fs";
import path from "node:path";
import picomatch from "picomatch";
import { contentKey, ParseCache } from "./bmad/cache.ts";
import { WALK_IGNORE } from "./bmad/discover.ts";
import { type LoadedProject, loadProject } from "./bmad/project.ts";
import { loadConfig } from "./config/load.ts";
import type { AthenaConfig, ParallelConfig } from "./config/schema.ts";
import { type AccuracyReport, type ScoredStory, scoreAccuracy } from "./plan/accuracy.ts";
import { buildPlan, claimContext } from "./plan/build.ts";
import {
  applyHistory,
  applyTestPrior,
  HISTORY_FORMAT,
  type HistoryModel,
  learnHistory,
} from "./plan/history.ts";
import { type DoneInput, replayDone } from "./plan/learn.ts";
import { testPartnerOrNew } from "./plan/test-partner.ts";
import type { Claim, Plan } from "./plan/types.ts";
import { filesSeenWritten, HISTORY_LOG, readHistory } from "./run/history-log.ts";

export interface PlanProjectOptions {
  ids?: string[];
  /** Overrides `maxConcurrentStories` for this plan. */
  cap?: number;
  /**
   * `maxConcurrentStories` is also the most the process runs at once (the plugin's runs): a
   * `cap` above it is held to it, with a warning, since the run could not keep to it.
   */
  capAtMostConfigured?: boolean;
  pluginOptions?: Record<string, unknown>;
  /** The parse cache under `.athena/cache` (on by default). */
  cache?: boolean;
  env?: NodeJS.ProcessEnv;
}

export function planProject(
  dir: string,
  options: PlanProjectOptions = {},
): { plan: Plan; config: AthenaConfig; project: LoadedProject } {
  const { config, sources, warnings } = loadConfig(dir, {
    pluginOptions: options.pluginOptions,
    env: options.env,
  });
  const project = loadProject(dir, {
    config,
    ...(options.ids ? { ids: options.ids } : {}),
    ...(options.cache === undefined ? {} : { cache: options.cache }),
  });
  const history = config.parallel.learnFromHistory
    ? historyModel(project, config.parallel)
    : undefined;
  const most = config.parallel.maxConcurrentStories;
  const held = options.capAtMostConfigured && options.cap !== undefined && options.cap > most;
  const cap = held ? most : options.cap;
  const plan = buildPlan(project, config.parallel, {
    ...(cap ? { cap } : {}),
    ...(history ? { history } : {}),
  });
  plan.sources.unshift(...sources.map((s) => `config: ${s}`));
  plan.warnings.unshift(...warnings);
  if (held) plan.warnings.unshift(capHeld(options.cap ?? most, most));
  if (history)
    plan.sources.push(
      `history: ${history.stories} done stor${history.stories === 1 ? "y" : "ies"} with a File List (${history.hot.length} hot files)`,
    );
  project.saveCache();
  return { plan, config, project };
}

/** Why a plan's cap is lower than the one asked for. */
export function capHeld(asked: number, most: number): string {
  return `a cap of ${asked} is above parallel.maxConcurrentStories (${most}), the most this OpenCode process runs at once: planned and run at ${most}; raise it in athena.json to run more`;
}

/**
 * The done stories, parsed, in sprint order (unreadable ones left out), each with the files
 * the plugin saw it write in completed runs.
 */
export function doneInputs(project: LoadedProject): DoneInput[] {
  const seen = filesSeenWritten(readHistory(project.files.root));
  return project.done.flatMap(({ entry, file }) => {
    const story = project.loadStory(entry);
    const wrote = seen.get(entry.key);
    return story.doc && !story.error
      ? [
          {
            key: entry.key,
            file,
            doc: story.doc,
            ...(entry.epic ? { epic: entry.epic } : {}),
            ...(wrote ? { seen: wrote } : {}),
          },
        ]
      : [];
  });
}

/**
 * The model learned from every done story, kept in `.athena/cache/history/`. Its key is cheap
 * to compute: the sizes and times of the done stories and of the history log, the known
 * files, and the settings that change claims.
 */
export function historyModel(
  project: LoadedProject,
  config: ParallelConfig,
): HistoryModel | undefined {
  if (project.done.length === 0) return undefined;
  const stamps = [...project.done.map(({ file }) => file), HISTORY_LOG].map((file) => {
    try {
      const stat = statSync(path.join(project.files.root, file));
      return `${file}:${stat.size}:${stat.mtimeMs}`;
    } catch {
      return `${file}:-`;
    }
  });
  const key = contentKey(
    `history-${HISTORY_FORMAT}`,
    ...stamps,
    project.disk.join("\n"),
    JSON.stringify(project.architecture?.components.map((c) => c.name) ?? []),
    JSON.stringify(config.ignorePaths),
  );
  const learn = () => {
    const context = claimContext(project, config);
    // The same test rule as the plan's and the accuracy's: every written file is known by now,
    // so a module's test is the one it has.
    return learnHistory(replayDone(doneInputs(project), context), (file) =>
      testPartnerOrNew(file, context.known),
    );
  };
  // Kept even when the parse cache is off (`--no-cache`): it is the learned model, the
  // project's memory, not a parse; its key changes whenever what it learned from changes.
  const cache = new ParseCache(project.files.root, true);
  const model = cache.get("history", key, learn, "history");
  cache.save();
  return model;
}

export interface AccuracyProjectOptions {
  /** Learn from the stories before each one (default true), as a plan would. */
  history?: boolean;
  /**
   * A share (0-1) of the done stories, the first in sprint order, taken as done and learned
   * from; only the rest are scored, planned as one sprint (knowing what the first ones wrote,
   * not each other's work). Unset: each story is scored knowing every story before it.
   */
  learnFirst?: number;
  /** Extra known files (a listing of the project's files, for code kept elsewhere). */
  tree?: readonly string[];
  batches?: number;
  seed?: number;
  env?: NodeJS.ProcessEnv;
  /** Read and write the parse cache under `.athena/` (default true). */
  cache?: boolean;
}

/** `athena-parallel accuracy`: the planner scored on the project's own done stories. */
export function accuracyOfProject(
  dir: string,
  options: AccuracyProjectOptions = {},
): {
  report: AccuracyReport;
  project: LoadedProject;
  /** The keys of finished stories with a story file whose File List names no project file. */
  unrecorded: string[];
} {
  const { config } = loadConfig(dir, { env: options.env });
  const project = loadProject(dir, { config, cache: options.cache !== false });
  const done = doneInputs(project);
  // A listing holds what the disk walk leaves out (`vendor/`, `node_modules/`): left out too,
  // so the replay knows the files a plan on the disk would.
  const walked = picomatch(WALK_IGNORE, { dot: true });
  const tree = (options.tree ?? []).filter((file) => !walked(file));
  const context = claimContext(project, config.parallel, tree);
  const partnerOf = (file: string) => testPartnerOrNew(file, context.known);
  // The stories learned from before the scored sprint, when `learnFirst` splits them.
  const split =
    options.learnFirst === undefined ? undefined : Math.floor(options.learnFirst * done.length);
  // Each story planned as it would have been then: with the history of the stories before it,
  // and the tests its modules had then (the tree grows as the replay goes).
  const planned: Claim[][] = [];
  let learned: HistoryModel | undefined;
  const replay = replayDone(
    done,
    context,
    (predicted, before) => {
      if (split !== undefined && before.length < split)
        planned.push([...predicted]); // not scored
      else if (options.history === false) planned.push(applyTestPrior(predicted, partnerOf));
      else {
        // The sprint's stories all learn from the same first ones: learned once.
        if (split !== undefined) learned ??= learnHistory(before, partnerOf);
        const history = learned ?? learnHistory(before, partnerOf);
        planned.push(applyHistory(predicted, history, partnerOf));
      }
    },
    split,
  );
  const scored = split ?? 0;
  const stories: ScoredStory[] = replay.slice(scored).map((story, i) => ({
    ...story,
    predicted: planned[scored + i] ?? story.predicted,
    weight: Math.max(1, done[scored + i]?.doc.tasks.total ?? 1),
  }));
  // Shared on purpose: the configured shared files, and what the history finds hot.
  const hot = new Set(
    options.history === false ? [] : learnHistory(replay.slice(0, split), partnerOf).hot,
  );
  const sharedGlob = picomatch(config.parallel.sharedFiles, { dot: true });
  const report = scoreAccuracy(stories, {
    isShared: (file) => hot.has(file) || sharedGlob(file),
    conflictConfidence: config.parallel.conflictConfidence,
    sharedFiles: config.parallel.sharedFiles,
    known: context.known,
    ...(options.batches !== undefined ? { batches: options.batches } : {}),
    ...(options.seed !== undefined ? { seed: options.seed } : {}),
  });
  project.saveCache();
  return {
    report,
    project,
    unrecorded: replay.filter((s) => s.written.length === 0).map((s) => s.key),
  };
}

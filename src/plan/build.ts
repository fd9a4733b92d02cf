/**
 * Builds the plan from a loaded project: claims per story, the conflict graph, and the
 * schedule. Pure: everything it needs was read by `bmad/project.ts`.
 */
import picomatch from "picomatch";
import type { Component } from "../bmad/architecture.ts";
import { bmadArtefactTest } from "../bmad/artefacts.ts";
import type { LoadedProject, LoadedStory } from "../bmad/project.ts";
import { resolveStoryId } from "../bmad/resolve-id.ts";
import { FINISHED_STATUSES } from "../bmad/sprint-status.ts";
import type { Evidence } from "../bmad/story.ts";
import type { ParallelConfig } from "../config/schema.ts";
import { append } from "../util/append.ts";
import { errorLine, InputError } from "../util/errors.ts";
import { type ClaimContext, claimsForStory, normaliseRepoPath } from "./claims.ts";
import { canBlock, findConflicts, type ResolvedComponent, sharedMatchers } from "./conflicts.ts";
import { applyHistory, applyTestPrior, type HistoryModel } from "./history.ts";
import { KnownTree } from "./known-tree.ts";
import { schedule } from "./schedule.ts";
import { testPartnerOrNew } from "./test-partner.ts";
import {
  type Finding,
  PLAN_FORMAT,
  type Plan,
  type PlannedDependency,
  type PlannedStory,
} from "./types.ts";

export interface BuildOptions {
  cap?: number;
  /** What the project's done stories taught (plan/history.ts), when learning is on. */
  history?: HistoryModel;
}

/**
 * What claims are made against: the known tree (the disk and `extraReal` files first, the
 * drawn architecture tree after), BMAD's artefacts, ignored paths and the usable components.
 */
export function claimContext(
  project: LoadedProject,
  config: ParallelConfig,
  extraReal: Iterable<string> = [],
): ClaimContext & { known: KnownTree; resolved: ResolvedComponent[] } {
  const known = new KnownTree(project.disk, project.architecture?.tree.map((t) => t.path) ?? []);
  // Files a listing or the history adds are real, but no folder of theirs is the project's
  // own top folder (KnownTree.placeNew).
  for (const p of extraReal) known.addReal(p);
  const context = {
    root: project.files.root,
    known,
    isArtefact: bmadArtefactTest(project.files),
    isIgnored:
      config.ignorePaths.length > 0 ? picomatch(config.ignorePaths, { dot: true }) : () => false,
    components: [] as Component[],
    resolved: [] as ResolvedComponent[],
  };
  // Only components narrow enough to mean something take part, in claims and in conflicts.
  context.resolved = resolveComponents(project.architecture?.components ?? [], context);
  const usable = new Set(context.resolved.map((c) => `${c.file}:${c.line}:${c.name}`));
  context.components = (project.architecture?.components ?? []).filter((c) =>
    usable.has(`${c.file}:${c.line}:${c.name}`),
  );
  return context;
}

export function buildPlan(
  project: LoadedProject,
  config: ParallelConfig,
  options: BuildOptions = {},
): Plan {
  const { files } = project;
  const { history } = options;
  const context = claimContext(project, config, history ? Object.keys(history.files) : []);
  const { known, resolved: components } = context;
  const partnerOf = (file: string) => testPartnerOrNew(file, known);
  const warnings = [...project.warnings, ...configIdProblems(project, config)];
  const findings: Finding[] = [];

  const plan = (story: LoadedStory, role: PlannedStory["role"]): PlannedStory => {
    const { entry, doc } = story;
    let error = story.error;
    let result: ReturnType<typeof claimsForStory> | undefined;
    if (doc && story.file && !error) {
      try {
        result = claimsForStory(entry.key, story.file, entry.epic, doc, context);
        result.claims = history
          ? applyHistory(result.claims, history, partnerOf)
          : applyTestPrior(result.claims, partnerOf);
      } catch (thrown) {
        // One story the planner cannot read must not cost the others their plan.
        error = { file: story.file, line: 1, message: errorLine(thrown) };
      }
    }
    append(findings, result?.findings ?? []);
    append(warnings, result?.warnings ?? []);
    return {
      key: entry.key,
      id: entry.id ?? entry.key,
      title: doc?.title ?? entry.key,
      status: entry.status,
      ...(story.file ? { file: story.file } : {}),
      role,
      tasks: doc?.tasks ?? { done: 0, total: 0 },
      claims: result?.claims ?? [],
      dependencies: dependenciesOf(story, project, config, warnings),
      ...(error ? { error } : {}),
    };
  };
  const batch = project.batch.map((s) => plan(s, "in-batch"));
  const running = project.inProgress.map((s) => plan(s, "in-progress"));
  const all = [...batch, ...running];

  const conflicts = findConflicts(all, {
    sharedFiles: config.sharedFiles,
    conflictConfidence: config.conflictConfidence,
    known,
    components,
  });

  // A story the plan sees no sure write for is never kept apart: say so, so a user knows its
  // overlaps are left to the run's file locks (stories that name no files, or only as context).
  const shared = sharedMatchers(config.sharedFiles);
  for (const story of batch) {
    if (story.error || !story.file) continue;
    if (story.claims.some((c) => canBlock(c, shared, config.conflictConfidence))) continue;
    const writes = story.claims.filter((c) => c.intent === "write").length;
    warnings.push(
      `${story.id} (${story.key}): no file it will change is predicted surely enough to keep it apart from another story (${writes === 0 ? "it names none to change" : `${writes} write claim${writes === 1 ? "" : "s"}, all advisory, shared or below parallel.conflictConfidence ${config.conflictConfidence}`}); an overlap is met at run time by the file locks`,
    );
  }

  const inBatch = new Set(batch.map((s) => s.key));
  const blocked = new Map<string, string>();
  for (const story of batch) {
    if (!story.file) blocked.set(story.key, "no story file");
    if (story.error) {
      const { file, line, message } = story.error;
      blocked.set(story.key, `cannot be read: ${file}:${line}: ${message}`);
      continue;
    }
    for (const dep of story.dependencies) {
      if (!dep.key) continue;
      // A story in progress elsewhere (another run, a person) is waited for, not a blocker.
      const waitable = dep.status === "in-progress";
      if (!inBatch.has(dep.key) && !FINISHED_STATUSES.has(dep.status ?? "") && !waitable) {
        blocked.set(
          story.key,
          `depends on ${dep.key} (${dep.status}), which is neither done nor in this batch`,
        );
      }
    }
  }
  const weight = (s: PlannedStory) => Math.max(1, s.tasks.total - s.tasks.done);
  const blockingConflicts = conflicts.filter((c) => c.blocking);
  const result = schedule({
    stories: batch.map((s) => ({ key: s.key, weight: weight(s) })),
    dependencies: batch.flatMap((s) =>
      s.dependencies.flatMap((d) => (d.key ? [[d.key, s.key] as const] : [])),
    ),
    exclusive: blockingConflicts.map((c) => c.stories),
    running: running.map((s) => ({ key: s.key, weight: weight(s) })),
    blocked,
    cap: options.cap ?? config.maxConcurrentStories,
  });

  return {
    format: PLAN_FORMAT,
    mode: project.batch.some((s) => s.requested) ? "named" : "proposed",
    sources: files.report,
    stories: all,
    conflicts,
    findings,
    schedule: result,
    warnings,
    ...(options.history?.hot.length ? { hotFiles: [...options.history.hot] } : {}),
  };
}

function dependenciesOf(
  story: LoadedStory,
  project: LoadedProject,
  config: ParallelConfig,
  warnings: string[],
): PlannedDependency[] {
  const { entry, doc, file } = story;
  const declared = Object.entries(config.dependencies)
    .filter(([id]) => tryResolve(project, id)?.key === entry.key)
    .flatMap(([, deps]) =>
      deps.map((id) => ({ id, line: 0, text: "athena.json parallel.dependencies" })),
    );
  const out: PlannedDependency[] = [];
  for (const dep of [...(doc?.dependencies ?? []), ...declared]) {
    const evidence: Evidence =
      dep.line > 0
        ? { file: file ?? "", section: dep.text, line: dep.line }
        : { file: "athena.json", section: dep.text, line: 0 };
    const { target, why } = resolved(project, dep.id);
    // A declared id that names no story, or several, is said once (configIdProblems).
    if (why && dep.line > 0)
      warnings.push(`${evidence.file}:${evidence.line}: ${entry.key} depends on ${why}`);
    if (target?.key === entry.key || out.some((d) => d.key !== undefined && d.key === target?.key))
      continue;
    out.push({
      id: dep.id,
      ...(target ? { key: target.key, status: target.status } : {}),
      evidence,
    });
  }
  return out;
}

/**
 * The story ids of `parallel.stories` and `parallel.dependencies` that name no story of the
 * sprint, or several: each said once, with the candidates, and ignored (a typo must not hold
 * a story back forever, nor pass without a word).
 */
function configIdProblems(project: LoadedProject, config: ParallelConfig): string[] {
  const named: Array<{ id: string; at: string }> = [
    ...Object.keys(config.stories).map((id) => ({ id, at: "parallel.stories" })),
    ...Object.entries(config.dependencies).flatMap(([id, deps]) => [
      { id, at: "parallel.dependencies" },
      ...deps.map((dep) => ({ id: dep, at: `parallel.dependencies["${id}"]` })),
    ]),
  ];
  const problems = named.flatMap(({ id, at }) => {
    const { why } = resolved(project, id);
    return why ? [`athena.json ${at}: ${why}; ignored`] : [];
  });
  return [...new Set(problems)];
}

/** The story an id names, or why it names no single one (the resolver's words). */
function resolved(
  project: LoadedProject,
  id: string,
): { target?: ReturnType<typeof resolveStoryId>; why?: string } {
  try {
    return { target: resolveStoryId(project.sprint, id) };
  } catch (error) {
    if (error instanceof InputError) return { why: error.message };
    throw error;
  }
}

function tryResolve(project: LoadedProject, id: string) {
  return resolved(project, id).target;
}

/**
 * Components with their paths resolved against the known tree. A component that owns a
 * top-level folder or a large share of the known files (a section describing the whole
 * layout) would put every story in conflict with every other: it is left out.
 */
function resolveComponents(components: Component[], context: ClaimContext): ResolvedComponent[] {
  const files = context.known.all().filter((p) => !p.endsWith("/"));
  const tooBroad = (p: string) =>
    (p.endsWith("/") && !p.slice(0, -1).includes("/")) ||
    (files.length >= 20 && files.filter((f) => f.startsWith(p)).length > files.length / 4);
  return resolveAll(components, context).filter(
    (c) => c.paths.length > 0 && !c.paths.some(tooBroad),
  );
}

function resolveAll(components: Component[], context: ClaimContext): ResolvedComponent[] {
  return components.map((component) => ({
    name: component.name,
    file: component.file,
    line: component.line,
    paths: component.paths.flatMap((p) => {
      const normal = normaliseRepoPath(p.path, context.root);
      if (!normal.inside || context.isArtefact(normal.path)) return [];
      // An ambiguous or unknown path is kept as written, as for a story's own mentions.
      return [context.known.resolve(normal.path)?.path ?? normal.path];
    }),
  }));
}

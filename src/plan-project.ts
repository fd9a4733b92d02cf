/**
 * The one place where configuration, reading and planning meet: the CLI and the tool both
 * plan through here, so they can never disagree.
 */
import { loadProject } from "./bmad/project.ts";
import { loadConfig } from "./config/load.ts";
import type { AthenaConfig } from "./config/schema.ts";
import { buildPlan } from "./plan/build.ts";
import type { Plan } from "./plan/types.ts";

export interface PlanProjectOptions {
  ids?: string[];
  /** Overrides `maxConcurrentStories` for this plan. */
  cap?: number;
  pluginOptions?: Record<string, unknown>;
  /** The parse cache under `.athena/cache` (on by default). */
  cache?: boolean;
  env?: NodeJS.ProcessEnv;
}

export function planProject(
  dir: string,
  options: PlanProjectOptions = {},
): { plan: Plan; config: AthenaConfig } {
  const { config, sources } = loadConfig(dir, {
    pluginOptions: options.pluginOptions,
    env: options.env,
  });
  const project = loadProject(dir, {
    config,
    ...(options.ids ? { ids: options.ids } : {}),
    ...(options.cache === undefined ? {} : { cache: options.cache }),
  });
  const plan = buildPlan(project, config.parallel, options.cap ? { cap: options.cap } : {});
  plan.sources.unshift(...sources.map((s) => `config: ${s}`));
  return { plan, config };
}

/**
 * The `athena_parallel` tool: a thin shell over the planner. Only `dryRun` exists so far;
 * `execute`, `status` and `cancel` arrive with the run layer.
 */
import { type ToolDefinition, tool } from "@opencode-ai/plugin";
import { renderMarkdown } from "../plan/render.ts";
import { planProject } from "../plan-project.ts";
import { InputError } from "../util/errors.ts";

const z = tool.schema;

export const DESCRIPTION = `Plan BMAD stories to run in parallel without two agents editing the same file.
action "dryRun": for the given story ids (e.g. ["2.1", "2.2"], or none to propose the best batch from the ready-for-dev stories), report the files each story will touch, every conflict between them with its evidence, and a schedule under the concurrency cap. Nothing is written or started.`;

export interface ToolDeps {
  /** Plugin options from opencode.json's tuple form. */
  pluginOptions?: Record<string, unknown>;
}

export function createAthenaParallelTool(deps: ToolDeps = {}): ToolDefinition {
  return tool({
    description: DESCRIPTION,
    args: {
      action: z.enum(["dryRun"]).describe("What to do. dryRun: plan only."),
      storyIds: z
        .array(z.string().min(1).max(200))
        .max(200)
        .optional()
        .describe(
          'Story ids: "2.1", "2-1", a full key or a story file path. Omit to propose a batch.',
        ),
      maxConcurrentStories: z
        .number()
        .int()
        .min(1)
        .max(16)
        .optional()
        .describe("Override the concurrency cap for this call."),
    },
    async execute(args, context) {
      try {
        const { plan } = planProject(context.directory, {
          ...(args.storyIds ? { ids: args.storyIds } : {}),
          ...(args.maxConcurrentStories ? { cap: args.maxConcurrentStories } : {}),
          ...(deps.pluginOptions ? { pluginOptions: deps.pluginOptions } : {}),
        });
        const batch = plan.stories.filter((s) => s.role === "in-batch").length;
        const fileConflicts = plan.conflicts.filter((c) => c.kind === "file").length;
        return {
          title: `athena-parallel plan: ${batch} stories, ${fileConflicts} file conflicts`,
          output: renderMarkdown(plan),
          metadata: { plan },
        };
      } catch (error) {
        if (!(error instanceof InputError)) throw error;
        return {
          title: "athena-parallel: bad input",
          output: `athena_parallel could not plan: ${error.format()}\nFix the input above and call the tool again.`,
          metadata: { error: error.format() },
        };
      }
    },
  });
}

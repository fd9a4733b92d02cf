/**
 * The OpenCode plugin entry: `{ id, server }`, as the host requires (a default export without
 * `id` is rejected). It wires the layers and registers the tool; nothing else lives here.
 */
import type { Hooks, PluginInput, PluginModule, PluginOptions } from "@opencode-ai/plugin";
import { createAthenaParallelTool } from "./tool/athena-parallel.ts";

export const PLUGIN_ID = "athena-parallel";

async function server(_input: PluginInput, options?: PluginOptions): Promise<Hooks> {
  return {
    tool: {
      athena_parallel: createAthenaParallelTool(options ? { pluginOptions: options } : {}),
    },
  };
}

const plugin: PluginModule & { id: string } = { id: PLUGIN_ID, server };
export default plugin;

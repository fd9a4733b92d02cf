/**
 * The OpenCode plugin entry: `{ id, server }`, as the host requires (a default export without
 * `id` is rejected). It builds the layers over the real host, recovers runs a previous process
 * left, and returns the hooks; nothing else lives here.
 */
import path from "node:path";
import type { Hooks, PluginInput, PluginModule, PluginOptions } from "@opencode-ai/plugin";
import { configureHost, createAthena, projectOfHost } from "./athena.ts";
import { loadConfig } from "./config/load.ts";
import { OpencodeHost } from "./run/host-opencode.ts";
import { createBrokenTool } from "./tool/athena-parallel.ts";
import { asUserError } from "./util/errors.ts";
import { reportUnexpected } from "./util/unexpected.ts";

export const PLUGIN_ID = "athena-parallel";

async function server(input: PluginInput, options?: PluginOptions): Promise<Hooks> {
  const log = (message: string) => {
    void input.client.app
      .log({ body: { service: PLUGIN_ID, level: "warn", message } })
      .catch(() => {});
  };
  // OpenCode started in a subfolder works on the project above it (its sessions stay here).
  const root = projectOfHost(input.directory, options);
  if (root !== path.resolve(input.directory))
    log(`project root: ${root} (OpenCode runs in ${input.directory}, a folder below it)`);
  try {
    const athena = createAthena({
      directory: root,
      hostDirectory: input.directory,
      worktree: input.worktree,
      host: new OpencodeHost(input.client, input.directory),
      ...(options ? { pluginOptions: options } : {}),
      log,
    });
    // Not awaited: the host's API waits for this very start-up to finish, so a recovery that
    // asked the host for session states here would wait for itself (measured: it hangs).
    setTimeout(() => void athena.recover().catch((error) => log(`recovery failed: ${error}`)), 0);
    return athena.hooks;
  } catch (error) {
    // The host must start all the same: the tool then says why the plugin could not, and the
    // slash command stays (without it, `/athena-parallel` failed with the host's bare error).
    const user = asUserError(error, root);
    const reason =
      user?.format() ?? reportUnexpected(error, { command: "athena-parallel start", root });
    if (!user) log(reason);
    // athena.json read again at each call, when it is what failed: a fixed file (or a new
    // error) is said as it is now.
    const configError = () => {
      try {
        loadConfig(root, options ? { pluginOptions: options } : {});
        return undefined;
      } catch (again) {
        return asUserError(again, root)?.format() ?? String(again);
      }
    };
    const recheck = user && configError() === reason ? configError : undefined;
    return {
      tool: { athena_parallel: createBrokenTool(reason, recheck) },
      config: async (hostConfig) => configureHost(hostConfig),
    };
  }
}

const plugin: PluginModule & { id: string } = { id: PLUGIN_ID, server };
export default plugin;

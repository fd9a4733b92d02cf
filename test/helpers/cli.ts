/** The CLI run in-process, its output captured: for tests of the commands. */
import path from "node:path";
import { runCli } from "../../src/cli/main.ts";

/**
 * Runs `athena-parallel ARGS` in `cwd`; the environment defaults to one with no global config
 * (HOME is `cwd`), so a developer's own athena.json never leaks into a test.
 */
export async function runCliCaptured(
  args: string[],
  cwd: string,
  env: NodeJS.ProcessEnv = { HOME: cwd, XDG_CONFIG_HOME: path.join(cwd, "no-config") },
): Promise<{ code: number; out: string; err: string }> {
  let out = "";
  let err = "";
  const code = await runCli(args, {
    out: (t) => {
      out += t;
    },
    err: (t) => {
      err += t;
    },
    cwd,
    env,
  });
  return { code, out, err };
}

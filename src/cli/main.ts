/**
 * `athena-parallel`: the command-line shell over the same core as the plugin.
 * Exit codes: 0 no file conflict, 1 file conflicts found, 2 bad input.
 */
import path from "node:path";
import { parseArgs } from "node:util";
import { BLOCKING_KINDS, renderJson, renderMarkdown, renderMermaid } from "../plan/render.ts";
import { planProject } from "../plan-project.ts";
import { InputError } from "../util/errors.ts";

export const HELP = `athena-parallel: plan and run BMAD stories in parallel in OpenCode

Usage:
  athena-parallel plan [ids...] [--dir DIR] [--json | --mermaid] [--cap N] [--no-cache]
  athena-parallel help

plan
  Reads the BMAD project in DIR (default: the current folder), predicts the files each
  story will touch, reports every conflict with its evidence and schedules the stories
  under the concurrency cap. Ids are "2.1", "2-1", a full story key or a story file path;
  without ids it proposes the best batch from the ready-for-dev stories.

  --dir DIR     the project root (default: .)
  --json        the plan as JSON (stable shape, see the README)
  --mermaid     a Mermaid graph of stories, conflicts and dependencies
  --cap N       concurrency cap for this plan (default: maxConcurrentStories, 3)
  --no-cache    do not use or fill the parse cache in .athena/cache

Exit status: 0 no file conflict, 1 file conflicts found, 2 bad input.
`;

export interface CliIo {
  out: (text: string) => void;
  err: (text: string) => void;
  cwd: string;
  env: NodeJS.ProcessEnv;
}

export function runCli(argv: string[], io: CliIo): number {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case "plan":
        return planCommand(rest, io);
      case undefined:
      case "help":
      case "--help":
      case "-h":
        io.out(HELP);
        return command === undefined ? 2 : 0;
      default:
        io.err(`athena-parallel: unknown command "${command}"\n\n${HELP}`);
        return 2;
    }
  } catch (error) {
    if (error instanceof InputError) {
      io.err(`athena-parallel: ${error.format()}\n`);
      return 2;
    }
    if (
      error instanceof TypeError &&
      (error as NodeJS.ErrnoException).code?.startsWith("ERR_PARSE_ARGS")
    ) {
      io.err(`athena-parallel: ${error.message}\n\n${HELP}`);
      return 2;
    }
    throw error;
  }
}

function planCommand(args: string[], io: CliIo): number {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      dir: { type: "string", default: "." },
      json: { type: "boolean", default: false },
      mermaid: { type: "boolean", default: false },
      cap: { type: "string" },
      "no-cache": { type: "boolean", default: false },
      help: { type: "boolean", short: "h", default: false },
    },
  });
  if (values.help) {
    io.out(HELP);
    return 0;
  }
  if (values.json && values.mermaid)
    throw new InputError("--json and --mermaid cannot be used together");
  const cap = values.cap === undefined ? undefined : Number(values.cap);
  if (cap !== undefined && !(Number.isInteger(cap) && cap >= 1 && cap <= 16)) {
    throw new InputError(`--cap expects a whole number from 1 to 16, got "${values.cap}"`);
  }
  const dir = path.resolve(io.cwd, values.dir);
  const { plan } = planProject(dir, {
    ids: positionals,
    ...(cap ? { cap } : {}),
    cache: !values["no-cache"],
    env: io.env,
  });
  io.out(
    values.json ? renderJson(plan) : values.mermaid ? renderMermaid(plan) : renderMarkdown(plan),
  );
  const inBatch = new Set(plan.stories.filter((s) => s.role === "in-batch").map((s) => s.key));
  const blocking = plan.conflicts.some(
    (c) => BLOCKING_KINDS.has(c.kind) && c.stories.every((k) => inBatch.has(k)),
  );
  return blocking ? 1 : 0;
}

/**
 * `athena-parallel`: the command-line shell over the same core as the plugin.
 * Exit codes: 0 no blocking file conflict, 1 blocking file conflicts found, 2 bad input, 3 an
 * unexpected error (one line, the trace in `.athena/last-error.log`).
 */

import { readFileSync, type Stats, statSync } from "node:fs";
import { homedir } from "node:os";
import path from "node:path";
import { type ParseArgsConfig, parseArgs } from "node:util";
import { markStory } from "../bmad/mark.ts";
import { findProjectRoot } from "../bmad/project-root.ts";
import { FINISHED_STATUSES, NOT_A_STORY } from "../bmad/sprint-status.ts";
import { taskProgress } from "../bmad/task-progress.ts";
import { accuracyJson, renderAccuracy } from "../plan/accuracy.ts";
import { normaliseRepoPath } from "../plan/claims.ts";
import { plannedGantt } from "../plan/gantt.ts";
import { headline, renderJson, renderMarkdown, renderMermaid } from "../plan/render.ts";
import { accuracyOfProject, planProject } from "../plan-project.ts";
import { taskTimeFromHistory, timelinePace } from "../run/estimate.ts";
import { readHistory } from "../run/history-log.ts";
import { Journal } from "../run/journal.ts";
import { FileLocks } from "../run/locks.ts";
import { processGone, requestCancel } from "../run/outside-runs.ts";
import { storyFileOf } from "../run/progress.ts";
import {
  fileVersions,
  findStoryJournal,
  revertLeavesSprint,
  revertStory,
  storyDiff,
} from "../run/review.ts";
import { loadRuns, RUN_ID, type RunRecord } from "../run/state.ts";
import { runGantt } from "../run/timeline.ts";
import { describeUsage } from "../run/usage.ts";
import { asUserError, errorLine, InputError } from "../util/errors.ts";
import { suggest } from "../util/suggest.ts";
import { reportUnexpected } from "../util/unexpected.ts";
import { COMMANDS, type CommandName, commandHelp, HELP, helpHint } from "./help.ts";

export { HELP } from "./help.ts";

export interface CliIo {
  out: (text: string) => void;
  err: (text: string) => void;
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** True when the output is a terminal (`status --watch` redraws in place). */
  isTTY?: boolean;
  /** `status --watch`'s redraw period (default 1 s). */
  watchMs?: number;
}

/** A command's I/O, and the project root once the command has found it (for error reports). */
interface CommandIo extends CliIo {
  root?: string;
}

export async function runCli(argv: string[], cliIo: CliIo): Promise<number> {
  const [command, ...rest] = argv;
  const io: CommandIo = { ...cliIo };
  try {
    if (isCommand(command) && (rest.includes("--help") || rest.includes("-h"))) {
      io.out(commandHelp(command));
      return 0;
    }
    switch (command) {
      case "plan":
        return planCommand(rest, io);
      case "accuracy":
        return accuracyCommand(rest, io);
      case "mark":
        return await markCommand(rest, io);
      case "locks":
        return locksCommand(rest, io);
      case "status":
        return await statusCommand(rest, io);
      case "cancel":
        return await cancelCommand(rest, io);
      case "diff":
      case "revert":
      case "versions":
        return journalCommand(command, rest, io);
      case "help":
      case "--help":
      case "-h":
        return helpCommand(rest, io);
      case "--version":
        io.out(`${packageVersion()}\n`);
        return 0;
      case undefined:
        // No command is a mistake, not a request for help: the help goes to stderr.
        io.err(HELP);
        return 2;
      default:
        throw new ArgumentError(unknownCommand(command));
    }
  } catch (error) {
    // A script that asked for JSON reads stdout: it gets the error there too, as JSON.
    const asJson = rest.includes("--json");
    const user = asUserError(error, io.root ?? io.cwd);
    if (user) {
      const hint = user instanceof ArgumentError ? `${helpHint(user.command)}\n` : "";
      io.err(`athena-parallel: ${user.format()}\n${hint}`);
      if (asJson) outQuietly(io, jsonError(2, user.message, user));
      return 2;
    }
    const line = reportUnexpected(error, {
      command: `athena-parallel ${command}`,
      ...(io.root ? { root: io.root } : {}),
    });
    io.err(`${line}\n`);
    if (asJson) outQuietly(io, jsonError(3, line));
    return 3;
  }
}

/** Writes to stdout when it can: the failure may be stdout's own (a closed pipe). */
function outQuietly(io: CliIo, text: string): void {
  try {
    io.out(text);
  } catch {
    // stderr already says what failed.
  }
}

/** `{ "error": { exitCode, message, file?, line?, column? } }`, what `--json` prints on failure. */
function jsonError(
  exitCode: 1 | 2 | 3,
  message: string,
  where?: Pick<InputError, "file" | "line" | "column">,
): string {
  const at = where ? { file: where.file, line: where.line, column: where.column } : {};
  return `${JSON.stringify({ error: { exitCode, message, ...at } }, null, 2)}\n`;
}

/**
 * A command line that is wrong in itself (an unknown option, a missing argument, a bad flag
 * value): followed by one line pointing at the command's help, instead of the whole help.
 */
class ArgumentError extends InputError {
  constructor(
    message: string,
    /** The command whose help to point at; none for an unknown command. */
    readonly command?: CommandName,
  ) {
    super(message);
  }
}

function isCommand(name: string | undefined): name is CommandName {
  return (COMMANDS as readonly string[]).includes(name ?? "");
}

/** `help` and `help <command>`: the help asked for, on stdout. */
function helpCommand(args: string[], io: CommandIo): number {
  const [name, ...extra] = args.filter((a) => a !== "--help" && a !== "-h");
  if (extra.length > 0) throw new ArgumentError(`help takes one command, got ${args.join(" ")}`);
  if (name === undefined) {
    io.out(HELP);
    return 0;
  }
  if (!isCommand(name)) throw new ArgumentError(unknownCommand(name));
  io.out(commandHelp(name));
  return 0;
}

function unknownCommand(name: string): string {
  const near = suggest(name, COMMANDS, 1);
  const hint = near.length > 0 ? `; did you mean "${near[0]}"?` : "";
  return `unknown command "${name}"${hint} (the commands: ${COMMANDS.join(", ")})`;
}

/** The version in package.json, which npm publishes the bin under. */
function packageVersion(): string {
  const file = new URL("../../package.json", import.meta.url);
  return (JSON.parse(readFileSync(file, "utf8")) as { version: string }).version;
}

type OptionSpecs = NonNullable<ParseArgsConfig["options"]>;

/**
 * parseArgs for `command`, with its errors in the CLI's words (Node's name the remedy
 * `--cap=-XYZ`, or `-- "--x"`) as ArgumentErrors. A negative number after an option that
 * takes a value is that value (`--cap -1`), so that the option's own check can say what it
 * expects; Node took it for an option and called the command line ambiguous.
 */
function parseCommand<T extends OptionSpecs>(
  command: CommandName,
  args: string[],
  options: T,
  allowPositionals = false,
) {
  const joined: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] ?? "";
    const next = args[i + 1];
    const spec = arg.startsWith("--") ? options[arg.slice(2)] : undefined;
    if (spec?.type === "string" && next !== undefined && /^-\.?\d/.test(next)) {
      joined.push(`${arg}=${next}`);
      i++;
    } else joined.push(arg);
  }
  try {
    return parseArgs({ args: joined, options, allowPositionals, strict: true });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (!code?.startsWith("ERR_PARSE_ARGS")) throw error;
    throw new ArgumentError(parseArgsProblem(code, errorLine(error)), command);
  }
}

/** Node's parseArgs message, as one short statement naming the option or argument. */
function parseArgsProblem(code: string, message: string): string {
  const quoted = /'([^']*)'/.exec(message)?.[1] ?? "";
  // `-h, --help <value>`: the long name alone.
  const option = quoted.split(/[ ,]+/).find((part) => part.startsWith("--")) ?? quoted;
  if (code === "ERR_PARSE_ARGS_UNKNOWN_OPTION") return `unknown option ${option}`;
  if (code === "ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL") return `unexpected argument "${quoted}"`;
  if (code === "ERR_PARSE_ARGS_INVALID_OPTION_VALUE")
    return /does not take an argument/.test(message)
      ? `${option} takes no value`
      : `${option} expects a value`;
  return message;
}

/**
 * The project root of a command: `--dir` exactly as given, which must name a folder (a wrong
 * one listed "no runs" or "no locks", or looked for a sprint file, as if the project were
 * empty); without it, the nearest folder from the current one up with a project marker, said
 * on stderr when it is not the current folder (else the current folder). Kept in `io.root`
 * for the error log.
 */
function projectRoot(io: CommandIo, dir: string | undefined): string {
  let root = path.resolve(io.cwd, dir ?? ".");
  if (dir !== undefined) assertFolder(root, dir);
  else {
    const found = findProjectRoot(root, io.env.HOME || homedir());
    if (found && found.root !== root) {
      root = found.root;
      io.err(
        `athena-parallel: project root: ${root} (the nearest folder above with ${found.marker}; --dir to choose another)\n`,
      );
    }
  }
  io.root = root;
  return root;
}

/** Refuses a `--dir` that is empty, missing or not a folder, in the words it was typed. */
function assertFolder(root: string, typed: string): void {
  if (typed === "") throw new InputError("--dir expects a folder, got an empty value");
  let stat: Stats;
  try {
    stat = statSync(root);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ENOTDIR")
      throw new InputError(`--dir ${typed}: no such folder`);
    throw error;
  }
  if (!stat.isDirectory()) throw new InputError(`--dir ${typed}: not a folder`);
}

function planCommand(args: string[], io: CommandIo): number {
  const { values, positionals } = parseCommand(
    "plan",
    args,
    {
      ...DIR_OPTION,
      json: { type: "boolean", default: false },
      mermaid: { type: "boolean", default: false },
      gantt: { type: "boolean", default: false },
      cap: { type: "string" },
      "no-cache": { type: "boolean", default: false },
    },
    true,
  );
  if (values.json && (values.mermaid || values.gantt))
    throw new ArgumentError("--json cannot be used with --mermaid or --gantt", "plan");
  const cap = values.cap === undefined ? undefined : Number(values.cap);
  if (cap !== undefined && !(Number.isInteger(cap) && cap >= 1 && cap <= 16)) {
    throw new ArgumentError(
      `--cap expects a whole number from 1 to 16, got "${values.cap}"`,
      "plan",
    );
  }
  const dir = projectRoot(io, values.dir);
  const { plan } = planProject(dir, {
    ids: positionals,
    ...(cap ? { cap } : {}),
    cache: !values["no-cache"],
    env: io.env,
  });
  const gantt = () =>
    plannedGantt(plan, {
      startAt: Date.now(),
      ...timelinePace(taskTimeFromHistory(readHistory(dir).lines)),
    });
  io.out(
    values.json
      ? renderJson(plan)
      : values.gantt && values.mermaid
        ? `${fenced(renderMermaid(plan))}\n${fenced(gantt())}`
        : values.gantt
          ? gantt()
          : values.mermaid
            ? renderMermaid(plan)
            : renderMarkdown(plan),
  );
  const inBatch = new Set(plan.stories.filter((s) => s.role === "in-batch").map((s) => s.key));
  // An empty diagram says nothing of why: the reason goes beside it, off the piped output.
  if ((values.gantt || values.mermaid) && inBatch.size === 0)
    io.err(`athena-parallel: ${headline(plan, 0)}\n`);
  const blocking = plan.conflicts.some((c) => c.blocking && c.stories.every((k) => inBatch.has(k)));
  return blocking ? 1 : 0;
}

/**
 * A diagram in a markdown ```mermaid block: one diagram alone is printed bare (it can be piped
 * to Mermaid), two are fenced, so that the output is a document Mermaid and GitHub render.
 */
function fenced(diagram: string): string {
  return `\`\`\`mermaid\n${diagram}\`\`\`\n`;
}

const DIR_OPTION = { dir: { type: "string" } } as const;

function accuracyCommand(args: string[], io: CommandIo): number {
  const { values } = parseCommand("accuracy", args, {
    ...DIR_OPTION,
    json: { type: "boolean", default: false },
    tree: { type: "string" },
    "no-history": { type: "boolean", default: false },
    "learn-first": { type: "string" },
    seed: { type: "string" },
  });
  const seed = values.seed === undefined ? undefined : Number(values.seed);
  if (seed !== undefined && !Number.isInteger(seed))
    throw new ArgumentError(`--seed expects a whole number, got "${values.seed}"`, "accuracy");
  const learnFirst =
    values["learn-first"] === undefined ? undefined : Number(values["learn-first"]);
  if (learnFirst !== undefined && !(learnFirst > 0 && learnFirst < 1))
    throw new ArgumentError(
      `--learn-first expects a share between 0 and 1 (0.6 for the first 60%), got "${values["learn-first"]}"`,
      "accuracy",
    );
  if (learnFirst !== undefined && values["no-history"])
    throw new ArgumentError(
      "--learn-first and --no-history cannot go together: choose one",
      "accuracy",
    );
  const dir = projectRoot(io, values.dir);
  let tree: string[] | undefined;
  if (values.tree !== undefined) {
    const file = path.resolve(io.cwd, values.tree);
    let text: string;
    try {
      text = readFileSync(file, "utf8");
    } catch (error) {
      throw new InputError(`cannot read the tree listing: ${errorLine(error)}`, values.tree);
    }
    tree = text
      .split(/\r?\n/)
      .map((l) => l.trim().replace(/^\.\//, ""))
      .filter((l) => l !== "" && !l.startsWith("#"));
  }
  const mode = values["no-history"]
    ? { title: " (no history)", knowing: "with no history" }
    : learnFirst !== undefined
      ? {
          title: ` (the first ${Math.round(learnFirst * 100)}% learned from)`,
          knowing: `as one sprint, with the first ${Math.round(learnFirst * 100)}% of the done stories (in sprint order) as history`,
        }
      : { title: "", knowing: "with only the stories before it as history" };
  const { report, project, unrecorded } = accuracyOfProject(dir, {
    history: !values["no-history"],
    ...(learnFirst !== undefined ? { learnFirst } : {}),
    ...(tree ? { tree } : {}),
    ...(seed !== undefined ? { seed } : {}),
    env: io.env,
  });
  const finishedStories = project.sprint.entries.filter(
    (e) => e.kind === "story" && FINISHED_STATUSES.has(e.status),
  );
  const finished = finishedStories.length;
  // Finished keys that are no story key and have no story file of their name (`CORE-002`) are
  // in no plan: say so, or a project scores far fewer stories than it has with nothing said.
  const unkeyed = project.sprint.entries.filter(
    (e) => e.kind === "other" && FINISHED_STATUSES.has(e.status),
  );
  if (report.stories === 0) {
    // Say which of the three it is: no done story, no story file, or no File List. Finished
    // entries whose keys are no story's are named: "no story is done" alone would deny what
    // the user sees in the sprint file.
    const why =
      finished === 0
        ? unkeyed.length > 0
          ? `no story is done or in review: its ${unkeyed.length} finished ${unkeyed.length === 1 ? "key is" : "keys are"} ${NOT_A_STORY}, e.g. ${unkeyed[0]?.key} (line ${unkeyed[0]?.line})`
          : "no story is done or in review"
        : project.done.length === 0
          ? `none of its ${finished} finished stories has a story file under ${project.files.storiesDir}/ (set bmad.paths.stories in athena.json)`
          : learnFirst !== undefined && unrecorded.length < project.done.length
            ? `none of the ${project.done.length - Math.floor(learnFirst * project.done.length)} finished stories after the first ${Math.round(learnFirst * 100)}% has a File List (the stories with one are all learned from: a smaller --learn-first scores some)`
            : `none of its ${project.done.length} finished stories with a story file has a File List`;
    io.err(`athena-parallel: ${project.files.sprintStatus}: nothing to score against: ${why}\n`);
    if (values.json)
      io.out(
        jsonError(1, `nothing to score against: ${why}`, { file: project.files.sprintStatus }),
      );
    return 1;
  }
  if (unkeyed.length > 0) {
    const shown = unkeyed.slice(0, 3).map((e) => `${e.key} (line ${e.line})`);
    io.err(
      `athena-parallel: ${unkeyed.length} finished ${unkeyed.length === 1 ? "key is" : "keys are"} ${NOT_A_STORY}: left out, e.g. ${shown.join(", ")}\n`,
    );
  }
  // Named, so a user can see which stories to mend (a story file, a File List) for a fuller score.
  const withFile = new Set(project.done.map((d) => d.entry.key));
  const fileless = finishedStories.filter((e) => !withFile.has(e.key));
  if (fileless.length > 0) {
    io.err(
      `athena-parallel: ${fileless.length} of ${finished} finished stories have no story file under ${project.files.storiesDir}/: left out: ${someOf(fileless.map((e) => e.key))}\n`,
    );
  }
  if (unrecorded.length > 0) {
    io.err(
      `athena-parallel: ${unrecorded.length} of ${project.done.length} finished stories with a story file have no File List naming a file of the project: left out: ${someOf(unrecorded)}\n`,
    );
  }
  io.out(
    values.json
      ? `${JSON.stringify(accuracyJson(report), null, 2)}\n`
      : renderAccuracy(report, `${path.basename(dir)}${mode.title}`, mode.knowing),
  );
  return 0;
}

/** Up to five keys, then how many more: `1-1-a, 1-2-b, ... and 3 more`. */
function someOf(keys: readonly string[]): string {
  const shown = keys.slice(0, 5).join(", ");
  return keys.length > 5 ? `${shown} and ${keys.length - 5} more` : shown;
}

async function markCommand(args: string[], io: CommandIo): Promise<number> {
  const { values, positionals } = parseCommand(
    "mark",
    args,
    { ...DIR_OPTION, force: { type: "boolean", default: false } },
    true,
  );
  const [typed, status, ...extra] = positionals;
  if (!typed || !status || extra.length > 0)
    throw new ArgumentError(
      "usage: athena-parallel mark <story> <status> [--force] [--dir DIR]",
      "mark",
    );
  const result = await markStory(projectRoot(io, values.dir), typed, status, {
    env: io.env,
    ...(values.force ? { force: true } : {}),
  });
  io.out(`${result.line}\n`);
  return 0;
}

function locksCommand(args: string[], io: CommandIo): number {
  const { values } = parseCommand("locks", args, {
    ...DIR_OPTION,
    json: { type: "boolean", default: false },
    "release-stale": { type: "boolean", default: false },
  });
  const locks = new FileLocks({ root: projectRoot(io, values.dir) });
  const removed = values["release-stale"] ? locks.releaseStale() : [];
  const list = locks.list();
  if (values.json) {
    io.out(`${JSON.stringify({ locks: list, released: removed }, null, 2)}\n`);
    return 0;
  }
  for (const lock of removed)
    io.out(`released stale lock: ${lock.owner?.path ?? lock.id} (${lock.staleReason})\n`);
  if (list.length === 0) {
    io.out("no locks\n");
    return 0;
  }
  for (const lock of list) {
    const o = lock.owner;
    const who = o ? `${o.story} (run ${o.run}, pid ${o.pid} on ${o.host})` : "unknown owner";
    const state = lock.stale ? `STALE: ${lock.staleReason}` : "held";
    io.out(`${o?.path ?? lock.id}  ${who}  age ${Math.round(lock.ageMs / 1000)}s  ${state}\n`);
  }
  return 0;
}

async function statusCommand(args: string[], io: CommandIo): Promise<number> {
  const { values } = parseCommand("status", args, {
    ...DIR_OPTION,
    json: { type: "boolean", default: false },
    watch: { type: "boolean", default: false },
  });
  if (values.json && values.watch)
    throw new ArgumentError("--json and --watch cannot be used together", "status");
  const root = projectRoot(io, values.dir);
  const read = () => {
    const { runs, damaged, foreign } = loadRuns(root);
    runs.sort((a, b) => b.createdAt.localeCompare(a.createdAt));
    for (const d of damaged)
      io.err(
        `athena-parallel: a run record cannot be read (left as it is): ${d.file}: ${d.reason}\n`,
      );
    for (const f of foreign)
      io.err(
        `athena-parallel: ${f.file} is a run record of format ${String(f.version)}, another athena-parallel's: not shown\n`,
      );
    return runs;
  };
  if (values.json) {
    // `processGone` added to each running run, so that a script can tell a dead one.
    const runs = read().map((r) =>
      r.state === "running" ? { ...r, processGone: processGone(r) } : r,
    );
    io.out(`${JSON.stringify({ runs }, null, 2)}\n`);
    return 0;
  }
  if (values.watch) return watchStatus(read, root, io);
  const runs = read();
  if (runs.length === 0) io.out("no runs\n");
  for (const run of runs) io.out(renderRun(run, root));
  return 0;
}

/** `cancel <run-id>`: a request file the owning process takes up at its next poll. */
async function cancelCommand(args: string[], io: CommandIo): Promise<number> {
  const { values, positionals } = parseCommand(
    "cancel",
    args,
    { ...DIR_OPTION, "wait-seconds": { type: "string", default: "30" } },
    true,
  );
  const [runId, ...extra] = positionals;
  if (!runId || extra.length > 0)
    throw new ArgumentError(
      "usage: athena-parallel cancel <run-id> [--dir DIR] [--wait-seconds N]",
      "cancel",
    );
  if (!RUN_ID.test(runId))
    throw new ArgumentError(`"${runId}" is not a run id (run-YYYYMMDD-HHMMSS-xxxxxx)`, "cancel");
  const wait = Number(values["wait-seconds"]);
  if (!Number.isFinite(wait) || wait < 0 || wait > 3600)
    throw new ArgumentError(
      `--wait-seconds expects a number from 0 to 3600, got "${values["wait-seconds"]}"`,
      "cancel",
    );
  const root = projectRoot(io, values.dir);
  const find = () => loadRuns(root).runs.find((r) => r.id === runId);
  const run = find();
  if (!run) throw new InputError(`no run "${runId}" in ${path.join(root, ".athena/runs")}`);
  if (run.state !== "running") {
    io.out(`${runId} is not running (it ended ${run.state}): nothing to cancel.\n`);
    return 0;
  }
  if (processGone(run)) {
    io.out(`${runId}'s process (pid ${run.pid}) is gone: ${RECOVERED_AT_START}.\n`);
    return 1;
  }
  requestCancel(root, runId);
  const deadline = Date.now() + wait * 1000;
  for (;;) {
    const now = find();
    if (now && now.state !== "running") {
      io.out(
        `${runId} cancelled by its process (pid ${run.pid}): ${now.stories.map((s) => `${s.id} ${s.state}`).join(", ")}.\n`,
      );
      return 0;
    }
    if (Date.now() >= deadline) {
      io.out(
        `asked process ${run.pid} to cancel ${runId}; it has not done so in ${wait}s (it checks every few seconds while the run is live).\n`,
      );
      return 1;
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** `diff`, `revert` and `versions`: the change journal, read (and for revert, applied). */
function journalCommand(
  command: "diff" | "revert" | "versions",
  args: string[],
  io: CommandIo,
): number {
  const { values, positionals } = parseCommand(
    command,
    args,
    { ...DIR_OPTION, run: { type: "string" } },
    true,
  );
  // versions reads every run's versions: --run is no option of it.
  if (command === "versions" && values.run !== undefined)
    throw new ArgumentError("unknown option --run", command);
  const [target, ...extra] = positionals;
  const usage = command === "versions" ? "versions <file>" : `${command} <story> [--run ID]`;
  if (!target || extra.length > 0)
    throw new ArgumentError(`usage: athena-parallel ${usage} [--dir DIR]`, command);
  const root = projectRoot(io, values.dir);
  const journal = new Journal(root);
  if (command === "versions") {
    // A relative path is the project's (what the journal and the stories name) with --dir;
    // without it, the current folder's, which may be one inside the project (as git reads it).
    const base = values.dir === undefined ? io.cwd : root;
    const normal = normaliseRepoPath(path.resolve(base, target), root);
    if (!normal.inside) throw new InputError(`${target} is not a file of the project ${root}`);
    io.out(fileVersions(journal, normal.path, root));
    return 0;
  }
  if (values.run !== undefined && !RUN_ID.test(values.run))
    throw new ArgumentError(
      `--run expects a run id such as run-20261201-093000-a1b2c3, not "${values.run}"`,
      command,
    );
  const record = findStoryJournal(journal, target, values.run);
  if (command === "diff") {
    io.out(storyDiff(journal, record, root));
    return 0;
  }
  const result = revertStory(journal, record, root);
  if (result.refused.length > 0) {
    io.err(
      `athena-parallel: not reverted, nothing written: ${result.refused.map((r) => `${r.path}: ${r.why}`).join("; ")}\n`,
    );
    return 1;
  }
  io.out(
    `Reverted story ${record.story} (run ${record.run}): ${result.restored.join(", ")} put back as they were before it. ${revertLeavesSprint(record.story)}\n`,
  );
  return 0;
}

/** What a run whose process is gone waits for, said by `status` and `cancel`. */
const RECOVERED_AT_START =
  "the next OpenCode start on this project marks its stories interrupted and puts their sprint entries back";

/**
 * The time a run's elapsed times run to: now, or for a run whose process is gone, its record's
 * last save (nothing has happened to it since; the clock would climb for ever).
 */
function timeOf(run: RunRecord): number {
  return processGone(run) ? Date.parse(run.updatedAt) : Date.now();
}

/**
 * `status --watch`: the live runs redrawn every second until none is left live (a terminal
 * gets the screen cleared; a pipe gets a new table only when something changed), then the
 * runs it watched, as they ended, with their timeline. A run recorded running whose process
 * is gone is not live: it changes no more until an OpenCode start recovers it.
 */
async function watchStatus(read: () => RunRecord[], root: string, io: CommandIo): Promise<number> {
  const watched = new Set<string>();
  let last = "";
  for (;;) {
    const runs = read();
    const live = runs.filter((r) => r.state === "running" && !processGone(r));
    for (const r of live) watched.add(r.id);
    const shown = runs.filter((r) => watched.has(r.id));
    if (live.length === 0) {
      if (shown.length === 0) {
        io.out("no run is running\n");
        // Said, or a user sees "no run" where `status` shows one running.
        for (const run of runs.filter(processGone)) io.out(renderRun(run, root));
      }
      for (const run of shown)
        io.out(`${renderRun(run, root)}\n\`\`\`mermaid\n${runGantt(run, timeOf(run))}\`\`\`\n`);
      return 0;
    }
    const frame = shown.map((run) => renderRun(run, root)).join("\n");
    if (frame !== last) {
      io.out(`${io.isTTY ? "\x1b[2J\x1b[H" : ""}${frame}${io.isTTY ? "" : "\n"}`);
      last = frame;
    }
    await new Promise((resolve) => setTimeout(resolve, io.watchMs ?? 1_000));
  }
}

function renderRun(run: RunRecord, root: string): string {
  const now = timeOf(run);
  const gone = processGone(run);
  const state = gone ? `running in a process that is gone (pid ${run.pid})` : run.state;
  const lines = [
    `${run.id}  ${state}  ${run.strategy}, cap ${run.cap}  started ${run.createdAt}${run.usage ? `  used ${describeUsage(run.usage)}` : ""}`,
    ...(gone ? [`  ${RECOVERED_AT_START}`] : []),
    ...(run.stopped ? [`  no new story starts: ${run.stopped}`] : []),
  ];
  for (const story of run.stories) {
    const start = story.startedAt ? Date.parse(story.startedAt) : undefined;
    const end = story.endedAt ? Date.parse(story.endedAt) : now;
    const elapsed = start ? `${Math.round((end - start) / 1000)}s` : "-";
    const error = story.errors.at(-1) ? `  ${story.errors.at(-1)}` : "";
    const state = story.reason ? `${story.state} (${story.reason})` : story.state;
    const used = story.usage && story.sessionId ? describeUsage(story.usage) : "-";
    // The boxes ticked in the story file its run's plan names, as the tool's status shows them.
    const tasks = taskProgress(root, storyFileOf(run, story.key));
    const ticked = tasks ? `${tasks.done}/${tasks.total}` : "-";
    lines.push(
      `  ${story.id.padEnd(8)} ${state.padEnd(20)} ${elapsed.padStart(6)} ${ticked.padStart(5)}  ${used.padEnd(22)} ${story.key}${error}`,
    );
  }
  return `${lines.join("\n")}\n`;
}

/**
 * `/athena-parallel` arguments, parsed here rather than by the model, so the slash command
 * does exactly what it says: `2.1 2.2 --dry-run`, `status [run]`, `cancel [run]`,
 * `retry [ids] [--run ID] [--wait]`, `diff <story> [--run ID]`, `revert <story> [--run ID]`,
 * `resolve <story> wait|yield|cancel|keep <story> [--run ID]`, `versions <file>`,
 * `mark <story> <status> [--force]`, `2.1 2.2 [--cap N] [--strategy S] [--wait]`.
 */
import { CHOICES, type Choice } from "../run/resolve.ts";
import { InputError } from "../util/errors.ts";

/** The words that start a sub-command of `/athena-parallel` (anything else: story ids). */
export const SUB_COMMANDS = [
  "status",
  "cancel",
  "retry",
  "diff",
  "revert",
  "resolve",
  "versions",
  "mark",
] as const;

/** The tool's actions: planning and starting stories, and each sub-command. */
export const ACTIONS = ["dryRun", "execute", ...SUB_COMMANDS] as const;
export type Action = (typeof ACTIONS)[number];

export interface ParsedCommand {
  action: Action;
  storyIds: string[];
  runId?: string;
  maxConcurrentStories?: number;
  conflictStrategy?: "prevent" | "coordinate" | "manual";
  waitForCompletion?: boolean;
  choice?: Choice;
  /** versions: the file, as typed. */
  file?: string;
  /** mark: the status to set, and whether a downgrade is meant. */
  status?: string;
  force?: boolean;
}

/**
 * For a first word taken as a story id that no story has: when it reads as a word rather than
 * an id (no digit, no path), the line saying it is no sub-command either, and which there are.
 */
export function notASubCommand(text: string, unknownStory: string): string | undefined {
  const first = text.trim().split(/[\s,]+/)[0] ?? "";
  if (first !== unknownStory || !/^[a-z][a-z_-]*$/i.test(first)) return undefined;
  return `"${first}" is no sub-command either: /athena-parallel takes story ids (2.1 2.2 [--dry-run]), or ${SUB_COMMANDS.join(", ")}.`;
}

export function parseCommandArgs(text: string): ParsedCommand {
  // Ids are typed with commas as often as with spaces (`1-3-search,1.5`, `2.1, 2.2`), and
  // quoted as in a shell or markdown (`"2.1"`, `'2.1 2.2'`, `` `2.1` ``): the host passes the
  // quotes on, and no id, option or file name of this command starts or ends with one.
  const words = text
    .trim()
    .split(/[\s,]+/)
    .map((word) => word.replace(/^["'`]+|["'`]+$/g, ""))
    .filter(Boolean);
  const first = words[0]?.toLowerCase();
  if (first === "status" || first === "cancel") return runCommand(first, words.slice(1));
  if (first === "resolve") {
    // resolve <story> <choice> [<story to keep>] [--run ID]
    const rest = words.slice(1);
    const at = rest.indexOf("--run");
    const runId = at >= 0 ? rest.splice(at, 2)[1] : undefined;
    const [story, choice, keep, ...extra] = rest;
    if (!story || !CHOICES.includes(choice as Choice) || extra.length > 0)
      throw new InputError("usage: resolve <story> wait|yield|cancel|keep <story> [--run ID]");
    return {
      action: "resolve",
      storyIds: keep ? [story, keep] : [story],
      choice: choice as Choice,
      ...(runId ? { runId } : {}),
    };
  }
  // The CLI's journal and sprint commands, as the tool's own outputs name them.
  if (first === "versions") {
    const rest = words.slice(1);
    if (rest.length !== 1 || rest[0]?.startsWith("--"))
      throw new InputError("usage: versions <file> (one file of the project)");
    return { action: "versions", storyIds: [], file: rest[0] as string };
  }
  if (first === "mark") {
    const rest = words.slice(1);
    const force = rest.includes("--force");
    const other = rest.find((w) => w.startsWith("--") && w !== "--force");
    if (other) throw new InputError(`unknown option ${other}: mark takes only --force`);
    const [story, status, ...extra] = rest.filter((w) => w !== "--force");
    if (!story || !status || extra.length > 0)
      throw new InputError("usage: mark <story> <status> [--force]");
    return { action: "mark", storyIds: [story], status, ...(force ? { force } : {}) };
  }
  const parsed: ParsedCommand = { action: "execute", storyIds: [] };
  if (first === "retry" || first === "diff" || first === "revert") {
    parsed.action = first;
    words.shift();
  }
  for (let i = 0; i < words.length; i++) {
    const word = words[i] ?? "";
    const value = () => {
      const v = words[++i];
      if (v === undefined) throw new InputError(`${word} needs a value`);
      return v;
    };
    if (word === "--dry-run" || word === "--dryrun" || word === "dry-run" || word === "plan")
      parsed.action = "dryRun";
    else if (word === "--wait") parsed.waitForCompletion = true;
    else if (word === "--run" && parsed.action !== "execute" && parsed.action !== "dryRun")
      parsed.runId = value();
    else if (word === "--cap") {
      const n = Number(value());
      if (!Number.isInteger(n) || n < 1 || n > 16)
        throw new InputError("--cap expects a whole number from 1 to 16");
      parsed.maxConcurrentStories = n;
    } else if (word === "--strategy") {
      const s = value();
      if (s !== "prevent" && s !== "coordinate" && s !== "manual") {
        throw new InputError(`--strategy expects prevent, coordinate or manual, not "${s}"`);
      }
      parsed.conflictStrategy = s;
    } else if (word.startsWith("--"))
      throw new InputError(`unknown option ${word}; see the command's description`);
    else parsed.storyIds.push(word);
  }
  return parsed;
}

/**
 * `status [run-id]` and `cancel [run-id]`. A story id where the run id goes (`status 1.3`) is
 * kept as a story id: the tool names the run that holds it. A word starting `run-` is a run
 * id, even mistyped, so that the tool answers "no run ..." with the known ones.
 */
function runCommand(action: "status" | "cancel", rest: string[]): ParsedCommand {
  const option = rest.find((w) => w.startsWith("-"));
  if (option)
    throw new InputError(
      `unknown option ${option}: ${action} takes only a run id (${action} [run-id])`,
    );
  const runIds = rest.filter((w) => w.startsWith("run-"));
  const storyIds = rest.filter((w) => !w.startsWith("run-"));
  if (runIds.length > 1 || (runIds.length === 1 && storyIds.length > 0))
    throw new InputError(`${action} takes one run id, got "${rest.join(" ")}"`);
  return { action, storyIds, ...(runIds[0] ? { runId: runIds[0] } : {}) };
}

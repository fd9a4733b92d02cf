/**
 * The CLI's help: one text per command, for `athena-parallel <command> --help`, and all of
 * them together under the usage lines for `athena-parallel --help`. Each command's text lists
 * every option it takes (`locks` and `status` did not say `--json`, `diff` and `revert` not
 * `--run`, when every command printed the one global text).
 */

export const COMMANDS = [
  "plan",
  "accuracy",
  "mark",
  "locks",
  "status",
  "cancel",
  "diff",
  "revert",
  "versions",
] as const;
export type CommandName = (typeof COMMANDS)[number];

const DIR = `  --dir DIR     the project root, exactly (default: the nearest folder from the current
                one up with athena.json, opencode.json, .opencode/, _bmad/, .bmad/,
                _bmad-output/ or .git; else one with .athena/; else the current folder)`;

const JOURNAL = `  The change journal (.athena/journal) keeps, for every file a story changed, the version
  before its first change and at its end, although all stories share one working tree.`;

interface CommandHelp {
  usage: string;
  /** What it does, then its options but --dir (every command's), indented by two spaces. */
  text: string;
}

const HELPS: Record<CommandName, CommandHelp> = {
  plan: {
    usage: "plan [ids...] [--dir DIR] [--json | --mermaid | --gantt] [--cap N] [--no-cache]",
    text: `  Reads the BMAD project, predicts the files each story will touch, reports every
  conflict with its evidence and schedules the stories under the concurrency cap. Ids are
  "2.1", "2-1", a full story key or a story file path; without ids it proposes the best
  batch from the ready-for-dev stories.

  --json        the plan as JSON (stable shape, see the README)
  --mermaid     a Mermaid graph of stories, conflicts and dependencies
  --gantt       a Mermaid gantt chart of the schedule, durations estimated from the
                history log (.athena/history.jsonl; 10 min per task without one); with
                --mermaid, the graph and the chart, each in a \`\`\`mermaid block
  --cap N       concurrency cap for this plan, 1 to 16 (default: maxConcurrentStories, 3)
  --no-cache    do not use or fill the parse cache in .athena/cache (the model learned
                from the done stories, .athena/cache/history, is kept: it is rebuilt
                whenever what it learned from changes)`,
  },
  accuracy: {
    usage:
      "accuracy [--dir DIR] [--json] [--tree FILE] [--no-history | --learn-first SHARE] [--seed N]",
    text: `  Scores the planner on the project's own finished stories (done or in review): each is cut
  back to its plan-time sections (Story, Acceptance Criteria, Tasks, Dev Notes), predicted
  with only the stories before it as history, and compared with the File List its agent
  wrote. Prints write recall, claim precision, file-conflict pair recall and precision, the
  share of random batches of 3 the plan lets run together (really safe ones, and really
  conflicting ones), and the speed-up of random 6-story sprints at cap 3 against knowing
  every file (twice: a conflict let through counted as run one after the other, then as a
  wait at its lock that holds a slot; a project with few stories has each batch and sprint
  taken once); then the files behind its mistakes: pairs kept apart that shared no file, and
  pairs let run together that both wrote a file.

  --tree FILE   a listing of the project's files, one per line, when its code is not here
  --no-history  score the planner without learning from the earlier stories
  --learn-first SHARE
                take the first SHARE of the done stories (0.6: 60%, in sprint order) as the
                project's history, and score only the rest, planned as one sprint knowing
                what the first ones wrote
  --seed N      the seed of the random batches (default 1)
  --json        the figures as JSON`,
  },
  mark: {
    usage: "mark <story> <status> [--force] [--dir DIR]",
    text: `  Sets one story's (or epic's) status in sprint-status.yaml, keeping every comment and
  every other byte; safe while other processes change the file. A status never moves back
  (a downgrade is refused) unless --force says it is on purpose (after a revert, to run a
  story again).

  --force       allow moving a status back (review -> ready-for-dev)`,
  },
  locks: {
    usage: "locks [--dir DIR] [--json] [--release-stale]",
    text: `  Lists the file locks in .athena/locks with their owner (story, run, pid, host) and age,
  and says which are stale (not refreshed in time, or their process is gone).

  --json        the locks (and those released) as JSON
  --release-stale
                removes the stale locks`,
  },
  status: {
    usage: "status [--dir DIR] [--json | --watch]",
    text: `  Lists the runs recorded in .athena/runs, newest first, with the state of each story, the
  task boxes ticked in its story file, the tokens and cost it used, and why it failed. Works
  without OpenCode running. A run whose OpenCode process is gone (killed, crashed) is shown
  "running in a process that is gone", its times stopped at its last save: the next
  OpenCode start marks its stories interrupted.

  --json        the run records as JSON; each running one with "processGone": true when
                its process is gone
  --watch       redraws the running runs every second until they end (or their process
                is gone), then prints them with a Mermaid gantt chart of what happened`,
  },
  cancel: {
    usage: "cancel <run-id> [--dir DIR] [--wait-seconds N]",
    text: `  Asks the OpenCode process that owns a running run (another terminal's, too) to cancel it:
  every story's session aborted, its locks released, its sprint entry put back. Says whether
  the owner has done so in time (exit 1 if not).

  --wait-seconds N
                how long to wait for the owner, 0 to 3600 (default 30)`,
  },
  diff: {
    usage: "diff <story> [--run ID] [--dir DIR]",
    text: `  Prints a unified diff of one story's changes.
${JOURNAL}

  --run ID      the run to read (default: the story's latest)`,
  },
  revert: {
    usage: "revert <story> [--run ID] [--dir DIR]",
    text: `  Puts one story's files back as they were before it, only when each is still as the story
  left it: otherwise nothing is written and it names the file and who changed it since
  (exit 1).
${JOURNAL}

  --run ID      the run to revert (default: the story's latest)`,
  },
  versions: {
    usage: "versions <file> [--dir DIR]",
    text: `  Lists the journal's versions of one file and the story that made each. A relative path
  is from the current folder, or from DIR with --dir.
${JOURNAL}`,
  },
};

const EXIT_STATUS = `Exit status: plan: 0 no blocking file conflict, 1 blocking file conflicts found (a story
that cannot be read is reported in the plan and does not change this); accuracy: 1 nothing
to score (no finished story with a story file and a File List: stderr says which); every
command: 2 bad input (no sprint file, an unknown story id, a bad athena.json, a file it may
not write or a full disk); 3 an unexpected error (one line on stderr; the details in
.athena/last-error.log). With --json, a failure also prints {"error": {"exitCode", "message",
"file", "line", "column"}} on stdout (the parts that are known).`;

/** `athena-parallel --help`: every command's usage, then every command's text. */
export const HELP = `athena-parallel: plan and run BMAD stories in parallel in OpenCode

Usage:
${COMMANDS.map((name) => `  athena-parallel ${HELPS[name].usage}`).join("\n")}
  athena-parallel help [command] (or any command with --help)
  athena-parallel --version

Every command:
${DIR}
  --help, -h    the command's own help

${COMMANDS.map((name) => `${name}\n${HELPS[name].text}\n`).join("\n")}
${EXIT_STATUS}
`;

/** `athena-parallel <command> --help`: its usage, what it does and all its options. */
export function commandHelp(name: CommandName): string {
  const [about, options] = splitOptions(HELPS[name].text);
  return `Usage: athena-parallel ${HELPS[name].usage}

${about}

${DIR}${options ? `\n${options}` : ""}

${EXIT_STATUS}
`;
}

/** A command's text as what it does and its option lines (after the last blank line), if any. */
function splitOptions(text: string): [string, string] {
  const at = text.lastIndexOf("\n\n");
  const tail = at < 0 ? "" : text.slice(at + 2);
  return tail.startsWith("  --") ? [text.slice(0, at), tail] : [text, ""];
}

/** The one line that follows an argument error, in place of the whole help. */
export function helpHint(command: string | undefined): string {
  return command === undefined
    ? "run `athena-parallel --help` for the commands"
    : `run \`athena-parallel ${command} --help\` for its options`;
}

/**
 * What a story's session is asked to do: the host's own dev command when it has one, otherwise
 * a built-in prompt naming the story file and the rules. Story keys and files reach here only
 * after validation (they are sprint keys and repo-relative paths).
 */
import { SAFE_KEY } from "../bmad/keys.ts";
import type { StartWork } from "./host.ts";

export interface StoryRetry {
  /** Completes "The earlier attempt ...": `was stopped: stalled ...`, `(run X) ended failed: ...`. */
  why: string;
  /** For an automatic retry within a run: attempt `n` of `of`. */
  attempt?: { n: number; of: number };
}

export interface StoryPromptInput {
  key: string;
  id: string;
  title: string;
  file: string;
  devCommand: string;
  hostCommands: readonly string[];
  agent?: string;
  model?: string;
  /** Set on a retry: what happened to the earlier attempt, in words, and which this is. */
  retry?: StoryRetry;
}

export function storyWork(input: StoryPromptInput): StartWork {
  if (!SAFE_KEY.test(input.key))
    throw new Error(`refusing an unsafe story key in a prompt: ${JSON.stringify(input.key)}`);
  const common = {
    ...(input.agent ? { agent: input.agent } : {}),
    ...(input.model ? { model: input.model } : {}),
    disabledTools: ["athena_parallel"],
  };
  if (input.hostCommands.includes(input.devCommand)) {
    return {
      ...common,
      text: `/${input.devCommand} ${input.key}`,
      command: { name: input.devCommand, arguments: input.key },
    };
  }
  return { ...common, text: builtInPrompt(input) };
}

/** The line a retried story's session reads first: the tree already holds earlier work. */
export function retryNote(retry: StoryRetry): string {
  const which = retry.attempt ? `This is attempt ${retry.attempt.n} of ${retry.attempt.of}. ` : "";
  return `${which}The earlier attempt ${retry.why}; its changes so far are in the working tree. Check what is already done (the story's ticked boxes, the files) before you continue, and do not redo it.`;
}

function builtInPrompt(input: StoryPromptInput): string {
  return [
    `Implement BMAD story ${input.id} (${input.key}): ${input.title}.`,
    "",
    ...(input.retry ? [retryNote(input.retry), ""] : []),
    `The story file is \`${input.file}\`. Read it first, then:`,
    "1. Implement every task and subtask, in order, following the Dev Notes.",
    "2. Tick each checkbox in the story file (`- [ ]` -> `- [x]`) as soon as its work is done.",
    "3. Fill the story's File List with every file you created, modified or deleted.",
    "4. Run the project's tests and fix what your change broke.",
    "5. When everything is done and the tests pass, set the story's `Status:` line to `review`.",
    "",
    "Other stories are being implemented at the same time by other agents. If a write is refused",
    "because another story holds the file or the file changed, read the file again and retry, or",
    "carry on with other files and come back to it.",
    "Never run git (no commit, branch, checkout, merge, rebase, push): the user does that.",
    "Do not start other stories.",
  ].join("\n");
}

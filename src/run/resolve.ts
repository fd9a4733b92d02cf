/**
 * The user's answer to a story's question (the `resolve` action): after a long wait for a
 * file another story holds, `wait`, `yield` (the holder gives the file up now) or `cancel`;
 * after a shell command of the story overwrote another story's change, `keep <story>` (whose
 * version stays) or `cancel`. The rules are here; the engine gives the means.
 */
import { InputError } from "../util/errors.ts";
import type { StoryRun } from "./state.ts";
import { storyNamed } from "./story-settings.ts";

export const CHOICES = ["wait", "yield", "keep", "cancel"] as const;
export type Choice = (typeof CHOICES)[number];

export interface AnswerMeans {
  /** The holder of a file gives it up (its lock released); false when this process holds it not. */
  release(path: string, holder: string): Promise<boolean>;
  /** A version kept in the journal. */
  kept(hash: string): Buffer | undefined;
  /** Puts a story's version of a file back, as that story's write. */
  putBack(path: string, content: Buffer, owner: string): void;
  /** A quiet note in a story's session, read at its next turn. */
  tellStory(key: string, text: string): Promise<void>;
  /** Stops the story. */
  cancel(): Promise<void>;
  /** Saves the run record (the question cleared). */
  save(): void;
}

/** Applies the answer; returns what was done, in words. Throws InputError on a wrong answer. */
export async function answerQuestion(
  story: StoryRun,
  runStories: readonly StoryRun[],
  choice: Choice,
  keepTyped: string | undefined,
  means: AnswerMeans,
): Promise<string> {
  const label = `${story.id} (${story.key})`;
  if (choice === "cancel") {
    await means.cancel();
    return `Story ${label} cancelled: its session aborted, its locks released, its sprint entry put back.`;
  }
  const q = story.question;
  if (!q) throw new InputError(`story ${label} has no open question`);
  const answered = () => {
    story.question = undefined;
    means.save();
  };
  if (choice === "wait" || choice === "yield") {
    if (q.kind !== "contention")
      throw new InputError(
        `${choice} answers a wait for a file; ${label} overwrote one: keep a story's version, or cancel`,
      );
    if (choice === "wait") {
      answered();
      return `Story ${label} goes on waiting for \`${q.path}\`.`;
    }
    // A lock of another process (or one whose owner is unreadable) is not this one's to give.
    if (!(await means.release(q.path, q.other)))
      throw new InputError(
        `\`${q.path}\` is not held by a story of this OpenCode process: it cannot be given up from here; answer wait, or cancel`,
      );
    answered();
    await means.tellStory(
      q.other,
      `[athena-parallel] You gave \`${q.path}\` up to story ${story.key}, which needed it. Read it again before you change it.`,
    );
    return `Story ${q.other} gave \`${q.path}\` up: story ${label} goes on.`;
  }
  if (q.kind !== "clobber")
    throw new InputError(
      `keep answers an overwrite; ${label} waits for a file: wait, yield or cancel`,
    );
  const keep = keepTyped ? storyNamed(runStories, keepTyped)?.key : undefined;
  if (keep !== q.other && keep !== story.key)
    throw new InputError(`keep which version of \`${q.path}\`: ${q.other} or ${story.key}?`);
  if (keep === story.key) {
    answered();
    return `\`${q.path}\` stays as story ${label} left it.`;
  }
  const content = q.kept ? means.kept(q.kept) : undefined;
  if (!content)
    throw new InputError(`story ${q.other}'s version of \`${q.path}\` is not in the journal`);
  means.putBack(q.path, content, q.other);
  answered();
  await means.tellStory(
    story.key,
    `[athena-parallel] Story ${q.other}'s version of \`${q.path}\` was put back over what your command wrote. Read the file again and redo your change on it.`,
  );
  return `Story ${q.other}'s version of \`${q.path}\` is back; story ${label} was told to redo its change on it.`;
}

/**
 * A provider that answers with an empty stream (HTTP 200, no text, no tool call, no finish
 * reason): the real host then ends the step with finish "unknown" and asks again at once, for
 * ever, about ten times a second (measured on opencode-ai 1.18.33). Every step is activity, so
 * the stall watchdog never fires and the story holds its slot until `storyTimeoutMinutes`.
 * Several such answers in a row are a failing provider. Pure: the engine acts.
 */

/** Empty answers in a row that make a failing provider. */
export const EMPTY_ANSWER_LIMIT = 5;

interface MessageInfo {
  id?: unknown;
  role?: unknown;
  finish?: unknown;
  error?: unknown;
  time?: { completed?: unknown };
  tokens?: { output?: unknown; reasoning?: unknown };
}

/** Counts a session's completed empty assistant answers in a row, each message once. */
export class EmptyAnswerWatch {
  private streak = new Set<string>();

  /** Records a `message.updated` info; true when the streak reaches EMPTY_ANSWER_LIMIT. */
  see(info: unknown): boolean {
    const message = (info ?? {}) as MessageInfo;
    if (message.role !== "assistant" || typeof message.id !== "string") return false;
    if (!message.time?.completed) return false; // still streaming: it may say something yet
    if (!isEmpty(message)) {
      this.streak.clear();
      return false;
    }
    const before = this.streak.size;
    this.streak.add(message.id);
    return before < EMPTY_ANSWER_LIMIT && this.streak.size === EMPTY_ANSWER_LIMIT;
  }
}

function isEmpty(message: MessageInfo): boolean {
  return (
    message.finish === "unknown" &&
    message.error === undefined &&
    !message.tokens?.output &&
    !message.tokens?.reasoning
  );
}

/**
 * The stall and loop watchdog's rules. A story's session streams while its agent works
 * (messages, parts, tool calls); one that shows nothing for `stallTimeoutSeconds` is stuck
 * (a hung provider stream, a tool that never returns) and would hold its slot until the story
 * timeout. An agent that makes the same tool call over and over is likely looping. Pure: the
 * engine keeps the clocks and acts.
 */
import type { StoryState } from "./state.ts";

/** Host events that say a session stopped (ended, failed, gone): they show no work going on. */
const STOP_EVENTS: ReadonlySet<string> = new Set([
  "session.idle",
  "session.error",
  "session.deleted",
]);

/**
 * Whether a host event about a story's session shows it alive. Every event does but those that
 * say it stopped: the host streams an answer as `message.part.delta` events (one
 * `message.part.updated` when a part starts, then only deltas), and a host version may add
 * kinds of its own; a list of the known ones took a long answer streamed slowly for a stall.
 */
export function showsActivity(type: string, properties: Record<string, unknown>): boolean {
  if (STOP_EVENTS.has(type)) return false;
  if (type === "session.status")
    return (properties.status as { type?: unknown } | undefined)?.type !== "idle";
  return true;
}

/** The same call this many times in a row is reported. */
export const REPEAT_LIMIT = 5;

/**
 * How long a running story has been quiet, in ms, when that is past the stall timeout;
 * undefined otherwise. Only `running` counts: a story waiting for a lock, or still launching,
 * is quiet for a reason the engine knows; so is one whose session waits for the user's answer
 * (a permission, a question). A timeout of 0 turns the watchdog off.
 */
export function stalledFor(
  story: { record: { state: StoryState }; lastActivity: number; asks?: { size: number } },
  now: number,
  stallTimeoutSeconds: number,
): number | undefined {
  if (stallTimeoutSeconds <= 0 || story.record.state !== "running") return undefined;
  if ((story.asks?.size ?? 0) > 0) return undefined;
  const quiet = now - story.lastActivity;
  return quiet > stallTimeoutSeconds * 1000 ? quiet : undefined;
}

/**
 * The engine's polling period: every 5 s, or often enough to catch a short stall timeout
 * within a quarter of it (never faster than 4 times a second).
 */
export function pollInterval(stallTimeoutSeconds: number): number {
  if (stallTimeoutSeconds <= 0) return 5_000;
  return Math.min(5_000, Math.max(250, (stallTimeoutSeconds * 1000) / 4));
}

/** Counts identical consecutive tool calls of one story. */
export class RepeatWatch {
  private last = "";
  private count = 0;

  /** Records a call; returns the count when it reaches REPEAT_LIMIT (once per streak). */
  see(tool: string, args: unknown): number | undefined {
    const signature = `${tool}\u0000${stableJson(args)}`;
    this.count = signature === this.last ? this.count + 1 : 1;
    this.last = signature;
    return this.count === REPEAT_LIMIT ? this.count : undefined;
  }
}

/** JSON with object keys sorted, so that `{a,b}` and `{b,a}` are the same call. */
function stableJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === "object" && !Array.isArray(v)
      ? Object.fromEntries(
          Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : 1)),
        )
      : v,
  );
}

/**
 * How a story's session ends, read from what the host reports. The real host sends idle
 * before a turn has started, idle twice, an error without an idle (an unknown agent), and an
 * aborted message after a cancel; a provider error that passes (overloaded, a 5xx) deserves
 * another attempt, one that does not (a 4xx, a bad agent) does not. Pure.
 */
import type { LastMessage } from "./host.ts";
import type { EndReason } from "./state.ts";

export type Outcome =
  | { state: "completed" }
  | { state: "failed"; error: string; reason: EndReason };

/**
 * What a session's last assistant message says once the session looks idle: completed, failed,
 * or nothing yet (undefined: no answer since the story started, an answer still streaming, or
 * the abort that a cancel asked for).
 */
export function outcomeOf(
  last: LastMessage | undefined,
  startedAt: string | undefined,
  cancelRequested: boolean,
): Outcome | undefined {
  const started = Date.parse(startedAt ?? "") || 0;
  if (!last || last.createdAt + 1_000 < started) return undefined; // an idle before busy
  if (last.error) {
    if (isAbort(last.error) && cancelRequested) return undefined;
    return { state: "failed", error: last.error, reason: "error" };
  }
  return last.completed ? { state: "completed" } : undefined;
}

/**
 * A story stopped because its provider kept failing, with what the host last said of it (the
 * provider's reason, and the host's attempt): "rate limited" and "upstream unavailable" call
 * for different fixes.
 */
export function providerFailure(
  minutes: number,
  retrying: { attempt?: number; message?: string } | undefined,
): string {
  const said = retrying?.message?.replace(/\s+/g, " ").trim();
  const reason = said && said.length > 300 ? `${said.slice(0, 299)}…` : said;
  const attempt = retrying?.attempt === undefined ? "" : `attempt ${retrying.attempt}`;
  const detail = [attempt, reason].filter(Boolean).join(": ");
  return `the provider kept failing: still retrying after ${minutes} min${detail ? ` (${detail})` : ""}`;
}

/** The host's error for a message the plugin aborted. */
export function isAbort(error: string): boolean {
  return /MessageAbortedError/.test(error);
}

/**
 * A provider error that passes: overloaded, rate-limited, a 5xx, a dropped connection, or a
 * garbled stream (the host's "JSON parsing failed" on a chunk, as a proxy cutting a stream
 * mid-event gives: measured on the real host, it ends the turn like a 4xx would).
 */
const TRANSIENT_ERROR =
  /\b(5\d\d|429|rate.?limit\w*|overloaded|temporar\w+|unavailable|timed?.?out|ECONN\w+|socket hang up|JSON pars(e|ing) (failed|error))\b/i;

/**
 * True when a failure may pass on another attempt: the story stalled, its provider kept
 * failing, or the session's error is a passing one. Budgets, timeouts, bad agents, 4xx errors
 * and cancels are final.
 */
export function mayPass(reason: EndReason | undefined, error: string | undefined): boolean {
  return (
    reason === "stalled" ||
    reason === "provider" ||
    (reason === "error" && TRANSIENT_ERROR.test(error ?? ""))
  );
}

/** The session an event is about: its own field, or its message's or part's. */
export function sessionOf(props: Record<string, unknown>): string | undefined {
  const from = (value: unknown) =>
    value &&
    typeof value === "object" &&
    typeof (value as { sessionID?: unknown }).sessionID === "string"
      ? (value as { sessionID: string }).sessionID
      : undefined;
  return typeof props.sessionID === "string"
    ? props.sessionID
    : (from(props.info) ?? from(props.part));
}

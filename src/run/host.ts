/**
 * What the run layer needs from the host (OpenCode), kept small so that a fake host can stand
 * in for it in tests. `OpencodeHost` (host-opencode.ts) implements it over the SDK client.
 */
import type { MessageUsage } from "./usage.ts";

/** As the host reports a session: `missing` when it no longer exists. */
export type SessionState = "busy" | "retry" | "idle" | "missing";

/**
 * A session the host is working on. While it retries a failing provider the host says why, in
 * the provider's words ("Rate limited", "upstream unavailable"), and which attempt it is on.
 */
export type BusyStatus = { type: "busy" } | { type: "retry"; attempt?: number; message?: string };

export interface HostSessions {
  /**
   * The state of a session. The real host lists only non-idle sessions in its status, so an
   * absent session is idle if it still exists, and `missing` if it was deleted.
   */
  sessionState(sessionId: string): Promise<SessionState>;
}

export interface TodoItem {
  content: string;
  status: string;
}

/** The last assistant message of a session, as far as completion is concerned. */
export interface LastMessage {
  createdAt: number;
  completed: boolean;
  /** The error the host attached to it (provider error, aborted, ...). */
  error?: string;
  text?: string;
}

export interface StartWork {
  /** The session's first user message. */
  text: string;
  /** Or a slash command of the host, run with these arguments. */
  command?: { name: string; arguments: string };
  agent?: string;
  /** `provider/model`. */
  model?: string;
  /** Tools turned off for this session (the child must not start runs of its own). */
  disabledTools?: string[];
}

export interface Host extends HostSessions {
  createChildSession(parentId: string | undefined, title: string): Promise<string>;
  /** Starts work in a session and returns at once (the host answers 204). */
  startWork(sessionId: string, work: StartWork): Promise<void>;
  /** Sessions that are not idle, with their state (the host omits idle ones). */
  busySessions(): Promise<Map<string, BusyStatus>>;
  abort(sessionId: string): Promise<boolean>;
  todos(sessionId: string): Promise<TodoItem[]>;
  lastAssistantMessage(sessionId: string): Promise<LastMessage | undefined>;
  /** Tokens and cost of each assistant message of a session (the fallback to events). */
  sessionUsage(sessionId: string): Promise<MessageUsage[]>;
  /** The names of the host's slash commands. */
  commands(): Promise<string[]>;
  /** The models the host can run, as `provider/model`. */
  models(): Promise<string[]>;
  /** The names of the host's agents. */
  agents(): Promise<string[]>;
  toast(message: string, variant: "info" | "success" | "warning" | "error"): Promise<void>;
  /** Posts a message to a session: quietly (stored, no model turn) or waking it. */
  postMessage(sessionId: string, text: string, options: { wake: boolean }): Promise<void>;
}

/** A host call that failed: the message says which call and why. */
export class HostError extends Error {
  override readonly name = "HostError";
}

/** `APIError: 400 Bad Request` from the error objects the host attaches to messages and events. */
export function describeHostError(error: unknown): string | undefined {
  if (typeof error === "string") return error || undefined;
  if (!error || typeof error !== "object") return undefined;
  const e = error as { name?: string; data?: { message?: string } };
  return [e.name, e.data?.message].filter(Boolean).join(": ") || JSON.stringify(error);
}

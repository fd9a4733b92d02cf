/**
 * What the run layer needs from the host (OpenCode), kept small so that a fake host can stand
 * in for it in tests. Recovery needs only to ask about sessions; the live run adds the rest.
 */

/** As the host reports a session: `missing` when it no longer exists. */
export type SessionState = "busy" | "retry" | "idle" | "missing";

export interface HostSessions {
  /**
   * The state of a session. The real host lists only non-idle sessions in its status, so an
   * absent session is idle if it still exists, and `missing` if it was deleted.
   */
  sessionState(sessionId: string): Promise<SessionState>;
}

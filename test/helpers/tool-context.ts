/**
 * The context the host gives a tool call, for calling the plugin's tool directly: the tests'
 * harness, the worker processes and the benches share it (no vitest here: workers import it).
 */
import type { ToolContext } from "@opencode-ai/plugin";

export function toolContext(root: string, sessionID = "ses_parent"): ToolContext {
  return {
    sessionID,
    messageID: "msg",
    agent: "build",
    directory: root,
    worktree: root,
    abort: new AbortController().signal,
    metadata: () => {},
    ask: async () => {},
  };
}

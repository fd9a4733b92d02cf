/**
 * What the real-host test files share: the demo's stories at a given pace, one scenario per
 * test stopped after it whatever happens (every process by its PID), and what the plugin said.
 */
import { afterEach } from "vitest";
import type { StoryScript } from "../../harness/agent-script.ts";
import { demoStories } from "../../harness/demo-stories.ts";
import { killAll } from "../../harness/opencode.ts";
import { type Scenario, scenario } from "../../harness/scenario.ts";
import type { RunRecord } from "../../src/run/state.ts";

export { signal } from "../helpers/signal.ts";

/** The demo's stories, each ending after `finishAfterMs` (a retried attempt after its own). */
export const stories = (
  finishAfterMs: number,
  overrides: Record<string, Partial<StoryScript>> = {},
  retryFinishAfterMs?: number,
) =>
  demoStories(
    { finishAfterMs, ...(retryFinishAfterMs !== undefined ? { retryFinishAfterMs } : {}) },
    overrides,
  );

/** A `start` that starts a scenario and remembers it, so that it is stopped after the test. */
export function scenarioPerTest(): (options: Parameters<typeof scenario>[0]) => Promise<Scenario> {
  let current: Scenario | undefined;
  afterEach(async () => {
    await current?.stop();
    current = undefined;
    killAll();
  });
  return async (options) => {
    current = await scenario(options);
    return current;
  };
}

/** The run id an execute's output starts with. */
export const runIdOf = (output: string) => /^Run (run-\S+) started/.exec(output)?.[1] ?? "";

export const storyOf = (run: RunRecord | undefined, key: string) =>
  run?.stories.find((st) => st.key === key);

/** The quiet notes the plugin left in a session (the parent by default), in order. */
export async function notes(s: Scenario, session = s.parent): Promise<string[]> {
  const messages = await s.host.api<
    Array<{ info: { role: string }; parts: Array<{ type: string; text?: string }> }>
  >("GET", `/session/${session}/message`);
  return messages
    .filter((m) => m.info.role === "user")
    .flatMap((m) => m.parts.flatMap((p) => (p.type === "text" ? [p.text ?? ""] : [])))
    .filter((t) => t.startsWith("[athena-parallel"));
}

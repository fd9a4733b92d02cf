/**
 * The user's choice on contention (issue 9, part 5): a long wait for another story's file, or
 * a shell command that overwrote another story's change, becomes a question in status and to
 * the parent; `resolve` answers it.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { answerQuestion } from "../src/run/resolve.ts";
import type { StoryRun } from "../src/run/state.ts";
import { parseCommandArgs } from "../src/tool/command-args.ts";
import {
  clobberScenario,
  harness,
  projectWith,
  signal,
  sprintText,
} from "./helpers/athena-harness.ts";

const shared = [
  { key: "1-1-a", writes: ["src/shared.ts"] },
  { key: "1-2-b", writes: ["src/shared.ts"] },
];

/** Resolves once `check` holds, checking every 20 ms (no fixed wait). */
async function until(check: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 500; i++) {
    if (check()) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`never: ${what}`);
}

/** 1-1-a takes src/shared.ts and keeps it until `release`; 1-2-b then waits for it. */
function contention(noticeSeconds = 0.2) {
  const root = projectWith(shared, {
    parallel: { contentionNoticeSeconds: noticeSeconds, conflictStrategy: "manual" },
  });
  const done = signal();
  const h = harness(root, (_w, key) => ({
    ms: 50,
    work: async (session) => {
      if (key === "1-1-a") {
        await h.agent.write(session, "src/shared.ts", "by a\n");
        await done.fired;
      } else {
        await until(() => h.athena.locks.heldBy("1-1-a").length > 0, "a holds the file");
        await h.agent.write(session, "src/shared.ts", "by b\n");
      }
    },
  }));
  const asked = () =>
    h.athena.engine.runsLive()[0]?.stories.find((s) => s.key === "1-2-b")?.question;
  return { root, h, done, asked };
}

describe("answering a wait", () => {
  it("refuses yield for a lock this process does not hold, and leaves the question open", async () => {
    const story = {
      id: "1.2",
      key: "1-2-b",
      question: { kind: "contention", path: "src/x.ts", other: "1-1-a", askedAt: "t" },
    } as unknown as StoryRun;
    const means = {
      release: async () => false,
      kept: () => undefined,
      putBack: () => {},
      tellStory: async () => {},
      cancel: async () => {},
      save: () => {},
    };
    await expect(answerQuestion(story, [story], "yield", undefined, means)).rejects.toThrow(
      "`src/x.ts` is not held by a story of this OpenCode process: it cannot be given up from here; answer wait, or cancel",
    );
    expect(story.question).toBeDefined();
  });
});

describe("a long wait for another story's file", () => {
  it("lets a wait status shows be answered before the parent is asked about it", async () => {
    const { h, done } = contention(600);
    await h.call({ action: "execute", storyIds: ["1-1-a", "1-2-b"] });
    const storyB = () => h.athena.engine.runsLive()[0]?.stories.find((s) => s.key === "1-2-b");
    await until(() => storyB()?.state === "waiting-lock", "b waits");
    const answer = await h.call({ command: "resolve 1.2 yield" });
    expect(answer.output).toBe("Story 1-1-a gave `src/shared.ts` up: story 1.2 (1-2-b) goes on.");
    await until(() => storyB()?.state !== "waiting-lock", "b goes on");
    done.fire();
  });

  it("asks in status and to the parent; yield lets the waiting story go on", async () => {
    const { h, done, asked } = contention();
    const started = await h.call({ action: "execute", storyIds: ["1-1-a", "1-2-b"] });
    await until(() => asked() !== undefined, "a question");
    expect(asked()).toMatchObject({ kind: "contention", path: "src/shared.ts", other: "1-1-a" });
    const status = (await h.call({ action: "status" })).output;
    expect(status).toContain(
      "- 1.2 `1-2-b` waits for `src/shared.ts`, held by 1-1-a: /athena-parallel resolve 1.2 wait|yield|cancel",
    );
    expect(h.host.notes.some((n) => /resolve 1\.2 <choice>: `wait`/.test(n.text))).toBe(true);

    const answer = await h.call({ command: "resolve 1.2 yield" });
    expect(answer.output).toBe("Story 1-1-a gave `src/shared.ts` up: story 1.2 (1-2-b) goes on.");
    // b writes and finishes while a still runs; a is told to read the file again.
    await until(
      () =>
        h.athena.engine.runsLive()[0]?.stories.find((s) => s.key === "1-2-b")?.state ===
        "completed",
      "b completes",
    );
    const aSession = h.athena.engine.runsLive()[0]?.stories[0]?.sessionId;
    expect(h.host.notes.find((n) => n.session === aSession)?.text).toContain(
      "You gave `src/shared.ts` up to story 1-2-b",
    );
    done.fire();
    const ended = await h.athena.engine.waitFor(started.metadata.run?.id ?? "");
    expect(ended.stories.map((s) => s.state)).toEqual(["completed", "completed"]);
  });

  it("under manual, asks about a file's first contention at once, whatever the notice time", async () => {
    const { h, done, asked } = contention(600);
    const started = await h.call({ action: "execute", storyIds: ["1-1-a", "1-2-b"] });
    await until(() => asked() !== undefined, "a question");
    expect(asked()).toMatchObject({ kind: "contention", path: "src/shared.ts" });
    await h.call({ command: "resolve 1.2 yield" });
    done.fire();
    await h.athena.engine.waitFor(started.metadata.run?.id ?? "");
  });

  it("wait clears the question and keeps waiting; cancel stops the waiting story", async () => {
    const { h, done, asked, root } = contention();
    const before = sprintText(root);
    const started = await h.call({ action: "execute", storyIds: ["1-1-a", "1-2-b"] });
    await until(() => asked() !== undefined, "a question");
    expect((await h.call({ command: "resolve 1-2-b wait" })).output).toBe(
      "Story 1.2 (1-2-b) goes on waiting for `src/shared.ts`.",
    );
    expect(asked()).toBeUndefined();
    // Still waiting: `wait` again is answered the same; a story that waits for nothing has no
    // question to answer.
    expect((await h.call({ command: "resolve 1.2 wait" })).output).toBe(
      "Story 1.2 (1-2-b) goes on waiting for `src/shared.ts`.",
    );
    expect((await h.call({ command: "resolve 1.1 wait" })).output).toContain(
      "story 1.1 (1-1-a) has no open question",
    );
    expect((await h.call({ command: "resolve 1.2 cancel" })).output).toContain(
      "Story 1.2 (1-2-b) cancelled",
    );
    done.fire();
    const ended = await h.athena.engine.waitFor(started.metadata.run?.id ?? "");
    expect(ended.stories.map((s) => [s.key, s.state])).toEqual([
      ["1-1-a", "completed"],
      ["1-2-b", "cancelled"],
    ]);
    expect(sprintText(root)).toBe(before.replace("1-1-a: ready-for-dev", "1-1-a: review"));
  });
});

describe("a shell command that overwrote another story's change", () => {
  it("asks; keep <the other story> puts its version back and tells the one that overwrote it", async () => {
    const answered = signal();
    const { root, h, runId } = await clobberScenario({ ms: 50, bHolds: answered.fired });
    const b = () => h.athena.engine.runsLive()[0]?.stories.find((s) => s.key === "1-2-b");
    await until(() => b()?.question !== undefined, "a question");
    expect(b()?.question).toMatchObject({ kind: "clobber", path: "NOTES.md", other: "1-1-a" });
    expect((await h.call({ action: "status" })).output).toContain(
      "- 1.2 `1-2-b` overwrote 1-1-a's change of `NOTES.md`: /athena-parallel resolve 1.2 keep 1-1-a|keep 1-2-b|cancel",
    );
    expect((await h.call({ command: "resolve 1.2 yield" })).output).toContain(
      "yield answers a wait for a file",
    );
    expect((await h.call({ command: "resolve 1.2 keep 9.9" })).output).toContain(
      "keep which version of `NOTES.md`: 1-1-a or 1-2-b?",
    );
    const answer = await h.call({ command: "resolve 1.2 keep 1.1" });
    expect(answer.output).toBe(
      "Story 1-1-a's version of `NOTES.md` is back; story 1.2 (1-2-b) was told to redo its change on it.",
    );
    expect(readFileSync(path.join(root, "NOTES.md"), "utf8")).toBe("# Notes\nfrom a\n");
    expect(h.host.notes.find((n) => n.session === b()?.sessionId)?.text).toContain(
      "Story 1-1-a's version of `NOTES.md` was put back over what your command wrote",
    );
    answered.fire();
    await h.athena.engine.waitFor(runId);
  });
});

describe("the resolve command's words", () => {
  it("parses the story, the choice, whose version to keep and the run", () => {
    expect(parseCommandArgs("resolve 1.2 keep 1.1 --run run-20260101-000000-abcdef")).toEqual({
      action: "resolve",
      storyIds: ["1.2", "1.1"],
      choice: "keep",
      runId: "run-20260101-000000-abcdef",
    });
    expect(parseCommandArgs("resolve 1.2 yield")).toEqual({
      action: "resolve",
      storyIds: ["1.2"],
      choice: "yield",
    });
    expect(() => parseCommandArgs("resolve 1.2 maybe")).toThrow(
      /usage: resolve <story> wait\|yield\|cancel\|keep <story>/,
    );
  });
});

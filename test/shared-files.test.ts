/**
 * `sharedFiles` at run time: the plan lets two stories that both add a dependency run
 * together, so their writes of package.json take turns per write, not per story; a source
 * file keeps its lock until its story ends, and a stale copy of a shared file is still refused.
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { EXCLUSIVE_COMMANDS_LOCK } from "../src/athena.ts";
import { harness, projectWith, SPRINT_FILE, signal } from "./helpers/athena-harness.ts";

const PACKAGE = '{\n  "dependencies": {\n    "zod": "4.0.0"\n  }\n}\n';

/**
 * Two stories: a writes `file` (with `write`) and stays running until released; b then writes
 * the same file. Returns what b was told (undefined: written) and the file at the end.
 */
async function bAfterA(
  file: string,
  write: (
    h: ReturnType<typeof harness>,
    session: string,
    key: string,
  ) => Promise<string | undefined>,
  /** Adds to the project before the run (done stories, say). */
  prepare: (root: string) => void = () => {},
) {
  const root = projectWith(
    [
      { key: "1-1-a", writes: ["src/a.ts"] },
      { key: "1-2-b", writes: ["src/b.ts"] },
    ],
    // One second's wait, then a refusal: the test never waits longer than that for a lock.
    { parallel: { conflictStrategy: "manual", lockWaitSeconds: 1 } },
  );
  mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
  writeFileSync(path.join(root, file), PACKAGE);
  prepare(root);
  const aWrote = signal();
  const bDone = signal();
  const told: Record<string, string | undefined> = {};
  const h = harness(root, (_w, key) => ({
    ms: 0,
    work: async (session) => {
      if (key === "1-2-b") await aWrote.fired;
      told[key] = await write(h, session, key);
      if (key === "1-1-a") {
        aWrote.fire();
        await bDone.fired; // a is still running while b writes
      } else bDone.fire();
    },
  }));
  const started = await h.call({ action: "execute", storyIds: ["1.1", "1.2"] });
  const ended = await h.athena.engine.waitFor(started.metadata.run?.id ?? "");
  expect(ended.stories.map((s) => s.state)).toEqual(["completed", "completed"]);
  return { told, text: readFileSync(path.join(root, file), "utf8"), ended, h, root };
}

/**
 * One story, 1.1, running until `end` (its session's hooks called by the test itself), in a
 * project with a package.json.
 */
async function oneStoryRunning() {
  const root = projectWith([{ key: "1-1-a", writes: ["src/a.ts"] }]);
  writeFileSync(path.join(root, "package.json"), PACKAGE);
  const working = signal();
  const done = signal();
  let session = "";
  const h = harness(root, () => ({
    ms: 0,
    work: async (s) => {
      session = s;
      working.fire();
      await done.fired;
    },
  }));
  const started = await h.call({ action: "execute", storyIds: ["1.1"] });
  await working.fired;
  const end = async () => {
    done.fire();
    await h.athena.engine.waitFor(started.metadata.run?.id ?? "");
  };
  return { h, root, session, end };
}

/**
 * Done stories of epic 2 (the `from`-th to the `to`-th), each with a File List naming `file`:
 * from ten on, the history finds it hot (most stories write it).
 */
function doneStoriesWriting(file: string, to = 10, from = 0) {
  return (root: string) => {
    const numbers = Array.from({ length: to - from }, (_, i) => from + i + 1);
    const sprint = path.join(root, SPRINT_FILE);
    writeFileSync(
      sprint,
      `${readFileSync(sprint, "utf8")}${from === 0 ? "  epic-2: done\n" : ""}${numbers.map((n) => `  2-${n}-done-${n}: done`).join("\n")}\n`,
    );
    for (const n of numbers) {
      writeFileSync(path.join(root, `src/own-${n}.ts`), "export {};\n");
      writeFileSync(
        path.join(root, path.dirname(SPRINT_FILE), `2-${n}-done-${n}.md`),
        `# Story 2.${n}: done ${n}\n\nStatus: done\n\n## Tasks / Subtasks\n\n- [x] Register it\n\n## Dev Agent Record\n\n### File List\n\n- \`${file}\`\n- \`src/own-${n}.ts\`\n`,
      );
    }
  };
}

/** A story's edit that adds its own dependency. */
const addDependency = (file: string) => (h: ReturnType<typeof harness>, s: string, key: string) =>
  h.agent.edit(s, file, '"dependencies": {\n', `"dependencies": {\n    "${key}": "1.0.0",\n`);

describe("a shared file at run time", () => {
  it("is let go once a story's edit is written: another running story edits it at once", async () => {
    const { told, text } = await bAfterA("package.json", addDependency("package.json"));
    expect(told).toEqual({ "1-1-a": undefined, "1-2-b": undefined });
    expect(text).toContain('"1-1-a": "1.0.0"');
    expect(text).toContain('"1-2-b": "1.0.0"');
  });

  it("is not reverted for a story another changed it after, while it ran: that would undo both", async () => {
    const { h, root, ended } = await bAfterA("package.json", addDependency("package.json"));
    const read = () => readFileSync(path.join(root, "package.json"), "utf8");
    const both = read();
    // b's edit came after a's first and before a ended: a's version before holds neither.
    const refused = await h.call({ action: "revert", storyIds: ["1.1"], runId: ended.id });
    expect(refused.output).toContain(
      `\`package.json\`: story 1-2-b (run ${ended.id}) changed it too while this story did`,
    );
    expect(read()).toBe(both);
    // Its diff says that it holds the other story's change too.
    const diff = await h.call({ action: "diff", storyIds: ["1.1"], runId: ended.id });
    expect(diff.output).toContain(
      `(story 1-2-b (run ${ended.id}) changed it too meanwhile: this diff holds that change as well)`,
    );
    // a's last change came before b's first: b's version before holds a's change, kept.
    const reverted = await h.call({ action: "revert", storyIds: ["1.2"], runId: ended.id });
    expect(reverted.output).toContain("put back as they were before it");
    expect(read()).toContain('"1-1-a": "1.0.0"');
    expect(read()).not.toContain('"1-2-b"');
  });

  it("is let go after a shell command that wrote it", async () => {
    const { told, text } = await bAfterA("package.json", (h, s, key) =>
      h.agent.bash(s, `sed -i 's/"zod"/"${key}": "1.0.0",\\n    "zod"/' package.json`),
    );
    expect(told).toEqual({ "1-1-a": undefined, "1-2-b": undefined });
    expect(text).toContain('"1-1-a": "1.0.0"');
    expect(text).toContain('"1-2-b": "1.0.0"');
  });

  it("still refuses a stale copy written whole over another story's change, and lets it go", async () => {
    let heldAfterRefusal: string[] = [];
    const { told, text } = await bAfterA("package.json", async (h, s, key) => {
      if (key === "1-2-b") {
        // b read the file before a's change, and writes its copy back whole.
        const refused = await h.agent.write(s, "package.json", PACKAGE.replace("zod", key));
        // Refused once its lock was taken: no after hook comes, and the lock is let go.
        heldAfterRefusal = h.athena.locks.heldBy("1-2-b");
        return refused;
      }
      return addDependency("package.json")(h, s, key);
    });
    expect(told["1-2-b"]).toMatch(/^Not written: story 1-1-a changed `package.json`/);
    expect(text).toContain('"1-1-a": "1.0.0"');
    expect(heldAfterRefusal).not.toContain("package.json");
  });

  it("differs from a source file, whose lock is held until its story ends", async () => {
    const { told, text } = await bAfterA("src/shared.ts", addDependency("src/shared.ts"));
    expect(told["1-2-b"]).toMatch(/^Not written: `src\/shared.ts` is being changed by story 1-1-a/);
    expect(text).not.toContain("1-2-b");
  });

  it("is held per write when the history finds most stories write it (a hot file)", async () => {
    const { told, text, ended } = await bAfterA(
      "src/registry.ts",
      addDependency("src/registry.ts"),
      doneStoriesWriting("src/registry.ts"),
    );
    expect(told).toEqual({ "1-1-a": undefined, "1-2-b": undefined });
    expect(text).toContain('"1-1-a": "1.0.0"');
    expect(text).toContain('"1-2-b": "1.0.0"');
    // What made it so: the run's plan learned the file is hot.
    expect((ended.plan as { hotFiles?: string[] }).hotFiles).toEqual(["src/registry.ts"]);
  });

  it("is held per write only for the stories of a run whose own plan found it hot", async () => {
    // Run 1 is planned with nine done stories (nothing hot yet), run 2 after a tenth.
    const root = projectWith(
      [
        { key: "1-1-a", writes: ["src/a.ts"] },
        { key: "1-2-b", writes: ["src/b.ts"] },
      ],
      { parallel: { conflictStrategy: "manual" } },
    );
    mkdirSync(path.join(root, "src"), { recursive: true });
    writeFileSync(path.join(root, "src/registry.ts"), PACKAGE);
    doneStoriesWriting("src/registry.ts", 9)(root);
    const sessions: Record<string, string> = {};
    const working = { "1-1-a": signal(), "1-2-b": signal() };
    const done = signal();
    const h = harness(root, (_w, key) => ({
      ms: 0,
      work: async (session) => {
        sessions[key] = session;
        working[key as keyof typeof working].fire();
        await done.fired;
      },
    }));
    const first = await h.call({ action: "execute", storyIds: ["1.1"] });
    await working["1-1-a"].fired;
    doneStoriesWriting("src/registry.ts", 10, 9)(root);
    const second = await h.call({ action: "execute", storyIds: ["1.2"] });
    await working["1-2-b"].fired;
    const plans = h.athena.engine
      .runsLive()
      .map((r) => (r.plan as { hotFiles?: string[] }).hotFiles);
    expect(plans).toEqual([undefined, ["src/registry.ts"]]);
    const edit = async (key: string, callID: string) => {
      const call = { tool: "edit", sessionID: sessions[key] ?? "", callID };
      const args = {
        filePath: path.join(root, "src/registry.ts"),
        oldString: "zod",
        newString: "zod",
      };
      await h.athena.hooks["tool.execute.before"]?.(call, { args });
      await h.athena.hooks["tool.execute.after"]?.(
        { ...call, args },
        { title: "", output: "", metadata: {} },
      );
    };
    // Story 1.1's run counts on the lock to its end; story 1.2's lets go after each write.
    await edit("1-1-a", "c1");
    expect(h.athena.locks.heldBy("1-1-a")).toContain("src/registry.ts");
    await h.athena.locks.release("src/registry.ts", "1-1-a");
    await edit("1-2-b", "c2");
    expect(h.athena.locks.heldBy("1-2-b")).not.toContain("src/registry.ts");
    done.fire();
    for (const run of [first, second]) await h.athena.engine.waitFor(run.metadata.run?.id ?? "");
  });

  it("stays held while another of the story's writes of it still runs", async () => {
    const { h, root, session, end } = await oneStoryRunning();
    const hooks = h.athena.hooks;
    const args = { filePath: path.join(root, "package.json"), oldString: "zod", newString: "x" };
    const call = (callID: string) => ({ tool: "edit", sessionID: session, callID });
    // Two edits of the file in one message, as a model may send them: both before hooks first.
    await hooks["tool.execute.before"]?.(call("c1"), { args });
    await hooks["tool.execute.before"]?.(call("c2"), { args });
    const output = { title: "", output: "", metadata: {} };
    await hooks["tool.execute.after"]?.({ ...call("c1"), args }, output);
    expect(h.athena.locks.heldBy("1-1-a")).toContain("package.json");
    await hooks["tool.execute.after"]?.({ ...call("c2"), args }, output);
    expect(h.athena.locks.heldBy("1-1-a")).not.toContain("package.json");
    await end();
  });

  it("is let go when the write that took it fails: the host's error on its part, not an after hook", async () => {
    const { h, root, session, end } = await oneStoryRunning();
    const args = { filePath: path.join(root, "package.json"), oldString: "absent", newString: "x" };
    await h.athena.hooks["tool.execute.before"]?.(
      { tool: "edit", sessionID: session, callID: "c1" },
      { args },
    );
    expect(h.athena.locks.heldBy("1-1-a")).toContain("package.json");
    const failed = (status: string, callID = "c1") => ({
      type: "message.part.updated",
      properties: { part: { type: "tool", sessionID: session, callID, state: { status } } },
    });
    // Another call's error, or this one still running, lets nothing go.
    await h.athena.hooks.event?.({ event: failed("error", "c9") as never });
    await h.athena.hooks.event?.({ event: failed("running") as never });
    expect(h.athena.locks.heldBy("1-1-a")).toContain("package.json");
    await h.athena.hooks.event?.({ event: failed("error") as never });
    expect(h.athena.locks.heldBy("1-1-a")).not.toContain("package.json");
    // So does a failed package install hand the exclusive-commands lock on.
    await h.athena.hooks["tool.execute.before"]?.(
      { tool: "bash", sessionID: session, callID: "c2" },
      { args: { command: "npm install left-pad", description: "install" } },
    );
    expect(h.athena.locks.heldBy("1-1-a")).toContain(EXCLUSIVE_COMMANDS_LOCK);
    await h.athena.hooks.event?.({ event: failed("error", "c2") as never });
    expect(h.athena.locks.heldBy("1-1-a")).not.toContain(EXCLUSIVE_COMMANDS_LOCK);
    await end();
  });
});

/**
 * End to end on the real OpenCode server (the pinned `opencode-ai` package), offline, with the
 * scripted model. Each test starts its own host and stops it by PID.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { describe, expect, it } from "vitest";
import { DEMO_KEYS } from "../../harness/demo-stories.ts";
import { locksLeft, SPRINT } from "../../harness/scenario.ts";
import { formatCost, formatCount } from "../../src/run/usage.ts";
import { notes, scenarioPerTest, signal, stories } from "./real-host.ts";

const KEYS = DEMO_KEYS;
const start = scenarioPerTest();

describe("the plugin on the real OpenCode host", () => {
  it("lists the tool and the command, and plans through /athena-parallel --dry-run", async () => {
    const s = await start({ stories: stories(0) });
    expect(await s.host.api<string[]>("GET", "/experimental/tool/ids")).toContain(
      "athena_parallel",
    );
    const commands = await s.host.api<Array<{ name: string }>>("GET", "/command");
    expect(commands.map((c) => c.name)).toContain("athena-parallel");
    const output = await s.command("--dry-run");
    expect(output).toContain("# athena-parallel plan: 6 stories");
    expect(output).toContain(
      "**file** (blocks, 85% sure) 1.2 (1-2-catalog-api) <-> 1.4 (1-4-orders-api): both write `src/server/routes.ts`",
    );
    expect(output).toContain("## Schedule");
    const { readFileSync } = await import("node:fs");
    expect(s.sprint()).toBe(
      readFileSync(`${import.meta.dirname}/../../fixtures/demo-project/${SPRINT}`, "utf8"),
    );
  }, 120_000);

  it("runs six stories under a cap of three, keeps the conflicting pair apart, and reports", async () => {
    const s = await start({ stories: stories(2_500) });
    const original = s.sprint();
    const started = await s.command(
      `${KEYS.map((k) => k.split("-").slice(0, 2).join(".")).join(" ")} --cap 3 --strategy coordinate`,
    );
    expect(started).toMatch(
      /^Run run-\S+ started: 6 stories, at most 3 at once, strategy coordinate\./,
    );
    expect(s.sprint()).toBe(original.replaceAll(": ready-for-dev", ": in-progress"));

    let maxBusy = 0;
    let together = 0;
    let statusOutput = "";
    let estimated = "";
    const other = (await s.host.api<{ id: string }>("POST", "/session", { title: "observer" })).id;
    while (s.run()?.state === "running") {
      const busy = await s.busyChildren();
      maxBusy = Math.max(maxBusy, busy.length);
      if (busy.length >= 2) together++;
      const titles = busy.map((b) => b.title);
      expect(
        titles.some((t) => t.startsWith("Story 1.2:")) &&
          titles.some((t) => t.startsWith("Story 1.4:")),
      ).toBe(false);
      const run = s.run();
      if (
        !statusOutput &&
        run?.stories.some((st) => st.state === "running") &&
        run.stories.some((st) => st.state !== "running")
      ) {
        statusOutput = await s.command("status", other);
      }
      if (
        !estimated &&
        run?.stories.some((st) => st.state === "completed") &&
        run.stories.some((st) => st.state !== "completed")
      ) {
        estimated = await s.command("status", other);
      }
      await sleep(100);
    }
    const run = await s.waitForRun((r) => r.state !== "running");
    expect(run.state).toBe("completed");
    expect(run.stories.map((st) => st.state)).toEqual(KEYS.map(() => "completed"));
    expect(maxBusy).toBeLessThanOrEqual(3);
    expect(s.model.maxTaggedInFlight).toBeLessThanOrEqual(3);
    expect(together).toBeGreaterThan(0);
    expect(s.model.maxTaggedInFlight).toBeGreaterThanOrEqual(2);
    // The conflicting pair, from the record: one strictly after the other.
    const [a, b] = ["1-2-catalog-api", "1-4-orders-api"].map((k) =>
      run.stories.find((st) => st.key === k),
    );
    const [first, second] =
      Date.parse(a?.startedAt ?? "") < Date.parse(b?.startedAt ?? "") ? [a, b] : [b, a];
    expect(Date.parse(second?.startedAt ?? "")).toBeGreaterThanOrEqual(
      Date.parse(first?.endedAt ?? ""),
    );
    // 1.6 depends on 1.1.
    const [base, dependent] = ["1-1-catalog-model", "1-6-daily-report"].map((k) =>
      run.stories.find((st) => st.key === k),
    );
    expect(Date.parse(dependent?.startedAt ?? "")).toBeGreaterThanOrEqual(
      Date.parse(base?.endedAt ?? ""),
    );

    expect(statusOutput).toMatch(/\| running \|/);
    expect(statusOutput).toMatch(/\| (queued|waiting-deps|waiting-conflict) \|/);
    expect(estimated).toMatch(/### Run run-\S+: running, about \d+(s|m\d\ds) left/);

    expect(s.sprint()).toBe(original.replaceAll(": ready-for-dev", ": review"));
    for (const key of KEYS) {
      const story = s.file(`_bmad-output/implementation-artifacts/${key}.md`);
      expect(story).not.toContain("- [ ]");
      expect(story).toContain("Status: review");
    }
    expect(s.file("src/server/routes.ts")).toContain("written for story");
    expect(locksLeft(s.root)).toEqual([]);
    expect(run.stories.find((st) => st.key === "1-2-catalog-api")?.wroteFiles.sort()).toEqual(
      [
        "_bmad-output/implementation-artifacts/1-2-catalog-api.md",
        "src/catalog/api.ts",
        "src/server/routes.ts",
      ].sort(),
    );

    // The run's record says it ended before its summary is posted (the combined tests run
    // first): wait for the summary, as a user reading the session would.
    const summary = `[athena-parallel] Run ${run.id} ended: completed.`;
    await expect
      .poll(async () => (await notes(s)).some((t) => t.startsWith(summary)), { timeout: 30_000 })
      .toBe(true);
    const texts = await notes(s);
    expect(texts.filter((t) => t.startsWith(`[athena-parallel ${run.id}] Story `))).toHaveLength(6);
    expect(texts.filter((t) => t.startsWith(summary))).toHaveLength(1);
  }, 180_000);

  it("reports a story whose provider fails with the provider's error, restores its sprint entry; diff and revert the other", async () => {
    const s = await start({
      stories: stories(200, { "1-3-search": { outcome: "provider-400" } }),
    });
    await s.command("1.3 1.5 --strategy manual");
    const run = await s.waitForRun((r) => r.state !== "running");
    const failed = run.stories.find((st) => st.key === "1-3-search");
    expect(failed?.state).toBe("failed");
    expect(failed?.errors.join(" ")).toContain("context length exceeded");
    expect(run.stories.find((st) => st.key === "1-5-pricing")?.state).toBe("completed");
    expect(s.sprint()).toContain("1-3-search: ready-for-dev");
    expect(s.sprint()).toContain("1-5-pricing: review");

    // What 1.5 changed, from the journal, although both stories shared one tree; then undone.
    const diff = await s.command("diff 1.5");
    expect(diff).toContain(`# Story 1-5-pricing, run ${run.id}: 2 files changed`);
    expect(diff).toContain(
      "--- /dev/null\n+++ b/src/pricing/rules.ts\n@@ -0,0 +1,2 @@\n+// src/pricing/rules.ts: written for story 1-5-pricing",
    );
    expect(diff).toContain("-Status: ready-for-dev\n+Status: review");
    const reverted = await s.command("revert 1.5");
    expect(reverted).toContain("put back as they were before it");
    const { existsSync, readFileSync } = await import("node:fs");
    expect(existsSync(`${s.root}/src/pricing/rules.ts`)).toBe(false);
    // The next steps revert names, typed in OpenCode: the file's versions, the sprint entry back.
    expect(await s.command("versions src/pricing/rules.ts")).toContain("story 1-5-pricing (run ");
    expect(await s.command("mark 1.5 ready-for-dev --force")).toContain(
      "1-5-pricing: review -> ready-for-dev",
    );
    expect(s.sprint()).toContain("1-5-pricing: ready-for-dev");
    expect(s.file("_bmad-output/implementation-artifacts/1-5-pricing.md")).toBe(
      readFileSync(
        `${import.meta.dirname}/../../fixtures/demo-project/_bmad-output/implementation-artifacts/1-5-pricing.md`,
        "utf8",
      ),
    );
  }, 120_000);

  it("stops a story over maxTokensPerStory (failed: budget) while the other finishes; status shows the tokens the model reported", async () => {
    const s = await start({
      stories: stories(200, { "1-3-search": { promptTokens: 40_000 } }),
      athena: { parallel: { budget: { maxTokensPerStory: 100_000 } } },
      price: { input: 3, output: 15 },
    });
    await s.command("1.3 1.5 --strategy manual");
    const run = await s.waitForRun((r) => r.state !== "running");
    const search = run.stories.find((st) => st.key === "1-3-search");
    const pricing = run.stories.find((st) => st.key === "1-5-pricing");
    expect(search).toMatchObject({ state: "failed", reason: "budget", attempts: 1 });
    expect(search?.errors.at(-1)).toMatch(
      /^over budget: used 1\d\dk tokens of its maxTokensPerStory 100k tokens$/,
    );
    expect(pricing?.state).toBe("completed");
    expect(s.sprint()).toContain("1-3-search: ready-for-dev");
    expect(s.sprint()).toContain("1-5-pricing: review");
    expect(locksLeft(s.root)).toEqual([]);
    // What the host counted is what the scripted model reported, story by story.
    const tokens = (u: typeof pricing) =>
      (u?.usage?.input ?? 0) + (u?.usage?.output ?? 0) + (u?.usage?.reasoning ?? 0);
    expect(s.model.tokensOf("1-5-pricing")).toBeGreaterThan(0);
    expect(tokens(pricing)).toBe(s.model.tokensOf("1-5-pricing"));
    expect(tokens(search)).toBe(s.model.tokensOf("1-3-search"));
    // The host prices them from the model's configured cost (USD per million tokens).
    const price = (u: typeof pricing) =>
      ((u?.usage?.input ?? 0) * 3 + (u?.usage?.output ?? 0) * 15) / 1e6;
    expect(search?.usage?.cost).toBeCloseTo(price(search), 6);
    expect(run.usage?.cost).toBeCloseTo(price(search) + price(pricing), 6);
    const status = await s.command("status");
    expect(status).toContain(`| 1.5 \`1-5-pricing\` | completed |`);
    expect(status).toContain(
      `| ${formatCount(tokens(pricing))} tokens, ${formatCost(pricing?.usage?.cost ?? 0)} |`,
    );
    expect(status).toContain("| failed (budget) |");
  }, 120_000);

  it("fails a story whose model stops answering as stalled, and retries it once in a fresh session that succeeds", async () => {
    const s = await start({
      stories: stories(100, { "1-3-search": { hangFirstAttempt: true } }),
      // Long enough for the retry's fresh session to show its first activity on a busy
      // machine: at 3 s, one clean-clone CI run in several failed the retry as stalled too.
      athena: { parallel: { stallTimeoutSeconds: 6 } },
    });
    await s.command("1.3 1.5 --strategy manual");
    const run = await s.waitForRun((r) => r.state !== "running");
    const search = run.stories.find((st) => st.key === "1-3-search");
    expect(search).toMatchObject({ state: "completed", attempts: 2 });
    expect(search?.errors[0]).toMatch(/^stalled: no activity for \ds \(stallTimeoutSeconds 6\)$/);
    expect(run.stories.find((st) => st.key === "1-5-pricing")?.state).toBe("completed");
    expect(s.sprint()).toContain("1-3-search: review");
    expect(s.file("src/search/index.ts")).toContain("written for story 1-3-search");
    const children = await s.host.api<Array<{ id: string; title: string }>>(
      "GET",
      `/session/${s.parent}/children`,
    );
    expect(children.filter((c) => c.title.startsWith("Story 1.3:"))).toHaveLength(2);
    expect(locksLeft(s.root)).toEqual([]);
  }, 120_000);

  it("waits while a story's session asks the user a permission, shows it, and goes on once allowed", async () => {
    const s = await start({
      stories: stories(100, { "1-3-search": { shell: ["echo checked > checked.txt"] } }),
      athena: { parallel: { stallTimeoutSeconds: 5, maxAttempts: 1 } },
      opencode: { permission: { bash: "ask" } },
    });
    await s.command("1.3 --strategy manual");
    // The host's event reaches the plugin: the run record says what is asked.
    const asking = await s.waitForRun((r) => r.stories[0]?.asking !== undefined);
    expect(asking.stories[0]?.asking).toMatchObject({ kind: "permission" });
    expect(asking.stories[0]?.asking?.what).toMatch(/^permission `bash`/);
    const pending = await s.host.api<Array<{ id: string; sessionID: string }>>(
      "GET",
      "/permission",
    );
    expect(pending.map((p) => p.sessionID)).toEqual([asking.stories[0]?.sessionId]);
    const observer = (await s.host.api<{ id: string }>("POST", "/session", { title: "observer" }))
      .id;
    expect(await s.command("status", observer)).toMatch(
      /- 1\.3 `1-3-search` waits for your answer in its session: permission `bash`/,
    );
    // Silent for more than twice the stall timeout: a minimum, not a race (a slower machine
    // only waits longer); the watchdog polls meanwhile and must leave it be.
    const since = Date.parse(asking.stories[0]?.asking?.since ?? "");
    while (Date.now() - since < 11_000) await sleep(250);
    expect(s.run()?.stories[0]).toMatchObject({ state: "running", attempts: 1 });
    await s.host.api("POST", `/permission/${pending[0]?.id}/reply`, { reply: "once" });
    const run = await s.waitForRun((r) => r.state !== "running");
    expect(run.stories[0]).toMatchObject({ state: "completed", attempts: 1, errors: [] });
    expect(run.stories[0]?.asking).toBeUndefined();
    expect(s.file("checked.txt")).toBe("checked\n");
    expect(locksLeft(s.root)).toEqual([]);
  }, 120_000);

  it("shows a question a story's agent asks the user, and goes on once it is answered", async () => {
    const s = await start({
      stories: stories(100, { "1-3-search": { question: "Index the product names only?" } }),
    });
    await s.command("1.3 --strategy manual");
    const asking = await s.waitForRun((r) => r.stories[0]?.asking !== undefined);
    expect(asking.stories[0]?.asking).toMatchObject({
      kind: "question",
      what: "a question: `Index the product names only?`",
    });
    const pending = await s.host.api<Array<{ id: string; sessionID: string }>>("GET", "/question");
    expect(pending.map((q) => q.sessionID)).toEqual([asking.stories[0]?.sessionId]);
    await s.host.api("POST", `/question/${pending[0]?.id}/reply`, { answers: [["Yes"]] });
    const run = await s.waitForRun((r) => r.state !== "running");
    expect(run.stories[0]).toMatchObject({ state: "completed", attempts: 1, errors: [] });
    expect(run.stories[0]?.asking).toBeUndefined();
  }, 120_000);

  it("locks and records the files a story's sub-agent writes as the story's own", async () => {
    // The story ends when the test lets it: once the lock has been seen, however slow the host.
    const gate = signal();
    const s = await start({
      stories: stories(100, {
        "1-3-search": { subagent: ["src/search/helper.ts"], finishWhen: gate.fired },
      }),
    });
    await s.command("1.3 --strategy manual");
    const observer = (await s.host.api<{ id: string }>("POST", "/session", { title: "observer" }))
      .id;
    // While the story runs, the file its sub-agent wrote is locked for the story.
    let status = "";
    const deadline = Date.now() + 60_000;
    while (!/\| 1\.3 `1-3-search` \| running \|[^\n]*`src\/search\/helper\.ts`/.test(status)) {
      if (Date.now() > deadline) throw new Error(`not locked for the story:\n${status}`);
      status = await s.command("status", observer);
      await sleep(100);
    }
    gate.fire();
    const run = await s.waitForRun((r) => r.state !== "running");
    expect(run.stories[0]).toMatchObject({ state: "completed", attempts: 1 });
    expect(run.stories[0]?.wroteFiles).toContain("src/search/helper.ts");
    expect(s.file("src/search/helper.ts")).toContain("written by story 1-3-search's sub-agent");
    const story = run.stories[0]?.sessionId ?? "";
    const subs = await s.host.api<Array<{ id: string }>>("GET", `/session/${story}/children`);
    expect(subs).toHaveLength(1);
    expect(locksLeft(s.root)).toEqual([]);
  }, 120_000);

  it("checks each story's model and agent against the host's before a run starts", async () => {
    const s = await start({
      stories: stories(100),
      athena: {
        parallel: {
          stories: {
            "1.3": { model: "scripted/scripted-modle" },
            "1.5": { model: "scripted/scripted-model", agent: "build" },
          },
        },
      },
    });
    const original = s.sprint();
    const refused = await s.command("1.3 1.5 --strategy manual");
    expect(refused).toContain(
      'not started: 1.3 (1-3-search): the host has no model "scripted/scripted-modle" (did you mean "scripted/scripted-model"?)',
    );
    expect(s.sprint()).toBe(original);
    expect(s.run()).toBeUndefined();
    await s.command("1.5");
    const run = await s.waitForRun((r) => r.state !== "running");
    expect(run.stories.map((st) => [st.key, st.state, st.model, st.agent])).toEqual([
      ["1-5-pricing", "completed", "scripted/scripted-model", "build"],
    ]);
  }, 120_000);

  it("cancels a run: every child aborted, every lock released, every sprint entry restored", async () => {
    const s = await start({ stories: stories(60_000) });
    const original = s.sprint();
    await s.command("1.1 1.3 1.5 --strategy manual");
    await s.waitForRun((r) => r.stories.every((st) => st.state === "running"));
    for (let i = 0; i < 100 && (await s.busyChildren()).length < 3; i++) await sleep(100);
    expect((await s.busyChildren()).length).toBe(3);
    const output = await s.command("cancel");
    expect(output).toMatch(/^Run run-\S+ cancelled/);
    const run = await s.waitForRun((r) => r.state !== "running");
    expect(run.stories.map((st) => st.state)).toEqual(["cancelled", "cancelled", "cancelled"]);
    for (let i = 0; i < 50 && (await s.busyChildren()).length > 0; i++) await sleep(100);
    expect(await s.busyChildren()).toEqual([]);
    expect(s.sprint()).toBe(original);
    expect(locksLeft(s.root)).toEqual([]);
  }, 120_000);

  it.each([
    ["the write tool", "write"],
    ["a heredoc in the bash tool (cat > file <<EOF)", "bash"],
  ] as const)(
    "keeps both changes when two stories read a file, pause and rewrite it whole with %s",
    async (_how, via) => {
      const s = await start({
        stories: stories(100, {
          "1-3-search": { rewriteWhole: { file: "NOTES.md", pauseMs: 1_500, via } },
          "1-5-pricing": { rewriteWhole: { file: "NOTES.md", pauseMs: 200 } },
        }),
      });
      const { writeFileSync } = await import("node:fs");
      writeFileSync(`${s.root}/NOTES.md`, "# Notes\n");
      await s.command("1.3 1.5 --strategy manual");
      const run = await s.waitForRun((r) => r.state !== "running");
      expect(run.stories.map((st) => st.state)).toEqual(["completed", "completed"]);
      const notes = s.file("NOTES.md");
      expect(notes).toContain("1-3-search was here");
      expect(notes).toContain("1-5-pricing was here");
      expect(notes.startsWith("# Notes\n")).toBe(true);
      // The one that wrote last (after its long pause) was refused before its write ran, told
      // to read the file again, and wrote after doing so.
      const search = run.stories.find((st) => st.key === "1-3-search");
      const outputs = await toolOutputs(s, [search?.sessionId ?? ""]);
      expect(outputs.some((o) => o.includes("changed since you last read it"))).toBe(true);
      expect(search?.wroteFiles).toContain("NOTES.md");
      expect(locksLeft(s.root)).toEqual([]);
    },
    120_000,
  );

  it("keeps both changes when a story writes whole a file another story wrote, which it never read", async () => {
    // 1.3 also writes 1.5's file, without reading it first; whichever writes second has never
    // read the other's version: it is refused, reads it, and writes it keeping what it read.
    const s = await start({
      stories: stories(100, {
        "1-3-search": {
          shell: ["sleep 2"],
          files: ["src/search/index.ts", "src/pricing/rules.ts"],
        },
        "1-5-pricing": { finishAfterMs: 4_000 },
      }),
    });
    await s.command("1.3 1.5 --strategy manual");
    const run = await s.waitForRun((r) => r.state !== "running");
    expect(run.stories.map((st) => st.state)).toEqual(["completed", "completed"]);
    const rules = s.file("src/pricing/rules.ts");
    expect(rules).toMatch(/written for story (1-3-search|1-5-pricing)\n/);
    expect(rules).toMatch(/(1-3-search|1-5-pricing) was here\n$/);
    expect(rules.match(/1-3-search/g)).toHaveLength(1);
    expect(rules.match(/1-5-pricing/g)).toHaveLength(1);
    const outputs = await toolOutputs(
      s,
      run.stories.map((st) => st.sessionId ?? ""),
    );
    expect(outputs.some((o) => o.includes("and you have not read it"))).toBe(true);
    expect(locksLeft(s.root)).toEqual([]);
  }, 120_000);

  it("refuses a story's `rm -rf` of a folder holding another story's file until it has read it, and journals the file", async () => {
    const { s } = await searchOverwritesPricing("rm -rf src/pricing");
    const { existsSync } = await import("node:fs");
    expect(existsSync(`${s.root}/src/pricing/rules.ts`)).toBe(false);
    // 1.3's journal holds 1.5's file as it was: the removal is in its diff, and undone.
    expect(await s.command("diff 1.3")).toContain(
      "--- a/src/pricing/rules.ts\n+++ /dev/null\n@@ -1,2 +0,0 @@\n-// src/pricing/rules.ts: written for story 1-5-pricing",
    );
    expect(await s.command("revert 1.3")).toContain("put back as they were before it");
    expect(s.file("src/pricing/rules.ts")).toContain("written for story 1-5-pricing");
    expect(locksLeft(s.root)).toEqual([]);
  }, 120_000);

  it("refuses a story's sed `w FILE` onto another story's file until it has read it, and journals the file", async () => {
    // sed's own `w` command writes it (no shell redirection: a write inside the sed script).
    const { s } = await searchOverwritesPricing(
      "printf 'from sed\\n' | sed -n 'w src/pricing/rules.ts'",
    );
    expect(s.file("src/pricing/rules.ts")).toBe("from sed\n");
    // 1.3's journal holds 1.5's version: revert puts it back.
    expect(await s.command("revert 1.3")).toContain("put back as they were before it");
    expect(s.file("src/pricing/rules.ts")).toContain("written for story 1-5-pricing");
    expect(locksLeft(s.root)).toEqual([]);
  }, 120_000);

  it("meets two stories on the file a link leads to, and journals the link removed as a link", async () => {
    // 1.3 edits AGENTS.md; 1.5, once 1.3 has, appends through the link CLAUDE.md (the same
    // lock, the same journal entry), then removes the link, which revert makes again.
    const afterSearch = "until [ -f src/search/index.ts ]; do sleep 0.1; done";
    const s = await start({
      stories: stories(100, {
        "1-3-search": {
          edits: [{ file: "AGENTS.md", oldString: "Rule one.", newString: "Rule one.\nRule two." }],
          finishAfterMs: 1_500,
        },
        "1-5-pricing": { shell: [afterSearch, "echo 'Rule three.' >> CLAUDE.md", "rm CLAUDE.md"] },
      }),
      // AGENTS.md held for the whole story, as a file out of `sharedFiles` is (a shared one is
      // held per write): 1.5's change then comes after 1.3's end, the order this test needs.
      athena: { parallel: { sharedFiles: [] } },
    });
    const { existsSync, lstatSync, readlinkSync, symlinkSync, writeFileSync } = await import(
      "node:fs"
    );
    writeFileSync(`${s.root}/AGENTS.md`, "# Agents\n\nRule one.\n");
    symlinkSync("AGENTS.md", `${s.root}/CLAUDE.md`);
    await s.command("1.3 1.5 --strategy manual");
    const run = await s.waitForRun((r) => r.state !== "running");
    expect(run.stories.map((st) => st.state)).toEqual(["completed", "completed"]);
    expect(s.file("AGENTS.md")).toBe("# Agents\n\nRule one.\nRule two.\nRule three.\n");
    expect(existsSync(`${s.root}/CLAUDE.md`)).toBe(false);
    const pricing = run.stories.find((st) => st.key === "1-5-pricing");
    expect(pricing?.wroteFiles).toEqual(expect.arrayContaining(["AGENTS.md", "CLAUDE.md"]));
    const outputs = await toolOutputs(s, [pricing?.sessionId ?? ""]);
    expect(outputs.some((o) => o.includes("Not written"))).toBe(false);
    const diff = await s.command("diff 1.5");
    expect(diff).toContain(
      "+++ b/AGENTS.md\n@@ -2,3 +2,4 @@\n \n Rule one.\n Rule two.\n+Rule three.",
    );
    expect(diff).toContain("--- CLAUDE.md: a symbolic link to `AGENTS.md` -> no file");
    expect(await s.command("revert 1.3")).toContain(
      "`AGENTS.md`: changed since by story 1-5-pricing",
    );
    expect(await s.command("revert 1.5")).toContain(
      "`AGENTS.md`, `CLAUDE.md`, `src/pricing/rules.ts`, `_bmad-output/implementation-artifacts/1-5-pricing.md` put back as they were before it",
    );
    expect(lstatSync(`${s.root}/CLAUDE.md`).isSymbolicLink()).toBe(true);
    expect(readlinkSync(`${s.root}/CLAUDE.md`)).toBe("AGENTS.md");
    expect(s.file("CLAUDE.md")).toBe("# Agents\n\nRule one.\nRule two.\n");
    expect(await s.command("revert 1.3")).toContain("put back as they were before it");
    expect(s.file("CLAUDE.md")).toBe("# Agents\n\nRule one.\n");
    expect(await s.command("revert 1.3")).toMatch(
      /^Story 1-3-search \(run \S+\) was already reverted at/,
    );
    expect(locksLeft(s.root)).toEqual([]);
  }, 120_000);

  it.each([
    ["adds to package.json as it finds it: nothing said", "npm pkg set scripts.b=two", false],
    ["writes package.json from an older copy: told, and asked", "./restore.sh", true],
  ] as const)(
    "after another story's `npm pkg set`, a command that %s",
    async (_what, command, clobbers) => {
      const s = await start({
        stories: stories(100, {
          "1-3-search": {
            shell: [
              "until [ -f package.json.orig ]; do sleep 0.1; done",
              "npm pkg set scripts.a=one",
            ],
            finishAfterMs: 1_000,
          },
          "1-5-pricing": {
            shell: [
              "cp package.json package.json.orig",
              "until [ -f src/search/index.ts ]; do sleep 0.1; done",
              command,
            ],
          },
        }),
      });
      const { chmodSync, writeFileSync } = await import("node:fs");
      writeFileSync(`${s.root}/restore.sh`, "#!/bin/sh\ncp package.json.orig package.json\n");
      chmodSync(`${s.root}/restore.sh`, 0o755);
      await s.command("1.3 1.5 --strategy manual");
      const run = await s.waitForRun((r) => r.state !== "running");
      expect(run.stories.map((st) => st.state)).toEqual(["completed", "completed"]);
      const pricing = run.stories.find((st) => st.key === "1-5-pricing");
      const outputs = await toolOutputs(s, [pricing?.sessionId ?? ""]);
      const told = outputs.some((o) =>
        o.includes(
          "This command overwrote `package.json`, which story 1-3-search had changed since you last read it",
        ),
      );
      expect(told).toBe(clobbers);
      const pkg = JSON.parse(s.file("package.json"));
      if (!clobbers) {
        expect(pkg.scripts).toEqual({ a: "one", b: "two" });
        expect(run.stories.map((st) => st.question)).toEqual([undefined, undefined]);
        return;
      }
      expect(pkg.scripts).toBeUndefined();
      expect(pricing?.question).toMatchObject({
        kind: "clobber",
        path: "package.json",
        other: "1-3-search",
      });
      // 1.3's version is kept in the journal.
      const { Journal } = await import("../../src/run/journal.ts");
      const kept = new Journal(s.root).content(
        (pricing?.question as { kept?: string } | undefined)?.kept ?? "",
      );
      expect(JSON.parse(kept?.toString() ?? "{}").scripts).toEqual({ a: "one" });
      expect(locksLeft(s.root)).toEqual([]);
    },
    120_000,
  );

  it("fails a story whose agent gives up without changing a file, and puts its entry back", async () => {
    const s = await start({ stories: stories(100, { "1-3-search": { givesUp: true } }) });
    const original = s.sprint();
    await s.command("1.3 1.5 --strategy manual");
    const run = await s.waitForRun((r) => r.state !== "running");
    expect(run.stories.map((st) => [st.key, st.state, st.reason ?? ""])).toEqual([
      ["1-3-search", "failed", "no-work"],
      ["1-5-pricing", "completed", ""],
    ]);
    expect(s.sprint()).toBe(original.replace("1-5-pricing: ready-for-dev", "1-5-pricing: review"));
    expect(locksLeft(s.root)).toEqual([]);
  }, 120_000);

  it("fails a story whose agent stops early, its story file untouched, keeping what it wrote", async () => {
    // 1.4's agent reads its story, writes its first file, then answers "Done, I think.".
    const stoppedEarly = {
      replyFor: (_attempt: number, request: { messages: Array<{ role: string }> }) =>
        request.messages.filter((m) => m.role === "assistant").length === 2
          ? { text: "Done, I think." }
          : undefined,
    };
    const s = await start({ stories: stories(100, { "1-4-orders-api": stoppedEarly }) });
    const original = s.sprint();
    await s.command("1.3 1.4 --strategy manual");
    const run = await s.waitForRun((r) => r.state !== "running");
    expect(run.stories.map((st) => [st.key, st.state, st.reason ?? ""])).toEqual([
      ["1-3-search", "completed", ""],
      ["1-4-orders-api", "failed", "incomplete"],
    ]);
    expect(run.stories[1]?.wroteFiles).toEqual(["src/orders/api.ts"]);
    expect(s.file("src/orders/api.ts")).toContain("1-4-orders-api");
    expect(s.sprint()).toBe(original.replace("1-3-search: ready-for-dev", "1-3-search: review"));
    expect((await notes(s)).some((n) => n.includes("without updating its story file"))).toBe(true);
    expect(locksLeft(s.root)).toEqual([]);
  }, 120_000);

  it("lets a second story edit package.json while the first, which edited it, still runs", async () => {
    const { s, run } = await secondEditsPackageWhileFirstRuns(
      [addDependency("search-dep")],
      "until grep -q search-dep package.json; do sleep 0.1; done",
    );
    expect(run.stories[1]?.waits ?? []).toEqual([]);
    expect(s.file("package.json")).toContain('"search-dep": "1.0.0"');
  }, 120_000);

  it("lets package.json go when a story's edit of it fails (the host runs no after hook then)", async () => {
    // An edit whose text is not there fails (its lock was taken); then one that works.
    await secondEditsPackageWhileFirstRuns(
      [
        { file: "package.json", oldString: "no such text", newString: "x" },
        { file: "README.md", oldString: "# demo-project", newString: "# demo-project (1.3)" },
      ],
      "until grep -q 'demo-project (1.3)' README.md; do sleep 0.1; done",
    );
  }, 120_000);

  it("runs two stories' package installs through bash one at a time, never overlapping", async () => {
    const install = "./install.sh";
    const s = await start({
      stories: stories(100, {
        "1-3-search": { shell: [`${install} 1-3-search`] },
        "1-5-pricing": { shell: [`${install} 1-5-pricing`] },
      }),
      athena: { parallel: { exclusiveCommands: [`${install}*`] } },
    });
    const { chmodSync, readFileSync, writeFileSync } = await import("node:fs");
    // A stand-in for an install: it records when it starts and ends (ns), a second apart.
    writeFileSync(
      `${s.root}/install.sh`,
      '#!/bin/sh\ndate +%s%N >> "install-$1.log"\nsleep 1\ndate +%s%N >> "install-$1.log"\n',
    );
    chmodSync(`${s.root}/install.sh`, 0o755);
    await s.command("1.3 1.5 --strategy manual");
    const run = await s.waitForRun((r) => r.state !== "running");
    expect(run.stories.map((st) => st.state)).toEqual(["completed", "completed"]);
    const span = (key: string) =>
      readFileSync(`${s.root}/install-${key}.log`, "utf8").trim().split("\n").map(BigInt);
    const [a, b] = [span("1-3-search"), span("1-5-pricing")];
    expect(a).toHaveLength(2);
    expect(b).toHaveLength(2);
    const [first, second] = (a[0] ?? 0n) < (b[0] ?? 0n) ? [a, b] : [b, a];
    expect(second[0] ?? 0n).toBeGreaterThanOrEqual(first[1] ?? 0n);
    expect(locksLeft(s.root)).toEqual([]);
  }, 120_000);

  it("recovers a run after the host is killed mid-run, and retry finishes its stories", async () => {
    const s = await start({ stories: stories(60_000, {}, 200) });
    const original = s.sprint();
    await s.command("1.1 1.3 --strategy manual");
    await s.waitForRun((r) => r.stories.every((st) => st.state === "running"));
    await sleep(500);
    await s.restartHost();
    // The plugin starts with the first request for the project, and recovers then.
    await s.host.api("GET", "/experimental/tool/ids");
    const run = await s.waitForRun((r) => r.state !== "running", 30_000);
    expect(run.state).toBe("interrupted");
    expect(run.stories.map((st) => st.state)).toEqual(["interrupted", "interrupted"]);
    expect(s.sprint()).toBe(original);
    expect(locksLeft(s.root)).toEqual([]);

    // `retry` starts them again in fresh sessions (told that earlier work is in the tree).
    const parent = (await s.host.api<{ id: string }>("POST", "/session", { title: "after" })).id;
    const output = await s.command("retry", parent);
    expect(output).toContain(`It starts again the stories of run ${run.id} that did not complete.`);
    const again = await s.waitForRun((r) => r.retryOf === run.id && r.state !== "running");
    expect(again.stories.map((st) => [st.key, st.state])).toEqual([
      ["1-1-catalog-model", "completed"],
      ["1-3-search", "completed"],
    ]);
    expect(s.sprint()).toBe(original.replace(/(1-[13]-[\w-]+): ready-for-dev/g, "$1: review"));
    expect(s.file("src/search/index.ts")).toContain("written for story 1-3-search");
    expect(locksLeft(s.root)).toEqual([]);
  }, 150_000);
});

/** Every tool output (or error) of the given sessions, as the host recorded them. */
async function toolOutputs(
  s: { host: { api: <T>(method: string, route: string) => Promise<T> } },
  sessions: string[],
): Promise<string[]> {
  const outputs: string[] = [];
  for (const id of sessions) {
    const messages = await s.host.api<
      Array<{ parts: Array<{ type: string; state?: { output?: string; error?: string } }> }>
    >("GET", `/session/${id}/message`);
    outputs.push(
      ...messages.flatMap((m) =>
        m.parts.flatMap((p) =>
          p.type === "tool" ? [p.state?.output ?? p.state?.error ?? ""] : [],
        ),
      ),
    );
  }
  return outputs;
}

/** The edit that adds a dependency to the demo's package.json. */
const addDependency = (name: string) => ({
  file: "package.json",
  oldString: '"private": true',
  newString: `"private": true,\n  "${name}": "1.0.0"`,
});

/**
 * 1.3 makes `firstEdits` and runs until the test lets it end; 1.5 waits for them (the shell
 * condition `waitFor`, on the files' content), then adds a dependency to package.json. 1.5
 * must complete while 1.3 still runs (package.json not held to 1.3's end), then both complete.
 */
async function secondEditsPackageWhileFirstRuns(
  firstEdits: Array<{ file: string; oldString: string; newString: string }>,
  waitFor: string,
) {
  const gate = signal();
  const s = await start({
    stories: stories(100, {
      "1-3-search": { edits: firstEdits, finishWhen: gate.fired },
      "1-5-pricing": { shell: [waitFor], edits: [addDependency("pricing-dep")] },
    }),
    athena: { parallel: { lockWaitSeconds: 5 } },
  });
  await s.command("1.3 1.5 --strategy manual");
  const second = await s.waitForRun((r) =>
    r.stories.some((st) => st.key === "1-5-pricing" && st.state !== "running"),
  );
  expect(second.stories.map((st) => [st.key, st.state])).toEqual([
    ["1-3-search", "running"],
    ["1-5-pricing", "completed"],
  ]);
  gate.fire();
  const run = await s.waitForRun((r) => r.state !== "running");
  expect(run.stories.map((st) => st.state)).toEqual(["completed", "completed"]);
  expect(s.file("package.json")).toContain('"pricing-dep": "1.0.0"');
  expect(locksLeft(s.root)).toEqual([]);
  return { s, run };
}

/**
 * 1.5 writes src/pricing/rules.ts; 1.3 waits for it on disk, then runs `command` over it.
 * Both complete; 1.3 was told it had not read 1.5's file, and wrote the file in the end.
 * Returns the scenario and 1.3's record.
 */
async function searchOverwritesPricing(command: string) {
  const s = await start({
    stories: stories(100, {
      "1-3-search": {
        shell: ["until [ -f src/pricing/rules.ts ]; do sleep 0.1; done", command],
      },
    }),
  });
  await s.command("1.3 1.5 --strategy manual");
  const run = await s.waitForRun((r) => r.state !== "running");
  expect(run.stories.map((st) => st.state)).toEqual(["completed", "completed"]);
  const search = run.stories.find((st) => st.key === "1-3-search");
  const outputs = await toolOutputs(s, [search?.sessionId ?? ""]);
  expect(
    outputs.some((o) =>
      o.includes("story 1-5-pricing changed `src/pricing/rules.ts` and you have not read it"),
    ),
  ).toBe(true);
  expect(search?.wroteFiles).toContain("src/pricing/rules.ts");
  return { s, search };
}

/**
 * `npm run demo`: the real OpenCode server, offline, with the scripted model, on a copy of
 * fixtures/demo-project. It runs /athena-parallel on six stories: prints the plan, a live status
 * table while the stories run, then the final report and the sprint file before and after.
 * Every process it starts is stopped by PID; it exits 0 when the run completed.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { demoStories } from "../harness/demo-stories.ts";
import { killAll } from "../harness/opencode.ts";
import { SPRINT, scenario } from "../harness/scenario.ts";
import { taskProgress } from "../src/bmad/task-progress.ts";
import type { Plan } from "../src/plan/types.ts";
import { formatDuration, renderProgress, runProgress } from "../src/run/progress.ts";

const STORY_SECONDS = Number(process.env.DEMO_STORY_SECONDS ?? 4);
// Each answer reports 1,500 prompt tokens, priced like a mid-range model ($3 / $15 per million).
const stories = demoStories({ finishAfterMs: STORY_SECONDS * 1000, promptTokens: 1_500 });
const price = { input: 3, output: 15 };

const rule = (title: string) =>
  console.log(`\n${"=".repeat(8)} ${title} ${"=".repeat(Math.max(0, 70 - title.length))}\n`);
const statusLines = (text: string) =>
  text.split("\n").filter((l) => /^\s+[\w-]+: /.test(l) && !l.includes("epic-1-retro"));

async function main(): Promise<number> {
  const started = Date.now();
  console.log(
    "athena-parallel demo: the real OpenCode host, offline, a scripted model, six BMAD stories.",
  );
  const s = await scenario({ stories, price });
  const stop = async () => {
    await s.stop();
    killAll();
  };
  // Stopped by a key, a closed terminal or a time limit: the host and the copy go too.
  for (const [signal, code] of [
    ["SIGINT", 130],
    ["SIGTERM", 143],
    ["SIGHUP", 129],
  ] as const)
    process.once(signal, () => void stop().then(() => process.exit(code)));
  try {
    console.log(
      `OpenCode ${s.host.url} (pid ${s.host.pid}), scripted model ${s.model.url}, project ${s.root}`,
    );
    const before = s.sprint();

    rule("/athena-parallel --dry-run");
    console.log(await s.command("--dry-run"));

    rule("/athena-parallel 1.1 1.2 1.3 1.4 1.5 1.6 --strategy coordinate --cap 3");
    console.log(await s.command("1.1 1.2 1.3 1.4 1.5 1.6 --strategy coordinate --cap 3"));

    rule("live status");
    let last = "";
    for (;;) {
      const run = s.run();
      if (!run) break;
      const plan = run.plan as Plan | undefined;
      const progress = runProgress(run, {
        now: Date.now(),
        tasksNow: (key) => taskProgress(s.root, plan?.stories.find((st) => st.key === key)?.file),
        todos: () => [],
        locks: () => [],
      });
      const table = renderProgress(progress);
      if (table !== last) {
        console.log(`[${formatDuration(Date.now() - started)}] ${table.split("\n")[0]}`);
        for (const line of table.split("\n").slice(4)) console.log(`  ${line}`);
        last = table;
      }
      if (run.state !== "running") break;
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }

    const run = await s.waitForRun((r) => r.state !== "running");
    rule(`final report: run ${run.state}`);
    const messages = await s.host.api<
      Array<{ info: { role: string }; parts: Array<{ type: string; text?: string }> }>
    >("GET", `/session/${s.parent}/message`);
    const summary = messages
      .flatMap((m) => m.parts)
      .findLast((p) => p.type === "text" && p.text?.startsWith("[athena-parallel] Run"));
    console.log(summary?.text ?? "(no summary received)");

    rule("/athena-parallel diff 1.2 (one story's changes, from the journal)");
    console.log(await s.command("diff 1.2"));

    rule("sprint-status.yaml, before -> after");
    const after = s.sprint();
    const beforeLines = statusLines(before);
    for (const [i, line] of statusLines(after).entries()) {
      console.log(`${(beforeLines[i] ?? "").trim().padEnd(36)} -> ${line.trim()}`);
    }
    const comments = before.split("\n").filter((l) => l.trim().startsWith("#"));
    console.log(
      `\n${comments.length} comment lines before, ${comments.filter((c) => after.includes(c)).length} of them still there after.`,
    );
    console.log(
      `\n${SPRINT}: ${readFileSync(path.join(s.root, SPRINT)).length} bytes (the demo works on a temporary copy of fixtures/demo-project, removed as it ends).`,
    );
    console.log(
      `Done in ${formatDuration(Date.now() - started)}; most story sessions at once: ${s.model.maxTaggedInFlight}.`,
    );
    return run.state === "completed" ? 0 : 1;
  } finally {
    await stop();
  }
}

main().then(
  (code) => process.exit(code),
  (error) => {
    console.error(error);
    killAll();
    process.exit(1);
  },
);

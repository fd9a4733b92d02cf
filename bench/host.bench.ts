/**
 * On the real OpenCode host (issue "End to end"): from the execute call to all admitted children
 * busy; six stories of T seconds under a cap of three against the ideal 2T; and the host's time
 * to first answer with the plugin against without it, measured in the same run.
 */
import { performance } from "node:perf_hooks";
import { demoStories } from "../harness/demo-stories.ts";
import { startModelServer } from "../harness/model-server.ts";
import { killAll, makeProject, startHost } from "../harness/opencode.ts";
import { scenario } from "../harness/scenario.ts";
import { fmt, line, median } from "./lib/stats.ts";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
console.log("\n## On the real OpenCode host (npm run bench)\n");

try {
  // 1. From the execute call to all admitted children busy (three independent stories, cap 3).
  const long = demoStories({ finishAfterMs: 60_000 }, {});
  const toBusy: number[] = [];
  const acceptedToBusy: number[] = [];
  for (let i = 0; i < 5; i++) {
    const s = await scenario({ stories: long });
    try {
      const start = performance.now();
      const command = s.command("1.1 1.3 1.5 --strategy manual --cap 3");
      while ((await s.busyChildren()).length < 3) await sleep(10);
      toBusy.push(performance.now() - start);
      // From the moment the tool accepted the run (its record is written) to all three busy.
      acceptedToBusy.push(Date.now() - Date.parse(s.run()?.createdAt ?? ""));
      await command;
      await s.command("cancel");
    } finally {
      await s.stop();
    }
  }
  console.log(
    `/athena-parallel 1.1 1.3 1.5 -> 3 children busy, median of 5 runs: ${fmt(median(toBusy))}`,
  );
  console.log(
    `  of which after the tool accepted the run: ${fmt(median(acceptedToBusy))} (the rest is the parent's own model turn)`,
  );

  // 2. Six stories of T seconds each, cap 3: the ideal is 2T.
  const T = 4_000;
  const timed = demoStories({ totalMs: T });
  const walls: number[] = [];
  const endToEnd: number[] = [];
  for (let i = 0; i < 3; i++) {
    const s = await scenario({ stories: timed });
    try {
      const start = performance.now();
      // manual: the one file conflict (1.2 and 1.4) is left to the runtime locks; 1.6 waits for 1.1.
      await s.command("1.1 1.2 1.3 1.4 1.5 1.6 --strategy manual --cap 3");
      const run = await s.waitForRun((r) => r.state !== "running");
      endToEnd.push(performance.now() - start);
      const ends = run.stories.map((st) => Date.parse(st.endedAt ?? ""));
      walls.push(Math.max(...ends) - Date.parse(run.createdAt));
    } finally {
      await s.stop();
    }
  }
  line(
    `6 stories of ${T / 1000}s, cap 3: run wall time vs ideal 2T, median of 3`,
    fmt(median(walls)),
    median(walls) / (2 * T),
    {
      max: 1.3,
      label: "target <= 1.3x",
    },
  );
  line(
    "  the same from typing the command (the parent's model turn included)",
    fmt(median(endToEnd)),
    median(endToEnd) / (2 * T),
  );

  // 3. Plugin start-up cost: time to first answer with and without the plugin.
  const model = await startModelServer(() => ({ text: "ok" }));
  const firstAnswer = async (plugin: boolean) => {
    const project = makeProject({ fixture: "demo-project", modelUrl: model.url, plugin });
    try {
      const start = performance.now();
      const host = await startHost(project.root, project.home);
      await host.api("GET", "/experimental/tool/ids"); // the first request that loads the project (and its plugins)
      const ms = performance.now() - start;
      await host.stop();
      return ms;
    } finally {
      project.cleanup();
    }
  };
  const withPlugin: number[] = [];
  const without: number[] = [];
  for (let i = 0; i < 3; i++) {
    without.push(await firstAnswer(false));
    withPlugin.push(await firstAnswer(true));
  }
  await model.close();
  line(
    "host start to first answer, with the plugin vs without",
    fmt(median(withPlugin)),
    median(withPlugin) / median(without),
  );
  console.log(`  (without: ${fmt(median(without))})`);
} finally {
  killAll();
}

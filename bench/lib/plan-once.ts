/**
 * Plans once in this (new) process, with the default configuration (learning on, parse cache
 * on), and prints the elapsed time, peak memory and what the plan learned from as JSON.
 */
import { performance } from "node:perf_hooks";
import { planProject } from "../../src/plan-project.ts";

const [dir = ".", ...ids] = process.argv.slice(2);
const start = performance.now();
const { plan, config } = planProject(dir, {
  ids,
  env: { HOME: "/nonexistent", XDG_CONFIG_HOME: "/nonexistent" },
});
const ms = performance.now() - start;
console.log(
  JSON.stringify({
    ms,
    stories: plan.stories.length,
    learning: config.parallel.learnFromHistory,
    history: plan.sources.find((s) => s.startsWith("history:")) ?? null,
    maxRssKb: process.resourceUsage().maxRSS,
  }),
);

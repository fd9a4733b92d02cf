/** Plans once in this (new) process and prints the elapsed time and peak memory as JSON. */
import { performance } from "node:perf_hooks";
import { planProject } from "../../src/plan-project.ts";

const [dir = ".", ...ids] = process.argv.slice(2);
const start = performance.now();
const { plan } = planProject(dir, {
  ids,
  env: { HOME: "/nonexistent", XDG_CONFIG_HOME: "/nonexistent" },
});
const ms = performance.now() - start;
console.log(
  JSON.stringify({ ms, stories: plan.stories.length, maxRssKb: process.resourceUsage().maxRSS }),
);

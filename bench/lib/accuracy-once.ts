/**
 * `athena-parallel accuracy` once in this (new) process, with the default configuration and
 * options (history on, parse cache on), and prints the elapsed time, peak memory and the
 * report as JSON.
 */
import { performance } from "node:perf_hooks";
import { accuracyOfProject } from "../../src/plan-project.ts";

const [dir = "."] = process.argv.slice(2);
const start = performance.now();
const { report } = accuracyOfProject(dir, {
  env: { HOME: "/nonexistent", XDG_CONFIG_HOME: "/nonexistent" },
});
const ms = performance.now() - start;
console.log(JSON.stringify({ ms, maxRssKb: process.resourceUsage().maxRSS, report }));

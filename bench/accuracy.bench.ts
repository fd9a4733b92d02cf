/**
 * `athena-parallel accuracy` (issue 8) on the generated 1,000-story project: its run time as a
 * ratio to a cold plan of 10 named stories measured in the same run, its peak memory, and the
 * figures it reports. Each run is a new process; time is measured inside it, start-up excluded.
 *
 * Cold means no `.athena/` (removed before the run, untimed); "again" means the parse cache the
 * previous accuracy run wrote is there.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { type AccuracyReport, renderAccuracy } from "../src/plan/accuracy.ts";
import { once } from "./lib/child.ts";
import { generateProject } from "./lib/generate.ts";
import { fmt, line, mb, median } from "./lib/stats.ts";

const base = mkdtempSync(path.join(tmpdir(), "athena-bench-accuracy-"));
const big = generateProject(path.join(base, "p1000"), { stories: 1000, ready: 200 });
const named = big.ready.slice(0, 10);
const clear = () => rmSync(path.join(big.root, ".athena"), { recursive: true, force: true });

console.log("\n## Accuracy (npm run bench)\n");
console.log(
  `1,000-story sprint: ${big.ready.length} ready-for-dev, ${big.done.length} done with a File List (stories of 10-20 KB); default options (history on, seed 1)\n`,
);

type Timed = { ms: number; maxRssKb: number };
const plans: Timed[] = [];
const colds: Array<Timed & { report: AccuracyReport }> = [];
const agains: Array<Timed & { report: AccuracyReport }> = [];
for (let i = 0; i < 3; i++) {
  clear();
  plans.push(once<Timed>("plan-once.ts", [big.root, ...named]));
  clear();
  colds.push(once("accuracy-once.ts", [big.root]));
  agains.push(once("accuracy-once.ts", [big.root]));
}
const reports = [...colds, ...agains].map((r) => JSON.stringify(r.report));
if (new Set(reports).size !== 1) throw new Error("accuracy reports differ between runs");

const plan = median(plans.map((p) => p.ms));
const cold = median(colds.map((c) => c.ms));
const again = median(agains.map((c) => c.ms));
const peak = (runs: Timed[]) => mb(Math.max(...runs.map((r) => r.maxRssKb)));
line("accuracy, cold, vs a cold plan of 10 named stories", fmt(cold), cold / plan);
line("accuracy again, parse cache filled, vs the same cold plan", fmt(again), again / plan);
console.log(
  `  (cold plan ${fmt(plan)}, learning on: parses the ${big.done.length} done stories and builds the history model)`,
);
console.log(
  `  peak RSS: accuracy cold ${peak(colds)}, again ${peak(agains)}; cold plan ${peak(plans)}`,
);

// The figures, as `athena-parallel accuracy` prints them (the same in every run: seeded).
const report = colds[0]?.report;
if (report) console.log(`\n${renderAccuracy(report, "generated 1,000-story project")}`);

rmSync(base, { recursive: true, force: true });

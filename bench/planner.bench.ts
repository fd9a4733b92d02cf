/**
 * The planner (issues "Plan" and 8): time and memory of planning with the default
 * configuration, learning from history on, as ratios to floors measured in the same run.
 *
 * Cold means no `.athena/` at all (removed before each run, untimed): the plan parses every
 * done story, builds the history model from their File Lists and writes both to
 * `.athena/cache`. Warm means the same plan again with nothing changed: the cached parses and
 * the cached history model answer. The floors read and remark-parse exactly the files a plan
 * needs: with learning on, that includes every done story the model learns from.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { parseDocument } from "yaml";
import { parseMarkdown } from "../src/bmad/markdown.ts";
import type { Plan } from "../src/plan/types.ts";
import { type PlanProjectOptions, planProject } from "../src/plan-project.ts";
import { once } from "./lib/child.ts";
import { generateProject } from "./lib/generate.ts";
import { fmt, interleave, line, mb, median, rotate, sample } from "./lib/stats.ts";

const env = { HOME: "/nonexistent", XDG_CONFIG_HOME: "/nonexistent" };
const base = mkdtempSync(path.join(tmpdir(), "athena-bench-plan-"));
const big = generateProject(path.join(base, "p1000"), { stories: 1000, ready: 200 });
const small = generateProject(path.join(base, "p100"), { stories: 100, ready: 10 });
const impl = "_bmad-output/implementation-artifacts";
const architecture = "_bmad-output/planning-artifacts/architecture.md";
const named = big.ready.slice(0, 10);
const smallNamed = small.ready.slice(0, 10);

const parseStoryFile = (root: string, key: string) =>
  parseMarkdown(readFileSync(path.join(root, impl, `${key}.md`), "utf8"));
/** The floor of a plan: read + parse the sprint file, the architecture and the given stories. */
function floor(root: string, keys: string[]): void {
  parseDocument(readFileSync(path.join(root, impl, "sprint-status.yaml"), "utf8"));
  parseMarkdown(readFileSync(path.join(root, architecture), "utf8"));
  for (const key of keys) parseStoryFile(root, key);
}
/** The floor of a plan that learns: the same, and every done story the history learns from. */
function learningFloor(root: string, keys: string[], done: string[]): void {
  floor(root, keys);
  for (const key of done) parseStoryFile(root, key);
}

/** No `.athena/`: no parse cache, no history model. */
const clear = (root: string) => () =>
  rmSync(path.join(root, ".athena"), { recursive: true, force: true });
/** A plan with the default configuration (learning on, parse cache on) unless `extra` says. */
const plan = (root: string, ids?: string[], extra: PlanProjectOptions = {}): Plan =>
  planProject(root, { ...(ids ? { ids } : {}), env, ...extra }).plan;
const learningOff: PlanProjectOptions = { pluginOptions: { learnFromHistory: false } };
/** Throws unless the plan learned from `stories` done stories (learning on, as configured). */
function learned(p: Plan | { history: string | null }, stories: number): void {
  const source = "sources" in p ? p.sources.find((s) => s.startsWith("history:")) : p.history;
  if (!source?.startsWith(`history: ${stories} done stories`))
    throw new Error(`expected a plan learned from ${stories} done stories, got: ${source}`);
}
const historyEntries = (root: string) => {
  try {
    return readdirSync(path.join(root, ".athena/cache/history")).length;
  } catch {
    return 0;
  }
};

console.log("\n## Planner (npm run bench)\n");
console.log(
  `1,000-story sprint: ${big.ready.length} ready-for-dev, ${big.done.length} done with a File List; stories of 10-20 KB, architecture.md ${(readFileSync(path.join(big.root, architecture)).length / 1024).toFixed(0)} KB`,
);
console.log(
  "Default configuration: parallel.learnFromHistory on. Cold = no .athena/ (removed before each run, untimed).\n",
);

// Learning off first: the planner alone against its own floor (and it warms the parser up).
const [floorTimes, offTimes] = await interleave(
  7,
  () => floor(big.root, named),
  () => plan(big.root, named, learningOff),
  { before: { b: clear(big.root) } },
);

// The headline: learning on, truly cold, against everything such a plan must read and parse;
// and the same with the parse cache off, to tell the parse-cache writes from the rest.
const [learningFloorTimes = [], coldTimes = [], coldNoCacheTimes = []] = await rotate(
  3,
  [
    { fn: () => learningFloor(big.root, named, big.done) },
    { fn: () => learned(plan(big.root, named), big.done.length), before: clear(big.root) },
    {
      fn: () => learned(plan(big.root, named, { cache: false }), big.done.length),
      before: clear(big.root),
    },
  ],
  { warmup: false, gc: true },
);
if (historyEntries(big.root) !== 1)
  throw new Error("the cold plan did not cache its history model");
const cold = median(coldTimes);
line(
  "plan 10 named stories, cold (no .athena/), learning on, vs its floor",
  fmt(cold),
  cold / median(learningFloorTimes),
  { max: 1.3, label: "target <= 1.3x" },
);
console.log(
  `  (floor ${fmt(median(learningFloorTimes))}: read + remark-parse the sprint file, architecture.md, the 10 stories AND the ${big.done.length} done stories the history model learns from)`,
);
line(
  "  the same, parse cache off (no parse-cache writes; the model is still built)",
  fmt(median(coldNoCacheTimes)),
  median(coldNoCacheTimes) / median(learningFloorTimes),
);
const perRound = (times: number[]) =>
  times.map((t, i) => `${(t / (learningFloorTimes[i] ?? Number.NaN)).toFixed(2)}x`).join(" ");
console.log(
  `  (each round against its own floor: cold ${perRound(coldTimes)}; parse cache off ${perRound(coldNoCacheTimes)})`,
);
line(
  "  the same cold plan vs the floor without the done stories",
  fmt(cold),
  cold / median(floorTimes),
);
console.log(
  `  (floor ${fmt(median(floorTimes))}: read + parse the sprint file, architecture.md and the 10 stories only)`,
);
line(
  "plan 10 named stories, cold, learning OFF, vs that same floor",
  fmt(median(offTimes)),
  median(offTimes) / median(floorTimes),
  { max: 1.3, label: "target <= 1.3x" },
);
line("  cold plan, learning on vs learning off", fmt(cold), cold / median(offTimes));

// Size of the sprint: the plan itself, with the learned model in place (parse cache off).
const [smallTimes, bigTimes] = await interleave(
  7,
  () => learned(plan(small.root, smallNamed, { cache: false }), small.done.length),
  () => learned(plan(big.root, named, { cache: false }), big.done.length),
);
line(
  "same plan, 1,000- vs 100-story sprint, history model built, no parse cache",
  fmt(median(bigTimes)),
  median(bigTimes) / median(smallTimes),
  { max: 1.2, label: "target <= 1.2x" },
);
const smallCold = await sample(
  3,
  () => learned(plan(small.root, smallNamed), small.done.length),
  1,
  clear(small.root),
);
line(
  `  cold, learning on: 1,000- vs 100-story sprint (${big.done.length} vs ${small.done.length} done)`,
  fmt(cold),
  cold / median(smallCold),
);
console.log(`  (100-story sprint cold ${fmt(median(smallCold))}: grows with the done stories)`);

// The same plan again in a new process with nothing changed: the caches answer.
type Once = { ms: number; maxRssKb: number; history: string | null; learning: boolean };
const coldProcess: number[] = [];
const warmProcess: number[] = [];
let rss = { cold: 0, warm: 0 };
for (let i = 0; i < 3; i++) {
  clear(big.root)();
  const c = once<Once>("plan-once.ts", [big.root, ...named]);
  const w = once<Once>("plan-once.ts", [big.root, ...named]);
  learned(c, big.done.length);
  learned(w, big.done.length);
  coldProcess.push(c.ms);
  warmProcess.push(w.ms);
  rss = { cold: Math.max(rss.cold, c.maxRssKb), warm: Math.max(rss.warm, w.maxRssKb) };
}
line(
  "same plan again, new process, nothing changed, vs cold in a new process",
  fmt(median(warmProcess)),
  median(warmProcess) / median(coldProcess),
  { max: 0.2, label: "target <= 0.2x" },
);
console.log(
  `  (cold in a new process ${fmt(median(coldProcess))}: parses ${big.done.length + named.length + 1} markdown files, learns, writes the parse cache and the history model;`,
);
console.log(
  "   warm: cached parses of the sprint, architecture and 10 stories, cached history model (keyed by the done stories' sizes and times);",
);
console.log("   time measured inside each process, start-up excluded)");
console.log(`  peak RSS: cold ${mb(rss.cold)}, warm ${mb(rss.warm)}`);

const [proposeFloor, propose] = await interleave(
  3,
  () => floor(big.root, big.ready),
  () => learned(plan(big.root, undefined, { cache: false }), big.done.length),
);
line(
  "propose a batch from 200 ready-for-dev stories, history model built, no parse cache",
  fmt(median(propose)),
  median(propose) / median(proposeFloor),
);
console.log(
  `  (floor ${fmt(median(proposeFloor))}: read + parse the sprint file, architecture.md and the 200 stories)`,
);

rmSync(base, { recursive: true, force: true });

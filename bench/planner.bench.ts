/**
 * The planner (issue "Plan"): time and memory of planning, as ratios to a floor measured in the
 * same run: reading and remark-parsing exactly the files the plan needs, and nothing else.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { parseDocument } from "yaml";
import { parseMarkdown } from "../src/bmad/markdown.ts";
import { planProject } from "../src/plan-project.ts";
import { generateProject } from "./lib/generate.ts";
import { fmt, interleave, line, median } from "./lib/stats.ts";

const env = { HOME: "/nonexistent", XDG_CONFIG_HOME: "/nonexistent" };
const base = mkdtempSync(path.join(tmpdir(), "athena-bench-plan-"));
const big = generateProject(path.join(base, "p1000"), { stories: 1000, ready: 200 });
const small = generateProject(path.join(base, "p100"), { stories: 100, ready: 10 });
const impl = "_bmad-output/implementation-artifacts";
const named = big.ready.slice(0, 10);

/** The floor: read + parse the sprint file, the architecture and the given stories. */
function floor(root: string, keys: string[]): void {
  parseDocument(readFileSync(path.join(root, impl, "sprint-status.yaml"), "utf8"));
  parseMarkdown(
    readFileSync(path.join(root, "_bmad-output/planning-artifacts/architecture.md"), "utf8"),
  );
  for (const key of keys) parseMarkdown(readFileSync(path.join(root, impl, `${key}.md`), "utf8"));
}
const cold = (root: string, ids?: string[]) =>
  planProject(root, { ...(ids ? { ids } : {}), cache: false, env });

console.log("\n## Planner (npm run bench)\n");
console.log(
  `1,000-story sprint: stories of 10-20 KB, architecture.md ${(readFileSync(path.join(big.root, "_bmad-output/planning-artifacts/architecture.md")).length / 1024).toFixed(0)} KB\n`,
);

const [floorTimes, coldTimes] = await interleave(
  7,
  () => floor(big.root, named),
  () => cold(big.root, named),
);
line(
  "plan 10 named stories, cold, vs reading+parsing what it needs",
  fmt(median(coldTimes)),
  median(coldTimes) / median(floorTimes),
  { max: 1.3, label: "target <= 1.3x" },
);
console.log(`  (floor ${fmt(median(floorTimes))})`);

const smallNamed = small.ready.slice(0, 10);
const [smallTimes, bigTimes] = await interleave(
  7,
  () => cold(small.root, smallNamed),
  () => cold(big.root, named),
);
line(
  "same plan, 1,000-story sprint vs 100-story sprint",
  fmt(median(bigTimes)),
  median(bigTimes) / median(smallTimes),
  { max: 1.2, label: "target <= 1.2x" },
);

// The same plan again in a new process with nothing changed: the parse cache answers.
const once = (root: string) => {
  const result = spawnSync(
    process.execPath,
    ["--import", "tsx", path.join(import.meta.dirname, "lib/plan-once.ts"), root, ...named],
    { encoding: "utf8" },
  );
  if (result.status !== 0) throw new Error(result.stderr);
  return JSON.parse(result.stdout) as { ms: number; maxRssKb: number };
};
const coldProcess: number[] = [];
const warmProcess: number[] = [];
let rss = { cold: 0, warm: 0 };
for (let i = 0; i < 5; i++) {
  rmSync(path.join(big.root, ".athena"), { recursive: true, force: true });
  const c = once(big.root);
  const w = once(big.root);
  coldProcess.push(c.ms);
  warmProcess.push(w.ms);
  rss = { cold: Math.max(rss.cold, c.maxRssKb), warm: Math.max(rss.warm, w.maxRssKb) };
}
line(
  "same plan again, new process, nothing changed (cache) vs cold",
  fmt(median(warmProcess)),
  median(warmProcess) / median(coldProcess),
  { max: 0.2, label: "target <= 0.2x" },
);
console.log(
  `  (cold in a new process ${fmt(median(coldProcess))}; time measured inside the process, start-up excluded)`,
);
console.log(
  `  peak RSS: cold ${(rss.cold / 1024).toFixed(0)} MB, warm ${(rss.warm / 1024).toFixed(0)} MB`,
);

const [proposeFloor, propose] = await interleave(
  3,
  () => floor(big.root, big.ready),
  () => cold(big.root),
);
line(
  "propose a batch from 200 ready-for-dev stories vs its floor",
  fmt(median(propose)),
  median(propose) / median(proposeFloor),
);
console.log(`  (floor ${fmt(median(proposeFloor))})`);

rmSync(base, { recursive: true, force: true });

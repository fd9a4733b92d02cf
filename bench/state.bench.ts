/**
 * Durable state (issue "Durable state"): a file lock's acquire + release against a bare mkdir +
 * rmdir in the same folder, and a status change in a 500-story sprint file against a bare
 * read-parse-write of it, both measured in the same run.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { parseDocument } from "yaml";
import { setStatus } from "../src/bmad/sprint-writer.ts";
import { FileLocks } from "../src/run/locks.ts";
import { fmt, interleave, line, median, quantile } from "./lib/stats.ts";

const root = mkdtempSync(path.join(tmpdir(), "athena-bench-state-"));
console.log("\n## Durable state (npm run bench)\n");

const locks = new FileLocks({ root });
const holder = { story: "1-1-bench", run: "run-bench" };
await locks.tryAcquire("warm.ts", holder); // creates .athena/locks
await locks.release("warm.ts", holder.story);
const bare = path.join(root, ".athena", "locks", "bare.lock");
let n = 0;
const [mkdirTimes, lockTimes] = await interleave(
  400,
  () => {
    mkdirSync(bare);
    rmdirSync(bare);
  },
  async () => {
    const file = `src/file${n++ % 50}.ts`;
    const result = await locks.tryAcquire(file, holder);
    if (!result.ok) throw new Error(result.message);
    await locks.release(file, holder.story);
  },
);
line(
  "lock acquire + release, median, vs mkdir + rmdir",
  fmt(median(lockTimes)),
  median(lockTimes) / median(mkdirTimes),
  { max: 3, label: "target <= 3x" },
);
line(
  "lock acquire + release, p99, vs mkdir + rmdir p99",
  fmt(quantile(lockTimes, 0.99)),
  quantile(lockTimes, 0.99) / quantile(mkdirTimes, 0.99),
);
console.log(
  `  (mkdir + rmdir: median ${fmt(median(mkdirTimes))}, p99 ${fmt(quantile(mkdirTimes, 0.99))})`,
);

const entries = ["# STATUS DEFINITIONS: kept", "development_status:"];
for (let i = 0; i < 500; i++) {
  if (i % 10 === 0) entries.push(`  # Epic ${i / 10 + 1}`, `  epic-${i / 10 + 1}: in-progress`);
  entries.push(`  ${Math.floor(i / 10) + 1}-${(i % 10) + 1}-story-${i}: ready-for-dev`);
}
const sprint = path.join(root, "sprint-status.yaml");
writeFileSync(sprint, `${entries.join("\n")}\n`);
const bareFile = path.join(root, "bare.yaml");
writeFileSync(bareFile, `${entries.join("\n")}\n`);
let k = 0;
const keys = entries.filter((e) => /^ {2}\d/.test(e)).map((e) => e.trim().split(":")[0] ?? "");
const [rpwTimes, markTimes] = await interleave(
  60,
  () => {
    const doc = parseDocument(readFileSync(bareFile, "utf8"));
    doc.setIn(["development_status", keys[k % 500] ?? ""], "in-progress");
    writeFileSync(bareFile, doc.toString());
  },
  async () => {
    await setStatus(
      { root, sprintFile: "sprint-status.yaml" },
      { key: keys[k++ % 500] ?? "", status: "in-progress" },
    );
  },
);
line(
  "status change in a 500-story sprint file vs read-parse-write",
  fmt(median(markTimes)),
  median(markTimes) / median(rpwTimes),
  { max: 2, label: "target <= 2x" },
);
console.log(
  `  (bare read-parse-write ${fmt(median(rpwTimes))}; ours locks, re-reads, writes atomically, keeps every byte)`,
);
rmSync(root, { recursive: true, force: true });

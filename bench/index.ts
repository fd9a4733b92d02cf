/**
 * `npm run bench`: every benchmark, one after the other, each in its own process. Each prints
 * ratios against a baseline measured in the same run; none fails the build (machines are noisy).
 * `npm run bench -- planner state` runs only those.
 */
import { spawnSync } from "node:child_process";
import path from "node:path";

const ALL = ["planner", "accuracy", "parse", "state", "run", "outside", "host"];
const wanted = process.argv.slice(2).filter((a) => ALL.includes(a));
for (const name of wanted.length > 0 ? wanted : ALL) {
  const file = path.join(import.meta.dirname, `${name}.bench.ts`);
  const result = spawnSync(process.execPath, ["--import", "tsx", "--expose-gc", file], {
    stdio: "inherit",
  });
  if (result.status !== 0) console.error(`bench ${name} exited with ${result.status}`);
}

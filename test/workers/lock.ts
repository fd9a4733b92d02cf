// contend: take the lock ROUNDS times, logging enter/exit around a pause; hold: take it and wait.
import { appendFileSync } from "node:fs";
import { FileLocks } from "../../src/run/locks.ts";

const [mode, root, file, story, rounds = "1", log = "", staleMs = "30000"] = process.argv.slice(2);
if (!mode || !root || !file || !story)
  throw new Error("usage: lock MODE ROOT FILE STORY [ROUNDS LOG STALE]");
const locks = new FileLocks({ root, staleMs: Number(staleMs) });
const holder = { story, run: `run-${story}` };
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

if (mode === "hold") {
  const result = await locks.tryAcquire(file, holder);
  console.log(result.ok ? "held" : `refused ${result.message}`);
  setInterval(() => {}, 1_000);
} else {
  for (let i = 0; i < Number(rounds); i++) {
    const result = await locks.acquire(file, holder, 60_000);
    if (!result.ok) throw new Error(result.message);
    appendFileSync(log, `enter ${story}\n`);
    await pause(5 + Math.random() * 20);
    appendFileSync(log, `exit ${story}\n`);
    await locks.release(file, story);
    await pause(Math.random() * 5);
  }
  console.log("done");
}

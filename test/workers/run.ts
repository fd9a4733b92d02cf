// Starts a run as the live engine would (sprint entries claimed, locks taken, record saved),
// says "ready", then waits to be killed. With "records-sprint", the record names its sprint file
// as the engine's do; without, it is a record from before that field.
import { setStatus } from "../../src/bmad/sprint-writer.ts";
import { FileLocks } from "../../src/run/locks.ts";
import { createRun, saveRun } from "../../src/run/state.ts";

const [root = "", recordsSprint] = process.argv.slice(2);
const sprint = { root, sprintFile: "sprint-status.yaml" };
const locks = new FileLocks({ root });
const now = new Date().toISOString();
const story = (key: string, state: "running" | "queued", sessionId?: string) => ({
  key,
  id: key.split("-").slice(0, 2).join("."),
  state,
  ...(sessionId ? { sessionId, startedAt: now } : {}),
  previousStatus: "ready-for-dev",
  claimedStatus: "in-progress",
  wroteFiles: [],
  errors: [],
  updatedAt: now,
});
const run = createRun({
  strategy: "coordinate",
  cap: 2,
  ...(recordsSprint === "records-sprint" ? { sprintFile: sprint.sprintFile } : {}),
  stories: [
    story("1-1-live", "running", "ses_live"),
    story("1-2-dead", "running", "ses_dead"),
    story("1-3-queued", "queued"),
  ],
});
for (const s of run.stories) await setStatus(sprint, { key: s.key, status: "in-progress" });
await locks.tryAcquire("src/live.ts", { story: "1-1-live", run: run.id, session: "ses_live" });
await locks.tryAcquire("src/dead.ts", { story: "1-2-dead", run: run.id, session: "ses_dead" });
saveRun(root, run);
console.log(`ready ${run.id}`);
setInterval(() => {}, 1_000);

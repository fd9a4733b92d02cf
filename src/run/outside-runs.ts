/**
 * Runs of other OpenCode processes on the same project, seen through `.athena/runs/`: listed
 * read-only in `status`, and cancelled through a request file their owner watches
 * (`.athena/requests/cancel-<run-id>`), since only the owning process can abort its sessions.
 */
import { existsSync, rmSync, writeFileSync } from "node:fs";
import { hostname } from "node:os";
import path from "node:path";
import { ensureAthenaDir } from "../bmad/cache.ts";
import { processAlive } from "./locks.ts";
import { loadRuns, RUN_ID, type RunRecord } from "./state.ts";

/** Running runs on this project owned by another live process of this machine. */
export function otherLiveRuns(root: string, own: ReadonlySet<string>): RunRecord[] {
  return loadRuns(root).runs.filter(
    (r) => r.state === "running" && !own.has(r.id) && r.host === hostname() && processAlive(r.pid),
  );
}

function requestFile(root: string, runId: string): string {
  if (!RUN_ID.test(runId)) throw new Error(`invalid run id "${runId}"`);
  return path.join(root, ".athena", "requests", `cancel-${runId}`);
}

/** Asks the process owning `runId` to cancel it. */
export function requestCancel(root: string, runId: string): void {
  const file = requestFile(root, runId);
  ensureAthenaDir(root, "requests");
  writeFileSync(file, `${process.pid}\n`);
}

/** True (and the request removed) when someone asked this process to cancel `runId`. */
export function takeCancelRequest(root: string, runId: string): boolean {
  const file = requestFile(root, runId);
  if (!existsSync(file)) return false;
  rmSync(file, { force: true });
  return true;
}

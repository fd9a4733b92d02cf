/**
 * Recovery at plugin start: runs left `running` by a process that is gone are reconciled with
 * the host. Stories whose session is still busy are re-attached (this process adopts the run);
 * the rest are marked `interrupted`, their locks released and their sprint entries put back to
 * what they were before the run, unless someone changed them since.
 */
import { hostname } from "node:os";
import { type StatusChangeResult, setStatus, type WriterOptions } from "../bmad/sprint-writer.ts";
import type { HostSessions } from "./host.ts";
import type { Journal } from "./journal.ts";
import { type FileLocks, processAlive } from "./locks.ts";
import { ACTIVE_STATES, FINAL_STATES, loadRuns, type RunRecord, saveRun } from "./state.ts";

export interface RecoveryDeps {
  root: string;
  host: HostSessions;
  locks: FileLocks;
  /** Where sprint-status.yaml is; without it, sprint entries are left as they are. */
  sprint?: WriterOptions;
  /** The change journal: an interrupted story's record is closed with the files as they are. */
  journal?: Journal;
}

export interface RecoveryReport {
  run: string;
  reattached: string[];
  interrupted: string[];
  restored: StatusChangeResult[];
  locksReleased: string[];
  notes: string[];
}

/** True when the run's own process still lives (so it is not ours to recover). */
function ownerAlive(run: RunRecord): boolean {
  if (run.pid === process.pid && run.host === hostname()) return true;
  // A run from another machine (a shared folder) cannot be judged from here: leave it.
  return run.host !== hostname() || processAlive(run.pid);
}

/** The lock a process holds while it recovers a run, and the holder it names. */
const recoveryLock = (run: string) => `(recovery of ${run})`;
const RECOVERER = "(recovery)";

export async function recoverRuns(
  deps: RecoveryDeps,
): Promise<{ reports: RecoveryReport[]; damaged: string[] }> {
  const { runs, damaged, foreign } = loadRuns(deps.root, { setAside: true });
  const reports: RecoveryReport[] = [];
  for (const listed of runs) {
    if (listed.state !== "running" || ownerAlive(listed)) continue;
    // One process at a time recovers a run: two at once (a restart, and a call in another
    // process) each put back entries, the slower one over a claim made meanwhile by a run
    // that started the story again.
    const name = recoveryLock(listed.id);
    if (!(await deps.locks.tryAcquire(name, { story: RECOVERER, run: listed.id })).ok) continue;
    try {
      // As it is now that it is ours: another process may have recovered it since.
      const run = loadRuns(deps.root).runs.find((r) => r.id === listed.id);
      if (run?.state !== "running" || ownerAlive(run)) continue;
      const report: RecoveryReport = {
        run: run.id,
        reattached: [],
        interrupted: [],
        restored: [],
        locksReleased: [],
        notes: [],
      };
      // The dead process's last save (working runs save every few seconds): when its stories
      // stopped, not when this recovery happens to run, maybe days later.
      const lastAlive = run.updatedAt;
      for (const story of run.stories) {
        if (FINAL_STATES.has(story.state)) continue;
        const state =
          story.sessionId && ACTIVE_STATES.has(story.state)
            ? await deps.host.sessionState(story.sessionId)
            : "missing";
        if (state === "busy" || state === "retry") {
          report.reattached.push(story.key);
          Object.assign(story, { state: "running", updatedAt: new Date().toISOString() });
          // Nothing here followed its asks meanwhile: the next one is heard afresh.
          delete story.asking;
          // Its locks were kept fresh by the dead process: take them over for the live session.
          const holder = {
            story: story.key,
            run: run.id,
            ...(story.sessionId ? { session: story.sessionId } : {}),
          };
          for (const p of deps.locks.removeLeftBy(run.id, story.key)) {
            const taken = await deps.locks.tryAcquire(p, holder);
            if (!taken.ok)
              report.notes.push(`${story.key}: could not take its lock back: ${taken.message}`);
          }
          continue;
        }
        report.interrupted.push(story.key);
        delete story.asking;
        Object.assign(story, {
          state: "interrupted",
          endedAt: lastAlive,
          errors: [...story.errors, `interrupted: the process running it (pid ${run.pid}) ended`],
          updatedAt: new Date().toISOString(),
        });
        report.locksReleased.push(...deps.locks.removeLeftBy(run.id, story.key));
        deps.journal?.close(run.id, story.key);
        // The run's own sprint file, as its plan found it (records from before: the process's).
        const sprint = run.sprintFile
          ? { root: deps.root, ...deps.sprint, sprintFile: run.sprintFile }
          : deps.sprint;
        if (sprint && story.claimedStatus && story.previousStatus !== story.claimedStatus) {
          try {
            const restored = await setStatus(sprint, {
              key: story.key,
              status: story.previousStatus,
              restore: { expectedCurrent: story.claimedStatus },
            });
            report.restored.push(restored);
          } catch (error) {
            report.notes.push(
              `${story.key}: sprint entry not restored: ${(error as Error).message}`,
            );
          }
        }
      }
      report.locksReleased.push(...deps.locks.removeLeftBy(run.id));
      if (report.reattached.length > 0) {
        // This process adopts the run: its live stories are followed from here on.
        Object.assign(run, { pid: process.pid, host: hostname() });
      } else {
        run.state = "interrupted";
      }
      saveRun(deps.root, run);
      reports.push(report);
    } finally {
      await deps.locks.release(name, RECOVERER);
    }
  }
  return {
    reports,
    damaged: [
      ...damaged.map((d) => `${d.file}: ${d.reason}; moved to ${d.movedTo}`),
      ...foreign.map(
        (f) =>
          `${f.file}: a run record of format ${String(f.version)} (another athena-parallel's); left as it is`,
      ),
    ],
  };
}

/**
 * Admission: which of a run's stories may start now, in the schedule's order. A story starts
 * when its dependencies have completed (in the run, or outside it: another run, a person), no
 * conflict partner is being worked on (under `coordinate`, in the run or outside it), and a
 * slot of the run's cap is free; one whose dependency ended otherwise is cancelled; a run whose
 * budget is spent starts nothing more. Pure: the engine applies what this decides.
 */
import { FINISHED_STATUSES } from "../bmad/sprint-status.ts";
import type { LiveRun } from "./live.ts";
import { isNewerWork, NO_OUTSIDE_WORK, type OutsideWork, workedOn } from "./outside-runs.ts";
import { type EndReason, FINAL_STATES, type StoryState } from "./state.ts";

export type Admission =
  | { key: string; kind: "start" }
  | {
      key: string;
      kind: "wait";
      state: StoryState;
      why: string;
      /** It waits for work outside its run (another run, a person). */
      outside?: true;
    }
  | { key: string; kind: "cancel"; why: string; reason: EndReason };

export function admissions(run: LiveRun, outside: OutsideWork = NO_OUTSIDE_WORK): Admission[] {
  if (run.record.state !== "running") return [];
  const waiting = [...run.stories.values()].filter(
    (s) => !s.admitted && !FINAL_STATES.has(s.record.state),
  );
  if (run.record.stopped)
    return waiting.map((s) => ({
      key: s.record.key,
      kind: "cancel",
      why: `not started: ${run.record.stopped}`,
      reason: "budget",
    }));
  const order = [
    ...run.plan.schedule.order.map((o) => o.story),
    ...run.record.stories.map((s) => s.key),
  ].filter((key, i, all) => all.indexOf(key) === i && run.stories.has(key));
  const running = new Set(
    [...run.stories.values()]
      .filter((s) => s.admitted && !FINAL_STATES.has(s.record.state))
      .map((s) => s.record.key),
  );
  const out: Admission[] = [];
  for (const key of order) {
    const story = run.stories.get(key);
    if (!story || story.admitted || FINAL_STATES.has(story.record.state)) continue;
    const deps = story.planned.dependencies.flatMap((d) => {
      const dep = d.key ? run.stories.get(d.key) : undefined;
      return dep ? [dep] : [];
    });
    const failed = deps.find(
      (d) => FINAL_STATES.has(d.record.state) && d.record.state !== "completed",
    );
    if (failed) {
      out.push({
        key,
        kind: "cancel",
        why: `not started: it depends on ${failed.record.key}, which ended ${failed.record.state}`,
        reason: "dependency",
      });
      continue;
    }
    const pending = deps.find((d) => d.record.state !== "completed");
    if (pending) {
      out.push({
        key,
        kind: "wait",
        state: "waiting-deps",
        why: `waits for ${pending.record.key} to complete`,
      });
      continue;
    }
    const elsewhere = outsideWait(run, key, outside);
    if (elsewhere) {
      out.push(elsewhere);
      continue;
    }
    const partner = [...(run.partners.get(key) ?? [])].find((k) => running.has(k));
    if (partner) {
      out.push({
        key,
        kind: "wait",
        state: "waiting-conflict",
        why: `waits for ${partner} (they write the same files)`,
      });
      continue;
    }
    if (running.size >= run.record.cap) {
      out.push({ key, kind: "wait", state: "queued", why: "waits for a free slot" });
      continue;
    }
    running.add(key);
    out.push({ key, kind: "start" });
  }
  return out;
}

/**
 * What keeps a story back outside its run: a dependency still worked on elsewhere (or one that
 * left `in-progress` without completing: the story is cancelled), or, under `coordinate`, a
 * conflicting story still worked on elsewhere.
 */
function outsideWait(run: LiveRun, key: string, outside: OutsideWork): Admission | undefined {
  for (const dep of run.outsideDeps.get(key) ?? []) {
    const work = outside.working.get(dep);
    if (work)
      return {
        key,
        kind: "wait",
        state: "waiting-deps",
        why: `waits for ${dep} to complete (${workedOn(work)})`,
        outside: true,
      };
    const status = outside.status.get(dep);
    // An unreadable sprint file (mid-edit) tells nothing: wait for the next look.
    if (status === undefined && outside.status.size === 0)
      return { key, kind: "wait", state: "waiting-deps", why: `waits for ${dep} to complete` };
    if (!FINISHED_STATUSES.has(status ?? ""))
      return {
        key,
        kind: "cancel",
        why: `not started: it depends on ${dep}, which stopped without completing (its sprint entry is now ${status === undefined ? "gone" : `"${status}"`})`,
        reason: "dependency",
      };
  }
  // A conflict with a newer run's story is that run's to wait for: conflict waits go from newer
  // runs to older ones only, so two runs never wait for each other over a conflict.
  for (const other of run.outsidePartners.get(key) ?? []) {
    const work = outside.working.get(other);
    if (work && !isNewerWork(work, run.record))
      return {
        key,
        kind: "wait",
        state: "waiting-conflict",
        why: `waits for ${other} (they write the same files), ${workedOn(work)}`,
        outside: true,
      };
  }
  return undefined;
}

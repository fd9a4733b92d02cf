/**
 * A run as it happened, as a Mermaid gantt chart: one section per story, a bar from its start
 * to its end (or now), marked done, running or failed, and its waits (a file lock, a
 * conflicting story, a dependency, the user's answer to the host) as bars of their own before
 * or inside it, those of one kind joined past a few (src/run/wait-bars.ts).
 */
import { type GanttBar, renderGantt } from "../plan/gantt.ts";
import type { RunRecord } from "./state.ts";
import { mergeWaitBars } from "./wait-bars.ts";

const WAIT_LABEL = {
  "waiting-lock": "waits for a lock",
  "waiting-conflict": "waits for a conflicting story",
  "waiting-deps": "waits for a dependency",
} as const;

export function runGantt(run: RunRecord, now: number): string {
  const bars: GanttBar[] = [];
  const time = (iso: string | undefined, fallback: number) =>
    iso && Number.isFinite(Date.parse(iso)) ? Date.parse(iso) : fallback;
  for (const story of run.stories) {
    const section = `${story.id} ${story.key}`;
    const waits: GanttBar[] = [];
    for (const wait of story.userWaits) {
      waits.push({
        section,
        label: `waits for your answer (${wait.kind})`,
        start: time(wait.from, now),
        end: time(wait.to, time(story.endedAt, now)),
        tag: "crit",
      });
    }
    for (const wait of story.waits) {
      waits.push({
        section,
        label: WAIT_LABEL[wait.state],
        start: time(wait.from, now),
        end: time(wait.to, time(story.endedAt, now)),
        tag: "crit",
      });
    }
    // Hundreds of asks would draw hundreds of bars: few, each saying how many it holds.
    bars.push(...mergeWaitBars(waits));
    if (!story.startedAt) continue;
    const ended = story.endedAt !== undefined;
    bars.push({
      section,
      label: `${story.state}${story.reason ? ` (${story.reason})` : ""}${story.attempts > 1 ? `, ${story.attempts} attempts` : ""}`,
      start: time(story.startedAt, now),
      end: time(story.endedAt, now),
      tag: !ended ? "active" : story.state === "completed" ? "done" : "crit",
    });
  }
  return renderGantt(`Run ${run.id}: ${run.state}`, bars);
}

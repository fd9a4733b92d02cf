/**
 * Timelines as Mermaid `gantt` charts, for people who want to see a schedule or a run at a
 * glance: bars with a start and an end in epoch seconds (`dateFormat X`), grouped in sections.
 * The planned schedule comes out of a plan here; a run as it happened is drawn by
 * run/timeline.ts with the same renderer.
 */
import type { Plan } from "./types.ts";

export interface GanttBar {
  section: string;
  label: string;
  /** Epoch ms. */
  start: number;
  end: number;
  /** Mermaid's task tags: `done` (finished), `active` (running), `crit` (failed, or waiting). */
  tag?: "done" | "active" | "crit";
}

/** A Mermaid gantt chart of the bars, in the order given, sections in first-seen order. */
export function renderGantt(title: string, bars: readonly GanttBar[]): string {
  const lines = ["gantt", `  title ${plain(title)}`, "  dateFormat X", "  axisFormat %H:%M"];
  const sections = [...new Set(bars.map((b) => b.section))];
  let n = 0;
  for (const section of sections) {
    lines.push(`  section ${plain(section)}`);
    for (const bar of bars.filter((b) => b.section === section)) {
      // Both ends rounded the same way: a bar that ends when the next one starts ends on the
      // second the next one starts (flooring starts and ceiling ends overlapped them by one).
      const start = Math.round(bar.start / 1000);
      // A bar shorter than a second is drawn one second long: Mermaid drops empty ones.
      const end = Math.max(start + 1, Math.round(bar.end / 1000));
      lines.push(
        `  ${plain(bar.label)} :${bar.tag ? `${bar.tag}, ` : ""}t${++n}, ${start}, ${end}`,
      );
    }
  }
  return `${lines.join("\n")}\n`;
}

export interface PlannedGanttOptions {
  /** When the schedule would start, epoch ms. */
  startAt: number;
  /** How long one task takes, ms (from history, or an assumption the title states). */
  perTaskMs: number;
  /** What the durations rest on, for the title: "4 min per task from 12 earlier stories". */
  pace: string;
}

/** The plan's schedule with estimated durations, one section per wave. */
export function plannedGantt(plan: Plan, options: PlannedGanttOptions): string {
  const story = new Map(plan.stories.map((s) => [s.key, s]));
  const waveOf = new Map(plan.schedule.waves.flatMap((w, i) => w.map((k) => [k, i + 1] as const)));
  const at = (units: number) => options.startAt + units * options.perTaskMs;
  const bars = plan.schedule.order.map((o) => {
    const s = story.get(o.story);
    return {
      section: `Wave ${waveOf.get(o.story) ?? 1}`,
      label: `${s?.id ?? o.story} ${s?.title ?? ""}`.trim(),
      start: at(o.start),
      end: at(o.end),
    };
  });
  return renderGantt(`Planned schedule, cap ${plan.schedule.cap} (${options.pace})`, bars);
}

/**
 * Text Mermaid takes as a title or a task name: no `:` (it starts a task's data), `#` or `;`
 * (comments and statement ends), no line breaks; at most 80 characters.
 */
function plain(text: string): string {
  return text
    .replace(/[^\p{L}\p{N} .,!?'_/+*=@~()[\]-]/gu, " ")
    .replace(/\s+/g, " ")
    .trim()
    .slice(0, 80);
}

/**
 * The waits of one story, of one kind, as few bars: a story that asked hundreds of permissions
 * would otherwise draw hundreds of bars, a chart no one can read (and Mermaid slow to draw).
 * Waits that overlap or touch are one bar; past `max` bars, the two closest neighbours are
 * joined until `max` are left. A joined bar spans its first wait's start to its last one's end
 * and says how many waits it holds and how long they took in all, since the span is longer.
 */
import type { GanttBar } from "../plan/gantt.ts";

/** The most bars drawn for one kind of wait of one story. */
export const MAX_WAIT_BARS = 8;

interface Stretch {
  start: number;
  end: number;
  /** The waits joined, and their time in all (ms), overlaps counted once. */
  count: number;
  busy: number;
}

export function mergeWaitBars(waits: readonly GanttBar[], max = MAX_WAIT_BARS): GanttBar[] {
  const groups = new Map<string, GanttBar[]>();
  for (const w of waits) {
    const key = `${w.section}\n${w.label}\n${w.tag ?? ""}`;
    groups.set(key, [...(groups.get(key) ?? []), w]);
  }
  const out: GanttBar[] = [];
  for (const group of groups.values()) {
    const first = group[0];
    if (!first) continue;
    const stretches: Stretch[] = [];
    for (const w of [...group].sort((a, b) => a.start - b.start)) {
      const last = stretches.at(-1);
      if (last && w.start <= last.end) {
        last.busy += Math.max(0, w.end - Math.max(w.start, last.end));
        last.end = Math.max(last.end, w.end);
        last.count++;
      } else stretches.push({ start: w.start, end: w.end, count: 1, busy: w.end - w.start });
    }
    while (stretches.length > Math.max(1, max)) {
      // Join the two neighbours with the shortest gap between them.
      let at = 0;
      for (let i = 1; i < stretches.length - 1; i++) {
        const gap = (k: number) => (stretches[k + 1]?.start ?? 0) - (stretches[k]?.end ?? 0);
        if (gap(i) < gap(at)) at = i;
      }
      const [a, b] = stretches.slice(at, at + 2);
      if (!a || !b) break;
      stretches.splice(at, 2, {
        start: a.start,
        end: Math.max(a.end, b.end),
        count: a.count + b.count,
        busy: a.busy + b.busy,
      });
    }
    for (const s of stretches)
      out.push({
        ...first,
        label:
          s.count > 1
            ? `${first.label}, ${s.count} times, ${duration(s.busy)} in all`
            : first.label,
        start: s.start,
        end: s.end,
      });
  }
  return out;
}

/** A short duration: `45 s`, `3 min`, `2 h 5 min`. */
function duration(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s} s`;
  const min = Math.round(s / 60);
  return min < 60 ? `${min} min` : `${Math.floor(min / 60)} h ${min % 60} min`;
}

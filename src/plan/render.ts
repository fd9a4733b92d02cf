/**
 * The plan as people and agents read it: markdown (the report), JSON (the stable shape,
 * `format` versioned) and Mermaid (stories as nodes, conflicts and dependencies as edges).
 */
import type { Evidence } from "../bmad/story.ts";
import type { Conflict, Plan, PlannedStory } from "./types.ts";

const where = (e: Evidence) => (e.line > 0 ? `${e.file}:${e.line}` : e.file);

export function renderJson(plan: Plan): string {
  return `${JSON.stringify(plan, null, 2)}\n`;
}

/**
 * Findings shown per story in the markdown (the JSON has them all): a story of thousands of odd
 * lines gave a report of megabytes, for a reader or a model to wade through.
 */
const FINDINGS_SHOWN = 20;
/** At the least detail (a report over its budget), this many a story. */
const FINDINGS_SHOWN_AT_LEAST = 3;

/**
 * Evidence lines shown per conflict: the surest overlap's, one line per story (the JSON keeps
 * up to six). Six lines under each of forty conflicts made the conflicts most of a report.
 */
const EVIDENCE_SHOWN = 2;

export interface MarkdownOptions {
  /**
   * The most bytes (UTF-8) the report should take. An agent's host cuts a tool's output beyond
   * about 50 KB (OpenCode: 2,000 lines or 50 KB, the rest to a file), and what it cuts is the
   * end: the findings, the warnings, the timeline. Over the budget, the stories' claims are
   * shown one line each, then the advisory overlaps without their evidence, then only as
   * many of them as fit, with a count of the rest.
   */
  budget?: number;
}

/** A text's size as the host counts it: UTF-8 bytes (a story in Chinese takes three a character). */
const bytes = (text: string) => Buffer.byteLength(text, "utf8");

/** How much of the report is shown in full, from everything (0) to the least (3). */
type Detail = 0 | 1 | 2 | 3;

export function renderMarkdown(plan: Plan, options: MarkdownOptions = {}): string {
  const budget = options.budget ?? Number.POSITIVE_INFINITY;
  let text = renderAt(plan, 0, budget);
  for (const detail of [1, 2, 3] as const) {
    if (bytes(text) <= budget) break;
    text = renderAt(plan, detail, budget);
  }
  return text;
}

/** The report's sections, in order; the conflicts fill what the others leave of the budget. */
function renderAt(plan: Plan, detail: Detail, budget: number): string {
  const label = (key: string) => {
    const story = plan.stories.find((s) => s.key === key);
    return story ? `${story.id} (${story.key})` : key;
  };
  const head = headSection(plan, label);
  const stories = [
    ...plan.stories.filter((s) => s.role === "in-batch"),
    ...plan.stories.filter((s) => s.role === "in-progress"),
  ].flatMap((story) => [...(detail === 0 ? renderStory(story) : renderStoryBriefly(story)), ""]);
  const tail = [
    "## Stories",
    "",
    ...stories,
    ...findingsSection(plan, detail === 3 ? FINDINGS_SHOWN_AT_LEAST : FINDINGS_SHOWN),
    ...(plan.warnings.length > 0
      ? ["## Warnings", "", ...plan.warnings.map((w) => `- ${w}`), ""]
      : []),
    "## Files used",
    "",
    ...plan.sources.map((s) => `- ${s}`),
    "",
  ];
  const room = budget - bytes([...head, ...tail].join("\n"));
  return [...head, ...conflictsSection(plan, label, detail, room), ...tail].join("\n");
}

function headSection(plan: Plan, label: (key: string) => string): string[] {
  const out: string[] = [];
  const batch = plan.stories.filter((s) => s.role === "in-batch");
  out.push(`# athena-parallel plan: ${batch.length} stor${batch.length === 1 ? "y" : "ies"}`);
  out.push("");
  out.push(
    plan.mode === "proposed" ? "Proposed from the `ready-for-dev` stories." : "Stories as named.",
  );
  out.push(headline(plan, batch.length), "");

  const unreadable = batch.filter((s) => s.error);
  if (unreadable.length > 0) {
    out.push("## Not planned (the story could not be read)", "");
    for (const s of unreadable)
      out.push(`- ${label(s.key)}: ${s.error?.file}:${s.error?.line}: ${s.error?.message}`);
    out.push("", "The other stories are planned without them.", "");
  }

  out.push(`## Start now (cap ${plan.schedule.cap})`, "");
  out.push(
    plan.schedule.batchNow.length > 0
      ? plan.schedule.batchNow.map((k) => `- ${label(k)}`).join("\n")
      : "- nothing can start now",
  );
  out.push("");

  out.push("## Schedule", "");
  plan.schedule.waves.forEach((wave, i) => {
    out.push(`${i + 1}. ${wave.map(label).join(", ")}`);
  });
  if (plan.schedule.criticalPath.length > 0) {
    out.push(
      "",
      `Critical path: ${plan.schedule.criticalPath.map(label).join(" -> ")} (about ${round(plan.schedule.makespan)} ${round(plan.schedule.makespan) === 1 ? "task" : "tasks"} of work end to end).`,
    );
  }
  for (const b of plan.schedule.blocked) out.push(`- blocked: ${label(b.story)}: ${b.reason}`);
  out.push("");
  return out;
}

/**
 * Every conflict that decides the schedule (blocking, or a dependency) with its evidence; the
 * advisory overlaps after them (one entry for all the pairs through one component or one
 * shared file), with their evidence up to detail 1, and at detail 3 only as many as `room`
 * holds, then a count of the pairs left out.
 */
function conflictsSection(
  plan: Plan,
  label: (key: string) => string,
  detail: Detail,
  room: number,
): string[] {
  const out = ["## Conflicts", ""];
  if (plan.conflicts.length === 0) out.push("None.");
  const decides = (c: Conflict) => c.blocking || c.kind === "dependency";
  const ordered = [...plan.conflicts].sort((a, b) => Number(decides(b)) - Number(decides(a)));
  const order = new Map(plan.stories.map((s, i) => [s.key, i]));
  const entries = groupedOverlaps(ordered, decides).map((group) => ({
    decides: group.length === 1 && decides(group[0] as Conflict),
    pairs: group.length,
    lines:
      group.length === 1
        ? conflictLines(group[0] as Conflict, label)
        : groupLines(group, label, (key) => order.get(key) ?? order.size),
  }));
  let used = 0;
  let left = 0;
  for (const entry of entries) {
    const lines = entry.decides || detail < 2 ? entry.lines : entry.lines.slice(0, 1);
    const size = bytes(lines.join("\n")) + 1;
    // Room is kept for the line that counts what is left out.
    if (detail === 3 && !entry.decides && used + size > room - 200) {
      left += entry.pairs;
      continue;
    }
    used += size;
    out.push(...lines);
  }
  if (left > 0)
    out.push(
      `- and ${left} more advisory overlaps, left to the runtime locks (the JSON report lists them)`,
    );
  out.push("");
  return out;
}

/**
 * The conflicts in order, each alone, but the advisory overlaps through one component or one
 * shared file together: six stories in one component make fifteen pairs that say the same
 * thing, and keep nothing apart.
 */
function groupedOverlaps(
  conflicts: readonly Conflict[],
  decides: (c: Conflict) => boolean,
): Conflict[][] {
  const groups: Conflict[][] = [];
  const bySubject = new Map<string, Conflict[]>();
  for (const c of conflicts) {
    const together = !decides(c) && (c.kind === "component" || c.kind === "shared");
    const subject = `${c.kind}\0${c.detail}`;
    const group = together ? bySubject.get(subject) : undefined;
    if (group) {
      group.push(c);
      continue;
    }
    const fresh = [c];
    groups.push(fresh);
    if (together) bySubject.set(subject, fresh);
  }
  return groups;
}

/** Several advisory overlaps with one subject: the stories, once each, then the evidence. */
function groupLines(
  group: readonly Conflict[],
  label: (key: string) => string,
  position: (key: string) => number,
): string[] {
  const first = group[0] as Conflict;
  const stories = [...new Set(group.flatMap((c) => c.stories))].sort(
    (a, b) => position(a) - position(b),
  );
  const head = `- **${first.kind}** (advisory) ${stories.map(label).join(", ")}: ${first.detail.replace(/^both\b/, "all")} (${group.length} pairs)`;
  // Each place once, through a set: hundreds of stories sharing one file make tens of
  // thousands of pairs.
  const seen = new Set<string>();
  const evidence: Evidence[] = [];
  for (const e of group.flatMap((c) => c.evidence)) {
    const place = `${e.file}:${e.line}`;
    if (seen.has(place)) continue;
    seen.add(place);
    evidence.push(e);
  }
  return [head, ...evidenceLines(evidence)];
}

/** One conflict: its line, then its first evidence (one per story) and a count of the rest. */
function conflictLines(c: Conflict, label: (key: string) => string): string[] {
  const how =
    c.kind === "file"
      ? c.blocking
        ? `blocks, ${percent(c.confidence)} sure`
        : `advisory, ${percent(c.confidence)} sure: left to the runtime locks`
      : c.kind === "dependency"
        ? "order"
        : "advisory";
  return [
    `- **${c.kind}** (${how}) ${label(c.stories[0])} <-> ${label(c.stories[1])}: ${c.detail}`,
    ...evidenceLines(c.evidence),
  ];
}

/** The first EVIDENCE_SHOWN places under a conflict's line, then a count of the rest. */
function evidenceLines(evidence: readonly Evidence[]): string[] {
  const lines = evidence.slice(0, EVIDENCE_SHOWN).map((e) => `  - ${where(e)} (${e.section})`);
  const more = evidence.length - EVIDENCE_SHOWN;
  if (more > 0) lines.push(`  - and ${more} more (the JSON report lists them)`);
  return lines;
}

function findingsSection(plan: Plan, perStory: number): string[] {
  if (plan.findings.length === 0) return [];
  const out = ["## Findings", ""];
  const shown = new Map<string, number>();
  for (const f of plan.findings) {
    const n = (shown.get(f.story) ?? 0) + 1;
    shown.set(f.story, n);
    if (n <= perStory) out.push(`- ${f.story}: ${f.detail} (${where(f.evidence)})`);
  }
  for (const [story, n] of shown)
    if (n > perStory)
      out.push(`- ${story}: ${n - perStory} more findings (the JSON report lists them all)`);
  out.push("");
  return out;
}

/**
 * The plan's verdict in one line. It speaks of running in parallel only when some story can
 * start: over "nothing can start now" (no story ready, or every one blocked) it said "every
 * story can run in parallel", which a reader takes as the answer.
 */
export function headline(plan: Plan, planned: number): string {
  if (planned === 0)
    return plan.mode === "proposed"
      ? "No story is `ready-for-dev`: nothing to plan."
      : "No story to plan.";
  const blocked = plan.schedule.blocked.length;
  if (plan.schedule.batchNow.length === 0) {
    if (blocked === planned)
      return `No story can start now: ${planned === 1 ? "it is" : planned === 2 ? "both are" : `all ${planned} are`} blocked (see the schedule).`;
    // Stories running outside the batch hold back those that write their files: say which,
    // or the schedule's first step reads as what starts now.
    const holding = runningThatBlock(plan);
    if (holding.length > 0)
      return `No story can start now: ${holding.join(", ")} ${holding.length === 1 ? "is" : "are"} in progress outside this batch and ${holding.length === 1 ? "writes" : "write"} files the planned stories write (see the schedule).`;
    return "No story can start now (see the schedule).";
  }
  const blocking = plan.conflicts.filter((c) => c.blocking).length;
  if (blocking > 0)
    return `${blocking} file conflict${blocking === 1 ? "" : "s"}: those stories must not run at the same time.`;
  if (blocked > 0)
    return `No file conflict among the stories that can start; ${blocked} blocked (see the schedule).`;
  // More stories than slots: the later ones wait for a slot, not for another story.
  const cap = plan.schedule.cap;
  return planned === 1
    ? "No file conflict."
    : planned > cap
      ? `No file conflict: any of them can run together; the cap lets ${cap} run at a time, the others start as slots free.`
      : "No file conflict: every story can run in parallel.";
}

/**
 * The ids of the stories running outside the batch that a blocking conflict ties to a story of
 * the batch (two running stories that overlap hold nothing back here).
 */
function runningThatBlock(plan: Plan): string[] {
  const running = new Map(
    plan.stories.filter((s) => s.role === "in-progress").map((s) => [s.key, s.id]),
  );
  const ids = plan.conflicts
    .filter((c) => c.blocking && c.stories.some((key) => !running.has(key)))
    .flatMap((c) => c.stories.flatMap((key) => running.get(key) ?? []));
  return [...new Set(ids)];
}

/** A story in a few lines: its writes as paths and how sure, its reads counted. */
function renderStoryBriefly(story: PlannedStory): string[] {
  const lines = [
    `### ${story.id}: ${story.title}`,
    "",
    `\`${story.key}\`, ${story.status}${story.role === "in-progress" ? " (running outside this batch)" : ""}, tasks ${story.tasks.done}/${story.tasks.total}${story.file ? `, ${story.file}` : ", no story file"}`,
  ];
  if (story.error)
    lines.push(`Not planned: ${story.error.file}:${story.error.line}: ${story.error.message}`);
  const writes = story.claims.filter((c) => c.intent === "write");
  const reads = story.claims.length - writes.length;
  if (writes.length > 0)
    lines.push(`Writes: ${writes.map((c) => `\`${c.path}\` ${percent(c.confidence)}`).join(", ")}`);
  if (reads > 0) lines.push(`Reads: ${reads} ${reads === 1 ? "file" : "files"}`);
  if (story.dependencies.length > 0)
    lines.push(`Depends on: ${story.dependencies.map((d) => d.key ?? d.id).join(", ")}`);
  return lines;
}

function renderStory(story: PlannedStory): string[] {
  const lines = [
    `### ${story.id}: ${story.title}`,
    "",
    `\`${story.key}\`, ${story.status}${story.role === "in-progress" ? " (running outside this batch)" : ""}, tasks ${story.tasks.done}/${story.tasks.total}${story.file ? `, ${story.file}` : ", no story file"}`,
  ];
  if (story.error) {
    const { file, line, message } = story.error;
    lines.push("", `Not planned: ${file}:${line}: ${message}`);
  }
  const writes = story.claims.filter((c) => c.intent === "write");
  const reads = story.claims.filter((c) => c.intent === "read");
  if (writes.length > 0) {
    lines.push("", "Writes:");
    for (const c of writes)
      lines.push(
        `- \`${c.path}\` ${percent(c.confidence)} ${c.basis}${c.hot ? ", hot (shared)" : ""}${c.advisory ? ", advisory" : ""} (${where(c.evidence)}${c.note ? `; ${c.note}` : ""})`,
      );
  }
  if (reads.length > 0) lines.push("", `Reads: ${reads.map((c) => `\`${c.path}\``).join(", ")}`);
  if (story.dependencies.length > 0) {
    lines.push(
      "",
      `Depends on: ${story.dependencies.map((d) => `${d.key ?? d.id} (${d.status ?? "unknown"}, ${where(d.evidence)})`).join(", ")}`,
    );
  }
  return lines;
}

/**
 * A label's text for a quoted Mermaid label: plain letters, digits and punctuation as they
 * are, any other character as Mermaid's entity code (`(` is `#40;`, `€` is `#8364;`), since a
 * quote, a bracket or a `#` would end or break the label; control characters dropped.
 */
export function mermaidText(text: string): string {
  let out = "";
  for (const char of text) {
    if (/[\p{L}\p{N} .,:!?'_/+*=@~-]/u.test(char)) out += char;
    else if (!/\p{C}/u.test(char)) out += `#${char.codePointAt(0)};`;
  }
  return out;
}

/** Mermaid's default `maxEdges`: a flowchart with more is not drawn at all. */
export const MERMAID_MAX_EDGES = 500;

export function renderMermaid(plan: Plan): string {
  const id = (key: string) => `s_${key.replace(/[^A-Za-z0-9_]/g, "_")}`;
  const out = ["graph LR"];
  for (const s of plan.stories) {
    const text = mermaidText(`${s.id}: ${s.title}`);
    out.push(`  ${id(s.key)}["${text}"]${s.role === "in-progress" ? ":::running" : ""}`);
  }
  // Dependencies and blocking conflicts first: they decide the schedule. Advisory overlaps
  // follow while Mermaid still draws the graph (it refuses one of more than 500 edges).
  const decisive = plan.conflicts.filter((c) => c.kind === "dependency" || c.blocking);
  const advisory = plan.conflicts.filter((c) => c.kind !== "dependency" && !c.blocking);
  const shown = [
    ...decisive,
    ...advisory.slice(0, Math.max(0, MERMAID_MAX_EDGES - decisive.length)),
  ];
  for (const c of shown) {
    const [a, b] = c.stories;
    if (c.kind === "dependency") out.push(`  ${id(a)} --> ${id(b)}`);
    else out.push(`  ${id(a)} ${c.blocking ? "<-. file .->" : `<-. ${c.kind} .->`} ${id(b)}`);
  }
  const left = plan.conflicts.length - shown.length;
  if (left > 0)
    out.push(
      `  %% ${left} advisory overlaps left out: Mermaid draws at most ${MERMAID_MAX_EDGES} edges (plan lists them all)`,
    );
  out.push("  classDef running stroke-dasharray: 5 5");
  return `${out.join("\n")}\n`;
}

function percent(n: number): string {
  return `${Math.round(n * 100)}%`;
}

function round(n: number): number {
  return Math.round(n * 10) / 10;
}

/**
 * The plan as people and agents read it: markdown (the report), JSON (the stable shape,
 * `format` versioned) and Mermaid (stories as nodes, conflicts and dependencies as edges).
 */
import type { Evidence } from "../bmad/story.ts";
import { append } from "../util/append.ts";
import type { Plan, PlannedStory } from "./types.ts";

const where = (e: Evidence) => (e.line > 0 ? `${e.file}:${e.line}` : e.file);

export function renderJson(plan: Plan): string {
  return `${JSON.stringify(plan, null, 2)}\n`;
}

/**
 * Findings shown per story in the markdown (the JSON has them all): a story of thousands of odd
 * lines gave a report of megabytes, for a reader or a model to wade through.
 */
const FINDINGS_SHOWN = 20;

export function renderMarkdown(plan: Plan): string {
  const out: string[] = [];
  const batch = plan.stories.filter((s) => s.role === "in-batch");
  const running = plan.stories.filter((s) => s.role === "in-progress");
  const label = (key: string) => {
    const story = plan.stories.find((s) => s.key === key);
    return story ? `${story.id} (${story.key})` : key;
  };

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

  out.push("## Conflicts", "");
  if (plan.conflicts.length === 0) out.push("None.");
  // Blocking ones first: they are what changes the schedule.
  const ordered = [...plan.conflicts].sort((a, b) => Number(b.blocking) - Number(a.blocking));
  for (const c of ordered) {
    const how =
      c.kind === "file"
        ? c.blocking
          ? `blocks, ${percent(c.confidence)} sure`
          : `advisory, ${percent(c.confidence)} sure: left to the runtime locks`
        : c.kind === "dependency"
          ? "order"
          : "advisory";
    out.push(
      `- **${c.kind}** (${how}) ${label(c.stories[0])} <-> ${label(c.stories[1])}: ${c.detail}`,
    );
    for (const e of c.evidence) out.push(`  - ${where(e)} (${e.section})`);
  }
  out.push("");

  out.push("## Stories", "");
  for (const story of [...batch, ...running]) append(out, renderStory(story)).push("");

  if (plan.findings.length > 0) {
    out.push("## Findings", "");
    const shown = new Map<string, number>();
    for (const f of plan.findings) {
      const n = (shown.get(f.story) ?? 0) + 1;
      shown.set(f.story, n);
      if (n <= FINDINGS_SHOWN) out.push(`- ${f.story}: ${f.detail} (${where(f.evidence)})`);
    }
    for (const [story, n] of shown)
      if (n > FINDINGS_SHOWN)
        out.push(
          `- ${story}: ${n - FINDINGS_SHOWN} more findings (the JSON report lists them all)`,
        );
    out.push("");
  }
  if (plan.warnings.length > 0) {
    out.push("## Warnings", "");
    for (const w of plan.warnings) out.push(`- ${w}`);
    out.push("");
  }
  out.push("## Files used", "", ...plan.sources.map((s) => `- ${s}`), "");
  return out.join("\n");
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
  if (plan.schedule.batchNow.length === 0)
    return blocked === planned
      ? `No story can start now: ${planned === 1 ? "it is" : planned === 2 ? "both are" : `all ${planned} are`} blocked (see the schedule).`
      : "No story can start now (see the schedule).";
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

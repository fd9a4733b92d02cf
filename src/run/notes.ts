/**
 * What a run tells people, in words: the line each ending story gets (a toast, a quiet note in
 * the parent session), the summary that wakes the parent at the end, and the notes of the
 * watchdog, the budgets and the retries. Pure text; the engine sends it.
 */

import type { RunRecord, StoryRun } from "./state.ts";
import { runGantt } from "./timeline.ts";
import type { BudgetVerdict } from "./usage.ts";
import { describeUsage, describeVerdict } from "./usage.ts";

/** `Story 1.2 (1-2-b) failed (9.0k tokens, $0.03): APIError ...` */
export function storyEndLine(r: StoryRun): string {
  const spent = r.sessionId && r.usage ? ` (${describeUsage(r.usage)})` : "";
  const why = r.errors.at(-1) && r.state !== "completed" ? `: ${r.errors.at(-1)}` : "";
  return `Story ${label(r)} ${r.state}${spent}${why}`;
}

/** The quiet note in the parent session when a story ends. */
export function storyEndNote(run: RunRecord, r: StoryRun): string {
  const outside =
    r.outsideClaims.length > 0
      ? `\nWrote outside its predicted files: ${r.outsideClaims.join(", ")}`
      : "";
  const leaves =
    r.outsideProject.length > 0 ? `\n${OUTSIDE_PROJECT} ${r.outsideProject.join(", ")}` : "";
  const unwritten = r.sprintUnwritten ? `\n${unwrittenLine(r, true)}` : "";
  return `[athena-parallel ${run.id}] ${storyEndLine(r)}.${outside}${leaves}${r.sprintEdit ? `\n${sprintEditLine(r)}` : ""}${unwritten}${leftChanges(r)}`;
}

/** A story that did not complete may have changed files: they stay, and how to see or undo them. */
function leftChanges(r: StoryRun): string {
  if (r.state === "completed" || r.wroteFiles.length === 0) return "";
  const n = r.wroteFiles.length;
  return `\nIts changes to ${n} ${n === 1 ? "file" : "files"} stay in the tree: \`/athena-parallel diff ${r.id}\` shows them, \`/athena-parallel revert ${r.id}\` puts them back.`;
}

/** A story's sprint entry the run could not write: why, and what to set by hand. */
function unwrittenLine(r: StoryRun, tried: boolean): string {
  const { status, why } = r.sprintUnwritten ?? { status: "", why: "" };
  const again = tried ? "It is tried again as the run's other stories end; otherwise set" : "Set";
  return `Its sprint entry was not set to "${status}": ${why}. ${again} \`${r.key}: ${status}\` in the sprint file by hand.`;
}

const OUTSIDE_PROJECT = "Wrote outside the project (not locked, not journaled):";

/** A story whose sprint entry someone else changed during the run: the run leaves it so. */
export function sprintEditNote(r: StoryRun): string {
  return `Story ${label(r)}: ${sprintEditLine(r)}`;
}

function sprintEditLine(r: StoryRun): string {
  return `its sprint entry was set to "${r.sprintEdit?.status}" during the run, not by the run: it is left as it is.`;
}

export interface TestRun {
  command: string;
  /** The combined test run's result, with `autoRunTests`; undefined: ask for one. */
  result?: { ok: boolean; tail: string };
}

/**
 * How the stories ended, when they did not all end alike: a run with one story cancelled or
 * failed is named for it, and the count says the rest completed (" (2 completed, 1 cancelled)").
 */
function storyCounts(run: RunRecord): string {
  const counts = new Map<string, number>();
  for (const s of run.stories) counts.set(s.state, (counts.get(s.state) ?? 0) + 1);
  if (counts.size < 2) return "";
  return ` (${[...counts].map(([state, n]) => `${n} ${state}`).join(", ")})`;
}

/** The summary that wakes the parent when every story has ended. */
export function runSummary(run: RunRecord, tests: TestRun, now: number): string {
  const total = run.usage ? ` It used ${describeUsage(run.usage)}.` : "";
  const lines = [
    `[athena-parallel] Run ${run.id} ended: ${run.state}${storyCounts(run)}.${total}`,
    ...(run.stopped ? [`It stopped starting stories: ${run.stopped}.`] : []),
    "",
  ];
  for (const s of run.stories) {
    const took =
      s.startedAt && s.endedAt
        ? ` in ${Math.round((Date.parse(s.endedAt) - Date.parse(s.startedAt)) / 1000)}s`
        : "";
    const spent = s.sessionId && s.usage ? `, ${describeUsage(s.usage)}` : "";
    const why = s.errors.at(-1) && s.state !== "completed" ? ` (${s.errors.at(-1)})` : "";
    lines.push(`- ${s.id} (${s.key}): ${s.state}${took}${spent}${why}`);
    if (s.outsideClaims.length > 0)
      lines.push(`  wrote outside its predicted files: ${s.outsideClaims.join(", ")}`);
    if (s.outsideProject.length > 0)
      lines.push(`  ${OUTSIDE_PROJECT} ${s.outsideProject.join(", ")}`);
    if (s.sprintEdit) lines.push(`  ${sprintEditLine(s)}`);
    if (s.sprintUnwritten) lines.push(`  ${unwrittenLine(s, false)}`);
  }
  lines.push("");
  if (tests.result) {
    lines.push(
      `Combined test run (\`${tests.command}\`): ${tests.result.ok ? "PASSED" : "FAILED"}.`,
      "```",
      tests.result.tail,
      "```",
      "",
      tests.result.ok
        ? "Check that the stories integrate well together."
        : "Fix the failures, then check that the stories integrate.",
    );
  } else if (run.stories.some((s) => s.state === "completed")) {
    lines.push(
      `Please run the combined tests (\`${tests.command}\`) and check that the stories integrate well together.`,
    );
  }
  lines.push("athena-parallel made no git operation: review, commit and merge are yours.");
  lines.push("", "```mermaid", runGantt(run, now).trimEnd(), "```");
  return lines.join("\n");
}

export function stalledNote(r: StoryRun, why: string): string {
  return `Story ${label(r)} ${why}: stopping it.`;
}

/** A story that has waited long for a file another story holds: who, which file, the choices. */
export function contentionNote(r: StoryRun, waitingOn: string, seconds: number): string {
  return `Story ${label(r)} has waited ${seconds}s: it ${waitingOn}. Choose with /athena-parallel resolve ${r.id} <choice>: \`wait\` (it goes on waiting, up to lockWaitSeconds), \`yield\` (the holder gives the file up now; it must read it again before changing it), or \`cancel\` (this story stops).`;
}

/** A command of a story overwrote another story's change: the choices. */
export function clobberNote(r: StoryRun, path: string, other: string): string {
  return `Story ${label(r)}'s shell command overwrote \`${path}\`, which story ${other} had changed. Choose with /athena-parallel resolve ${r.id} <choice>: \`keep ${other}\` (put ${other}'s version back; ${r.key} is told to redo its change on it), \`keep ${r.key}\` (leave the file as it is), or \`cancel\` (${r.key} stops).`;
}

/** The host asks the user something in a story's session: where to answer, what waits. */
export function askNote(r: StoryRun, what: string): string {
  return `Story ${label(r)} waits for your answer in its session: ${what}. Answer it there (OpenCode lists it with this session's children); the stall watchdog waits meanwhile, storyTimeoutMinutes still holds.`;
}

export function repeatNote(r: StoryRun, tool: string, times: number): string {
  return `Story ${label(r)} made the same \`${tool}\` call ${times} times in a row: it may be stuck in a loop. Its session goes on; \`/athena-parallel cancel\` stops the run.`;
}

export function retryingNote(r: StoryRun, why: string, next: number, of: number): string {
  return `Story ${label(r)} ${why}. Starting it again in a fresh session (attempt ${next} of ${of}).`;
}

export function storyBudgetWarning(r: StoryRun, v: Extract<BudgetVerdict, { kind: "warn" }>) {
  return `Story ${label(r)} ${describeVerdict(v)}: warned at 80%.`;
}

export function runBudgetNote(run: RunRecord, v: Exclude<BudgetVerdict, { kind: "ok" }>) {
  return v.kind === "over"
    ? `Run ${run.id} ${describeVerdict(v)}: no new story starts; the running ones go on.`
    : `Run ${run.id} ${describeVerdict(v)}: warned at 80%.`;
}

function label(r: StoryRun): string {
  return `${r.id} (${r.key})`;
}

/**
 * The plan's data: what the JSON rendering prints (its shape is documented in the README and
 * versioned by `PLAN_FORMAT`), what the markdown and Mermaid renderings show, and what the
 * run layer starts from.
 */
import type { Evidence, Intent } from "../bmad/story.ts";

export const PLAN_FORMAT = 1;

export type ClaimKind = "file" | "dir" | "glob";

export interface Claim {
  /** Repo-relative; folders end with `/`. */
  path: string;
  kind: ClaimKind;
  intent: Intent;
  /** `story`: the story names the path; `component`: through an architecture component. */
  origin: "story" | "component";
  evidence: Evidence;
  /** How the path was found, when not as written: `resolved from model.go`, `component X`. */
  note?: string;
}

export interface Finding {
  story: string;
  path: string;
  reason: "outside-project" | "ambiguous";
  evidence: Evidence;
  detail: string;
}

export interface PlannedDependency {
  /** As written (`2.1`) or declared in athena.json. */
  id: string;
  /** The sprint key it resolves to, if any. */
  key?: string;
  status?: string;
  evidence: Evidence;
}

export interface PlannedStory {
  key: string;
  id: string;
  title: string;
  status: string;
  file?: string;
  /** `in-batch`: being planned; `in-progress`: running outside the batch, checked against it. */
  role: "in-batch" | "in-progress";
  tasks: { done: number; total: number };
  claims: Claim[];
  dependencies: PlannedDependency[];
}

export type ConflictKind = "file" | "component" | "shared" | "dependency";

export interface Conflict {
  kind: ConflictKind;
  /** Two story keys, in batch order. */
  stories: [string, string];
  paths: string[];
  evidence: Evidence[];
  detail: string;
}

export interface ScheduledStory {
  story: string;
  /** In task-weight units from the start of the run (an estimate, for ordering and display). */
  start: number;
  end: number;
}

export interface Schedule {
  cap: number;
  /** Display only: stories grouped by the moment they would start. */
  waves: string[][];
  order: ScheduledStory[];
  criticalPath: string[];
  /** The stories to start now. */
  batchNow: string[];
  /** Stories that cannot be scheduled, and why. */
  blocked: Array<{ story: string; reason: string }>;
  makespan: number;
}

export interface Plan {
  format: typeof PLAN_FORMAT;
  /** Named by the caller, or proposed from ready-for-dev stories. */
  mode: "named" | "proposed";
  sources: string[];
  stories: PlannedStory[];
  conflicts: Conflict[];
  findings: Finding[];
  schedule: Schedule;
  warnings: string[];
}

/**
 * The plan's data: what the JSON rendering prints (its shape is documented in the README and
 * versioned by `PLAN_FORMAT`), what the markdown and Mermaid renderings show, and what the
 * run layer starts from.
 */
import type { StoryError } from "../bmad/project.ts";
import type { Evidence, Intent } from "../bmad/story.ts";

export const PLAN_FORMAT = 2;

export type ClaimKind = "file" | "dir" | "glob";

export interface Claim {
  /** Repo-relative; folders end with `/`. */
  path: string;
  kind: ClaimKind;
  intent: Intent;
  /**
   * `story`: the story names the path; `component`: through an architecture component;
   * `history`: learned from the project's done stories (a file that changes with one named).
   */
  origin: "story" | "component" | "history";
  evidence: Evidence;
  /** How the path was found, when not as written: `resolved from model.go`, `component X`. */
  note?: string;
  /**
   * 0 to 1: how likely the story really writes the path, from the kind of its evidence
   * (`basis`) and, when the project has done stories, from how often such evidence was right.
   */
  confidence: number;
  /** The kind of evidence: `place/cue/form` (`task/write/path`), or `component`, `history`. */
  basis: string;
  /** A file most stories write (learned from history): it overlaps as `shared`, never `file`. */
  hot?: boolean;
  /**
   * Predicted from the project's habits alone (a module's test, which its stories change with
   * it): reported, but its overlaps never keep stories apart; the runtime locks serialise them.
   */
  advisory?: boolean;
}

export interface Finding {
  story: string;
  path: string;
  /** `unreadable`: a value the planner could not read (too long, a broken glob): skipped. */
  reason: "outside-project" | "ambiguous" | "unresolved" | "unreadable";
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
  /** The story could not be read or planned: it is reported here and never launched. */
  error?: StoryError;
}

export type ConflictKind = "file" | "component" | "shared" | "dependency";

export interface Conflict {
  kind: ConflictKind;
  /** Two story keys, in batch order. */
  stories: [string, string];
  paths: string[];
  evidence: Evidence[];
  detail: string;
  /**
   * True when the stories must not run at the same time (under `prevent` and `coordinate`):
   * a `file` overlap whose claims are both at least `conflictConfidence` sure. The others
   * are advisory: the runtime locks and stale-write refusals keep the data safe.
   */
  blocking: boolean;
  /** How sure the overlap is: the lower confidence of its two claims (1 for the other kinds). */
  confidence: number;
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
  /**
   * Files most done stories wrote (learned from history): their overlaps are `shared`, and at
   * run time, as `sharedFiles`, a story holds such a file's lock only while a write of it runs.
   */
  hotFiles?: string[];
}

/**
 * The one writer of sprint-status.yaml: changes one story's (or epic's) status and nothing
 * else. The yaml Document API finds the value's exact place in the text and only those bytes
 * are replaced, so every comment, blank line, key order, quoting style, line ending and
 * byte-order mark survives by construction; the result is parsed again before it is written.
 *
 * Other writers work on the same file (the dev workflow itself, people): the change is made
 * under a lock (proper-lockfile), on a copy read inside the lock, and written atomically
 * (temp file and rename) only if the file did not change meanwhile; otherwise it is redone.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import lockfile from "proper-lockfile";
import writeFileAtomic from "write-file-atomic";
import { parse } from "yaml";
import { InputError } from "../util/errors.ts";
import { own } from "../util/own.ts";
import { suggest } from "../util/suggest.ts";
import { decodeText, encodeText } from "../util/text-file.ts";
import { ensureAthenaDir } from "./cache.ts";
import {
  GLUED_COMMENT,
  parseSprintStatus,
  STORY_STATUSES,
  STRAY_MARK_BEFORE,
} from "./sprint-status.ts";

/** Progress order: a change to a lower rank is a downgrade. Unknown values have no rank. */
const RANK: Record<string, number> = {
  backlog: 0,
  drafted: 1,
  contexted: 2,
  "ready-for-dev": 2,
  "in-progress": 3,
  review: 4,
  done: 5,
  completed: 5,
  optional: 0,
};

/**
 * What each kind of entry may be set to: BMAD's statuses, and the alpha's steps (`drafted`,
 * `contexted`, a retrospective `completed`) that its sprint files still use and the reader
 * ranks, so an alpha project can be marked in its own words.
 */
export const VALID_STATUSES: Record<"story" | "epic" | "retrospective", readonly string[]> = {
  story: [...STORY_STATUSES, "drafted", "contexted"],
  epic: ["backlog", "contexted", "in-progress", "done"],
  retrospective: ["optional", "done", "completed"],
};

export interface StatusChange {
  key: string;
  status: string;
  /**
   * Set only to put back a value this caller replaced itself: the change is made only while
   * the file still holds `expectedCurrent` (what the caller wrote), and may go backwards.
   */
  restore?: { expectedCurrent: string };
  /** Make the change only while the file holds this value, or one of these (e.g. not if the agent moved it on). */
  onlyIfCurrent?: string | readonly string[];
  /** A person moving a status back on purpose (`mark --force`): a downgrade is allowed. */
  force?: boolean;
}

export interface StatusChangeResult {
  key: string;
  previous: string;
  status: string;
  /** False when the value was already there, or a restore found someone else's value. */
  changed: boolean;
  reason?: string;
}

/** Pure: the new text, with only the value's bytes replaced. */
export function replaceStatus(
  text: string,
  file: string,
  change: StatusChange,
): { text: string; result: StatusChangeResult } {
  const sprint = parseSprintStatus(text, file); // names the line of any syntax error
  const entry = sprint.entries.find((e) => e.key === change.key);
  if (!entry) {
    // A line the reader left out (its value breaks the YAML) still holds the key: say so.
    const lines = text.split(/\r\n|\r|\n/);
    const unread = sprint.unread?.find((n) => startsWithKey(lines[n - 1] ?? "", change.key));
    if (unread !== undefined)
      throw new InputError(
        `"${change.key}" is on a line that does not parse as YAML: fix that line to change its status`,
        file,
        unread,
      );
    const near = suggest(
      change.key,
      sprint.entries.map((e) => e.key),
    );
    const hint = near.length > 0 ? `; close matches: ${near.join(", ")}` : "";
    throw new InputError(`no entry "${change.key}" in development_status${hint}`, file);
  }
  const kind = entry.kind === "other" ? "story" : entry.kind;
  const valid = VALID_STATUSES[kind];
  if (
    !valid.includes(change.status) &&
    !(change.restore && /^[a-z0-9-]{1,40}$/.test(change.status))
  ) {
    throw new InputError(
      `"${change.status}" is not ${kind === "epic" ? "an" : "a"} ${kind} status; valid: ${valid.join(", ")}`,
      file,
      entry.line,
    );
  }
  const unchanged = (reason?: string) => ({
    text,
    result: {
      key: entry.key,
      previous: entry.status,
      status: entry.status,
      changed: false,
      ...(reason ? { reason } : {}),
    },
  });
  if (entry.status === change.status) return unchanged();
  const expected = change.onlyIfCurrent === undefined ? undefined : [change.onlyIfCurrent].flat();
  if (expected && !expected.includes(entry.status)) {
    return unchanged(`left as "${entry.status}": it is no longer "${expected.join('" or "')}"`);
  }
  if (change.restore) {
    if (entry.status !== change.restore.expectedCurrent) {
      return unchanged(
        `left as "${entry.status}": someone else changed it after we set "${change.restore.expectedCurrent}"`,
      );
    }
  } else {
    const from = own(RANK, entry.status);
    const to = own(RANK, change.status);
    if (from === undefined) {
      throw new InputError(
        `${entry.key} has the status "${entry.status}", which is not BMAD's: it is kept as it is`,
        file,
        entry.line,
      );
    }
    if (to !== undefined && to < from && !change.force) {
      throw new InputError(
        `${entry.key} is "${entry.status}": moving it back to "${change.status}" would downgrade it (athena-parallel mark ${entry.key} ${change.status} --force does it on purpose)`,
        file,
        entry.line,
      );
    }
  }

  const { start, end, quote, field, colon } = entry.value;
  // A plain value YAML reads on past its line (a deeper line below it, possibly past a line
  // blanked for YAML, such as a full-width entry's) would be replaced whole, and those lines
  // lost.
  if (/[\r\n]/.test(text.slice(start, end)))
    throw new InputError(
      `the status of "${entry.key}" runs on to the next line (a line below it indented deeper?): fix the lines below it to change its status`,
      file,
      entry.line,
    );
  // `done# Updated 2026-01-02`, a comment typed without its space (one value to YAML, read as
  // its status): the status alone is replaced, and the comment gets its space, so the note is
  // kept and reads as the comment it was meant to be.
  // Not in braces (`{status: review#x}`), where a `#` starts no comment and a space would let
  // one swallow the closing brace: there the value is replaced whole.
  // The value's line starts at the same offset before and after the change.
  const lineStart = text.lastIndexOf("\n", start - 1) + 1;
  const glued =
    quote === "plain" && !/[{[]/.test(text.slice(lineStart, start))
      ? GLUED_COMMENT.exec(text.slice(start, end))
      : null;
  const replacement =
    quote === "double"
      ? `"${change.status}"`
      : quote === "single"
        ? `'${change.status}'`
        : glued
          ? `${change.status} `
          : change.status;
  const next =
    text.slice(0, start) + replacement + text.slice(glued ? start + (glued[1]?.length ?? 0) : end);
  // A scalar of safe characters replaced another: check that the changed line reads right.
  const lineEnd = next.indexOf("\n", start);
  // A listed item's line starts with its dash (`- status: done`); a keyed one may hold its
  // fields in braces (`1-1-a: {status: done}`).
  // A mark typed before the entry's indentation (`´  1-2-b: done`) is no part of it, as read.
  const written = next
    .slice(lineStart, lineEnd < 0 ? undefined : lineEnd)
    .trim()
    .replace(/^-\s+/, "")
    .replace(STRAY_MARK_BEFORE, "");
  const read =
    colon === "full-width"
      ? // `1-1-x：review` is no YAML: it reads back as the reader reads it.
        parseSprintStatus(next, file).entries.find((e) => e.key === entry.key)?.status
      : statusOnLine(written, entry.key, field);
  if (read !== change.status) {
    throw new Error(`internal: ${entry.key} did not change as intended`);
  }
  return {
    text: next,
    result: { key: entry.key, previous: entry.status, status: change.status, changed: true },
  };
}

/** The status a changed line says `key` has, read by YAML alone (`1-1-a: x`, `1-1-a: {status: x}`). */
function statusOnLine(line: string, key: string, field: "status" | undefined): unknown {
  const changed = parse(line) as Record<string, unknown> | null;
  const inBraces = changed?.[key] as Record<string, unknown> | null | undefined;
  return field ? (changed?.[field] ?? inBraces?.[field]) : changed?.[key];
}

export interface WriterOptions {
  /** Absolute project root: the lock lives in its `.athena/locks`. */
  root: string;
  /** Repo-relative or absolute path of sprint-status.yaml. */
  sprintFile: string;
  /** Lock stale time in ms (a crashed writer's lock is taken over after it). */
  staleMs?: number;
}

/** Changes one status under the sprint lock; safe against other processes doing the same. */
export async function setStatus(
  options: WriterOptions,
  change: StatusChange,
): Promise<StatusChangeResult> {
  const file = path.resolve(options.root, options.sprintFile);
  const locksDir = ensureAthenaDir(options.root, "locks");
  const release = await lockfile.lock(file, {
    lockfilePath: path.join(locksDir, "sprint-status.lock"),
    realpath: false,
    stale: options.staleMs ?? 10_000,
    retries: { retries: 2_000, factor: 1.2, minTimeout: 2, maxTimeout: 60, randomize: true },
    onCompromised: () => {
      // The write below is atomic and re-checked; a lost lock costs at most a retry.
    },
  });
  try {
    for (let attempt = 0; attempt < 20; attempt++) {
      const before = readFileSync(file);
      const { text: current, encoding } = decodeText(before);
      const { text, result } = replaceStatus(current, options.sprintFile, change);
      if (!result.changed) return result;
      // Someone outside our lock (an agent's edit tool, a person) may have written meanwhile.
      if (!readFileSync(file).equals(before)) continue;
      await writeFileAtomic(file, encodeText(text, encoding));
      return result;
    }
    throw new InputError(
      "the file kept changing while we tried to write it; try again",
      options.sprintFile,
    );
  } finally {
    await release().catch(() => {});
  }
}

/** `  key: ...`: the line holds the key, before its colon. */
function startsWithKey(line: string, key: string): boolean {
  const rest = line.trimStart();
  return rest.startsWith(key) && rest.slice(key.length).trimStart().startsWith(":");
}

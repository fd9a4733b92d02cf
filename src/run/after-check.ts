/**
 * The after-check of a shell command whose writes could not be known before it ran (a script,
 * `make`, a formatter, a target known only at run time): a picture of the project's files
 * before and after it tells what it changed, which becomes the story's (its written files, its
 * journal). Just before it, the versions of the files other stories wrote are kept in the
 * journal, so that one the command overwrites, unseen by its story, is never lost: that is a
 * clobber, told to the story at once.
 */

import { errorLine } from "../util/errors.ts";
import { type FileVersion, versionOf, type WriteGuard } from "./guard.ts";
import type { Journal } from "./journal.ts";
import { changedBetween, type Snapshot, takeSnapshot } from "./snapshot.ts";

interface OtherVersion {
  /** The story that last wrote the file. */
  by: string;
  /** Its content as kept in the journal (null: no file). */
  hash: string | null;
  version: FileVersion | undefined;
}

/** A change of another story the command overwrote, its version kept in the journal. */
export interface Clobber {
  path: string;
  /** The story whose change was overwritten. */
  other: string;
  /** That version's hash in the journal (null: the other story had deleted the file). */
  kept: string | null;
}

interface Pending {
  at: number;
  before: Snapshot;
  others: Map<string, OtherVersion>;
}

export interface AfterCheckOptions {
  root: string;
  guard: WriteGuard;
  journal: Journal;
  /** Files never given to a story (the sprint file: its changes are the run's). */
  ignore: (repoPath: string) => boolean;
  log: (message: string) => void;
}

export class AfterCheck {
  private readonly pending = new Map<string, Pending>();

  constructor(private readonly options: AfterCheckOptions) {}

  /** Before the command (`key`: its session and call): the picture, and others' versions. */
  start(key: string, story: string): void {
    const { guard, journal, root } = this.options;
    const others = new Map<string, OtherVersion>();
    for (const [p, by] of guard.writtenByOthers(story)) {
      try {
        others.set(p, { by, hash: journal.keepNow(p), version: versionOf(root, p) });
      } catch (error) {
        this.options.log(`journal: ${errorLine(error)}`);
      }
    }
    this.pending.set(key, { at: Date.now(), before: takeSnapshot(root), others });
  }

  /**
   * After it: what it changed (besides `known`, its writes read before it ran) is given to the
   * story and journaled; returns the clobbers.
   */
  finish(key: string, holder: { run: string; story: string }, known: readonly string[]): Clobber[] {
    const check = this.pending.get(key);
    if (!check) return [];
    this.pending.delete(key);
    const { guard, journal, root } = this.options;
    const skip = new Set(known);
    const changed = changedBetween(check.before, takeSnapshot(root)).filter(
      (p) =>
        !skip.has(p) &&
        !this.options.ignore(p) &&
        // Another story's own write meanwhile is that story's.
        !guard.otherWroteSince(holder.story, p, check.at),
    );
    if (changed.length === 0) return [];
    const clobbers: Clobber[] = [];
    for (const p of changed) {
      const other = check.others.get(p);
      const seen = guard.seenVersion(holder.story, p);
      // Overwritten: another story had changed it, and this story had not read that version.
      if (other && (seen === null || seen?.hash !== other.version?.hash))
        clobbers.push({ path: p, other: other.by, kept: other.hash });
    }
    try {
      journal.changedUnseen(
        holder.run,
        holder.story,
        changed.map((p) => ({ path: p, before: check.others.get(p)?.hash })),
      );
    } catch (error) {
      this.options.log(`journal: ${errorLine(error)}`);
    }
    guard.afterWrite(holder.story, changed);
    return clobbers;
  }
}

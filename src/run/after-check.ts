/**
 * The after-check of a shell command whose writes could not be known before it ran (a script,
 * `make`, a formatter, a target known only at run time): what it changed in the project becomes
 * the story's (its written files, its journal). While runs live, the project is watched
 * (project-watch.ts) and a check reads only the changes logged during the command; otherwise
 * (or where the system cannot watch) a picture of every file's size and mtime before and after
 * tells the same, at the cost of two walks of the tree. Just before the command, the versions
 * of the files other stories wrote are kept in the journal, so that one the command
 * overwrites, unseen by its story, is never lost: that is a clobber, told to the story at once.
 * So is a file another story writes while the command runs, which the command then rewrites.
 */

import path from "node:path";
import { errorLine } from "../util/errors.ts";
import { readRegularFile } from "../util/regular-file.ts";
import { type FileVersion, versionOf, type WriteGuard } from "./guard.ts";
import type { Journal } from "./journal.ts";
import { keepsChange } from "./kept-change.ts";
import { ProjectWatch } from "./project-watch.ts";
import { changedBetween, fileState, type Snapshot, takeSnapshot } from "./snapshot.ts";

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
  /** The story whose command it is. */
  story: string;
  /** Where the project's changes were read from: the watch's log, or a picture. */
  before: { watch: ProjectWatch; mark: number } | { snapshot: Snapshot };
  others: Map<string, OtherVersion>;
  /**
   * Files other stories wrote while the command ran, each as they left it (kept in the
   * journal): one the command then rewrote is a clobber too, not that story's alone.
   */
  meanwhile: Map<string, OtherVersion>;
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
  private watch: ProjectWatch | undefined;
  /**
   * Others' files as last kept, by path: a file whose size and mtime did not change since is
   * not read and hashed again before every command. Only when its mtime was well before the
   * reading (a change within the same clock tick would leave the stat alike: "racy" entries
   * are read again).
   */
  private readonly kept = new Map<string, { at: number; other: Omit<OtherVersion, "by"> }>();

  constructor(private readonly options: AfterCheckOptions) {}

  /** Starts watching the project (when a run starts): checks then cost what changed. */
  watchFiles(): void {
    if (this.watch) return;
    const watch = new ProjectWatch(this.options.root);
    if (watch.start()) this.watch = watch;
    else {
      watch.stop();
      this.options.log(
        "the project cannot be watched (system watch limit?): commands are checked with pictures of the tree",
      );
    }
  }

  /**
   * Stops watching (no run left). A check still pending then belongs to a story that has
   * ended (its command's after hook never came, or came after the end): it is dropped.
   */
  unwatchFiles(): void {
    for (const key of [...this.pending.keys()]) this.drop(key);
    this.watch?.stop();
    this.watch = undefined;
  }

  /** Forgets a check whose command will not be finished here (its story has ended). */
  drop(key: string): void {
    const check = this.pending.get(key);
    if (!check) return;
    this.pending.delete(key);
    if ("watch" in check.before) this.release(check.before.watch, check.before.mark);
  }

  /** Before the command (`key`: its session and call): where it starts, and others' versions. */
  async start(key: string, story: string): Promise<void> {
    const { guard, root } = this.options;
    const others = new Map<string, OtherVersion>();
    for (const [p, by] of guard.writtenByOthers(story)) {
      try {
        others.set(p, { by, ...this.keepOthers(p) });
      } catch (error) {
        this.options.log(`journal: ${errorLine(error)}`);
      }
    }
    const watch = this.watch && !this.watch.broken ? this.watch : undefined;
    // Changes made before the command, still queued, are read first: they are not its own.
    if (watch) await watch.settle();
    this.pending.set(key, {
      at: Date.now(),
      story,
      meanwhile: new Map(),
      before: watch ? { watch, mark: watch.mark() } : { snapshot: takeSnapshot(root) },
      others,
    });
  }

  /**
   * After a story's write (a tool's, or a shell command's known before it ran): while another
   * story's command is being checked, the version it left is kept, so that the command
   * rewriting the file after it is found and that story's change not lost unseen.
   */
  noteWrite(story: string, paths: readonly string[]): void {
    const checks = [...this.pending.values()].filter((c) => c.story !== story);
    if (checks.length === 0 || paths.length === 0) return;
    const { journal, root } = this.options;
    for (const p of paths) {
      let kept: OtherVersion;
      try {
        kept = { by: story, hash: journal.keepNow(p), version: versionOf(root, p) };
      } catch (error) {
        this.options.log(`journal: ${errorLine(error)}`);
        continue;
      }
      for (const check of checks) check.meanwhile.set(p, kept);
    }
  }

  /** Another story's file kept in the journal, unless it is as it was last kept. */
  private keepOthers(p: string): Omit<OtherVersion, "by"> {
    const { journal, root } = this.options;
    const stat = fileState(path.join(root, p));
    const last = this.kept.get(p);
    const version = last?.other.version;
    if (
      stat &&
      version &&
      stat.size === version.size &&
      stat.mtimeMs === version.mtimeMs &&
      last.at - stat.mtimeMs > RACY_MS
    )
      return last.other;
    const other = { hash: journal.keepNow(p), version: versionOf(root, p) };
    this.kept.set(p, { at: Date.now(), other });
    return other;
  }

  /** What changed in the project since the check started (sorted). */
  private async changes(before: Pending["before"]): Promise<string[]> {
    const { root } = this.options;
    if ("snapshot" in before) return changedBetween(before.snapshot, takeSnapshot(root));
    const { watch, mark } = before;
    await watch.settle();
    let seen = watch.changedSince(mark);
    if (seen.length >= OVERFLOW_SUSPECT) {
      // So many changes may have overflowed the kernel's event queue (its events then lost
      // without a word): a picture of the tree tells what the events did not.
      watch.resync(takeSnapshot(root));
      seen = watch.changedSince(mark);
    }
    if (!watch.broken) return seen;
    // A folder it could not watch: what the view missed is found with a picture.
    return [...new Set([...seen, ...changedBetween(watch.view(), takeSnapshot(root))])].sort();
  }

  /** The check's mark let go; a watch no longer current stops with its last check. */
  private release(watch: ProjectWatch, mark: number): void {
    watch.release(mark);
    const pending = [...this.pending.values()].some(
      (p) => "watch" in p.before && p.before.watch === watch,
    );
    if (watch !== this.watch && !pending) watch.stop();
  }

  /**
   * After it: what it changed (besides `known`, its writes read before it ran) is given to the
   * story and journaled; returns the clobbers.
   */
  async finish(
    key: string,
    holder: { run: string; story: string },
    known: readonly string[],
  ): Promise<Clobber[]> {
    const check = this.pending.get(key);
    if (!check) return [];
    const all = await this.changes(check.before);
    this.pending.delete(key);
    if ("watch" in check.before) this.release(check.before.watch, check.before.mark);
    const { guard, journal } = this.options;
    const skip = new Set(known);
    const clobbers: Clobber[] = [];
    const changed = all.filter((p) => {
      if (skip.has(p) || this.options.ignore(p)) return false;
      if (!guard.otherWroteSince(holder.story, p, check.at)) return true;
      // Another story wrote it while the command ran: that story's, unless the command wrote
      // it after, dropping that change (a long script and an edit at the same moment).
      const theirs = check.meanwhile.get(p);
      const now = versionOf(this.options.root, p);
      if (!theirs || now?.hash === theirs.version?.hash || this.keptBy(p, theirs)) return false;
      clobbers.push({ path: p, other: theirs.by, kept: theirs.hash });
      return true;
    });
    if (changed.length === 0) return [];
    for (const p of changed) {
      if (clobbers.some((c) => c.path === p)) continue;
      const other = check.others.get(p);
      const seen = guard.seenVersion(holder.story, p);
      // Overwritten: another story had changed it, this story had not read that version, and
      // the command did not keep that story's change (an `npm install` adds to what it reads).
      if (other && (seen === null || seen?.hash !== other.version?.hash) && !this.keptBy(p, other))
        clobbers.push({ path: p, other: other.by, kept: other.hash });
    }
    try {
      journal.changedUnseen(
        holder.run,
        holder.story,
        changed.map((p) => ({
          path: p,
          before: check.meanwhile.get(p)?.hash ?? check.others.get(p)?.hash,
        })),
      );
    } catch (error) {
      this.options.log(`journal: ${errorLine(error)}`);
    }
    guard.afterWrite(holder.story, changed);
    return clobbers;
  }

  /** Whether the file as the command left it still holds the other story's change. */
  private keptBy(p: string, other: OtherVersion): boolean {
    const { journal, root } = this.options;
    const theirs = other.hash === null ? null : (journal.content(other.hash) ?? null);
    const ours = readRegularFile(path.join(root, p)) ?? null;
    return keepsChange(journal.before(other.by, p), theirs, ours);
  }
}

/**
 * A check that logged this many changes may have lost some: the kernel queues 16,384 events
 * by default, and one changed file makes two or three.
 */
const OVERFLOW_SUSPECT = 4_096;

/** A stat this long after the file's mtime cannot miss a later change of the same size. */
const RACY_MS = 1_000;

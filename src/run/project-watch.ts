/**
 * The project's files kept in view while a run lives, so the after-check of a shell command
 * costs what the command changed, not a walk of the whole tree. One walk when watching starts
 * (size and mtime of every file, as a snapshot takes), then one `fs.watch` per folder
 * (inotify: nothing runs while nothing changes; the folders of `SKIPPED_FOLDERS` are never
 * watched, so installs and builds in `node_modules` cost nothing). Each change is stat'ed
 * and logged with the file's state before it; `changedSince(mark)` compares each logged file's
 * state at the mark with its state now, which is what two snapshots would tell.
 *
 * The kernel queues a change's event when the change is made; Node reads the queue at its next
 * turn of the event loop, so `settle()` (one turn) comes before a mark and before a reading.
 * A folder that cannot be watched (the system's watch limit) sets `broken`: no new folder is
 * watched from then on, and callers compare with pictures of the tree instead.
 */
import { type FSWatcher, lstatSync, watch } from "node:fs";
import path from "node:path";
import { type FileState, readFolder, SKIPPED_FOLDERS, type Snapshot } from "./snapshot.ts";

export class ProjectWatch {
  /** Every file in view now (repo-relative, posix). */
  private readonly files: Snapshot = new Map();
  /** Watched folders. */
  private readonly watchers = new Map<string, { watcher: FSWatcher }>();
  /** Each change: the file, and its state before it (undefined: it did not exist). */
  private readonly log: Array<{ path: string; before: FileState | undefined }> = [];
  /** Log entries dropped from the front (marks stay valid as positions). */
  private dropped = 0;
  /** Marks still held (mark -> holders): changes are logged only while one is. */
  private readonly open = new Map<number, number>();
  private stopped = false;
  broken = false;

  constructor(private readonly root: string) {}

  /** Walks the project once and starts watching; false when it cannot be watched. */
  start(): boolean {
    this.scan("", false);
    return !this.broken;
  }

  /** Lets the changes the kernel has queued be read (one turn of the event loop). */
  settle(): Promise<void> {
    return new Promise((resolve) => setImmediate(resolve));
  }

  /** The files in view now, as a snapshot (when the watch broke: to compare with the disk). */
  view(): Snapshot {
    return this.files;
  }

  /**
   * A position in the change log: `changedSince` reports what changed after it. Held until
   * `release`: while no mark is held nothing is logged (a run that only waits costs nothing).
   */
  mark(): number {
    const at = this.dropped + this.log.length;
    this.open.set(at, (this.open.get(at) ?? 0) + 1);
    return at;
  }

  /** Lets a mark go; the log is kept only as far back as the oldest mark still held. */
  release(mark: number): void {
    const holders = (this.open.get(mark) ?? 0) - 1;
    if (holders > 0) this.open.set(mark, holders);
    else this.open.delete(mark);
    const oldest = this.open.size > 0 ? Math.min(...this.open.keys()) : this.end();
    const drop = Math.min(this.log.length, oldest - this.dropped);
    if (drop <= 0) return;
    this.log.splice(0, drop);
    this.dropped += drop;
  }

  /** The position after the last entry. */
  private end(): number {
    return this.dropped + this.log.length;
  }

  /** Files created, changed or deleted since `mark` (sorted), as two snapshots would tell. */
  changedSince(mark: number): string[] {
    const first = new Map<string, FileState | undefined>();
    for (const entry of this.log.slice(Math.max(0, mark - this.dropped)))
      if (!first.has(entry.path)) first.set(entry.path, entry.before);
    const changed: string[] = [];
    for (const [file, before] of first) {
      const now = this.files.get(file);
      if (!same(before, now)) changed.push(file);
    }
    return changed.sort();
  }

  stop(): void {
    this.stopped = true;
    for (const { watcher } of this.watchers.values()) watcher.close();
    this.watchers.clear();
  }

  /**
   * Brings the view in line with a picture of the tree (each difference logged as a change),
   * for when events may have been lost (the kernel's queue overflowed): from then on checks
   * use pictures (`broken`), since folders made meanwhile are not watched.
   */
  resync(picture: Snapshot): void {
    for (const [file, state] of picture) this.update(file, state, true);
    for (const file of [...this.files.keys()])
      if (!picture.has(file)) this.update(file, undefined, true);
    this.broken = true;
  }

  /** Walks a folder: its files into view (logged as changes when `log`), its folders watched. */
  private scan(rel: string, log: boolean): void {
    if (this.stopped || this.broken || this.watchers.has(rel)) return;
    const dir = path.join(this.root, rel);
    try {
      const watcher = watch(dir, { persistent: false }, (_event, name) => {
        if (name) this.changed(rel ? `${rel}/${name}` : name.toString());
      });
      // The watched folder went (deleted, or moved away): its files leave the view.
      watcher.on("error", () => {
        if (this.watchers.get(rel)?.watcher === watcher) this.unwatch(rel);
      });
      this.watchers.set(rel, { watcher });
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === "ENOENT" || code === "ENOTDIR") return; // gone meanwhile
      this.broken = true; // ENOSPC (the watch limit), EMFILE, ...
      return;
    }
    const { folders, files } = readFolder(this.root, rel);
    for (const [file, state] of files) this.update(file, state, log);
    for (const folder of folders) this.scan(folder, log);
  }

  /** An event named `rel`: a file changed, appeared or went; a folder appeared or went. */
  private changed(rel: string): void {
    if (this.stopped) return;
    const full = path.join(this.root, rel);
    let stat: ReturnType<typeof lstatSync> | undefined;
    try {
      stat = lstatSync(full);
    } catch {
      stat = undefined;
    }
    if (stat?.isDirectory()) {
      if (SKIPPED_FOLDERS.has(path.posix.basename(rel))) return;
      // A file replaced by a folder: the file went. An event on a watched folder's own entry
      // (made, removed, renamed: rare) may mean it was removed and made again in one batch,
      // the new one even on the same inode: its watch is made again, and what is in it read
      // (files unchanged come back as they were and are not reported).
      this.update(rel, undefined, true);
      this.unwatch(rel);
      this.scan(rel, true);
    } else if (stat?.isFile()) {
      if (this.watchers.has(rel)) this.unwatch(rel); // a folder replaced by a file
      this.update(rel, { size: stat.size, mtimeMs: stat.mtimeMs }, true);
    } else {
      // Gone (or no longer a file): the file, or everything under the folder, left the view.
      this.update(rel, undefined, true);
      if (this.watchers.has(rel)) this.unwatch(rel);
    }
  }

  /** A folder gone: its watches closed, its files out of view (each a change). */
  private unwatch(rel: string): void {
    const prefix = `${rel}/`;
    for (const [dir, { watcher }] of this.watchers)
      if (dir === rel || dir.startsWith(prefix)) {
        watcher.close();
        this.watchers.delete(dir);
      }
    for (const file of [...this.files.keys()])
      if (file.startsWith(prefix)) this.update(file, undefined, true);
  }

  private update(rel: string, now: FileState | undefined, log: boolean): void {
    const before = this.files.get(rel);
    if (same(before, now)) return;
    if (now) this.files.set(rel, now);
    else this.files.delete(rel);
    if (log && this.open.size > 0) this.log.push({ path: rel, before });
  }
}

function same(a: FileState | undefined, b: FileState | undefined): boolean {
  return (
    a === b || (a !== undefined && b !== undefined && a.size === b.size && a.mtimeMs === b.mtimeMs)
  );
}

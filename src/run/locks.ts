/**
 * File locks in `.athena/locks/`: one per repo-relative path, named by a hash of the path (so
 * any path makes a safe name), taken with proper-lockfile (`lockfilePath`, `realpath: false`;
 * the file need not exist), with an owner record beside it.
 *
 * A lock is held by a story: re-entrant for that story, exclusive against every other story in
 * this process and in any other process on the same file system. A lock whose holder died is
 * no longer refreshed, goes stale and is taken over; a compromised lock is reported through
 * `onCompromised` and never throws.
 */
import { createHash } from "node:crypto";
import { readdirSync, readFileSync, rmSync, statSync, unlinkSync, writeFileSync } from "node:fs";
import { hostname } from "node:os";
import path from "node:path";
import lockfile from "proper-lockfile";
import { z } from "zod";
import { ensureAthenaDir } from "../bmad/cache.ts";
import { normaliseRepoPath } from "../plan/claims.ts";
import { InputError } from "../util/errors.ts";

export const LockOwner = z.object({
  path: z.string(),
  story: z.string(),
  run: z.string(),
  session: z.string().optional(),
  pid: z.number().int(),
  host: z.string(),
  acquiredAt: z.string(),
  refreshedAt: z.string(),
});
export type LockOwner = z.infer<typeof LockOwner>;

export interface LockHolder {
  story: string;
  run: string;
  session?: string;
}

export type AcquireResult =
  | { ok: true; path: string }
  | { ok: false; path: string; holder?: LockOwner; message: string };

export interface LockInfo {
  /** The lock's file name stem (the hash). */
  id: string;
  owner?: LockOwner;
  /** Milliseconds since the holder last refreshed the lock. */
  ageMs: number;
  stale: boolean;
  /** Why it counts as stale: not refreshed in time, or its process is gone. */
  staleReason?: string;
}

export interface FileLocksOptions {
  /** Absolute project root. */
  root: string;
  /** A lock not refreshed for this long is stale and may be taken over (default 30 s, at least 2 s). */
  staleMs?: number;
  /** Told when a held lock was lost (taken over, or its refresh failed). Never throws. */
  onCompromised?: (path: string, holder: LockHolder, error: Error) => void;
}

interface Held {
  holder: LockHolder;
  release: () => void;
  owner: LockOwner;
}

export const DEFAULT_LOCK_STALE_MS = 30_000;
const HOST = hostname();

/** The lock name of a repo-relative path. */
export function lockId(repoPath: string): string {
  return createHash("sha256").update(repoPath).digest("hex").slice(0, 32);
}

export class FileLocks {
  readonly dir: string;
  readonly staleMs: number;
  private readonly held = new Map<string, Held>();
  private readonly pending = new Map<string, Promise<AcquireResult>>();
  private dirReady = false;

  constructor(private readonly options: FileLocksOptions) {
    this.dir = path.join(options.root, ".athena", "locks");
    this.staleMs = Math.max(2_000, options.staleMs ?? DEFAULT_LOCK_STALE_MS);
  }

  /** Repo-relative form of a path, or an InputError when it leaves the project. */
  repoPath(p: string): string {
    const normal = normaliseRepoPath(p, this.options.root);
    if (!normal.inside || normal.path.endsWith("/")) {
      throw new InputError(`refusing to lock \`${p}\`: it is not a file inside the project`);
    }
    return normal.path;
  }

  /** Who holds a path in this process, if anyone. */
  holderOf(p: string): LockHolder | undefined {
    return this.held.get(this.repoPath(p))?.holder;
  }

  /** The paths a story holds in this process. */
  heldBy(story: string): string[] {
    return [...this.held].filter(([, h]) => h.holder.story === story).map(([p]) => p);
  }

  /** Takes the lock for `holder.story` now, or says who holds it. Never waits. */
  async tryAcquire(p: string, holder: LockHolder): Promise<AcquireResult> {
    const repoPath = this.repoPath(p);
    // One attempt at a time per path in this process: two stories asking at once get one answer each.
    const previous = this.pending.get(repoPath);
    if (previous) await previous.catch(() => undefined);
    const attempt = this.attempt(repoPath, holder);
    this.pending.set(repoPath, attempt);
    try {
      return await attempt;
    } finally {
      if (this.pending.get(repoPath) === attempt) this.pending.delete(repoPath);
    }
  }

  /** Like tryAcquire, but polls until `waitMs` has passed. */
  async acquire(
    p: string,
    holder: LockHolder,
    waitMs: number,
    signal?: AbortSignal,
  ): Promise<AcquireResult> {
    const deadline = Date.now() + waitMs;
    for (let delay = 25; ; delay = Math.min(delay * 2, 500)) {
      const result = await this.tryAcquire(p, holder);
      if (result.ok || Date.now() >= deadline || signal?.aborted) return result;
      await new Promise((resolve) =>
        setTimeout(resolve, Math.min(delay, Math.max(0, deadline - Date.now()))),
      );
    }
  }

  async release(p: string, story: string): Promise<boolean> {
    const repoPath = this.repoPath(p);
    const held = this.held.get(repoPath);
    if (!held || held.holder.story !== story) return false;
    this.held.delete(repoPath);
    removeFile(this.ownerFile(repoPath));
    try {
      held.release();
    } catch {
      // Already taken over or removed: it is not ours any more either way.
    }
    return true;
  }

  /** Releases every lock of a story (whatever way it ended). */
  async releaseAll(story: string): Promise<string[]> {
    const paths = this.heldBy(story);
    for (const p of paths) await this.release(p, story);
    return paths;
  }

  /** Every lock on disk, with its owner and whether it is stale. */
  list(): LockInfo[] {
    let names: string[];
    try {
      names = readdirSync(this.dir);
    } catch {
      return [];
    }
    const here = hostname();
    return names
      .filter((name) => name.endsWith(".lock") && name !== "sprint-status.lock")
      .map((name) => {
        const id = name.slice(0, -".lock".length);
        const owner = this.readOwner(path.join(this.dir, `${id}.json`));
        let mtime = 0;
        try {
          mtime = statSync(path.join(this.dir, name)).mtimeMs;
        } catch {
          // Released between the listing and the stat.
        }
        const ageMs = Math.max(0, Date.now() - mtime);
        const dead = owner && owner.host === here && !processAlive(owner.pid);
        const staleReason = dead
          ? `process ${owner.pid} is gone`
          : ageMs > this.staleMs
            ? "not refreshed in time"
            : undefined;
        // proper-lockfile refreshes the lock's mtime while its holder lives: that is the refresh time.
        if (owner && mtime > 0) owner.refreshedAt = new Date(mtime).toISOString();
        return {
          id,
          ...(owner ? { owner } : {}),
          ageMs,
          stale: staleReason !== undefined,
          ...(staleReason ? { staleReason } : {}),
        };
      });
  }

  /** Removes the stale locks (their holders are gone); returns what was removed. */
  releaseStale(): LockInfo[] {
    const stale = this.list().filter((lock) => lock.stale);
    for (const lock of stale) {
      this.removeOnDisk(lock.id);
    }
    return stale;
  }

  /**
   * Removes the named locks whose holder was a process of this machine that is gone. Each owner
   * is read just before its lock is removed (not from an earlier listing, as `releaseStale`
   * does), so a lock another process took over meanwhile is left alone but for a window of a
   * few system calls.
   */
  removeDead(paths: readonly string[]): string[] {
    const here = hostname();
    const removed: string[] = [];
    for (const p of paths) {
      const id = lockId(this.repoPath(p));
      const owner = this.readOwner(path.join(this.dir, `${id}.json`));
      if (!owner || owner.host !== here || processAlive(owner.pid)) continue;
      this.removeOnDisk(id);
      removed.push(p);
    }
    return removed;
  }

  /**
   * Removes, on disk, the locks a run (or one of its stories) left behind. Only for recovery:
   * the caller has made sure the process that took them is gone.
   */
  removeLeftBy(run: string, story?: string): string[] {
    const removed: string[] = [];
    for (const lock of this.list()) {
      if (lock.owner?.run !== run || (story !== undefined && lock.owner.story !== story)) continue;
      if (this.held.has(lock.owner.path)) continue; // ours, alive: released the normal way
      this.removeOnDisk(lock.id);
      removed.push(lock.owner.path);
    }
    return removed;
  }

  /** Removes a lock and its owner record on disk, whoever took it. */
  private removeOnDisk(id: string): void {
    rmSync(path.join(this.dir, `${id}.lock`), { recursive: true, force: true });
    removeFile(path.join(this.dir, `${id}.json`));
  }

  private async attempt(repoPath: string, holder: LockHolder): Promise<AcquireResult> {
    const mine = this.held.get(repoPath);
    if (mine) {
      if (mine.holder.story === holder.story) return { ok: true, path: repoPath };
      return this.refusal(repoPath, mine.owner);
    }
    if (!this.dirReady) {
      ensureAthenaDir(this.options.root, "locks");
      this.dirReady = true;
    }
    const lockPath = path.join(this.dir, `${lockId(repoPath)}.lock`);
    try {
      // lockSync: the same algorithm over synchronous calls, without a thread-pool hop per step
      // (we never retry inside proper-lockfile; `acquire` polls instead).
      const release = lockfile.lockSync(path.join(this.options.root, repoPath), {
        lockfilePath: lockPath,
        realpath: false,
        stale: this.staleMs,
        retries: 0,
        onCompromised: (error) => {
          if (this.held.get(repoPath)?.holder !== holder) return;
          this.held.delete(repoPath);
          try {
            this.options.onCompromised?.(repoPath, holder, error);
          } catch {
            // A reporter that throws must not take the process down.
          }
        },
      });
      const now = new Date().toISOString();
      const owner: LockOwner = {
        path: repoPath,
        story: holder.story,
        run: holder.run,
        ...(holder.session ? { session: holder.session } : {}),
        pid: process.pid,
        host: HOST,
        acquiredAt: now,
        refreshedAt: now,
      };
      // Written in place: the lock itself is the directory; a reader that catches this record
      // half-written reads "unknown owner" (readOwner), which is true for that instant.
      writeFileSync(this.ownerFile(repoPath), `${JSON.stringify(owner)}\n`);
      this.held.set(repoPath, { holder, release, owner });
      return { ok: true, path: repoPath };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "ELOCKED") throw error;
      return this.refusal(repoPath, this.readOwner(this.ownerFile(repoPath)));
    }
  }

  private refusal(repoPath: string, owner: LockOwner | undefined): AcquireResult {
    const who = owner
      ? `story ${owner.story} (run ${owner.run}, pid ${owner.pid} on ${owner.host})`
      : "another process";
    return {
      ok: false,
      path: repoPath,
      ...(owner ? { holder: owner } : {}),
      message: `\`${repoPath}\` is locked by ${who}`,
    };
  }

  private ownerFile(repoPath: string): string {
    return path.join(this.dir, `${lockId(repoPath)}.json`);
  }

  private readOwner(file: string): LockOwner | undefined {
    try {
      const parsed = LockOwner.safeParse(JSON.parse(readFileSync(file, "utf8")));
      return parsed.success ? parsed.data : undefined;
    } catch {
      return undefined;
    }
  }
}

/** True when a process with this pid exists (on this host). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

function removeFile(file: string): void {
  try {
    unlinkSync(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
  }
}

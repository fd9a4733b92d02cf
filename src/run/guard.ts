/**
 * The write guard behind `tool.execute.before` / `tool.execute.after` for story sessions.
 *
 * Locks alone lose updates (measured on the real host): an agent reads a file, another story
 * changes it, and the first agent writes its stale copy back. So, per story, the guard
 * remembers the version (size, mtime, content hash) of each file it read or wrote, and before
 * a write it (1) refuses at once if the file changed since, by someone else; (2) takes the
 * file's lock for the story, waiting while another story holds it, but refusing at once when
 * waiting would close a cycle of stories waiting on each other; (3) checks the version again
 * after a wait. Refusals are sentences the agent can act on: they reach the model as text.
 */
import { createHash } from "node:crypto";
import { existsSync, realpathSync, statSync } from "node:fs";
import path from "node:path";
import { normaliseRepoPath } from "../plan/claims.ts";
import { readRegularFile } from "../util/regular-file.ts";
import type { FileLocks, LockHolder } from "./locks.ts";

/** Tools that write files, as the host names them (and `apply_patch`, offered to gpt models). */
export const WRITE_TOOLS = new Set(["write", "edit", "multiedit", "patch", "apply_patch"]);
export const READ_TOOLS = new Set(["read"]);

export interface FileVersion {
  size: number;
  mtimeMs: number;
  hash: string;
}

/** A refusal: its message is what the agent reads. */
export class WriteRefused extends Error {
  override readonly name = "WriteRefused";
}

export interface GuardOptions {
  root: string;
  locks: FileLocks;
  lockWaitMs: number;
  /** BMAD's own files (the story file, sprint-status.yaml): never locked between stories. */
  isShared: (repoPath: string) => boolean;
  /**
   * The folder the host resolves a tool's relative paths from (its own directory): below the
   * root when OpenCode was started in a subfolder of the project. Default: the root.
   */
  cwd?: string;
  /** Told when a story starts or stops waiting for a lock (to show `waiting-lock`). */
  onWaiting?: (story: string, waitingOn: { path: string; holder: string } | undefined) => void;
}

const NO_NAMES: ReadonlySet<string> = new Set();

/**
 * A repo-relative path as a story's session names it: from the folder the host runs in, when
 * that is not the root (OpenCode started in a subfolder), as the session's tools resolve it.
 */
export function fromSession(repoPath: string, root: string, cwd = root): string {
  if (cwd === root) return repoPath;
  return path.relative(cwd, path.join(root, repoPath)).split(path.sep).join("/");
}

/**
 * The files a tool call writes, from its arguments (repo-relative, inside the project); a
 * relative argument is taken from `cwd`, the host's directory.
 */
export function writtenPaths(tool: string, args: unknown, root: string, cwd = root): string[] {
  return placeWrites(writeTargets(tool, args), root, NO_NAMES, cwd).inside;
}

/** The paths a file tool's arguments name for writing, as given (relative to the host's directory). */
export function writeTargets(tool: string, args: unknown): string[] {
  const a = (args ?? {}) as Record<string, unknown>;
  const raw: string[] = [];
  if (typeof a.filePath === "string") raw.push(a.filePath);
  if (typeof a.path === "string" && tool !== "read") raw.push(a.path);
  if (typeof a.patchText === "string") raw.push(...patchPaths(a.patchText));
  if (Array.isArray(a.edits))
    for (const e of a.edits) if (typeof e?.filePath === "string") raw.push(e.filePath);
  return raw;
}

/** Where written paths land, each resolved once (through the project's links). */
export interface PlacedWrites {
  /** Repo-relative files inside the project. */
  inside: string[];
  /**
   * The written paths that leave the project (absolute): never locked nor journaled, reported
   * on the story. Devices (`> /dev/null`) are not files anyone loses.
   */
  outside: string[];
  /** The file inside the project that one of the paths names, if it names one. */
  insideOf(written: string): string | undefined;
}

/**
 * Where each of `paths` (absolute, or relative to `cwd`, the host's directory: by default the
 * root) lands: a shell call needs its
 * writes inside the project, those it replaces (some of the same) and those outside, and
 * resolving a path through links walks the disk. `asNames`: paths whose last name is taken as
 * it is, a link there not followed (a link removed or moved: see ShellEffects.asNames).
 */
export function placeWrites(
  paths: readonly string[],
  root: string,
  asNames: ReadonlySet<string> = NO_NAMES,
  cwd = root,
): PlacedWrites {
  const placed = new Map<string, string | undefined>();
  const outside = new Set<string>();
  for (const p of paths) {
    if (placed.has(p)) continue;
    const full = path.resolve(cwd, p);
    const file = inside(full, root, !asNames.has(p));
    placed.set(p, file);
    if (file === undefined && !full.startsWith("/dev/") && full !== root) outside.add(full);
  }
  const files = [...placed.values()].filter((file): file is string => file !== undefined);
  return {
    inside: [...new Set(files)],
    outside: [...outside],
    insideOf: (written) => placed.get(written),
  };
}

/**
 * The arguments of the host's bash tool: the command and the folder it runs in (`workdir`,
 * from the host's directory, where it runs by default).
 */
export function bashCommand(
  args: unknown,
  hostDirectory: string,
): { command: string; cwd: string } | undefined {
  const a = (args ?? {}) as Record<string, unknown>;
  if (typeof a.command !== "string") return undefined;
  const cwd =
    typeof a.workdir === "string" ? path.resolve(hostDirectory, a.workdir) : hostDirectory;
  return { command: a.command, cwd };
}

/**
 * `*** Add File: p`, `*** Update File: p`, `*** Delete File: p`, `*** Move to: p`. The path ends
 * at its line's last character that is not a space, found in one pass (a lazy path tried the
 * rest of the line after each of its characters).
 */
export function patchPaths(patchText: string): string[] {
  const found: string[] = [];
  for (const match of patchText.matchAll(
    /^\*\*\* (?:Add File|Update File|Delete File|Move to):[ \t]*(\S(?:.*\S)?)[ \t]*$/gm,
  )) {
    if (match[1]) found.push(match[1]);
  }
  return found;
}

/** The repo-relative file an absolute path names through the project's links, if inside. */
function inside(full: string, root: string, followLast: boolean): string | undefined {
  const normal = normaliseRepoPath(throughLinks(full, root, followLast), root);
  return normal.inside && !normal.path.endsWith("/") ? normal.path : undefined;
}

/**
 * The file a path really names when a link in the project leads to another of its files
 * (`CLAUDE.md` -> `AGENTS.md`, a linked folder): the host's tools write through links, so two
 * stories writing one file by two names must meet on one lock, one journal entry. A path
 * through no link, or through one that leads out of the project, is kept as written. A file
 * not there yet is placed by its nearest folder that is. Without `followLast`, a link at the
 * path's end is the file itself: only the folders on its way are followed.
 */
function throughLinks(full: string, root: string, followLast: boolean): string {
  const folder = followLast ? undefined : realPath(path.dirname(full));
  const real = followLast ? realPath(full) : folder && path.join(folder, path.basename(full));
  if (real === undefined || real === full) return full;
  let realRoot = realRoots.get(root);
  if (realRoot === undefined) {
    realRoot = realPath(root) ?? root;
    realRoots.set(root, realRoot);
  }
  const relative = path.relative(realRoot, real);
  const out =
    relative === ".." || relative.startsWith(`..${path.sep}`) || path.isAbsolute(relative);
  return out ? full : path.join(root, relative);
}

/** Project root -> the same with its links resolved (a root may sit under a link). */
const realRoots = new Map<string, string>();

/**
 * A path with every link resolved, the part not there yet kept as written. Its nearest part
 * that is there is found before resolving (a failed resolve throws, and an error costs more
 * than the call: a new file's write paid it once per folder missing).
 */
function realPath(full: string): string | undefined {
  const missing: string[] = [];
  let at = path.normalize(full);
  while (!existsSync(at)) {
    const parent = path.dirname(at);
    if (parent === at) return undefined;
    missing.unshift(path.basename(at));
    at = parent;
  }
  try {
    return path.join(realpathSync.native(at), ...missing);
  } catch {
    return undefined;
  }
}

export function versionOf(root: string, repoPath: string): FileVersion | undefined {
  const file = path.join(root, repoPath);
  try {
    const stat = statSync(file);
    const data = stat.isFile() ? readRegularFile(file) : undefined;
    if (data === undefined) return undefined;
    return {
      size: stat.size,
      mtimeMs: stat.mtimeMs,
      hash: createHash("sha1").update(data).digest("hex"),
    };
  } catch {
    return undefined;
  }
}

const sameVersion = (a: FileVersion | undefined, b: FileVersion | undefined) =>
  a === b || (a !== undefined && b !== undefined && a.hash === b.hash && a.size === b.size);

export class WriteGuard {
  /** story -> file -> the version that story last saw (read or wrote). */
  private readonly seen = new Map<string, Map<string, FileVersion | undefined>>();
  /** story -> the story it waits for. */
  private readonly waitsFor = new Map<string, { holder: string; path: string }>();
  /** story -> files it really wrote. */
  private readonly written = new Map<string, Set<string>>();
  /** story -> aborted when the story ends, to stop its waits. */
  private readonly stops = new Map<string, AbortController>();
  /** file -> the story that last wrote it, and when (ms). */
  private readonly lastWrites = new Map<string, { story: string; at: number }>();

  constructor(private readonly options: GuardOptions) {}

  /** A repo-relative path as the story's session names it (fromSession). */
  shown(repoPath: string): string {
    return fromSession(repoPath, this.options.root, this.options.cwd);
  }

  /** After a successful read: remember what the story saw. */
  afterRead(story: string, filePath: string): void {
    const from = this.options.cwd ?? this.options.root;
    const file = inside(path.resolve(from, filePath), this.options.root, true);
    if (file !== undefined) this.remember(story, file);
  }

  /** After a successful write: the new content is the story's own. */
  afterWrite(story: string, paths: string[]): void {
    for (const p of paths) {
      this.remember(story, p);
      this.writtenBy(story).add(p);
      this.lastWrites.set(p, { story, at: Date.now() });
    }
  }

  /** Files other stories wrote (in this process), each with the last of them to write it. */
  writtenByOthers(story: string): Map<string, string> {
    const out = new Map<string, string>();
    for (const [p, last] of this.lastWrites) if (last.story !== story) out.set(p, last.story);
    return out;
  }

  /** True when another story wrote the file at or after `since` (ms). */
  otherWroteSince(story: string, p: string, since: number): boolean {
    const last = this.lastWrites.get(p);
    return last !== undefined && last.story !== story && last.at >= since;
  }

  /** The version of a file the story last saw (read or wrote); null when it never did. */
  seenVersion(story: string, p: string): FileVersion | undefined | null {
    const mine = this.seen.get(story);
    return mine?.has(p) ? mine.get(p) : null;
  }

  /** True for BMAD's own files (the sprint file, story files): never claims, never locked. */
  isShared(p: string): boolean {
    return this.options.isShared(p);
  }

  /** The files a story wrote, in the order first written. */
  wroteFiles(story: string): string[] {
    return [...(this.written.get(story) ?? [])];
  }

  /**
   * A story starts in a run: what the same key wrote in an earlier run of this process is
   * that run's (its record and history have it), not this one's.
   */
  startStory(story: string): void {
    this.written.delete(story);
    this.seen.delete(story);
  }

  /** Forgets a story (it ended); its locks are released by the caller. */
  forget(story: string): void {
    this.seen.delete(story);
    this.waitsFor.delete(story);
    this.stops.get(story)?.abort();
    this.stops.delete(story);
  }

  /**
   * Throws WriteRefused when the story must not write these files now; otherwise holds their
   * locks. `replaced`: those of `paths` the write replaces or removes without applying to
   * their content (the write tool, `>`, `rm`): refused over another story's change the story
   * has not read. An edit applies to what is there and needs no read.
   */
  async beforeWrite(
    holder: LockHolder,
    paths: readonly string[],
    replaced: readonly string[] = [],
  ): Promise<void> {
    const stop = this.stops.get(holder.story) ?? new AbortController();
    this.stops.set(holder.story, stop);
    const whole = new Set(replaced);
    // Checked once the lock is held, when no other story can change the file any more: a
    // story waiting for the lock was still told to wait, not to read a file being changed.
    const refuseIfLosing = (p: string) => {
      this.refuseIfStale(holder.story, p);
      if (whole.has(p) && this.losesUnread(holder.story, p))
        throw this.unreadRefusal(holder.story, replaced);
    };
    for (const p of paths) {
      // BMAD's own files are never locked between stories; an edit of the sprint file applies
      // to its statuses as they are, but a stale copy written back whole would undo the ones
      // set meanwhile.
      if (this.options.isShared(p)) {
        if (whole.has(p)) refuseIfLosing(p);
        continue;
      }
      this.refuseIfStale(holder.story, p);
      let result = await this.options.locks.tryAcquire(p, holder);
      if (result.ok) refuseIfLosing(p);
      else {
        const holderStory = result.holder?.story ?? "another process";
        const cycle = this.cycleThrough(holder.story, holderStory);
        if (cycle) {
          throw new WriteRefused(
            `Not written: \`${this.shown(p)}\` is held by story ${holderStory}, which is itself waiting for a file you hold (${cycle}). ` +
              "Waiting would deadlock. Finish or undo your other changes first, or leave this file for later and carry on with the rest of the story.",
          );
        }
        this.waitsFor.set(holder.story, { holder: holderStory, path: p });
        this.options.onWaiting?.(holder.story, { path: p, holder: holderStory });
        try {
          result = await this.options.locks.acquire(
            p,
            holder,
            this.options.lockWaitMs,
            stop.signal,
          );
        } finally {
          this.waitsFor.delete(holder.story);
          this.options.onWaiting?.(holder.story, undefined);
        }
        if (stop.signal.aborted) {
          if (result.ok) await this.options.locks.release(p, holder.story);
          throw new WriteRefused(
            "Not written: this story has ended (cancelled or failed). Stop working on it.",
          );
        }
        if (!result.ok) {
          const seconds = Math.round(this.options.lockWaitMs / 1000);
          throw new WriteRefused(
            `Not written: \`${this.shown(p)}\` is being changed by story ${result.holder?.story ?? holderStory} and stayed locked for ${seconds}s. ` +
              "Work on your other files first and try this one again later; do not write it another way.",
          );
        }
        // Waited: the holder may have changed the file meanwhile.
        refuseIfLosing(p);
      }
    }
  }

  private refuseIfStale(story: string, p: string): void {
    const mine = this.seen.get(story);
    if (!mine?.has(p)) return;
    const now = versionOf(this.options.root, p);
    // Gone since (another story removed it): nothing left to lose, and no read could succeed.
    if (now === undefined || sameVersion(mine.get(p), now)) return;
    const by = this.lastWriterOtherThan(story, p);
    throw new WriteRefused(
      `Not written: \`${this.shown(p)}\` changed since you last read it${by ? ` (story ${by} wrote it)` : ""}. ` +
        "Read the file again, then redo your change on its current content and retry.",
    );
  }

  /**
   * A file another story wrote, which this story never read: written whole, it would lose
   * that story's change without a trace (measured: a story waiting for the lock, then writing
   * the file it never read, left nothing of the holder's work).
   */
  /** Whether replacing `p` would lose another story's change this story has not read. */
  private losesUnread(story: string, p: string): boolean {
    const last = this.lastWrites.get(p);
    if (!last || last.story === story || this.seen.get(story)?.has(p)) return false;
    // Nothing there to lose (removed since, a folder, a pipe), or a file the read tool refuses
    // (a binary one: a NUL byte in its first 8 KB): a refusal asking for a read the story
    // cannot make would hold it for good.
    const data = readRegularFile(path.join(this.options.root, p));
    return data !== undefined && !data.subarray(0, 8192).includes(0);
  }

  /**
   * The refusal of a write that would lose other stories' changes, naming every file of the
   * write it would lose, not only the first (a folder removed would be refused once per file).
   */
  private unreadRefusal(story: string, replaced: readonly string[]): WriteRefused {
    const unread = replaced.filter((p) => this.losesUnread(story, p));
    const byStory = new Map<string, string[]>();
    for (const p of unread) {
      const other = this.lastWrites.get(p)?.story ?? "";
      byStory.set(other, [...(byStory.get(other) ?? []), `\`${this.shown(p)}\``]);
    }
    const changed = [...byStory].map(
      ([other, files]) => `story ${other} changed ${files.join(", ")}`,
    );
    const others = [...byStory.keys()].join(" and ");
    const [it, its] = unread.length === 1 ? ["it", "its"] : ["them", "their"];
    return new WriteRefused(
      `Not written: ${changed.join("; ")} and you have not read ${it}. ` +
        `Read ${it} first, then make your change on ${its} current content: writing ${it} whole, or with a shell command, would lose story ${others}'s change.`,
    );
  }

  private lastWriterOtherThan(story: string, p: string): string | undefined {
    for (const [other, files] of this.written) if (other !== story && files.has(p)) return other;
    return undefined;
  }

  /** If `holder` (transitively) waits for `story`, the chain as text. */
  private cycleThrough(story: string, holder: string): string | undefined {
    const chain: string[] = [];
    let current: string | undefined = holder;
    for (let steps = 0; current && steps < 64; steps++) {
      const next = this.waitsFor.get(current);
      if (!next) return undefined;
      chain.push(`${current} waits for \`${next.path}\``);
      if (next.holder === story) return chain.join(", ");
      current = next.holder;
    }
    return undefined;
  }

  private remember(story: string, p: string): void {
    const files = this.seen.get(story) ?? new Map<string, FileVersion | undefined>();
    files.set(p, versionOf(this.options.root, p));
    this.seen.set(story, files);
  }

  private writtenBy(story: string): Set<string> {
    const set = this.written.get(story) ?? new Set<string>();
    this.written.set(story, set);
    return set;
  }
}

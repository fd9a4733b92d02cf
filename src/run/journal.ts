/**
 * The change journal: for every file a story changes, the version before its first change and
 * the version at its end. All stories share one working tree, so this is what lets a person
 * review one story's changes (`diff`), undo them (`revert`) or see a file's history
 * (`versions`) without a worktree per story.
 *
 * Layout, under `.athena/journal/`: `objects/<sha256>`, each content once however many
 * stories and runs kept it; and `<run-id>/<story-key>.json`, the story's record (its files,
 * each with the hash before and after, `null` for a file that did not exist). While the story
 * runs, each first change is appended to `<story-key>.log` beside it; the story's end folds the
 * log into the record. Records are written atomically and survive a restart: recovery closes
 * the ones a dead process left open.
 * A file over `maxFileBytes`, or one that would take the journal past `maxBytes`, is not kept:
 * its entry says so (`skipped`), and diff and revert report it, never silently.
 */
import { createHash } from "node:crypto";
import {
  appendFileSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import path from "node:path";
import { z } from "zod";
import { ensureAthenaDir } from "../bmad/cache.ts";
import { SAFE_KEY } from "../bmad/keys.ts";
import { append } from "../util/append.ts";
import { readRegularFile } from "../util/regular-file.ts";
import { fileState } from "./snapshot.ts";
import { RUN_ID } from "./state.ts";

export const JournalEntry = z.object({
  /** Repo-relative. */
  path: z.string(),
  /** sha256 of the content before the story's first change; null: the file did not exist. */
  before: z.string().nullable(),
  /** The same at the story's end; absent while the story has not ended. */
  after: z.string().nullable().optional(),
  /**
   * The path was a symbolic link then (before the story's first change, at its end), to this
   * target: `before` and `after` are what it led to. A link removed, moved or made (`rm`,
   * `mv`, `ln -sf`) is a change of the link, which `revert` makes again as a link.
   */
  beforeLink: z.string().optional(),
  afterLink: z.string().optional(),
  /** Why the content was not kept (too large, journal full). */
  skipped: z.string().optional(),
  firstChangeAt: z.string(),
  /**
   * When the story last set out to change it, kept at its end: another story's change after
   * this story's first one is then told from one before it (`revert`). Absent (a record from
   * before it was kept, or closed by recovery): its end stands for it.
   */
  lastChangeAt: z.string().optional(),
  closedAt: z.string().optional(),
});
export type JournalEntry = z.infer<typeof JournalEntry>;

export const StoryJournal = z.object({
  format: z.literal(1),
  run: z.string().regex(RUN_ID),
  story: z.string().regex(SAFE_KEY),
  files: z.array(JournalEntry),
  /** Set by `revert`: the story's changes were put back. */
  revertedAt: z.string().optional(),
});
export type StoryJournal = z.infer<typeof StoryJournal>;

export interface JournalLimits {
  /** The most the objects may take in all, bytes. */
  maxBytes: number;
  /** The largest file kept, bytes. */
  maxFileBytes: number;
}

export const DEFAULT_JOURNAL_LIMITS: JournalLimits = {
  maxBytes: 512 * 1024 * 1024,
  maxFileBytes: 8 * 1024 * 1024,
};

export class Journal {
  private readonly dir: string;
  /** Bytes the objects take, counted once per process, then kept up to date. */
  private size: number | undefined;
  /** Each story's last change of each file (`run/story\0path`), kept in its record at its end. */
  private readonly lastChanges = new Map<string, string>();
  /** The records this instance wrote: a story's next change need not read its record back. */
  private readonly records = new Map<string, StoryJournal>();
  /** Each record's paths, kept as it grows: a story's change costs its own files, not all of its record. */
  private readonly paths = new WeakMap<StoryJournal, Set<string>>();

  constructor(
    private readonly root: string,
    private readonly limits: JournalLimits = DEFAULT_JOURNAL_LIMITS,
  ) {
    this.dir = path.join(root, ".athena", "journal");
  }

  /**
   * Before a story changes these files (their locks held): keeps each one's current version,
   * the first time only in this run.
   */
  beforeChange(run: string, story: string, paths: readonly string[]): void {
    const record = this.current(run, story);
    const known = this.pathsOf(record);
    const fresh: JournalEntry[] = [];
    const now = new Date().toISOString();
    for (const p of paths) this.lastChanges.set(`${run}/${story}\u0000${p}`, now);
    for (const p of paths) {
      if (known.has(p) || fresh.some((e) => e.path === p)) continue;
      // A folder is not a version of a file: its files are entries of their own.
      if (isFolder(path.join(this.root, p))) continue;
      const kept = this.keep(p);
      fresh.push({
        path: p,
        before: kept.hash,
        ...(kept.link !== undefined ? { beforeLink: kept.link } : {}),
        ...(kept.skipped ? { skipped: kept.skipped } : {}),
        firstChangeAt: now,
      });
    }
    this.append(record, fresh);
  }

  /** Keeps a file's content now (once per content); its hash, or null when there is none. */
  keepNow(repoPath: string): string | null {
    return this.keepContent(repoPath).hash;
  }

  /**
   * Changes found after a command whose writes could not be known before it ran: the version
   * before is the one kept then (another story's file), or unknown (`undefined`), which the
   * entry says, so that `revert` refuses rather than guess.
   */
  changedUnseen(
    run: string,
    story: string,
    changes: ReadonlyArray<{ path: string; before: string | null | undefined }>,
  ): void {
    const record = this.current(run, story);
    const known = this.pathsOf(record);
    const now = new Date().toISOString();
    for (const c of changes) this.lastChanges.set(`${run}/${story}\u0000${c.path}`, now);
    const fresh = changes
      .filter((c, i) => !known.has(c.path) && changes.findIndex((d) => d.path === c.path) === i)
      .map((change) => ({
        path: change.path,
        before: change.before ?? null,
        ...(change.before === undefined
          ? { skipped: "changed by a command whose writes were only known after it ran" }
          : {}),
        firstChangeAt: now,
      }));
    this.append(record, fresh);
  }

  /** At the story's end: keeps each of its files' version now. */
  close(run: string, story: string): StoryJournal | undefined {
    const record = this.read(run, story);
    if (!record) return undefined;
    const now = new Date().toISOString();
    for (const entry of record.files) {
      if (entry.after !== undefined) continue;
      const last = `${run}/${story}\u0000${entry.path}`;
      const lastChangeAt = this.lastChanges.get(last);
      this.lastChanges.delete(last);
      if (lastChangeAt) entry.lastChangeAt = lastChangeAt;
      const kept = this.keep(entry.path);
      entry.after = kept.hash;
      if (kept.link !== undefined) entry.afterLink = kept.link;
      if (kept.skipped && !entry.skipped) entry.skipped = kept.skipped;
      entry.closedAt = now;
    }
    this.write(record);
    return record;
  }

  /** A story's record: its `.json`, with the entries its log added since. */
  read(run: string, story: string): StoryJournal | undefined {
    const cached = this.records.get(`${run}/${story}`);
    return cached ? structuredClone(cached) : this.load(run, story);
  }

  /**
   * The record this instance keeps for a story, loaded or started the first time: not a copy,
   * since the story's changes only ever add to it (a copy per change cost O(files) each).
   */
  private current(run: string, story: string): StoryJournal {
    const key = `${run}/${story}`;
    let record = this.records.get(key);
    if (!record) {
      record = this.load(run, story) ?? { format: 1, run, story, files: [] };
      this.records.set(key, record);
    }
    return record;
  }

  private load(run: string, story: string): StoryJournal | undefined {
    const file = this.recordFile(run, story); // refuses a name that is not a run id or story key
    let record: StoryJournal | undefined;
    try {
      const parsed = StoryJournal.safeParse(JSON.parse(readFileSync(file, "utf8")));
      record = parsed.success ? parsed.data : undefined;
    } catch {
      record = undefined;
    }
    let log: string;
    try {
      log = readFileSync(logFile(file), "utf8");
    } catch {
      return record;
    }
    record ??= { format: 1, run, story, files: [] };
    const known = new Set(record.files.map((f) => f.path));
    for (const line of log.split("\n")) {
      // A line cut short by a crash is not an entry.
      const entry = parseLine(line);
      if (entry && !known.has(entry.path)) {
        record.files.push(entry);
        known.add(entry.path);
      }
    }
    return record;
  }

  /** Every record, oldest run first (run ids sort by time). */
  all(): StoryJournal[] {
    let runs: string[];
    try {
      runs = readdirSync(this.dir).filter((name) => RUN_ID.test(name));
    } catch {
      return [];
    }
    return runs
      .sort()
      .flatMap((run) =>
        [
          ...new Set(
            readdirSync(path.join(this.dir, run)).flatMap((name) =>
              name.endsWith(".json")
                ? [name.slice(0, -5)]
                : name.endsWith(LOG)
                  ? [name.slice(0, -LOG.length)]
                  : [],
            ),
          ),
        ].flatMap((story) => (SAFE_KEY.test(story) ? (this.read(run, story) ?? []) : [])),
      );
  }

  /**
   * A file's content before `story` first changed it, from the story's newest record that has
   * the file (this process's records first: reading every run's is for a story of another):
   * null when there was no file, undefined when the journal cannot tell (not kept, or the
   * version before was never known).
   */
  before(story: string, repoPath: string): Buffer | null | undefined {
    const entryIn = (records: Iterable<StoryJournal>) => {
      for (const record of [...records].reverse())
        if (record.story === story) {
          const entry = record.files.find((f) => f.path === repoPath);
          if (entry) return entry;
        }
      return undefined;
    };
    const entry = entryIn(this.records.values()) ?? entryIn(this.all());
    if (!entry || entry.skipped) return undefined;
    return entry.before === null ? null : this.content(entry.before);
  }

  /** The content of a kept version; undefined when it is not in the journal. */
  content(hash: string): Buffer | undefined {
    if (!/^[a-f0-9]{64}$/.test(hash)) return undefined;
    let data: Buffer;
    try {
      data = readFileSync(path.join(this.dir, "objects", hash));
    } catch {
      return undefined;
    }
    // Half an object (its writer died, or is still writing) is not the version asked for.
    return createHash("sha256").update(data).digest("hex") === hash ? data : undefined;
  }

  write(record: StoryJournal): void {
    const file = this.recordFile(record.run, record.story);
    ensureAthenaDir(this.root, path.join("journal", record.run));
    // Atomic (a reader sees the old record or the new), without fsync: the journal is a
    // review aid, and an fsync per first change of a file would cost more than the write.
    replaceFile(file, `${JSON.stringify(record, null, 2)}\n`);
    // The record now holds every entry its log had.
    rmSync(logFile(file), { force: true });
    this.records.set(`${record.run}/${record.story}`, record);
  }

  /**
   * Adds first-change entries to a story's record. They go to the record's log, one line
   * each, appended: rewriting the whole record on every first change cost more than keeping
   * the file itself. `close` and `write` fold the log into the record.
   */
  private append(record: StoryJournal, entries: readonly JournalEntry[]): void {
    if (entries.length === 0) return;
    const log = logFile(this.recordFile(record.run, record.story));
    // Each line starts with its newline: an entry after one cut short by a crash starts afresh.
    const lines = entries.map((e) => `\n${JSON.stringify(e)}`).join("");
    try {
      appendFileSync(log, lines);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
      ensureAthenaDir(this.root, path.join("journal", record.run));
      appendFileSync(log, lines);
    }
    append(record.files, entries);
    const known = this.pathsOf(record);
    for (const entry of entries) known.add(entry.path);
  }

  private pathsOf(record: StoryJournal): Set<string> {
    let known = this.paths.get(record);
    if (!known) {
      known = new Set(record.files.map((f) => f.path));
      this.paths.set(record, known);
    }
    return known;
  }

  /** Stores a file's content (once per content); its hash, or null when there is no file. */
  private keep(repoPath: string): { hash: string | null; skipped?: string; link?: string } {
    const link = linkTarget(this.root, repoPath);
    const kept = this.keepContent(repoPath);
    return link === undefined ? kept : { ...kept, link };
  }

  private keepContent(repoPath: string): { hash: string | null; skipped?: string } {
    const data = readRegularFile(path.join(this.root, repoPath));
    if (data === undefined) return { hash: null };
    const hash = createHash("sha256").update(data).digest("hex");
    const object = path.join(this.dir, "objects", hash);
    const stored = () => fileState(object)?.size === data.length;
    if (data.length > this.limits.maxFileBytes)
      return stored()
        ? { hash }
        : { hash, skipped: `larger than ${megabytes(this.limits.maxFileBytes)}` };
    this.size ??= this.measure();
    if (this.size + data.length > this.limits.maxBytes) {
      // The journal's limit is the user's (parallel.journalMaxMegabytes): named, and a file
      // larger than all of it is no sign of a full journal.
      const limit = `${megabytes(this.limits.maxBytes)}, parallel.journalMaxMegabytes`;
      const why =
        data.length > this.limits.maxBytes
          ? `larger than the whole journal (${limit})`
          : `the journal is full (${limit})`;
      return stored() ? { hash } : { hash, skipped: why };
    }
    // Written in place, created exclusively: one create, no rename, no look first (a file's
    // first change is nearly always a content not kept yet). A second writer of the same
    // content finds it there; one cut short by a crash is replaced the next time it is kept,
    // and `content` never serves it.
    const store = () => writeFileSync(object, data, { flag: "wx" });
    try {
      store();
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === "ENOENT") {
        ensureAthenaDir(this.root, path.join("journal", "objects"));
        store();
      } else if (code !== "EEXIST") throw error;
      else {
        const found = fileState(object)?.size;
        if (found === data.length) return { hash };
        // Cut short (its writer died): replaced whole, through a rename.
        replaceFile(object, data);
        this.size += data.length - (found ?? 0);
        return { hash };
      }
    }
    this.size += data.length;
    return { hash };
  }

  private measure(): number {
    const objects = path.join(this.dir, "objects");
    try {
      return readdirSync(objects).reduce((sum, name) => {
        try {
          return sum + statSync(path.join(objects, name)).size;
        } catch {
          return sum;
        }
      }, 0);
    } catch {
      return 0;
    }
  }

  private recordFile(run: string, story: string): string {
    if (!RUN_ID.test(run) || !SAFE_KEY.test(story))
      throw new Error(`invalid journal record name: ${run}/${story}`);
    return path.join(this.dir, run, `${story}.json`);
  }
}

function isFolder(file: string): boolean {
  try {
    return statSync(file).isDirectory();
  } catch {
    return false;
  }
}

const LOG = ".log";
const logFile = (recordFile: string) => `${recordFile.slice(0, -".json".length)}${LOG}`;

function parseLine(line: string): JournalEntry | undefined {
  if (!line.trim()) return undefined;
  try {
    const parsed = JournalEntry.safeParse(JSON.parse(line));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

/** `512 MB`; under one, in kB (`0.9 kB` rather than `0 MB`). */
function megabytes(bytes: number): string {
  const mb = bytes / (1024 * 1024);
  return mb >= 1 ? `${Math.round(mb)} MB` : `${Number((bytes / 1024).toFixed(1))} kB`;
}

/**
 * Writes a record through a temporary name and a rename, so a reader never sees half of it.
 * Not write-file-atomic: its per-call exit handler, realpath and unique temp name doubled the
 * cost of keeping a file (measured), and one story's record has one writer.
 */
function replaceFile(file: string, data: string | Buffer): void {
  const temp = `${file}.${process.pid}.tmp`;
  writeFileSync(temp, data);
  renameSync(temp, file);
}

/** Where a path that is a symbolic link leads, as written in the link; undefined otherwise. */
export function linkTarget(root: string, repoPath: string): string | undefined {
  try {
    return readlinkSync(path.join(root, repoPath));
  } catch {
    return undefined; // no link there (EINVAL), or nothing (ENOENT)
  }
}

/** A file's content hash as the journal names versions (sha256); null when there is no file. */
export function fileHash(root: string, repoPath: string): string | null {
  const data = readRegularFile(path.join(root, repoPath));
  return data === undefined ? null : createHash("sha256").update(data).digest("hex");
}

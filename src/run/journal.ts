/**
 * The change journal: for every file a story changes, the version before its first change and
 * the version at its end. All stories share one working tree, so this is what lets a person
 * review one story's changes (`diff`), undo them (`revert`) or see a file's history
 * (`versions`) without a worktree per story.
 *
 * Layout, under `.athena/journal/`: `objects/<sha256>`, each content once however many
 * stories and runs kept it; and `<run-id>/<story-key>.json`, the story's record (its files,
 * each with the hash before and after, `null` for a file that did not exist). Records are
 * written atomically and survive a restart: recovery closes the ones a dead process left open.
 * A file over `maxFileBytes`, or one that would take the journal past `maxBytes`, is not kept:
 * its entry says so (`skipped`), and diff and revert report it, never silently.
 */
import { createHash } from "node:crypto";
import {
  existsSync,
  readdirSync,
  readFileSync,
  renameSync,
  statSync,
  writeFileSync,
} from "node:fs";
import path from "node:path";
import writeFileAtomic from "write-file-atomic";
import { z } from "zod";
import { ensureAthenaDir } from "../bmad/cache.ts";
import { SAFE_KEY } from "../bmad/keys.ts";
import { RUN_ID } from "./state.ts";

export const JournalEntry = z.object({
  /** Repo-relative. */
  path: z.string(),
  /** sha256 of the content before the story's first change; null: the file did not exist. */
  before: z.string().nullable(),
  /** The same at the story's end; absent while the story has not ended. */
  after: z.string().nullable().optional(),
  /** Why the content was not kept (too large, journal full). */
  skipped: z.string().optional(),
  firstChangeAt: z.string(),
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
  /** The records this instance wrote: a story's next change need not read its record back. */
  private readonly records = new Map<string, StoryJournal>();

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
    this.recordFile(run, story); // refuses a name that is not a run id or story key, first
    const record = this.read(run, story) ?? { format: 1 as const, run, story, files: [] };
    const known = new Set(record.files.map((f) => f.path));
    let changed = false;
    for (const p of paths) {
      if (known.has(p)) continue;
      const kept = this.keep(p);
      record.files.push({
        path: p,
        before: kept.hash,
        ...(kept.skipped ? { skipped: kept.skipped } : {}),
        firstChangeAt: new Date().toISOString(),
      });
      known.add(p);
      changed = true;
    }
    if (changed) this.write(record);
  }

  /** Keeps a file's content now (once per content); its hash, or null when there is none. */
  keepNow(repoPath: string): string | null {
    return this.keep(repoPath).hash;
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
    this.recordFile(run, story);
    const record = this.read(run, story) ?? { format: 1 as const, run, story, files: [] };
    const known = new Set(record.files.map((f) => f.path));
    const fresh = changes.filter((c) => !known.has(c.path));
    if (fresh.length === 0) return;
    for (const change of fresh)
      record.files.push({
        path: change.path,
        before: change.before ?? null,
        ...(change.before === undefined
          ? { skipped: "changed by a command whose writes were only known after it ran" }
          : {}),
        firstChangeAt: new Date().toISOString(),
      });
    this.write(record);
  }

  /** At the story's end: keeps each of its files' version now. */
  close(run: string, story: string): StoryJournal | undefined {
    const record = this.read(run, story);
    if (!record) return undefined;
    const now = new Date().toISOString();
    for (const entry of record.files) {
      if (entry.after !== undefined) continue;
      const kept = this.keep(entry.path);
      entry.after = kept.hash;
      if (kept.skipped && !entry.skipped) entry.skipped = kept.skipped;
      entry.closedAt = now;
    }
    this.write(record);
    return record;
  }

  read(run: string, story: string): StoryJournal | undefined {
    const cached = this.records.get(`${run}/${story}`);
    if (cached) return structuredClone(cached);
    try {
      const parsed = StoryJournal.safeParse(
        JSON.parse(readFileSync(this.recordFile(run, story), "utf8")),
      );
      return parsed.success ? parsed.data : undefined;
    } catch {
      return undefined;
    }
  }

  /** Every record, oldest run first (run ids sort by time). */
  all(): StoryJournal[] {
    let runs: string[];
    try {
      runs = readdirSync(this.dir).filter((name) => RUN_ID.test(name));
    } catch {
      return [];
    }
    return runs.sort().flatMap((run) =>
      readdirSync(path.join(this.dir, run))
        .filter((name) => name.endsWith(".json"))
        .flatMap((name) => this.read(run, name.slice(0, -5)) ?? []),
    );
  }

  /** The content of a kept version; undefined when it is not in the journal. */
  content(hash: string): Buffer | undefined {
    if (!/^[a-f0-9]{64}$/.test(hash)) return undefined;
    try {
      return readFileSync(path.join(this.dir, "objects", hash));
    } catch {
      return undefined;
    }
  }

  write(record: StoryJournal): void {
    const file = this.recordFile(record.run, record.story);
    ensureAthenaDir(this.root, path.join("journal", record.run));
    // Atomic (a reader sees the old record or the new), without fsync: the journal is a
    // review aid, and an fsync per first change of a file would cost more than the write.
    writeFileAtomic.sync(file, `${JSON.stringify(record, null, 2)}\n`, { fsync: false });
    this.records.set(`${record.run}/${record.story}`, record);
  }

  /** Stores a file's content (once per content); its hash, or null when there is no file. */
  private keep(repoPath: string): { hash: string | null; skipped?: string } {
    let data: Buffer;
    try {
      data = readFileSync(path.join(this.root, repoPath));
    } catch {
      return { hash: null };
    }
    const hash = createHash("sha256").update(data).digest("hex");
    const object = path.join(this.dir, "objects", hash);
    if (existsSync(object)) return { hash };
    if (data.length > this.limits.maxFileBytes)
      return { hash, skipped: `larger than ${megabytes(this.limits.maxFileBytes)}` };
    this.size ??= this.measure();
    if (this.size + data.length > this.limits.maxBytes)
      return { hash, skipped: `the journal is full (${megabytes(this.limits.maxBytes)})` };
    ensureAthenaDir(this.root, path.join("journal", "objects"));
    // A temporary name, then a rename: a reader never sees half an object.
    const temp = `${object}.${process.pid}.tmp`;
    writeFileSync(temp, data);
    renameSync(temp, object);
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

function megabytes(bytes: number): string {
  return `${Math.round(bytes / (1024 * 1024))} MB`;
}

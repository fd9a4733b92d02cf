/**
 * A parse cache under `.athena/cache`, keyed by a hash of everything the result depends on
 * (the file's content, the parser version, its options), so a changed file is always parsed
 * again and an unchanged one never is. A broken or unreadable entry is a miss, never an error.
 */
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import writeFileAtomic from "write-file-atomic";

/** Bump when a parser's output changes shape or meaning: old entries then miss. */
export const PARSER_VERSION = "113";

export function contentKey(...parts: string[]): string {
  const hash = createHash("sha256");
  hash.update(PARSER_VERSION);
  for (const part of parts) hash.update("\0").update(part);
  return hash.digest("hex").slice(0, 40);
}

export class ParseCache {
  private readonly dir: string;
  /** Kinds whose folder exists already (made once, not on every write). */
  private readonly ready = new Set<string>();
  /** Entries computed while held, written by release(). */
  private held: Array<() => void> | undefined;
  constructor(
    private readonly projectRoot: string,
    private readonly enabled = true,
  ) {
    this.dir = path.join(projectRoot, ".athena", "cache");
  }

  get<T>(kind: string, key: string, compute: () => T): T {
    if (!this.enabled) return compute();
    const file = path.join(this.dir, kind, `${key}.json`);
    try {
      return JSON.parse(readFileSync(file, "utf8")) as T;
    } catch {
      // A miss, or an entry damaged by hand: compute it again.
    }
    const value = compute();
    const write = () => this.write(kind, file, value);
    if (this.held) this.held.push(write);
    else write();
    return value;
  }

  /**
   * Keeps the entries computed from now on in memory until release(): a command that may still
   * refuse its input (`plan nope`) then leaves the project as it was, with no `.athena/`.
   */
  hold(): void {
    this.held ??= [];
  }

  /** Writes the held entries, and every later one as it is computed. */
  release(): void {
    const held = this.held ?? [];
    this.held = undefined;
    for (const write of held) write();
  }

  private write(kind: string, file: string, value: unknown): void {
    try {
      if (!this.ready.has(kind)) {
        ensureAthenaDir(this.projectRoot, path.join("cache", kind));
        this.ready.add(kind);
      }
      // Atomic, so a reader never sees half an entry; no fsync: a cache lost in a crash is
      // only computed again (the fsyncs were a tenth of a cold plan's time).
      writeFileAtomic.sync(file, JSON.stringify(value), { fsync: false });
    } catch {
      // A read-only checkout still plans; it only plans slower.
    }
  }
}

/**
 * Creates the project's `.athena/` (with a `.gitignore` that keeps all of it out of version
 * control) and the sub-folder asked for; returns the sub-folder's path.
 */
export function ensureAthenaDir(projectRoot: string, sub = ""): string {
  const athena = path.join(projectRoot, ".athena");
  mkdirSync(path.join(athena, sub), { recursive: true });
  const gitignore = path.join(athena, ".gitignore");
  // Looked for first: a write that fails with EEXIST on every call costs an exception (the
  // journal calls this before each file it keeps).
  if (!existsSync(gitignore)) {
    try {
      writeFileSync(gitignore, "# athena-parallel state: never commit\n*\n", { flag: "wx" });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    }
  }
  return path.join(athena, sub);
}

/**
 * A parse cache under `.athena/cache`, keyed by a hash of everything the result depends on
 * (the file's content, the parser version, its options), so a changed file is always parsed
 * again and an unchanged one never is. A broken or unreadable entry is a miss, never an error.
 *
 * Entries are kept in packs, one file holding many: `save()` writes the entries computed since
 * the last save as one pack per kind. A cold plan of a large project computes hundreds of
 * entries, and a file each cost a tenth of its time. A kind's packs are all read on its first
 * lookup. Past MAX_PACKS packs, a save folds them into one that keeps what this process used
 * and what the last day's packs hold: the entries of files changed since then are let go, so
 * the cache does not grow with every edit of a story or of the sprint file.
 */
import { createHash } from "node:crypto";
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  statSync,
  unlinkSync,
  writeFileSync,
} from "node:fs";
import path from "node:path";
import writeFileAtomic from "write-file-atomic";

/** Bump when a parser's output changes shape or meaning: old entries then miss. */
export const PARSER_VERSION = "113";

/** More packs of a kind than this, and the next save folds them into one. */
export const MAX_PACKS = 6;
/** A pack younger than this keeps its entries when packs are folded, used or not. */
const KEEP_RECENT_MS = 24 * 60 * 60 * 1000;
const PACK = /^pack-[0-9a-f]{40}\.json$/;

export function contentKey(...parts: string[]): string {
  const hash = createHash("sha256");
  hash.update(PARSER_VERSION);
  for (const part of parts) hash.update("\0").update(part);
  return hash.digest("hex").slice(0, 40);
}

interface Kind {
  /** Every entry read from the packs. */
  entries: Map<string, unknown>;
  /** The packs read, with their entries' keys and whether they are recent. */
  packs: Array<{ name: string; keys: string[]; recent: boolean }>;
  /** Keys looked up (hit or computed) by this process. */
  used: Set<string>;
  /**
   * Computed by this process, as JSON written when computed: what a caller later does with
   * the value it was given never reaches the cache.
   */
  computed: Map<string, string>;
  /** Computed since the last save. */
  unsaved: Set<string>;
}

export class ParseCache {
  private readonly dir: string;
  private readonly kinds = new Map<string, Kind>();
  constructor(
    private readonly projectRoot: string,
    private readonly enabled = true,
  ) {
    this.dir = path.join(projectRoot, ".athena", "cache");
  }

  get<T>(kind: string, key: string, compute: () => T): T {
    if (!this.enabled) return compute();
    const known = this.kind(kind);
    known.used.add(key);
    const computed = known.computed.get(key);
    if (computed !== undefined) return JSON.parse(computed) as T;
    if (known.entries.has(key)) return known.entries.get(key) as T;
    const value = compute();
    const json = JSON.stringify(value);
    if (json !== undefined) {
      known.computed.set(key, json);
      known.unsaved.add(key);
    }
    return value;
  }

  /**
   * Writes what was computed since the last save, one pack per kind. Nothing is written
   * before: a command that refuses its input (`plan nope`) leaves the project as it was.
   */
  save(): void {
    for (const [name, kind] of this.kinds) {
      if (kind.unsaved.size === 0) continue;
      try {
        this.saveKind(name, kind);
      } catch {
        // A read-only checkout still plans; it only plans slower.
      }
      kind.unsaved.clear();
    }
  }

  private kind(name: string): Kind {
    const known = this.kinds.get(name);
    if (known) return known;
    const kind: Kind = {
      entries: new Map(),
      packs: [],
      used: new Set(),
      computed: new Map(),
      unsaved: new Set(),
    };
    this.kinds.set(name, kind);
    const folder = path.join(this.dir, name);
    let files: string[] = [];
    try {
      files = readdirSync(folder).filter((f) => PACK.test(f));
    } catch {
      return kind; // no cache yet
    }
    const now = Date.now();
    for (const file of files) {
      try {
        const full = path.join(folder, file);
        const recent = now - statSync(full).mtimeMs < KEEP_RECENT_MS;
        const pack = JSON.parse(readFileSync(full, "utf8")) as Record<string, unknown>;
        if (typeof pack !== "object" || pack === null || Array.isArray(pack)) continue;
        const keys = Object.keys(pack);
        for (const key of keys) kind.entries.set(key, pack[key]);
        kind.packs.push({ name: file, keys, recent });
      } catch {
        // Damaged by hand, or folded away by another process meanwhile: its entries miss.
      }
    }
    return kind;
  }

  private saveKind(name: string, kind: Kind): void {
    const folder = ensureAthenaDir(this.projectRoot, path.join("cache", name));
    const write = (keys: Iterable<string>) => {
      const sorted = [...new Set(keys)].sort();
      const json = (key: string) => kind.computed.get(key) ?? JSON.stringify(kind.entries.get(key));
      const pack = `{${sorted.map((key) => `${JSON.stringify(key)}:${json(key)}`).join(",")}}`;
      const file = `pack-${createHash("sha256").update(sorted.join("\n")).digest("hex").slice(0, 40)}.json`;
      // Atomic, so a reader never sees half a pack; no fsync: a cache lost in a crash is only
      // computed again. Two processes writing the same keys write the same file.
      writeFileAtomic.sync(path.join(folder, file), pack, { fsync: false });
      return { name: file, keys: sorted, recent: true };
    };
    const written = write(kind.unsaved);
    kind.packs.push(written);
    if (kind.packs.length <= MAX_PACKS) return;
    // Fold: what this process used, what recent packs hold; entries of changed files go.
    const kept = new Set(kind.used);
    for (const pack of kind.packs) if (pack.recent) for (const key of pack.keys) kept.add(key);
    const folded = write(
      [...kept].filter((key) => kind.entries.has(key) || kind.computed.has(key)),
    );
    for (const pack of kind.packs) {
      if (pack.name === folded.name) continue;
      try {
        unlinkSync(path.join(folder, pack.name));
      } catch {
        // Folded away by another process already.
      }
    }
    // Entries of the layout before packs (one file each) are let go with them.
    for (const file of readdirSync(folder))
      if (file.endsWith(".json") && !PACK.test(file)) unlinkSync(path.join(folder, file));
    kind.packs = [folded];
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

/**
 * A parse cache under `.athena/cache`, keyed by a hash of everything the result depends on
 * (the file's content, the parser version, its options), so a changed file is always parsed
 * again and an unchanged one never is. A broken or unreadable entry is a miss, never an error.
 *
 * Entries are kept in packs, one file holding many: `save()` writes the entries computed since
 * the last save as one pack per kind. A cold plan of a large project computes hundreds of
 * entries, and a file each cost a tenth of its time. A kind's packs are all read on its first
 * lookup. Each entry names its source (the file it was parsed from): past MAX_PACKS packs, a
 * save folds them into one that keeps, of each source, its newest entry and those this process
 * used. The parses of files since changed are let go, and those of unchanged files stay however
 * long they go unused (a done story's, needed again whenever the history model is relearned).
 */
import { createHash } from "node:crypto";
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  unlinkSync,
  writeFileSync,
} from "node:fs";
import path from "node:path";
import writeFileAtomic from "write-file-atomic";

/** Bump when a parser's output changes shape or meaning: old entries then miss. */
export const PARSER_VERSION = "179";

/** More packs of a kind than this, and the next save folds them into one. */
export const MAX_PACKS = 6;
const PACK = /^pack-[0-9a-f]{40}\.json$/;

export function contentKey(...parts: string[]): string {
  const hash = createHash("sha256");
  hash.update(PARSER_VERSION);
  for (const part of parts) hash.update("\0").update(part);
  return hash.digest("hex").slice(0, 40);
}

/** An entry as a pack holds it: its source, when it was computed, its value. */
interface Entry {
  s: string;
  t: number;
  v: unknown;
}

interface Kind {
  /** Every entry read from the packs. */
  entries: Map<string, Entry>;
  /** The packs read (and damaged ones, let go at the next fold). */
  packs: string[];
  /** Keys looked up (hit or computed) by this process. */
  used: Set<string>;
  /**
   * Computed by this process: the value as JSON, written when computed, so that what a caller
   * later does with the value it was given never reaches the cache.
   */
  computed: Map<string, { s: string; t: number; json: string }>;
  /** Computed since the last save. */
  unsaved: Set<string>;
  /** The folder holds entries of the layout before packs (one file each): read on a miss. */
  oneFileEach: boolean;
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

  /**
   * The value cached under `key`, else computed (and kept for `save()`). `source` names what
   * it was computed from (a file): a fold keeps only the newest entry of each source, beside
   * those this process used.
   */
  get<T>(kind: string, key: string, compute: () => T, source = key): T {
    if (!this.enabled) return compute();
    const known = this.kind(kind);
    known.used.add(key);
    // A copy each time, as a read from disk gave: no caller changes what another is given.
    const computed = known.computed.get(key);
    if (computed !== undefined) return JSON.parse(computed.json) as T;
    const entry = known.entries.get(key);
    if (entry !== undefined) return structuredClone(entry.v) as T;
    const earlier = known.oneFileEach ? this.readOneFile(kind, key) : undefined;
    const value = earlier ? (earlier.value as T) : compute();
    const json = earlier?.json ?? JSON.stringify(value);
    if (json !== undefined) {
      known.computed.set(key, { s: source, t: Date.now(), json });
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
      oneFileEach: false,
    };
    this.kinds.set(name, kind);
    let files: string[] = [];
    try {
      const all = readdirSync(path.join(this.dir, name));
      files = all.filter((f) => PACK.test(f));
      kind.oneFileEach = files.length < all.length;
    } catch {
      return kind; // no cache yet
    }
    for (const file of files) {
      kind.packs.push(file);
      try {
        const pack: unknown = JSON.parse(readFileSync(path.join(this.dir, name, file), "utf8"));
        if (typeof pack !== "object" || pack === null || Array.isArray(pack)) continue;
        for (const [key, entry] of Object.entries(pack as Record<string, Entry>))
          if (typeof entry?.s === "string" && typeof entry.t === "number")
            kind.entries.set(key, entry);
      } catch {
        // Damaged by hand, or folded away by another process meanwhile: its entries miss.
      }
    }
    return kind;
  }

  /**
   * An entry of the layout before packs (`<key>.json`), as JSON: an upgraded plugin's first plan
   * stays warm, and the entry moves into the next pack (the old files go at the next fold).
   */
  private readOneFile(kind: string, key: string): { json: string; value: unknown } | undefined {
    try {
      const json = readFileSync(path.join(this.dir, kind, `${key}.json`), "utf8");
      return { json, value: JSON.parse(json) };
    } catch {
      return undefined; // a miss, or damaged: computed again
    }
  }

  private saveKind(name: string, kind: Kind): void {
    const folder = ensureAthenaDir(this.projectRoot, path.join("cache", name));
    const write = (keys: Iterable<string>) => {
      const sorted = [...new Set(keys)].sort();
      const json = (key: string) => {
        const computed = kind.computed.get(key);
        if (computed)
          return `{"s":${JSON.stringify(computed.s)},"t":${computed.t},"v":${computed.json}}`;
        return JSON.stringify(kind.entries.get(key));
      };
      const pack = `{${sorted.map((key) => `${JSON.stringify(key)}:${json(key)}`).join(",")}}`;
      const file = `pack-${createHash("sha256").update(sorted.join("\n")).digest("hex").slice(0, 40)}.json`;
      // Atomic, so a reader never sees half a pack; no fsync: a cache lost in a crash is only
      // computed again. Two processes writing the same keys write the same file.
      writeFileAtomic.sync(path.join(folder, file), pack, { fsync: false });
      return file;
    };
    const written = write(kind.unsaved);
    if (!kind.packs.includes(written)) kind.packs.push(written);
    if (kind.packs.length <= MAX_PACKS) return;
    // Fold: of each source its newest entry, and every entry this process used.
    const newest = new Map<string, { key: string; t: number }>();
    const all: Array<[string, { s: string; t: number }]> = [...kind.entries, ...kind.computed];
    for (const [key, { s, t }] of all) {
      const best = newest.get(s);
      if (!best || t > best.t || (t === best.t && key > best.key)) newest.set(s, { key, t });
    }
    const kept = new Set([...newest.values()].map((n) => n.key));
    for (const key of kind.used) if (kind.entries.has(key) || kind.computed.has(key)) kept.add(key);
    const folded = write(kept);
    // The packs read, damaged ones too, and the entries of the layout before packs (one file
    // each) go; each on its own, as another process may be folding them away as well.
    const stale = readdirSync(folder).filter(
      (f) => f !== folded && f.endsWith(".json") && (!PACK.test(f) || kind.packs.includes(f)),
    );
    for (const file of stale) {
      try {
        unlinkSync(path.join(folder, file));
      } catch {
        // Gone already.
      }
    }
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

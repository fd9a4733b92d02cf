/**
 * The paths the project is known to have: what architecture.md draws and what is on disk.
 * Used to resolve package-relative mentions (`model.go` -> `internal/adapters/tui/model.go`)
 * and to decide glob-against-glob overlaps.
 */
import path from "node:path";

export class KnownTree {
  private readonly paths = new Set<string>();
  private readonly byBase = new Map<string, string[]>();

  constructor(paths: Iterable<string>) {
    for (const p of paths) this.add(p);
  }

  private add(raw: string): void {
    const p = raw.replace(/^\.\//, "");
    if (p === "" || this.paths.has(p)) return;
    this.paths.add(p);
    const base = path.posix.basename(p);
    const list = this.byBase.get(base);
    if (list) list.push(p);
    else this.byBase.set(base, [p]);
  }

  has(p: string): boolean {
    return this.paths.has(p);
  }

  /** True when `p` (no trailing slash) is a known folder. */
  isDir(p: string): boolean {
    return this.paths.has(p.endsWith("/") ? p : `${p}/`);
  }

  /** Known paths of which `p` is a tail: `tui/model.go` -> `internal/adapters/tui/model.go`. */
  withSuffix(p: string): string[] {
    const wanted = p.replace(/\/$/, "");
    const base = path.posix.basename(wanted);
    const slash = p.endsWith("/");
    return (this.byBase.get(base) ?? []).filter(
      (known) =>
        known.endsWith("/") === slash &&
        (known.replace(/\/$/, "") === wanted || known.replace(/\/$/, "").endsWith(`/${wanted}`)),
    );
  }

  /**
   * What a mentioned path names: itself when known, the folder when it is one, or the one known
   * path it is the tail of. `candidates` lists the tails when there are several (ambiguous);
   * undefined means the tree knows nothing of it (a new file, or not a path at all).
   */
  resolve(p: string): { path: string; resolvedFrom?: string; candidates?: string[] } | undefined {
    if (this.has(p)) return { path: p };
    if (!p.endsWith("/") && this.isDir(p)) return { path: `${p}/` };
    const tails = this.withSuffix(p);
    if (tails.length === 1 && tails[0]) return { path: tails[0], resolvedFrom: p };
    return tails.length > 1 ? { path: p, candidates: tails } : undefined;
  }

  all(): IterableIterator<string> {
    return this.paths.values();
  }
}

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

  all(): IterableIterator<string> {
    return this.paths.values();
  }
}

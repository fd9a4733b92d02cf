/**
 * The paths the project is known to have, in two tiers: the real ones (on disk, and those
 * the done stories' File Lists name) and the drawn ones (architecture.md's trees, often older
 * than the code or relative to a package). Used to resolve short mentions
 * (`model.go` -> `internal/adapters/tui/model.go`) and to decide glob-against-glob overlaps.
 * A mention resolves against the real tier first; the drawn tree answers only when the real
 * one knows nothing of it.
 */
import path from "node:path";
import { isTestPath } from "./test-partner.ts";

/**
 * Longer than any real repo-relative path (PATH_MAX is 4096; real ones stay far below): a
 * mention this long is reported, and a drawn tree's or File List's line this long is no file.
 * Both bounds also keep a glob's match against a path short.
 */
export const MAX_PATH_LENGTH = 1024;
/** NAME_MAX: no file system has a file or folder name longer. */
export const MAX_NAME_LENGTH = 255;

/** Why `p` cannot be a file of the project for its length alone, if it cannot. */
export function tooLongReason(p: string): string | undefined {
  if (p.length > MAX_PATH_LENGTH) return `is longer than ${MAX_PATH_LENGTH} characters`;
  // Most paths are shorter than one name may be: no need to look at their names.
  if (p.length > MAX_NAME_LENGTH && p.split("/").some((name) => name.length > MAX_NAME_LENGTH))
    return `has a name longer than ${MAX_NAME_LENGTH} characters`;
  return undefined;
}

/** A folder name that stands for folders left out: `src/.../settings.py`. */
const ELLIPSIS = /^\.{3,}$/;

/**
 * True when part of a path is left out (`src/.../config/settings.py`, `.../settings/x.yml`):
 * no file of that name exists; it names a known path where one fits, or none.
 */
export function isElided(p: string): boolean {
  return p.split("/").some((part) => ELLIPSIS.test(part));
}

/** The most gaps an elided path may have to be looked up (`a/.../b/.../c` has two). */
const MAX_GAPS = 3;

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

class PathSet {
  readonly paths = new Set<string>();
  private readonly byBase = new Map<string, string[]>();

  add(raw: string): void {
    const p = raw.replace(/^\.\//, "");
    if (p === "" || this.paths.has(p) || tooLongReason(p)) return;
    this.insert(p);
    // A file implies its folders: `a/b/c.ts` makes `a/b/` and `a/` known.
    for (let dir = path.posix.dirname(p.replace(/\/$/, "")); dir !== "." && dir !== "/"; ) {
      const folder = `${dir}/`;
      if (this.paths.has(folder)) break;
      this.insert(folder);
      dir = path.posix.dirname(dir);
    }
  }

  private insert(p: string): void {
    this.paths.add(p);
    const base = path.posix.basename(p);
    const list = this.byBase.get(base);
    if (list) list.push(p);
    else this.byBase.set(base, [p]);
  }

  /** Known paths of which `p` is a tail: `tui/model.go` -> `internal/adapters/tui/model.go`. */
  withSuffix(p: string): string[] {
    const wanted = p.replace(/\/$/, "");
    const slash = p.endsWith("/");
    return (this.byBase.get(path.posix.basename(wanted)) ?? []).filter(
      (known) =>
        known.endsWith("/") === slash &&
        (known.replace(/\/$/, "") === wanted || known.replace(/\/$/, "").endsWith(`/${wanted}`)),
    );
  }

  /** The paths with this file name. */
  named(base: string): readonly string[] {
    return this.byBase.get(base) ?? [];
  }

  /**
   * The known paths an elided mention stands for (`src/.../config/settings.py`: any folders
   * where the `...` is), looked for among the paths of its file name only.
   */
  elided(p: string): string[] {
    const slash = p.endsWith("/");
    // `a/.../.../b` leaves out what `a/.../b` does.
    const parts = p
      .replace(/\/$/, "")
      .split("/")
      .filter((part, i, all) => !(ELLIPSIS.test(part) && ELLIPSIS.test(all[i - 1] ?? "")));
    const base = parts.at(-1) ?? "";
    // Each gap is one more way to split a path: a few are all a story writes (one, mostly);
    // more would try too many splits of every path of that name.
    if (ELLIPSIS.test(base) || parts.filter((part) => ELLIPSIS.test(part)).length > MAX_GAPS)
      return [];
    const source = parts
      .map((part, i) =>
        ELLIPSIS.test(part)
          ? "(?:[^/]+/)*"
          : `${escapeRegExp(part)}${i < parts.length - 1 ? "/" : slash ? "/" : ""}`,
      )
      .join("");
    const pattern = new RegExp(["^", source, "$"].join(""));
    return (this.byBase.get(base) ?? []).filter((known) => pattern.test(known));
  }

  resolve(p: string): Resolution | undefined {
    if (isElided(p)) {
      const found = this.elided(p);
      if (found.length === 1 && found[0]) return { path: found[0], resolvedFrom: p };
      return found.length > 1 ? { path: p, candidates: found } : undefined;
    }
    if (this.paths.has(p)) return { path: p };
    if (!p.endsWith("/") && this.paths.has(`${p}/`)) return { path: `${p}/` };
    const tails = this.withSuffix(p);
    if (tails.length === 1 && tails[0]) return { path: tails[0], resolvedFrom: p };
    return tails.length > 1 ? { path: p, candidates: tails } : undefined;
  }
}

/** The file a folder module is entered by, per extension of the single-file module. */
const SCRIPT_INDEX = ["index.ts", "index.tsx", "index.js", "index.jsx"];
const PACKAGE_ENTRIES = new Map<string, readonly string[]>([
  ["rs", ["mod.rs"]],
  ["py", ["__init__.py"]],
  ["ts", SCRIPT_INDEX],
  ["tsx", SCRIPT_INDEX],
  ["js", SCRIPT_INDEX],
  ["jsx", SCRIPT_INDEX],
]);

/**
 * A module the project has since made a folder (`app.rs` -> `app/mod.rs`, `container.py` ->
 * `container/__init__.py`, `api.ts` -> `api/index.ts`): the language finds it under the same
 * name, so stories and File Lists go on naming the old file. The folder's entry file, when
 * `tree` knows exactly one. A real folder module wins over the file a drawn tree still shows.
 */
function asPackage(p: string, tree: PathSet): Resolution | undefined {
  const ext = /\.([a-z]+)$/.exec(p)?.[1];
  const entries = ext ? PACKAGE_ENTRIES.get(ext) : undefined;
  if (!ext || !entries || isElided(p)) return undefined;
  const stem = p.slice(0, -ext.length - 1);
  const found = entries.flatMap((entry) => {
    const r = tree.resolve(`${stem}/${entry}`);
    return r && !r.candidates ? [r.path] : [];
  });
  return found.length === 1 && found[0] ? { path: found[0], resolvedFrom: p } : undefined;
}

export interface Resolution {
  path: string;
  /** Set when `path` was found as the one known path that ends with the mention. */
  resolvedFrom?: string;
  /** Several known paths end with the mention: it is ambiguous. */
  candidates?: string[];
}

export class KnownTree {
  private readonly real = new PathSet();
  private readonly drawn = new PathSet();
  /** The project's own top folders (`apps/`), before any story's File List adds to the tree. */
  private readonly roots = new Set<string>();

  constructor(real: Iterable<string>, drawn: Iterable<string> = []) {
    for (const p of real) {
      this.real.add(p);
      const slash = p.indexOf("/");
      if (slash > 0) this.roots.add(p.slice(0, slash + 1));
    }
    for (const p of drawn) this.drawn.add(p);
  }

  /** Adds a real path (a file a done story wrote), as history is replayed story by story. */
  addReal(p: string): void {
    if (this.real.paths.has(p)) return;
    this.real.add(p);
    this.union = undefined;
  }

  has(p: string): boolean {
    return this.real.paths.has(p) || this.drawn.paths.has(p);
  }

  /** True when `p` (with or without its trailing slash) is a known folder. */
  isDir(p: string): boolean {
    return this.has(p.endsWith("/") ? p : `${p}/`);
  }

  /** True when `p` is a folder of the real tree (on disk, or written by a done story). */
  isRealDir(p: string): boolean {
    return this.real.paths.has(p.endsWith("/") ? p : `${p}/`);
  }

  /**
   * What a mentioned path names: itself when known, the folder when it is one, or the one known
   * path it is the tail of, real paths first. `candidates` lists the tails when there are
   * several (ambiguous); undefined means nothing known (a new file, or not a path at all).
   */
  resolve(p: string): Resolution | undefined {
    return (
      this.real.resolve(p) ??
      asPackage(p, this.real) ??
      this.drawn.resolve(p) ??
      asPackage(p, this.drawn)
    );
  }

  /**
   * Where a new file goes whose folder the project has only under a root the path leaves out
   * (`App.Core/Entities/Invoice.cs`, kept in `src/App.Core/Entities/`): in that one folder.
   * Found in several places, a source file goes in the one that is no test folder
   * (`engine/x.py` in `src/pkg/engine/`, not `tests/unit/engine/`); a test, none: some
   * languages keep tests beside their package (`storage/cache_test.go` in `internal/storage/`),
   * others in a test tree. Undefined when the folder is known as written, or nowhere.
   *
   * A new folder too (`src/app/settings/privacy/page.tsx`, a web app kept in `apps/web/`):
   * under the deepest of its folders the project has so, when the path's first folder is none
   * of the project's own at its root (a tree drawn at the package's root, or a File List
   * written from there, may show one) and that one is two folders deep at least (`src/` alone
   * is every package's).
   */
  placeNew(p: string): string | undefined {
    const folder = p.replace(/[^/]*$/, "");
    if (folder === "" || p.endsWith("/") || this.isDir(folder)) return undefined;
    const placed = this.placeUnder(folder, p);
    if (placed || this.roots.has(folder.replace(/\/.*$/, "/"))) return placed;
    for (
      let parent = parentFolder(folder);
      parent.split("/").length > 2;
      parent = parentFolder(parent)
    ) {
      const under = this.placeUnder(parent, p);
      if (under) return under;
    }
    return undefined;
  }

  /** `p` placed in the one folder the project has that `folder` (a folder of `p`) is the tail of. */
  private placeUnder(folder: string, p: string): string | undefined {
    const found = this.resolve(folder);
    const name = p.slice(folder.length);
    const [place, ...more] = found?.candidates
      ? isTestPath(p)
        ? []
        : found.candidates.filter((c) => c.endsWith("/") && !isTestPath(c))
      : found?.resolvedFrom && found.path.endsWith("/")
        ? [found.path]
        : [];
    return place && more.length === 0 ? place + name : undefined;
  }

  /** The real files with this file name (`model_test.go`), anywhere in the tree. */
  named(base: string): readonly string[] {
    return this.real.named(base);
  }

  /** Every known path, real and drawn (computed once: the tree does not change). */
  all(): readonly string[] {
    this.union ??= [...new Set([...this.real.paths, ...this.drawn.paths])];
    return this.union;
  }
  private union: string[] | undefined;
}

/** `a/b/` -> `a/`; `a/` -> ``. */
function parentFolder(folder: string): string {
  return folder.replace(/[^/]+\/$/, "");
}

/**
 * The longest tail of an absolute path that is a known path of the project, in a folder at
 * least: the whole path too, as some agents write repo paths with a leading slash
 * (`/backend/app/retry.py`), and another machine's checkout (`/Users/x/dev/app/ios/App.swift`).
 * Only names are compared: nothing outside the project is read.
 */
export function knownTail(absolute: string, known: KnownTree): string | undefined {
  if (!absolute.startsWith("/") && !/^[a-z]:[\\/]/i.test(absolute)) return undefined;
  const parts = absolute.split(/[\\/]+/).filter(Boolean);
  const slash = /[\\/]$/.test(absolute) ? "/" : ""; // a folder stays one
  for (let start = 0; start <= parts.length - 2; start++) {
    const tail = parts.slice(start).join("/") + slash;
    if (known.has(tail)) return tail;
  }
  // A file gone from the tree since, under one of the project's top folders (`/utils/x.ts`).
  const [top] = parts;
  const climbs = parts.some((part) => part === ".." || part === ".");
  const deep = parts.length >= 2 || slash !== ""; // `/src/`: the folder itself
  return absolute.startsWith("/") && !climbs && deep && top && known.has(`${top}/`)
    ? parts.join("/") + slash
    : undefined;
}

/**
 * The test file that goes with a source file: `src/a/model.go` -> `src/a/model_test.go`,
 * `pkg/x.ts` -> `pkg/x.test.ts`, `app/svc.py` -> `tests/test_svc.py`. Stories change a module
 * and its test together far more often than they name the test, so the history model learns
 * how often this project does it, and the plan claims the test beside a confident source claim
 * when it does it most of the time.
 */
import path from "node:path";
import type { KnownTree } from "./known-tree.ts";

/** True for a path that is a test by its name or folder. */
export function isTestPath(p: string): boolean {
  return (
    /(^|\/)(tests?|__tests__|spec|specs)\//.test(p) ||
    /[._-](test|spec)\.[^./]+$/i.test(p) ||
    /(^|\/)test_[^/]+$/.test(p) ||
    /Tests?\.[^./]+$/.test(p)
  );
}

/**
 * The one known test file named after `file`; undefined when there is none, or several the
 * folders cannot tell apart (the nearest folder wins: the same folder, then the longest shared
 * path).
 */
export function testPartner(file: string, known: KnownTree): string | undefined {
  if (file.endsWith("/") || isTestPath(file)) return undefined;
  const ext = path.posix.extname(file);
  if (ext === "") return undefined;
  const stem = path.posix.basename(file, ext);
  const names = [
    `${stem}.test${ext}`,
    `${stem}.spec${ext}`,
    `${stem}_test${ext}`,
    `test_${stem}${ext}`,
    `${stem}Test${ext}`,
    `${stem}Tests${ext}`,
  ];
  const found = names.flatMap((name) => known.named(name));
  if (found.length <= 1) return found[0];
  const dir = path.posix.dirname(file);
  const near = (p: string) => shared(path.posix.dirname(p), dir);
  const best = Math.max(...found.map(near));
  const nearest = found.filter((p) => near(p) === best);
  return nearest.length === 1 ? nearest[0] : undefined;
}

/** How many leading folders two folders share. */
function shared(a: string, b: string): number {
  const x = a.split("/");
  const y = b.split("/");
  let n = 0;
  while (n < x.length && n < y.length && x[n] === y[n]) n++;
  return n;
}

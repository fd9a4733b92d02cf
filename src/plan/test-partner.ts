/**
 * The test file that goes with a source file: `src/a/model.go` -> `src/a/model_test.go`,
 * `pkg/x.ts` -> `pkg/x.test.ts`, `app/svc.py` -> `tests/test_svc.py`. Stories change a module
 * and its test together far more often than they name the test, so the history model learns
 * how often this project does it, and the plan claims the test beside a confident source claim
 * when it does it most of the time.
 */
import path from "node:path";
import type { KnownTree } from "./known-tree.ts";

/** How a test is named after its module (`*` the module's name, the extension after). */
const TEST_NAMES = ["*.test", "*.spec", "*_test", "test_*", "*Test", "*Tests"];

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
  const found = TEST_NAMES.flatMap((form) => known.named(`${form.replace("*", stem)}${ext}`));
  if (found.length <= 1) return found[0];
  const dir = path.posix.dirname(file);
  const near = (p: string) => shared(path.posix.dirname(p), dir);
  const best = Math.max(...found.map(near));
  const nearest = found.filter((p) => near(p) === best);
  return nearest.length === 1 ? nearest[0] : undefined;
}

/**
 * The test file a source file without one would get, by the project's own habit: when most of
 * its known tests of that extension sit beside a source file of the same name, in one naming
 * form (`x.go` and `x_test.go`; `a.ts` and `a.test.ts`), the new test is that form beside
 * `file`. Undefined when the project has no such habit (fewer than HABIT_MIN pairs, or tests
 * kept in other folders or named otherwise for a good share of them).
 */
export function newTestPartner(file: string, known: KnownTree): string | undefined {
  if (file.endsWith("/") || isTestPath(file)) return undefined;
  const ext = path.posix.extname(file);
  if (ext === "") return undefined;
  const form = habitOf(known).get(ext);
  if (form === undefined) return undefined;
  const stem = path.posix.basename(file, ext);
  const dir = path.posix.dirname(file);
  const name = form.replace("*", stem);
  return dir === "." ? name : `${dir}/${name}`;
}

/** A project's test habit needs this many tests beside their source, and this share of them. */
const HABIT_MIN = 3;
const HABIT_SHARE = 0.8;

/**
 * Per extension, the naming form of the known tests that sit beside their module, when most
 * tests whose module is known do (computed once per state of the tree).
 */
const habits = new WeakMap<readonly string[], Map<string, string>>();
function habitOf(known: KnownTree): Map<string, string> {
  const all = known.all();
  const cached = habits.get(all);
  if (cached) return cached;
  const beside = new Map<string, Map<string, number>>();
  const withModule = new Map<string, number>();
  const paths = new Set(all);
  for (const p of all) {
    if (p.endsWith("/") || !isTestPath(p)) continue;
    const ext = path.posix.extname(p);
    if (ext === "") continue;
    const dir = path.posix.dirname(p);
    let found = false;
    for (const [form, source] of sourceForms(path.posix.basename(p))) {
      if (known.named(source).length === 0) continue;
      found = true;
      if (!paths.has(dir === "." ? source : `${dir}/${source}`)) continue;
      const forms = beside.get(ext) ?? new Map<string, number>();
      forms.set(form, (forms.get(form) ?? 0) + 1);
      beside.set(ext, forms);
      break;
    }
    if (found) withModule.set(ext, (withModule.get(ext) ?? 0) + 1);
  }
  const out = new Map<string, string>();
  for (const [ext, forms] of beside) {
    const [form, count] = [...forms].sort((a, b) => b[1] - a[1])[0] ?? ["", 0];
    if (count >= HABIT_MIN && count >= HABIT_SHARE * (withModule.get(ext) ?? 0)) out.set(ext, form);
  }
  habits.set(all, out);
  return out;
}

/** Each naming form a test's file name fits, with the module's file name: `views_test.go` -> `*_test.go`, `views.go`. */
function sourceForms(test: string): Array<[string, string]> {
  const ext = path.posix.extname(test);
  if (ext === "") return [];
  const base = path.posix.basename(test, ext);
  const out: Array<[string, string]> = [];
  for (const form of TEST_NAMES) {
    const [before = "", after = ""] = form.split("*");
    if (
      base.length > before.length + after.length &&
      base.startsWith(before) &&
      base.endsWith(after)
    )
      out.push([`${form}${ext}`, `${base.slice(before.length, base.length - after.length)}${ext}`]);
  }
  return out;
}

/** The file names a test's module could have: `views_test.go` -> `views.go`. */
export function sourceNames(test: string): string[] {
  return sourceForms(test).map(([, source]) => source);
}

/** How many leading folders two folders share. */
function shared(a: string, b: string): number {
  const x = a.split("/");
  const y = b.split("/");
  let n = 0;
  while (n < x.length && n < y.length && x[n] === y[n]) n++;
  return n;
}

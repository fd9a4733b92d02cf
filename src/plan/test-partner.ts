/**
 * The test file that goes with a source file: `src/a/model.go` -> `src/a/model_test.go`,
 * `pkg/x.ts` -> `pkg/x.test.ts`, `app/svc.py` -> `tests/test_svc.py`, and for a module not
 * written yet, the test it would get where this project keeps its tests (beside the module, or
 * under a mirrored root). Stories change a module and its test together far more often than
 * they name the test, so the history model learns how often this project does it, and the plan
 * claims a claimed module's test, advisory (history.ts: from a third of the cases, and by a
 * prior while the history is too short).
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
  const dir = path.posix.dirname(file);
  const near = (p: string) => shared(path.posix.dirname(p), dir);
  if (found.length <= 1) {
    // One test of a name many modules have (`index.ts`, `mod.rs`): another module's, unless
    // this one is the nearest to it (`server/privacy/index.test.ts` is not `shared/index.ts`'s).
    const [test] = found;
    if (test === undefined || newTestPartner(file, known) === test) return test;
    const others = known
      .named(path.posix.basename(file))
      .filter((m) => m !== file && !isTestPath(m));
    const mine = near(test);
    return others.every((m) => shared(path.posix.dirname(m), path.posix.dirname(test)) < mine)
      ? test
      : undefined;
  }
  // Several: the one where this project keeps a module's test (`tests/unit/a/x.test.ts` for
  // `src/a/x.ts`, of many `x.test.ts`), then the nearest folder.
  const habit = newTestPartner(file, known);
  if (habit !== undefined && found.includes(habit)) return habit;
  const best = Math.max(...found.map(near));
  const nearest = found.filter((p) => near(p) === best);
  return nearest.length === 1 ? nearest[0] : undefined;
}

/**
 * The test file a source file without one would get, by the project's own habit: when most of
 * its known tests of that extension sit in one place relative to a source file of the same
 * name, in one naming form, the new test is that form in that place. The place is beside the
 * module (`x.go` and `x_test.go`), or a mirror of its folder under another root
 * (`src/a/b.tsx` and `tests/unit/a/b.test.tsx`; `src/main/java/p/A.java` and
 * `src/test/java/p/ATest.java`; `App/Views/V.swift` and `AppTests/Views/VTests.swift`).
 * Undefined when the project has no such habit (fewer than HABIT_MIN pairs, or tests kept in
 * other places or named otherwise for a good share of them), or `file` is outside the mirrored
 * root.
 */
export function newTestPartner(file: string, known: KnownTree): string | undefined {
  if (file.endsWith("/") || isTestPath(file)) return undefined;
  const ext = path.posix.extname(file);
  if (ext === "") return undefined;
  const habit = habitOf(known).get(ext);
  if (habit === undefined) return undefined;
  const stem = path.posix.basename(file, ext);
  const dir = path.posix.dirname(file);
  const name = habit.form.replace("*", stem);
  const parts = dir === "." ? [] : dir.split("/");
  const from = habit.from === "" ? [] : habit.from.split("/");
  if (from.some((segment, i) => parts[i] !== segment)) return undefined;
  const to = habit.to === "" ? [] : habit.to.split("/");
  return [...to, ...parts.slice(from.length), name].join("/");
}

/** A project's test habit needs this many tests in one place, and this share of them. */
const HABIT_MIN = 3;
const HABIT_SHARE = 0.8;

/**
 * Where a project keeps a module's test: its naming form (`*.test.ts`), and the folder root
 * swapped between module and test (`src` -> `tests/unit`; both empty: beside the module).
 */
interface Habit {
  form: string;
  from: string;
  to: string;
}

/**
 * Per extension, the habit of the known tests whose module is known, when most of them share
 * it (computed once per state of the tree).
 */
const habits = new WeakMap<readonly string[], Map<string, Habit>>();
function habitOf(known: KnownTree): Map<string, Habit> {
  const all = known.all();
  const cached = habits.get(all);
  if (cached) return cached;
  const places = new Map<string, Map<string, number>>();
  const withModule = new Map<string, number>();
  for (const p of all) {
    if (p.endsWith("/") || !isTestPath(p)) continue;
    const ext = path.posix.extname(p);
    if (ext === "") continue;
    const dir = path.posix.dirname(p);
    let found = false;
    for (const [form, source] of sourceForms(path.posix.basename(p))) {
      const modules = known.named(source).filter((m) => !isTestPath(m));
      if (modules.length === 0) continue;
      found = true;
      const place = placeOf(dir, modules);
      if (place === undefined) continue;
      const key = `${form}\t${place}`;
      const forms = places.get(ext) ?? new Map<string, number>();
      forms.set(key, (forms.get(key) ?? 0) + 1);
      places.set(ext, forms);
      break;
    }
    if (found) withModule.set(ext, (withModule.get(ext) ?? 0) + 1);
  }
  const out = new Map<string, Habit>();
  for (const [ext, forms] of places) {
    const [key, count] = [...forms].sort((a, b) => b[1] - a[1])[0] ?? ["", 0];
    if (count < HABIT_MIN || count < HABIT_SHARE * (withModule.get(ext) ?? 0)) continue;
    const [form = "", from = "", to = ""] = key.split("\t");
    out.set(ext, { form, from, to });
  }
  habits.set(all, out);
  return out;
}

/**
 * The roots swapped between a module's folder and its test's (`from\tto`), the module being
 * the one whose folder ends most like the test's: beside it, both empty. Undefined when two
 * modules fit as well, or the test's folder shares no trailing folder with the module's while
 * not being beside it (a flat `tests/` folder is no mirror).
 */
function placeOf(testDir: string, modules: readonly string[]): string | undefined {
  const split = (d: string) => (d === "." ? [] : d.split("/"));
  const t = split(testDir);
  let best: { from: string[]; to: string[]; tail: number } | undefined;
  let tie = false;
  for (const module of modules) {
    const m = split(path.posix.dirname(module));
    let tail = 0;
    while (tail < t.length && tail < m.length && t[t.length - 1 - tail] === m[m.length - 1 - tail])
      tail++;
    const from = m.slice(0, m.length - tail);
    const to = t.slice(0, t.length - tail);
    if (from.length === 0 && to.length === 0) return "\t"; // beside it
    if (best && tail === best.tail) tie = true;
    if (!best || tail > best.tail) {
      best = { from, to, tail };
      tie = false;
    }
  }
  if (!best || tie || best.tail === 0) return undefined;
  return `${best.from.join("/")}\t${best.to.join("/")}`;
}

/** The test a source file has (`testPartner`), or, for a file not known yet, the one a new module gets here (`newTestPartner`). */
export function testPartnerOrNew(file: string, known: KnownTree): string | undefined {
  return testPartner(file, known) ?? (known.has(file) ? undefined : newTestPartner(file, known));
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

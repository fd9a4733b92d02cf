/**
 * A dependency manifest's lockfile: the tool that changes the manifest's dependencies
 * rewrites it too (`go.mod` -> `go.sum`, `package.json` -> `pnpm-lock.yaml`). Looked for
 * beside the manifest, then in the folders above it (a workspace keeps one lockfile at its
 * root), and only among the project's known files. A clause that changes the manifest's
 * settings, scripts or metadata and says nothing of dependencies ("Add `[tool.mypy]` to
 * `pyproject.toml`", "Change `version`") leaves the lockfile as it is.
 */
import path from "node:path";
import { own } from "../util/own.ts";
import type { KnownTree } from "./known-tree.ts";

const LOCKFILES: Readonly<Record<string, readonly string[]>> = {
  "go.mod": ["go.sum"],
  "package.json": ["package-lock.json", "pnpm-lock.yaml", "yarn.lock", "bun.lock", "bun.lockb"],
  "Cargo.toml": ["Cargo.lock"],
  "pyproject.toml": ["uv.lock", "poetry.lock", "pdm.lock"],
  "pubspec.yaml": ["pubspec.lock"],
  "composer.json": ["composer.lock"],
  Gemfile: ["Gemfile.lock"],
};

export function lockfileOf(manifest: string, known: KnownTree): string | undefined {
  const names = own(LOCKFILES, path.posix.basename(manifest));
  if (!names) return undefined;
  let dir = path.posix.dirname(manifest);
  for (;;) {
    for (const name of names) {
      const candidate = dir === "." ? name : `${dir}/${name}`;
      if (known.has(candidate)) return candidate;
    }
    if (dir === "." || dir === "/" || dir === "") return undefined;
    dir = path.posix.dirname(dir);
  }
}

/** Words of a clause that changes what a manifest depends on: "`uv add x`", "dependency", ">=2". */
const DEPENDENCIES =
  /depend|install|\brequire|\b(uv|npm|pnpm|yarn|bun|cargo|go|poetry|pip|pdm|flutter|dart|composer|bundle|gem)\s+(add|install|get|i)\b|>=|\^\d|~=|@\^?\d|\bcrates?\b|\bpackages?\b(?![./-])|\blibrar(y|ies)\b|\bsdk\b/i;
/** Words of a clause about a manifest's other parts: its tool settings, scripts and metadata. */
const SETTINGS =
  /\[tool\.|\bscripts?\b|\bsection\b|\bversion\s*=|\blicen[cs]e\b|\bclassifiers?\b|\bmetadata\b|\bworkspaces?\b|\bconfig(uration)?\b|\bfields?\b|\bentry\b|\bexclude\b|\bsettings?\b|\bmarkers?\b|\boptions?\b|\bpytest\b|\bruff\b|\bmypy\b|\bcoverage\b|\bexports?\b|\bengines\b|\bkeywords\b|\bdescription\b/i;

/** Whether the clause that writes a manifest can change its lockfile (no clause: it can). */
export function changesDependencies(clause: string | undefined): boolean {
  return clause === undefined || DEPENDENCIES.test(clause) || !SETTINGS.test(clause);
}

/**
 * A dependency manifest's lockfile: the tool that changes the manifest's dependencies
 * rewrites it too (`go.mod` -> `go.sum`, `package.json` -> `pnpm-lock.yaml`). Looked for
 * beside the manifest, then in the folders above it (a workspace keeps one lockfile at its
 * root), and only among the project's known files.
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

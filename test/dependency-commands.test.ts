import { describe, expect, it } from "vitest";
import { manifestsWritten } from "../src/bmad/dependency-commands.ts";
import { parseStory } from "../src/bmad/story.ts";
import { KnownTree } from "../src/plan/known-tree.ts";
import { changesDependencies, lockfileOf } from "../src/plan/lockfiles.ts";

describe("manifestsWritten", () => {
  it.each([
    ["Run `go get github.com/spf13/viper && go mod tidy`", ["go.mod"]],
    ["npm install -D vitest@3", ["package.json"]],
    ["pnpm add -w zod", ["package.json"]],
    ["yarn add react-query", ["package.json"]],
    ["cargo add serde --features derive", ["Cargo.toml"]],
    ["uv add httpx", ["pyproject.toml"]],
    ["flutter pub add provider", ["pubspec.yaml"]],
    ["composer require laravel/sanctum", ["composer.json"]],
    ["bundle add rspec", ["Gemfile"]],
  ])("%s -> %j", (text, manifests) => {
    expect(manifestsWritten(text)).toEqual(manifests);
  });

  it.each([
    "npm install",
    "Run npm install to set up the workspace",
    "npm i -g typescript",
    "go get",
    "Add bubbletea via go get",
    "npm install\nthen run the tests",
    "Install the dependencies and add a test",
  ])("names no package: %j", (text) => {
    expect(manifestsWritten(text)).toEqual([]);
  });

  it("in prose, counts only a Go module path: elsewhere the next word is no package", () => {
    expect(manifestsWritten("Verify npm install succeeds", false)).toEqual([]);
    expect(manifestsWritten("Run go get github.com/spf13/viper first", false)).toEqual(["go.mod"]);
    expect(manifestsWritten("npm install zod; npm i -g pnpm")).toEqual(["package.json"]);
  });

  it("reads a long run of flags one way only", () => {
    // A flag could once be read two ways (`--a` as `-` `-a` or `--` `a`): 2^n steps, seconds
    // on 26 flags, so that this call would never return.
    expect(manifestsWritten(`npm install${" --a".repeat(400)}`)).toEqual([]);
  });
});

describe("a dependency command in a story", () => {
  it("is the manifest's mention, on the command's own line, in fenced and indented code", () => {
    const doc = parseStory(
      [
        "# Story 1.1: X",
        "",
        "## Dev Notes",
        "",
        "```bash",
        "npm install zod",
        "```",
        "",
        "Then:",
        "",
        "    cargo add serde",
        "",
        "> ```",
        "> uv add httpx",
        "> ```",
        "",
      ].join("\n"),
    );
    expect(doc.mentions.map((m) => [m.path, m.line, m.intent])).toEqual([
      ["package.json", 6, "write"],
      ["Cargo.toml", 11, "write"],
      ["pyproject.toml", 14, "write"],
    ]);
  });
});

describe("lockfileOf", () => {
  const known = new KnownTree([
    "go.mod",
    "go.sum",
    "pnpm-lock.yaml",
    "package.json",
    "packages/web/package.json",
    "crates/core/Cargo.toml",
    "README.md",
  ]);
  it("finds the lockfile beside the manifest, or a workspace's above it", () => {
    expect(lockfileOf("go.mod", known)).toBe("go.sum");
    expect(lockfileOf("packages/web/package.json", known)).toBe("pnpm-lock.yaml");
  });
  it("claims no lockfile the project does not have, and none for other files", () => {
    expect(lockfileOf("crates/core/Cargo.toml", known)).toBeUndefined();
    expect(lockfileOf("README.md", known)).toBeUndefined();
  });
  it("leaves the lockfile out when the clause changes the manifest's settings, not its dependencies", () => {
    for (const clause of [
      "Add `[tool.mypy]` section to `pyproject.toml` with strict mode enabled",
      'Change `version = "0.1.0"` to `version = "1.0.0"` in `pyproject.toml`',
      "Add `license` field to `pyproject.toml`",
      "Add `dev:server` script to root `package.json`",
    ])
      expect(changesDependencies(clause), clause).toBe(false);
    for (const clause of [
      "Add `beanie` to `pyproject.toml`",
      "Add bubbletea and lipgloss to go.mod",
      "Add `[lsp]` optional dependency to `pyproject.toml`",
      'Add `"anthropic>=0.30.0"` to the config of `pyproject.toml`',
      "Run `pnpm add zod` and add a `check` script to `package.json`",
      undefined,
    ])
      expect(changesDependencies(clause), clause).toBe(true);
  });
});

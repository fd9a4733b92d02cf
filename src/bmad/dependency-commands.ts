/**
 * Commands that add a dependency, and the manifest each one writes. A story says "Run
 * `go get github.com/spf13/viper`" or "`npm install zod`" and never names `go.mod` or
 * `package.json`, which its agent then changes: on real projects the dependency manifests are
 * among the files stories write most often without naming them. The manifest's lockfile
 * follows from the manifest (plan/claims.ts). Only commands that name a package count: a bare
 * `npm install` installs what is there, and `-g` installs outside the project.
 */

interface DependencyCommand {
  pattern: RegExp;
  manifest: string;
}

/**
 * A package argument: not a flag, nor the next word of a sentence ("npm install to ...").
 * A flag's name starts with a letter, so that a run of flags is read one way only.
 */
const PACKAGE = String.raw`(?:[ \t]+--?\w[\w-]*(?:=\S+)?)*[ \t]+(?!-|(?:to|the|and|then|or|for|all|any|again|first|it|them|dependencies|deps|packages?|in|on|with|from|locally|once|after|before|if|is|was|will|step|command)\b)[@\w][\w@./:~^<>=-]+`;
const command = (words: string, manifest: string, packageRule = PACKAGE): DependencyCommand => ({
  pattern: new RegExp(String.raw`(?:^|[\s\`'"(;&|$])${words}${packageRule}`, "im"),
  manifest,
});

const COMMANDS: readonly DependencyCommand[] = [
  // A Go module path has a dot in its host (`github.com/x/y`, `golang.org/x/sync`).
  command(
    String.raw`go\s+get`,
    "go.mod",
    String.raw`(?:[ \t]+-[\w-]+)*[ \t]+[\w-]+\.[\w.-]+/[\w./@-]+`,
  ),
  // The `-g` is looked for in the command's next 200 characters, not to the end of its line: a
  // line of thousands of "npm i" scanned its whole rest for each (a 1 MB one took minutes).
  command(
    String.raw`(?:npm|pnpm|bun)\s+(?:install|i|add)(?![^\n;&|]{0,200}\s-(?:g|-global)\b)`,
    "package.json",
  ),
  command(String.raw`(?:yarn|pnpm|bun|npx\s+expo)\s+add`, "package.json"),
  command(String.raw`cargo\s+add`, "Cargo.toml"),
  command(String.raw`(?:uv|poetry|pdm|hatch)\s+add`, "pyproject.toml"),
  command(String.raw`(?:flutter|dart)\s+pub\s+add`, "pubspec.yaml"),
  command(String.raw`composer\s+require`, "composer.json"),
  command(String.raw`bundle\s+add`, "Gemfile"),
];

/**
 * The manifests the commands in a piece of text write (`go get x` -> `go.mod`). In prose
 * ("Verify npm install succeeds") only a Go module path is sure to be a package: the other
 * commands count in code (a code span or block).
 */
export function manifestsWritten(text: string, inCode = true): string[] {
  if (!/\b(get|install|i|add|require)\b/i.test(text)) return [];
  const commands = inCode ? COMMANDS : COMMANDS.slice(0, 1);
  return [...new Set(commands.filter((c) => c.pattern.test(text)).map((c) => c.manifest))];
}

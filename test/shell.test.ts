/**
 * What a shell command writes and reads, found before it runs (src/run/shell.ts).
 */
import { execFileSync } from "node:child_process";
import { symlinkSync } from "node:fs";
import { homedir } from "node:os";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import type { Parser } from "web-tree-sitter";
import { DEFAULT_EXCLUSIVE_COMMANDS } from "../src/config/schema.ts";
import { placeWrites } from "../src/run/guard.ts";
import { commandMatcher, MAX_FOLDER_FILES, shellEffects, shellParser } from "../src/run/shell.ts";
import { tempProject } from "./helpers/tmp.ts";

let parser: Parser;
beforeAll(async () => {
  parser = await shellParser();
});

/** The effects of `command` run in `root`, as paths relative to it. */
function effects(command: string, root = "/p") {
  const { writes, reads } = shellEffects(parser, command, root);
  const rel = (p: string) => path.relative(root, p);
  return { writes: writes.map(rel), reads: reads.map(rel) };
}

describe("shell writes that replace a file's content", () => {
  it("tells a replacing write (>, tee, cp, rm, truncate, dd) from an applied one (>>, tee -a, sed -i, touch)", () => {
    const command = [
      "echo x > a.txt",
      "echo y >> b.txt",
      "printf z | tee c.txt",
      "printf z | tee -a d.txt",
      "sed -i 's/x/y/' e.txt",
      "rm f.txt",
      "touch g.txt",
      "cp h.txt i.txt",
      "mv j.txt k.txt",
      "truncate -s 0 l.txt",
      "dd if=m.txt of=n.txt",
    ].join(" && ");
    const { writes, replaces } = shellEffects(parser, command, "/p");
    const rel = (ps: string[]) => ps.map((p) => path.relative("/p", p)).sort();
    expect(rel(replaces)).toEqual(["a.txt", "c.txt", "f.txt", "i.txt", "k.txt", "l.txt", "n.txt"]);
    expect(rel(writes)).toEqual(
      [
        "a.txt",
        "b.txt",
        "c.txt",
        "d.txt",
        "e.txt",
        "f.txt",
        "g.txt",
        "i.txt",
        "j.txt",
        "k.txt",
        "l.txt",
        "n.txt",
      ].sort(),
    );
  });
});

describe("shell writes", () => {
  it.each([
    ["cat > src/a.ts <<'EOF'\nexport {};\nEOF", ["src/a.ts"]],
    ["echo x >> log.txt", ["log.txt"]],
    ["make 2>&1 &> build.log", ["build.log"]],
    ["echo x >| forced.txt", ["forced.txt"]],
    ["printf 'a\\n' | tee -a one.txt two.txt", ["one.txt", "two.txt"]],
    ["sed -i 's/a/b/g' src/x.ts src/y.ts", ["src/x.ts", "src/y.ts"]],
    // A backup suffix writes the old content beside each file.
    ["sed -i.bak -e 's/a/b/' src/x.ts", ["src/x.ts", "src/x.ts.bak"]],
    ["sed --in-place=.orig 's/a/b/' a.ts b.ts", ["a.ts", "a.ts.orig", "b.ts", "b.ts.orig"]],
    ["perl -pi -e 's/x/y/' lib/a.pl", ["lib/a.pl"]],
    // `-i` after other options in one word: extended regexps (`-Ei`, `-ri`), quiet (`-ni`).
    ["sed -Ei 's/(a)/b/' src/x.ts", ["src/x.ts"]],
    ["sed -nri 's/a/b/p' src/x.ts", ["src/x.ts"]],
    ["sed -zi 's/a/b/' src/x.ts", ["src/x.ts"]],
    ["perl -0pi -e 's/x/y/s' lib/a.pl", ["lib/a.pl"]],
    ["perl -lpi.bak -e 's/x/y/' lib/a.pl", ["lib/a.pl", "lib/a.pl.bak"]],
    [
      "rm -rf dist/out.js && touch stamp && truncate -s 0 empty.txt",
      ["dist/out.js", "stamp", "empty.txt"],
    ],
    ["cp src/a.ts src/b.ts", ["src/b.ts"]],
    ["mv old.ts new.ts", ["old.ts", "new.ts"]],
    ["cp a.ts b.ts dest/", ["dest/a.ts", "dest/b.ts"]],
    ["install -m 644 -t bin/ tool.sh", ["bin/tool.sh"]],
    ["dd if=/dev/zero of=blob.bin bs=1 count=1", ["blob.bin"]],
    ["sudo -u me tee conf.ini < input.txt", ["conf.ini"]],
  ])("%s", (command, writes) => {
    expect(effects(command).writes).toEqual(writes);
  });

  it("follows cd, and keeps a cd inside a subshell or a pipeline stage there", () => {
    expect(effects("cd src && cat > a.ts <<'EOF'\nx\nEOF").writes).toEqual(["src/a.ts"]);
    expect(effects("(cd sub && echo > in.txt); echo > out.txt").writes).toEqual([
      "sub/in.txt",
      "out.txt",
    ]);
    expect(effects("cd sub | true; echo > here.txt").writes).toEqual(["here.txt"]);
    expect(effects("echo x > a.txt", "/p/pkg").writes).toEqual(["a.txt"]);
  });

  it("follows a cd through the commands of a subshell or a substitution that come after it", () => {
    expect(effects("(cd src; echo x > a.ts); echo y > b.ts").writes).toEqual(["src/a.ts", "b.ts"]);
    expect(effects("(cd src\nsed -i 's/a/b/' a.ts)").writes).toEqual(["src/a.ts"]);
    expect(effects("v=$(cd src; cat a.ts; echo > c.ts)").writes).toEqual(["src/c.ts"]);
  });

  it("reads a variable the command set itself before using it, and no other", () => {
    const known = (command: string) => {
      const { writes, opaque } = shellEffects(parser, command, "/p");
      return { writes: writes.map((p) => path.relative("/p", p)), opaque };
    };
    expect(known("f=src/a.ts; echo x > $f")).toEqual({ writes: ["src/a.ts"], opaque: false });
    expect(known("f=src/a.ts && cat > \"$f\" <<'EOF'\nx\nEOF")).toEqual({
      writes: ["src/a.ts"],
      opaque: false,
    });
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a shell expansion, not a template
    expect(known("export F='src/a.ts'\nsed -i 's/a/b/' \"${F}\" \"$F.orig\"")).toEqual({
      writes: ["src/a.ts", "src/a.ts.orig"],
      opaque: false,
    });
    expect(known("d=src; cd $d && echo > a.ts")).toEqual({ writes: ["src/a.ts"], opaque: false });
    // Unknown: used before set, set twice, by a loop or read, in a subshell, for one command
    // only, to a value known when it runs, or with an operator.
    for (const command of [
      "echo x > $f; f=src/a.ts",
      "f=a.ts; f=b.ts; echo > $f",
      "f=a.ts; for f in b.ts; do echo > $f; done",
      "f=a.ts; read f; echo > $f",
      "(f=a.ts); echo > $f",
      "f=a.ts cmd; echo > $f",
      "f=$(mktemp); echo > $f",
      // biome-ignore lint/suspicious/noTemplateCurlyInString: a shell expansion, not a template
      "f=a.ts; echo > ${f%.ts}.js",
    ])
      expect(known(command)).toEqual({ writes: [], opaque: true });
  });

  it("goes back with popd to the folder pushd left", () => {
    expect(effects("pushd src && echo x > a.ts && popd && echo y > README.md").writes).toEqual([
      "src/a.ts",
      "README.md",
    ]);
    // Back to a folder from before the command: known only when it runs.
    const { writes, opaque } = shellEffects(parser, "popd && echo y > README.md", "/p");
    expect({ writes, opaque }).toEqual({ writes: [], opaque: true });
  });

  it("takes `~` at the start of a path for the user's home, as the shell does", () => {
    const { writes } = shellEffects(parser, "echo x > ~/notes.txt && cd ~ && touch stamp", "/p");
    expect(writes).toEqual([path.join(homedir(), "notes.txt"), path.join(homedir(), "stamp")]);
    // After `cd` alone too; and a folder (`touch ~` sets its time) is no file written.
    expect(shellEffects(parser, "cd && echo x > a.txt; touch ~", "/p").writes).toEqual([
      path.join(homedir(), "a.txt"),
    ]);
  });

  it("lists nothing it cannot know before the command runs, and no device", () => {
    expect(effects('echo "$X" > "$OUT"').writes).toEqual([]);
    expect(effects("echo x > $(mktemp)").writes).toEqual([]);
    expect(effects("npm test 2>&1 | tail -20").writes).toEqual([]);
    expect(effects("echo hi > /dev/null 2>&1; cmd 2>/dev/stderr").writes).toEqual([]);
    expect(effects("ls -la; git status").writes).toEqual([]);
  });

  it("finds writes inside loops, conditions, functions and command substitutions", () => {
    expect(effects("for f in a b; do echo $f >> all.txt; done").writes).toEqual(["all.txt"]);
    expect(effects("if true; then echo y > yes.txt; else echo n > no.txt; fi").writes).toEqual([
      "yes.txt",
      "no.txt",
    ]);
    expect(effects("f() { echo > in-fn.txt; }; f").writes).toEqual(["in-fn.txt"]);
    expect(effects("x=$(echo > sub.txt)").writes).toEqual(["sub.txt"]);
  });

  it("expands globs against the disk", () => {
    const root = tempProject({ "src/a.ts": "", "src/b.ts": "", "src/c.js": "" });
    expect(effects("rm src/*.ts", root).writes.sort()).toEqual(["src/a.ts", "src/b.ts"]);
  });
});

describe("shell writes of folders, brace lists and words known only when it runs", () => {
  const tree = () =>
    tempProject({
      "src/a/x.ts": "",
      "src/a/deep/y.ts": "",
      "src/a/node_modules/m/i.js": "",
      "src/b.ts": "",
      "out/keep.ts": "",
    });
  const of = (command: string, root: string) => {
    const e = shellEffects(parser, command, root);
    const rel = (ps: string[]) => ps.map((p) => path.relative(root, p)).sort();
    return { writes: rel(e.writes), replaces: rel(e.replaces), opaque: e.opaque };
  };

  it("takes a folder removed, copied or moved for each file in it (the skipped folders aside)", () => {
    const root = tree();
    expect(of("rm -rf src/a", root)).toEqual({
      writes: ["src/a/deep/y.ts", "src/a/x.ts"],
      replaces: ["src/a/deep/y.ts", "src/a/x.ts"],
      opaque: false,
    });
    expect(of("rm -rf src/*", root).writes).toEqual(["src/a/deep/y.ts", "src/a/x.ts", "src/b.ts"]);
    // Moved: the files leave (not replaced: their content goes on), and land under the new name.
    expect(of("mv src/a src/c", root)).toEqual({
      writes: ["src/a/deep/y.ts", "src/a/x.ts", "src/c/deep/y.ts", "src/c/x.ts"],
      replaces: ["src/c/deep/y.ts", "src/c/x.ts"],
      opaque: false,
    });
    // Into a folder that exists: by the source's name; `dir/.`: what is in it.
    expect(of("cp -r src/a out", root).writes).toEqual(["out/a/deep/y.ts", "out/a/x.ts"]);
    expect(of("cp -r src/a/. out", root).writes).toEqual(["out/deep/y.ts", "out/x.ts"]);
  });

  it("puts a file copied or moved onto a folder that exists into it, by name", () => {
    const root = tree();
    expect(of("cp src/b.ts out", root).replaces).toEqual(["out/b.ts"]);
    expect(of("mv src/b.ts src/a", root).writes).toEqual(["src/a/b.ts", "src/b.ts"]);
  });

  it("lists no folder as a file written, and checks a folder of too many files after the command", () => {
    const files = Object.fromEntries(
      Array.from({ length: MAX_FOLDER_FILES + 1 }, (_, i) => [`big/f${i}.txt`, ""]),
    );
    const root = tempProject({ ...files, "src/b.ts": "" });
    expect(of("rm -r big", root)).toEqual({ writes: [], replaces: [], opaque: true });
    // A skipped folder is never a story's work: nothing listed, nothing to check after.
    const modules = Object.fromEntries(Object.keys(files).map((f) => [`node_modules/${f}`, ""]));
    expect(of("rm -rf node_modules", tempProject(modules))).toEqual({
      writes: [],
      replaces: [],
      opaque: false,
    });
    expect(of("touch src && echo x > src/b.ts", root).writes).toEqual(["src/b.ts"]);
  });

  it("expands brace lists as the shell does, not quoted ones nor too many", () => {
    const root = tree();
    expect(of("mv src/b.ts{,.bak}", root).writes).toEqual(["src/b.ts", "src/b.ts.bak"]);
    expect(of("cp src/b.ts{,.orig}", root).replaces).toEqual(["src/b.ts.orig"]);
    expect(of("touch src/{one,two}.ts", root).writes).toEqual(["src/one.ts", "src/two.ts"]);
    expect(of("touch 'src/{one,two}.ts'", root).writes).toEqual(["src/{one,two}.ts"]);
    expect(of("rm -f src/f{1..3}.ts", root).writes).toEqual([
      "src/f1.ts",
      "src/f2.ts",
      "src/f3.ts",
    ]);
    expect(of("rm f{1..500}.txt", root)).toEqual({ writes: [], replaces: [], opaque: true });
  });

  it("counts every folder a command walks against one budget, and lists no pipe", () => {
    // 3 folders of 80 files: each under the budget, all three over it.
    const files = Object.fromEntries(
      ["a", "b", "c"].flatMap((d) => Array.from({ length: 80 }, (_, i) => [`big/${d}/f${i}`, ""])),
    );
    const root = tempProject(files);
    expect(of("rm -rf big/a", root).writes).toHaveLength(80);
    // Past it, the rest is checked after the command (what was listed is locked before).
    for (const command of ["rm -rf big/*", "rm -rf big/a big/b big/c", "cp -r big out"]) {
      const e = of(command, root);
      expect([command, e.opaque]).toEqual([command, true]);
      expect(e.writes.length).toBeLessThanOrEqual(MAX_FOLDER_FILES);
    }
    // A pipe (a tool's control FIFO) is no file: reading it would block.
    const small = tree();
    execFileSync("mkfifo", [path.join(small, "src/a/ctl.fifo")]);
    expect(of("rm -rf src/a", small).writes).toEqual(["src/a/deep/y.ts", "src/a/x.ts"]);
  });

  it("takes a link removed, moved or made as the name itself, a link written through as its file", () => {
    const root = tree();
    symlinkSync("b.ts", path.join(root, "src/link.ts"));
    const asNames = (command: string) =>
      shellEffects(parser, command, root).asNames.map((p) => path.relative(root, p));
    expect(asNames("rm src/link.ts")).toEqual(["src/link.ts"]);
    expect(asNames("mv src/link.ts src/moved.ts").sort()).toEqual(["src/link.ts", "src/moved.ts"]);
    expect(asNames("ln -sf b.ts src/link.ts")).toEqual(["src/link.ts"]);
    expect(asNames("echo x > src/link.ts")).toEqual([]);
    expect(asNames("cp out/keep.ts src/link.ts")).toEqual([]);
    // Placed in the project: the name when acted on itself, else the file it leads to.
    const placed = (command: string) => {
      const e = shellEffects(parser, command, root);
      return placeWrites(e.writes, root, new Set(e.asNames)).inside;
    };
    expect(placed("rm src/link.ts")).toEqual(["src/link.ts"]);
    expect(placed("echo x > src/link.ts")).toEqual(["src/b.ts"]);
    expect(placed("sed -i s/a/b/ src/link.ts")).toEqual(["src/b.ts"]);
  });

  it("lists nothing relative after a cd to a folder known only when it runs", () => {
    const root = tree();
    const e = shellEffects(parser, 'cd "$PKG" && rm -rf src/a && echo x > /var/tmp/x.txt', root);
    // `src/a` is in $PKG, not the root; an absolute path is known wherever the shell is.
    expect([e.writes, e.opaque]).toEqual([["/var/tmp/x.txt"], true]);
    expect(of("cd - && rm -rf src/a", root)).toEqual({ writes: [], replaces: [], opaque: true });
  });

  it.each([
    'rm -rf "$DIR"',
    "rm $(cat list.txt)",
    'for f in src/*.ts; do sed -i "s/a/b/" "$f"; done',
    'for f in src/*.ts; do mv "$f" "$f.bak"; done',
    "cp src/b.ts $(dirname src/b.ts)/c.ts",
    'tee "$F" < in.txt',
    "dd if=in.bin of=$OUT",
    'cd "$PKG" && rm -f index.ts',
  ])("checks %s after it runs: a file it writes is only known then", (command) => {
    expect(of(command, tree()).opaque).toBe(true);
  });
});

describe("shell reads", () => {
  it("takes the file a reading command is told to write (sort -o, uniq's second file, awk -i inplace)", () => {
    expect(effects("sort -u -o list.txt raw.txt")).toEqual({
      writes: ["list.txt"],
      reads: ["raw.txt"],
    });
    expect(effects("sort --output=list.txt list.txt").writes).toEqual(["list.txt"]);
    expect(effects("sort -olist.txt raw.txt").writes).toEqual(["list.txt"]);
    expect(effects("uniq -c raw.txt counts.txt")).toEqual({
      writes: ["counts.txt"],
      reads: ["raw.txt"],
    });
    expect(effects("awk -i inplace '{ print $2 }' data.csv")).toEqual({
      writes: ["data.csv"],
      reads: [],
    });
    expect(effects("awk -f prog.awk data.csv").reads).toEqual(["data.csv"]);
    const { replaces } = shellEffects(
      parser,
      "sort -o out.txt in.txt && sort -o in.txt in.txt",
      "/p",
    );
    expect(replaces).toEqual(["/p/out.txt"]);
  });

  it("takes the files given to reading commands and `<`", () => {
    expect(effects("cat README.md && head -n 5 src/a.ts").reads).toEqual(["README.md", "src/a.ts"]);
    expect(effects("grep -n foo src/x.ts src/y.ts").reads).toEqual(["src/x.ts", "src/y.ts"]);
    expect(effects("sed -n '1,5p' notes.md").reads).toEqual(["notes.md"]);
    expect(effects("wc -l < data.csv").reads).toEqual(["data.csv"]);
    expect(effects("cp from.ts to.ts").reads).toEqual(["from.ts"]);
  });
});

describe("exclusive commands", () => {
  const isExclusive = commandMatcher(DEFAULT_EXCLUSIVE_COMMANDS);

  it("matches the package managers' installs, adds, removes and updates, whole lines only", () => {
    for (const line of [
      "npm install",
      "npm i lodash",
      "npm pkg set scripts.a=one",
      "pnpm add -D vitest",
      "yarn",
      "bun remove x",
      "python3 -m pip install -r requirements.txt",
      "uv sync",
      "poetry lock",
      "cargo add serde",
      "go mod tidy",
    ])
      expect([line, isExclusive(line) !== undefined]).toEqual([line, true]);
    for (const line of [
      "npm test",
      "npm init -y",
      "npm pkg get name",
      "yarn test",
      "npx prettier --write .",
      "go test ./...",
    ])
      expect([line, isExclusive(line)]).toEqual([line, undefined]);
  });

  it("reads each simple command of a line, past cd and sudo", () => {
    const { commands } = shellEffects(parser, "cd web && sudo npm i && npm test", "/p");
    expect(commands).toEqual(["cd web", "npm i", "npm test"]);
    expect(commands.map(isExclusive)).toEqual([undefined, "npm i", undefined]);
  });

  it("names a program given by path both ways, so a pattern may use either", () => {
    const { commands } = shellEffects(parser, "./install.sh a && /usr/bin/npm ci", "/p");
    expect(commands).toEqual(["install.sh a", "./install.sh a", "npm ci", "/usr/bin/npm ci"]);
    const byPath = commandMatcher(["./install.sh*"]);
    expect(commands.map(byPath)).toEqual([undefined, "./install.sh*", undefined, undefined]);
    expect(commands.map(isExclusive)).toContain("npm ci*");
  });
});

describe("writes a sed script or an awk program makes by itself", () => {
  it("reads the macOS `sed -i ''` (an empty backup suffix) as no backup, not as the script", () => {
    expect(effects("sed -i '' 's/a/b/' src/x.ts").writes).toEqual(["src/x.ts"]);
    expect(effects("sed -i '' -e 's/a/b/' src/x.ts").writes).toEqual(["src/x.ts"]);
  });

  it("takes sed's `w FILE` command and `s///w FILE` flag as writes, `r FILE` as a read", () => {
    expect(effects("sed -n '/TODO/w todo.txt' src/a.ts")).toEqual({
      writes: ["todo.txt"],
      reads: ["src/a.ts"],
    });
    expect(effects("sed 's/a/b/gw changed.txt' src/a.ts").writes).toEqual(["changed.txt"]);
    expect(effects("sed -e 's/w/x/' -e '/a/r inc.txt' src/a.ts")).toEqual({
      writes: [],
      reads: ["inc.txt", "src/a.ts"],
    });
    // A `w` inside a pattern, a replacement or appended text is no command.
    expect(effects("sed -i 's|w|x|;/w/a\\\nw y' src/a.ts").writes).toEqual(["src/a.ts"]);
  });

  it('takes awk\'s `print > "FILE"` and `>> "FILE"` as writes; a redirect to a name known only when it runs is opaque', () => {
    const both = shellEffects(
      parser,
      `awk '{ if ($1 > 2) print >> "big.txt"; else print > "small.txt" }' in.txt`,
      "/p",
    );
    expect(both.writes).toEqual(["/p/big.txt", "/p/small.txt"]);
    expect(both.replaces).toEqual(["/p/small.txt"]);
    expect(both.opaque).toBe(false);
    expect(shellEffects(parser, `awk '{ print > $1 ".txt" }' in.txt`, "/p").opaque).toBe(true);
    expect(shellEffects(parser, `awk '{ print | "sort" }' in.txt`, "/p").opaque).toBe(true);
    // A comparison is no redirect.
    expect(shellEffects(parser, "awk -F, '$3 > 5 { print $1 }' in.csv", "/p")).toMatchObject({
      writes: [],
      opaque: false,
    });
  });
});

describe("more forms agents write files with", () => {
  it("reads `ln -s TARGET` alone as a link named after it in the working folder", () => {
    expect(effects("ln -s ../lib/util.ts", "/p/src").writes).toEqual(["util.ts"]);
  });

  it("reads gawk, mawk and gsed as awk and sed, and sponge as a writer (`-a`: an append)", () => {
    expect(effects(`gawk '{ print > "g.txt" }' in.txt`).writes).toEqual(["g.txt"]);
    expect(effects("gsed -i 's/a/b/' src/a.ts").writes).toEqual(["src/a.ts"]);
    const soaked = shellEffects(
      parser,
      "sort a.txt | sponge a.txt; uniq b.txt | sponge -a c.txt",
      "/p",
    );
    expect(soaked).toMatchObject({
      writes: ["/p/a.txt", "/p/c.txt"],
      replaces: ["/p/a.txt"],
      opaque: false,
    });
  });

  it("needs no check after `: > f`, a `while read` loop, or sed's `--expression=`", () => {
    expect(shellEffects(parser, ": > src/a.ts", "/p")).toMatchObject({
      writes: ["/p/src/a.ts"],
      opaque: false,
    });
    expect(
      shellEffects(parser, "while read l; do echo $l; done < in.txt > out.txt", "/p"),
    ).toMatchObject({ writes: ["/p/out.txt"], reads: ["/p/in.txt"], opaque: false });
    expect(effects("sed --expression='s/a/b/' src/a.ts").reads).toEqual(["src/a.ts"]);
  });
});

describe("git commands that put files back", () => {
  it("locks the paths of `git checkout -- PATHS` and `git restore PATHS`, and still checks after", () => {
    for (const command of [
      "git checkout -- src/a.ts src/b.ts",
      "git checkout HEAD~1 -- src/a.ts src/b.ts",
      "git restore src/a.ts src/b.ts",
      "git restore -s HEAD --worktree src/a.ts src/b.ts",
    ])
      expect(shellEffects(parser, command, "/p"), command).toMatchObject({
        writes: ["/p/src/a.ts", "/p/src/b.ts"],
        replaces: ["/p/src/a.ts", "/p/src/b.ts"],
        opaque: true,
      });
    // The index alone, a branch, a stash: no file known before.
    for (const command of ["git restore --staged src/a.ts", "git checkout main", "git stash"])
      expect(shellEffects(parser, command, "/p"), command).toMatchObject({
        writes: [],
        opaque: true,
      });
  });
});

describe("git commands that remove or move files", () => {
  it("locks what `git rm` removes and what `git mv` moves, as `rm` and `mv` would, and still checks after", () => {
    const root = tempProject({
      "src/a.ts": "a",
      "src/b.ts": "b",
      "lib/c.ts": "c",
      "lib/d.ts": "d",
    });
    const of = (command: string) => {
      const { writes, replaces, opaque } = shellEffects(parser, command, root);
      const rel = (p: string) => path.relative(root, p);
      return { writes: writes.map(rel), replaces: replaces.map(rel), opaque };
    };
    expect(of("git rm src/a.ts")).toEqual({
      writes: ["src/a.ts"],
      replaces: ["src/a.ts"],
      opaque: true,
    });
    expect(of("git rm -rf -- lib").writes.sort()).toEqual(["lib/c.ts", "lib/d.ts"]);
    expect(of("git mv src/b.ts src/e.ts").writes.sort()).toEqual(["src/b.ts", "src/e.ts"]);
    expect(of("git mv -f src/a.ts src/b.ts lib").writes.sort()).toEqual([
      "lib/a.ts",
      "lib/b.ts",
      "src/a.ts",
      "src/b.ts",
    ]);
    // The index alone, or a dry run: the working tree is left as it is.
    for (const command of [
      "git rm --cached src/a.ts",
      "git rm src/a.ts --cached",
      "git rm -rn lib",
      "git rm --dry-run src/a.ts",
      "git rm --cach src/a.ts", // git takes a long option's unambiguous prefix
      "git mv -n src/a.ts lib",
      "git mv --dry src/a.ts lib",
    ])
      expect(of(command), command).toEqual({ writes: [], replaces: [], opaque: true });
    // Paths only git can tell (a list in a file, a pathspec's magic): found after it runs.
    for (const command of [
      "git rm --pathspec-from-file list.txt",
      "git rm ':/src/a.ts'",
      "git rm -r ':!src/a.ts' src",
    ])
      expect(of(command).writes, command).toEqual([]);
    // A dash-word after `--` is a path.
    expect(of("git rm -- -n").writes).toEqual(["-n"]);
    // The commands' patterns still see git's own words, not the `rm` they are read as.
    expect(shellEffects(parser, "git rm src/a.ts", root).commands).toEqual(["git rm src/a.ts"]);
  });
});

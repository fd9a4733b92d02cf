/**
 * The files a shell command writes and reads, found before it runs by parsing it with
 * tree-sitter-bash (the parser OpenCode's own bash tool uses for its permission checks).
 *
 * Writes: redirections (`>`, `>>`, `&>`, `>|`, a heredoc into a file), `tee`, `sed -i` and
 * `perl -i` (their backups, `-i.bak`, too), `awk -i inplace`, `sort -o`, `uniq IN OUT`, the
 * destinations of `cp`/`mv`/`install`/`ln` (and the sources of `mv`), `rm`, `touch`,
 * `truncate`, `dd of=`, the files a sed script (`w FILE`, `s///w FILE`) or an awk program
 * (`print > "FILE"`) names; reads: `<`, and the files given to `cat`, `head`, `sed` and the like.
 * A variable the command itself sets once to a literal (`f=a.ts; echo x > "$f"`) stands for
 * its value. Paths are resolved against the working folder as `cd` moves it (a `cd` inside a
 * subshell or a pipeline stage stays there, `popd` goes back to its `pushd`); brace lists
 * (`f{,.bak}`) are expanded as the shell does, globs against the disk. A folder stands for the files in it: `rm -r dir` writes
 * each of them, `cp -r`/`mv` of a folder each file it copies or moves, and a destination that
 * is a folder takes the sources by name. A path that is not literal (`> "$OUT"`,
 * `rm -rf "$DIR"`) cannot be known before the command runs and is not listed: the command is
 * then checked after it runs (`opaque`), as are folders of more than MAX_FOLDER_FILES entries
 * in all.
 *
 * Pure but for the parser's one-time WebAssembly load and what it reads of the disk (the globs,
 * and which paths are folders and what they hold).
 */
import { type Dirent, lstatSync, readdirSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import { homedir } from "node:os";
import path from "node:path";
import braces from "braces";
import { globSync } from "tinyglobby";
import { Language, type Node, Parser } from "web-tree-sitter";
import { expansionBound, MAX_BRACE_FILES } from "../bmad/path-text.ts";
import { own } from "../util/own.ts";
import { awkProgramWrites, sedScriptWrites } from "./script-writes.ts";
import { SKIPPED_FOLDERS } from "./snapshot.ts";

export interface ShellEffects {
  /** Absolute paths the command writes (creates, changes, moves or deletes). */
  writes: string[];
  /**
   * Those of `writes` whose content it replaces or removes without applying to it (`>`, `tee`,
   * the target of `cp` or `mv`, `rm`, `truncate`, `dd of=`), as against an append (`>>`,
   * `tee -a`), an in-place edit (`sed -i`) or a `touch`: another story's change there is lost.
   */
  replaces: string[];
  /** Absolute paths the command reads. */
  reads: string[];
  /**
   * Those of `writes` the command acts on as names, which a link there does not lead away
   * from: removed (`rm`, `unlink`), moved from or onto (`mv`), made a link (`ln -sf`). Every
   * other write goes through a link to its file, as the shell's `>` and the file tools do.
   */
  asNames: string[];
  /**
   * Each simple command as one line (`npm install lodash`): its program by name, its words as
   * written, `?` for a word only known when it runs; a program given by path comes twice, by
   * name and as written (`install.sh x`, `./install.sh x`).
   */
  commands: string[];
  /**
   * True when the command may write files not in `writes`: a program whose effects are not
   * known (a script, `make`, a formatter, a code generator), or a target only known when it
   * runs (`> "$OUT"`). Those are found after the command, from what changed.
   */
  opaque: boolean;
}

/**
 * A test for command lines against patterns (`npm install*`: `*` any text, `?` one
 * character, the rest as written); returns the first pattern a line matches.
 */
export function commandMatcher(patterns: readonly string[]): (line: string) => string | undefined {
  const toRegex = (pattern: string) => {
    const words = pattern.trim().split(/\s+/).join(" ");
    const body = words
      .replace(/[.+^${}()|[\]\\]/g, "\\$&")
      .replace(/\*/g, ".*")
      .replace(/\?/g, ".");
    return new RegExp(`^(?:${body})`);
  };
  const compiled = patterns.map((pattern) => ({ pattern, regex: toRegex(pattern) }));
  // The whole line must match: `npm i` is not `npm i lodash` (that is `npm i *`).
  const whole = (regex: RegExp, line: string) => regex.exec(line)?.[0].length === line.length;
  return (line) => compiled.find((c) => whole(c.regex, line))?.pattern;
}

let loading: Promise<Parser> | undefined;

/** The bash parser, loaded once (a WebAssembly module of about 1 MB). */
export function shellParser(): Promise<Parser> {
  loading ??= (async () => {
    await Parser.init();
    const wasm = createRequire(import.meta.url).resolve("tree-sitter-bash/tree-sitter-bash.wasm");
    const parser = new Parser();
    parser.setLanguage(await Language.load(wasm));
    return parser;
  })();
  return loading;
}

/** Commands that only read the files they are given (their non-option arguments). */
const READERS = new Set([
  "cat",
  "head",
  "tail",
  "less",
  "more",
  "bat",
  "nl",
  "wc",
  "grep",
  "egrep",
  "fgrep",
  "rg",
  "diff",
  "cmp",
  "awk",
  "sort",
  "uniq",
  "cut",
  "jq",
  "sed",
]);
/** Options that take the next word as their value, per command (`head -n 5`, `install -m 644`). */
const VALUE_OPTIONS: Record<string, ReadonlySet<string>> = {
  head: new Set(["-n", "-c"]),
  tail: new Set(["-n", "-c"]),
  truncate: new Set(["-s", "-r"]),
  touch: new Set(["-d", "-t", "-r"]),
  install: new Set(["-m", "-o", "-g", "-S", "-t"]),
  cp: new Set(["-S", "-t"]),
  mv: new Set(["-S", "-t"]),
  ln: new Set(["-S", "-t"]),
  grep: new Set(["-e", "-f", "-m", "-A", "-B", "-C"]),
  rg: new Set(["-e", "-f", "-m", "-A", "-B", "-C", "-g", "-t"]),
  sort: new Set(["-k", "-t", "-o", "--output", "-S"]),
  cut: new Set(["-d", "-f", "-c", "-b"]),
  awk: new Set(["-F", "-v", "-f", "-i", "-e"]),
  uniq: new Set(["-f", "-s", "-w"]),
  jq: new Set(["--arg", "--argjson"]),
  shred: new Set(["-n", "-s"]),
  restore: new Set(["-s", "--source"]), // git restore
};

/**
 * `git rm PATHS` and `git mv SOURCES... DEST` (the `git` word gone) as the `rm` and `mv` they
 * stand for, or undefined: another git command, a dry run (`-n`, `--dry-run` or a prefix of it,
 * as git takes), `git rm --cached`, which leaves the working tree as it is, or paths git alone
 * can tell (`--pathspec-from-file`, a pathspec's magic `:!x`, `:/x`), left to the after-check.
 */
function gitFileCommand(
  args: ReadonlyArray<string | undefined>,
): [program: "rm" | "mv", args: Array<string | undefined>] | undefined {
  const [command, ...rest] = args;
  if (command !== "rm" && command !== "mv") return undefined;
  const dashes = rest.indexOf("--");
  const options = dashes < 0 ? rest : rest.slice(0, dashes);
  const operands = dashes < 0 ? [] : rest.slice(dashes + 1);
  const leavesTree = (a: string) =>
    /^-[a-z]*n[a-z]*$/.test(a) ||
    (a.length >= 3 && ["--dry-run", "--cached"].some((long) => long.startsWith(a)));
  if (options.some((a) => a !== undefined && leavesTree(a))) return undefined;
  if (options.some((a) => a?.startsWith("--pathspec-from-file"))) return undefined;
  if ([...options, ...operands].some((a) => a?.startsWith(":"))) return undefined;
  return [command, rest];
}

/** The words of a command line that are not options nor option values. */
function plainWords(program: string, args: Array<string | undefined>): Array<string | undefined> {
  const takesValue = own(VALUE_OPTIONS, program);
  const out: Array<string | undefined> = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === "--") {
      out.push(...args.slice(i + 1));
      break;
    }
    if (a?.startsWith("-") && a.length > 1) {
      if (takesValue?.has(a)) i++;
      continue;
    }
    out.push(a);
  }
  return out;
}

/**
 * Programs whose writes are all in their arguments or redirections (handled above), or that
 * write nothing: a command made only of these needs no check after it runs.
 */
const KNOWN_PROGRAMS = new Set([
  ...READERS,
  ...["tee", "touch", "truncate", "rm", "unlink", "shred", "cp", "install", "ln", "mv", "dd"],
  ...["sponge", ":", "read"],
  ...["sed", "perl", "cd", "pushd", "popd", "echo", "printf", "true", "false", "test", "["],
  ...["mkdir", "rmdir", "ls", "pwd", "sleep", "date", "which", "type", "export", "set"],
  ...["basename", "dirname", "realpath", "readlink", "stat", "file", "exit", "return", "wait"],
]);

/** Programs that write the files they are given (besides the destinations of cp & co). */
const FILE_WRITERS = new Set(["tee", "touch", "truncate", "rm", "unlink", "shred", "sponge"]);

/** Other names of programs read here: other awks, GNU sed installed as `gsed`. */
const ALIASES: Record<string, string> = { gawk: "awk", mawk: "awk", nawk: "awk", gsed: "sed" };

/**
 * The most entries the folders a command removes, copies or moves may hold in all to be listed
 * before the command runs (each file locked and kept in the journal); more, and the command is
 * checked after it runs.
 */
export const MAX_FOLDER_FILES = 200;

/** Words that run the command after them. */
const WRAPPERS = new Set(["sudo", "env", "command", "exec", "nohup", "time", "nice"]);
/** Targets that are not files of the project. */
const DEVICES = /^\/dev\//;

/** What `command` (run in `cwd`) writes and reads, as far as can be known before it runs. */
export function shellEffects(parser: Parser, command: string, cwd: string): ShellEffects {
  const tree = parser.parse(command);
  const writes = new Set<string>();
  const replaces = new Set<string>();
  const reads = new Set<string>();
  const commands: string[] = [];
  let opaque = false;
  const asNames = new Set<string>();
  if (!tree) return { writes: [], replaces: [], reads: [], asNames: [], commands, opaque: true };
  // What folders a command walks (`rm -r`, `cp -r`, `mv` of a folder) may list, in all.
  const budget = { entries: MAX_FOLDER_FILES };
  // The folders `pushd` left, for `popd` to go back to.
  const pushed: string[] = [];
  try {
    // A command the parser could not read whole may do anything: check after it.
    if (tree.rootNode.hasError) opaque = true;
    // What `$f` stands for where the command set `f` itself.
    const vars = commandVariables(tree.rootNode);
    // `~` and `~/...` at the start of a word are the user's home, as the shell expands them.
    // After a `cd` to a folder known only when it runs, a relative path is in that folder.
    const at = (dir: string, p: string) =>
      p === "~" || p.startsWith("~/")
        ? path.join(homedir(), p.slice(1))
        : dir === UNKNOWN_FOLDER && !path.isAbsolute(p)
          ? UNKNOWN_FOLDER
          : path.resolve(dir, p);
    const expand = (dir: string, p: string): string[] => {
      if (at(dir, p) === UNKNOWN_FOLDER) return [];
      if (!/[*?[]/.test(p)) return [at(dir, p)];
      try {
        // Folders too (`rm -rf dist/*`): each one stands for its files where that applies.
        return globSync(p, {
          cwd: dir,
          absolute: true,
          dot: true,
          expandDirectories: false,
          onlyFiles: false,
        });
      } catch {
        return [];
      }
    };

    /** Visits `node` with the working folder `cwd`; returns the folder after it. */
    const visit = (node: Node, cwd: string): string => {
      switch (node.type) {
        case "subshell":
        case "command_substitution":
        case "process_substitution": {
          // Its commands one after the other (`(cd src; echo > a.ts)` writes src/a.ts), but a
          // `cd` inside stays inside.
          let inside = cwd;
          for (const child of node.namedChildren) if (child) inside = visit(child, inside);
          return cwd;
        }
        case "pipeline":
          for (const child of node.namedChildren) if (child) visit(child, cwd);
          return cwd; // each stage is a subshell
        case "redirected_statement": {
          const body = node.childForFieldName("body");
          // The redirect binds to the last command of the body: after its `cd`s.
          const after = body ? visit(body, cwd) : cwd;
          for (const child of node.namedChildren)
            if (child && child.id !== body?.id) visit(child, after);
          return after;
        }
        case "file_redirect":
          redirect(node, cwd);
          return cwd;
        case "command":
          return runCommand(node, cwd);
        default: {
          let now = cwd;
          for (const child of node.namedChildren) if (child) now = visit(child, now);
          return now;
        }
      }
    };

    const redirect = (node: Node, cwd: string) => {
      const destination = node.childForFieldName("destination");
      const operator = node.children.find((c) => c && !c.isNamed)?.text ?? "";
      const target = destination ? literal(destination, vars) : undefined;
      if (target === undefined) {
        if (!/^[<]/.test(operator)) opaque = true; // a write to a target known only when it runs
        return;
      }
      if (DEVICES.test(target)) return;
      if (/^[<>]&$/.test(operator) && /^(\d+|-)$/.test(target)) return; // 2>&1, >&-
      if (operator === "<") for (const p of expand(cwd, target)) reads.add(p);
      else
        for (const p of expand(cwd, target)) {
          writes.add(p);
          if (!operator.includes(">>")) replaces.add(p); // `>`, `>|`, `&>`: truncated first
        }
    };

    const runCommand = (node: Node, cwd: string): string => {
      for (const child of node.namedChildren)
        if (child && child.type !== "command_name" && child.type !== "word") visit(child, cwd);
      const words: Array<string | undefined> = [];
      const name = node.childForFieldName("name");
      if (name) words.push(literal(name, vars));
      for (const arg of node.childrenForFieldName("argument"))
        if (arg) words.push(...wordsOf(arg, vars));
      while (words.length > 1 && WRAPPERS.has(path.basename(words[0] ?? ""))) {
        words.shift();
        while (words[0]?.startsWith("-") || /^\w+=/.test(words[0] ?? "")) {
          const option = words.shift();
          if (option === "-u" || option === "-g") words.shift(); // sudo -u USER
        }
      }
      const [first, ...typed] = words;
      if (first === undefined) {
        opaque = true; // the program itself is only known when it runs
        return cwd;
      }
      // gawk, mawk, GNU sed as `gsed` (macOS): read as the program they stand for.
      const named = ALIASES[path.basename(first)] ?? path.basename(first);
      if (
        !KNOWN_PROGRAMS.has(named) ||
        (named === "perl" && !typed.some((a) => isInPlace("perl", a)))
      )
        opaque = true;
      const rest = typed.map((a) => a ?? "?");
      commands.push([named, ...rest].join(" "));
      // As written too (`./install.sh`, `/usr/bin/npm`), so that a pattern may name either.
      if (first !== named) commands.push([first, ...rest].join(" "));
      // `git rm F` and `git mv A B` remove and move files as `rm` and `mv` do: read as them, so
      // that each file is locked before (git is no known program: still checked after).
      const [program, args] = (named === "git" && gitFileCommand(typed)) || [named, typed];
      const given = plainWords(program, args);
      const plain = given.filter((a): a is string => a !== undefined);
      // A file it writes known only when it runs (`rm -rf "$DIR"`, `mv "$f" ...`): after it.
      if (FILE_WRITERS.has(program) && plain.length < given.length) opaque = true;
      const writeFile = (f: string, replacing: boolean) => {
        writes.add(f);
        if (replacing) replaces.add(f);
      };
      const write = (p: string | undefined, replacing = true) => {
        if (p === undefined) {
          opaque = true;
          return;
        }
        if (DEVICES.test(p)) return;
        // A folder is no file it writes (`touch dir` sets a time; `> dir`, `sed -i dir` fail).
        for (const f of expand(cwd, p)) if (!isFolder(f, true)) writeFile(f, replacing);
      };
      const read = (p: string | undefined) => {
        if (p !== undefined && !DEVICES.test(p)) for (const f of expand(cwd, p)) reads.add(f);
      };
      switch (program) {
        case "cd":
        case "pushd": {
          if (
            (given.length > 0 && given[0] === undefined) ||
            plain[0] === "-" ||
            (program === "pushd" && plain[0] === undefined) // swaps with the stack's top
          ) {
            // A folder only known when it runs: what the commands after it write, after them.
            opaque = true;
            return UNKNOWN_FOLDER;
          }
          const to = plain[0];
          if (program === "pushd") pushed.push(cwd);
          if (to === undefined) return homedir(); // a bare `cd`: home
          return at(cwd, to);
        }
        case "popd": {
          // Back to the folder of the matching \`pushd\`; one from before the command: unknown.
          const back = pushed.pop();
          if (back !== undefined) return back;
          opaque = true;
          return UNKNOWN_FOLDER;
        }
        case "git": {
          // `git checkout [REV] -- PATHS`, `git restore PATHS` put files back from git: each is
          // locked before (another story's file refused, not overwritten); a folder or a path
          // spec, and every other git command, is what the after-check finds.
          const [sub, ...rest] = args;
          const dashes = rest.indexOf("--");
          const paths =
            sub === "checkout" && dashes >= 0
              ? rest.slice(dashes + 1)
              : sub === "restore" && !(rest.includes("--staged") && !rest.includes("--worktree"))
                ? plainWords(
                    "restore",
                    rest.filter((a) => !a?.startsWith("--source=")),
                  )
                : [];
          for (const p of paths) if (p !== undefined && !/[:]/.test(p)) write(p);
          return cwd;
        }
        case "sponge": // moreutils: the whole of its input into the file once read (`-a`: added)
        case "tee": {
          const appends = args.some((a) => a === "-a" || a === "--append");
          for (const p of plain) write(p, !appends);
          return cwd;
        }
        case "touch":
          for (const p of plain) write(p, false);
          return cwd;
        case "unlink":
          for (const p of plain)
            for (const f of expand(cwd, p)) {
              writeFile(f, true);
              asNames.add(f);
            }
          return cwd;
        case "truncate":
        case "shred":
          for (const p of plain) write(p);
          return cwd;
        case "rm":
          // A folder (`rm -r`) removes every file in it: each one is written.
          for (const p of plain) {
            if (DEVICES.test(p)) continue;
            for (const f of expand(cwd, p)) {
              const files = isFolder(f) ? filesUnder(f, budget) : [f];
              if (files === undefined) opaque = true;
              else
                for (const file of files) {
                  writeFile(file, true);
                  asNames.add(file);
                }
            }
          }
          return cwd;
        case "cp":
        case "install":
        case "ln":
        case "mv": {
          const target = targetDir(args);
          if (plain.length < given.length || (args.includes("-t") && target === undefined)) {
            // A source or the destination known only when it runs: what it wrote, after it.
            opaque = true;
            if (program === "mv" && target === undefined)
              for (const p of given.slice(0, -1)) if (p !== undefined) write(p, false);
            return cwd;
          }
          // `ln -s ../x/a.ts` alone makes the link `a.ts` in the working folder.
          const operands =
            program === "ln" && target === undefined && plain.length === 1
              ? [...plain, "./"]
              : plain;
          const sources = target === undefined ? operands.slice(0, -1) : operands;
          const dest = target ?? operands.at(-1);
          if (dest === undefined || sources.length === 0) return cwd;
          const to = at(cwd, dest);
          if (to === UNKNOWN_FOLDER) {
            opaque = true;
            return cwd;
          }
          // Into a folder when the destination is one: each source by its name.
          const intoDir =
            target !== undefined ||
            sources.length > 1 ||
            dest.endsWith("/") ||
            (program !== "ln" && isFolder(to, true));
          for (const source of sources) {
            for (const s of expand(cwd, source)) {
              // `cp -r dir/. dest`: what is in the folder, not the folder.
              const into =
                intoDir && !/(^|\/)\.\/?$/.test(source) ? path.join(to, path.basename(s)) : to;
              // A folder copied or moved: each file in it, to its place under the destination.
              const folder = program !== "ln" && isFolder(s);
              const files = folder ? filesUnder(s, budget) : [s];
              if (files === undefined) {
                opaque = true;
                continue;
              }
              for (const f of files) {
                if (program === "mv") {
                  writeFile(f, false);
                  asNames.add(f);
                } else if (program !== "ln") reads.add(f);
                const landing = folder ? path.join(into, path.relative(s, f)) : into;
                if (DEVICES.test(landing)) continue;
                writeFile(landing, true);
                // A move or a link replaces the name; `cp` writes through a link there.
                if (program === "mv" || program === "ln") asNames.add(landing);
              }
            }
          }
          // The destination itself, but when it is the folder a folder becomes.
          const folderSource = () =>
            sources.some((src) => expand(cwd, src).some((f) => isFolder(f)));
          if (!intoDir && (program === "ln" || !folderSource())) {
            write(dest);
            if (program === "ln") asNames.add(to);
          }
          return cwd;
        }
        case "sed":
        case "perl": {
          const args = program === "sed" ? withoutEmptySuffix(words.slice(1)) : words.slice(1);
          if (program === "sed") {
            // The script's own `w FILE` (and `s/a/b/w FILE`) writes, `r FILE` reads.
            for (const script of sedScripts(args)) {
              if (script === undefined) {
                opaque = true;
                continue;
              }
              const scripted = sedScriptWrites(script);
              for (const w of scripted.writes) write(w.file, w.replaces);
              for (const r of scripted.reads) read(r);
              if (scripted.opaque) opaque = true;
            }
          }
          if (!args.some((a) => isInPlace(program, a))) {
            if (program === "sed") for (const p of sedFiles(args)) read(p);
            return cwd;
          }
          const files = program === "sed" ? sedFiles(args) : perlFiles(args);
          // `-i.bak`: each file's old content is also written beside it, under that suffix.
          const suffix = inPlaceSuffix(program, args);
          for (const p of files) {
            write(p, false); // edited where it stands; unknown: after it
            if (!suffix || p === undefined) continue;
            if (/[*/]/.test(suffix))
              opaque = true; // a backup name made from a pattern
            else write(`${p}${suffix}`);
          }
          return cwd;
        }
        case "dd":
          if (args.includes(undefined)) opaque = true; // `of=$OUT`
          for (const a of args) {
            if (a?.startsWith("of=")) write(a.slice(3));
            if (a?.startsWith("if=")) read(a.slice(3));
          }
          return cwd;
        case "sort": {
          // `sort -o FILE` (`-oFILE`, `--output=FILE`) writes FILE; its inputs are read first.
          for (const p of readerFiles(program, args)) read(p);
          const output = optionValue(args, "-o", "--output");
          if (output !== null) write(output, !plain.includes(output ?? ""));
          return cwd;
        }
        case "uniq":
          // `uniq IN OUT` writes OUT.
          read(plain[0]);
          if (plain.length > 1) write(plain[1]);
          return cwd;
        case "awk": {
          // gawk's `-i inplace` edits the files given where they stand.
          const files = readerFiles(program, args);
          const inPlace = args.some(
            (a, i) => (a === "-i" && args[i + 1] === "inplace") || a === "-iinplace",
          );
          for (const p of files)
            if (inPlace) write(p, false);
            else read(p);
          // The program's own `print > "FILE"`.
          const texts = args.includes("-f")
            ? [] // a program file: not read here
            : args.includes("-e")
              ? args.filter((_, i) => args[i - 1] === "-e")
              : [plainWords(program, args)[0]];
          for (const text of texts) {
            const scripted = text === undefined ? undefined : awkProgramWrites(text);
            for (const w of scripted?.writes ?? []) write(w.file, w.replaces);
            if (!scripted || scripted.opaque) opaque = true;
          }
          return cwd;
        }
        default:
          if (READERS.has(program)) for (const p of readerFiles(program, args)) read(p);
          return cwd;
      }
    };

    visit(tree.rootNode, cwd);
  } finally {
    tree.delete();
  }
  return {
    writes: [...writes],
    replaces: [...replaces],
    reads: [...reads],
    asNames: [...asNames],
    commands,
    opaque,
  };
}

/** The working folder after a `cd` to a folder known only when the command runs. */
const UNKNOWN_FOLDER = "\0(a folder known only when the command runs)";

/** A folder on disk (a link to one only when `follow`: `rm -r link` removes the link). */
function isFolder(p: string, follow = false): boolean {
  try {
    return (follow ? statSync(p) : lstatSync(p)).isDirectory();
  } catch {
    return false;
  }
}

/**
 * Every file under a folder (links as files; pipes, sockets and devices left out: no story's
 * work, and reading one would block; the skipped folders, never a story's work, left out, the
 * folder itself too: `rm -rf node_modules` writes none), or undefined when the command's
 * folders hold more entries than `budget` has left (shared by all the folders it walks).
 */
function filesUnder(dir: string, budget: { entries: number }): string[] | undefined {
  const out: string[] = [];
  if (SKIPPED_FOLDERS.has(path.basename(dir))) return out;
  const pending = [dir];
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    let entries: Dirent[];
    try {
      entries = readdirSync(next, { withFileTypes: true });
    } catch {
      continue;
    }
    budget.entries -= entries.length;
    if (budget.entries < 0) return undefined;
    for (const entry of entries) {
      const full = path.join(next, entry.name);
      if (entry.isDirectory()) {
        if (!SKIPPED_FOLDERS.has(entry.name)) pending.push(full);
      } else if (entry.isFile() || entry.isSymbolicLink()) out.push(full);
    }
  }
  return out;
}

/**
 * The words an argument stands for: an unquoted brace list expands as the shell does
 * (`f{,.bak}` is `f` and `f.bak`); one that would make too many is unknown, like `$X`.
 */
function wordsOf(node: Node, vars: Variables): Array<string | undefined> {
  // The parser makes a range (`{1..3}`) a node of its own, which `literal` does not read.
  const braced =
    (node.type === "word" || node.type === "concatenation") &&
    /\{[^{}]*(,|\.\.)/.test(node.text) &&
    !node.text.includes("\\") &&
    node.namedChildren.every(
      (c) => c && (c.type === "word" || c.type === "brace_expression" || c.type === "number"),
    );
  if (!braced) return [literal(node, vars)];
  if (expansionBound(node.text) > MAX_BRACE_FILES) return [undefined];
  try {
    const expanded = braces(node.text, { expand: true, rangeLimit: MAX_BRACE_FILES });
    return expanded.length > MAX_BRACE_FILES ? [undefined] : expanded;
  } catch {
    return [undefined];
  }
}

/**
 * An option of sed or perl that edits the files given in place: `--in-place`, or `-i` alone or
 * after the options it may follow in one word (`-i.bak`, sed's `-Ei`, `-ri`, `-ni`, perl's
 * `-pi`, `-0pi`, `-lpi`): none of those takes a value that could hold the `i`.
 */
function isInPlace(program: "sed" | "perl", arg: string | undefined): boolean {
  if (arg === undefined) return false;
  if (arg.startsWith("--in-place")) return true;
  return program === "sed"
    ? /^-[nErsuzb]*i/.test(arg)
    : /^-(?:[acnpsTtuUwWX]|0[0-7]*|l[0-7]*)*i/.test(arg);
}

/** The backup suffix an in-place edit is given (`-i.bak`, `--in-place=.orig`), or "". */
function inPlaceSuffix(program: "sed" | "perl", args: Array<string | undefined>): string {
  const option = args.find((a) => isInPlace(program, a)) ?? "";
  if (option.startsWith("--in-place")) return option.slice("--in-place=".length);
  return option.slice(option.indexOf("i") + 1);
}

/**
 * The text of a word, string or concatenation with nothing left to expand but the variables
 * the command itself set before it (`vars`); else undefined.
 */
function literal(node: Node, vars: Variables = NO_VARIABLES): string | undefined {
  switch (node.type) {
    case "word":
    case "command_name": {
      if (node.type === "command_name") {
        const inner = node.namedChildren[0];
        return inner ? literal(inner, vars) : node.text;
      }
      return node.text.replace(/\\(.)/g, "$1");
    }
    case "raw_string":
      return node.text.slice(1, -1);
    case "string": {
      if (node.namedChildren.every((c) => c?.type === "string_content"))
        return node.text.slice(1, -1);
      let out = "";
      for (const child of node.namedChildren) {
        const part = !child
          ? undefined
          : child.type === "string_content"
            ? child.text
            : literal(child, vars);
        if (part === undefined) return undefined;
        out += part;
      }
      return out;
    }
    case "concatenation": {
      let out = "";
      for (const child of node.namedChildren) {
        const part = child ? literal(child, vars) : undefined;
        if (part === undefined) return undefined;
        out += part;
      }
      return out;
    }
    case "number":
      return node.text;
    case "simple_expansion":
    case "expansion": {
      // `$f` or `${f}` (no operator), of a variable set before this point.
      const name = node.namedChildren[0];
      if (name?.type !== "variable_name" || node.namedChildren.length !== 1) return undefined;
      if (node.text !== `$${name.text}` && node.text !== `\${${name.text}}`) return undefined;
      const known = vars.get(name.text);
      return known && node.startIndex >= known.after ? known.value : undefined;
    }
    default:
      return undefined;
  }
}

/** What an assignment may be inside and still set the variable for the rest of the command. */
const TOP_LEVEL = new Set(["program", "list", "declaration_command", "redirected_statement"]);

/** Variables a command sets, by name: the value, and where the assignment ends. */
type Variables = ReadonlyMap<string, { value: string; after: number }>;
const NO_VARIABLES: Variables = new Map();

/**
 * The variables a command sets once, at its top level, to a literal (`f=src/a.ts; echo x >
 * "$f"`, `export F=...`): a use after the assignment stands for the value. A name set more
 * than once, inside a subshell, a loop, a condition or a function, only for one command
 * (`f=x cmd`), to what is only known when it runs, or that appears as a word anywhere else
 * (`for f in`, `read f`, `unset f`) stays unknown.
 */
function commandVariables(root: Node): Variables {
  const sets = new Map<string, Array<{ value: string | undefined; after: number }>>();
  const words = new Set<string>();
  const topLevel = (node: Node): boolean => {
    for (let up = node.parent; up; up = up.parent) if (!TOP_LEVEL.has(up.type)) return false;
    return true;
  };
  const walk = (node: Node) => {
    if (node.type === "variable_assignment") {
      const name = node.childForFieldName("name");
      const value = node.childForFieldName("value");
      if (name?.type === "variable_name") {
        const entry = sets.get(name.text) ?? [];
        entry.push({
          value: topLevel(node) && value ? literal(value) : undefined,
          after: node.endIndex,
        });
        sets.set(name.text, entry);
      }
      if (value) walk(value);
      return;
    }
    if (node.type === "word" || node.type === "variable_name") {
      // A name as a word or a loop's variable: set some other way.
      const parent = node.parent?.type;
      if (parent !== "simple_expansion" && parent !== "expansion") words.add(node.text);
    }
    for (const child of node.children) if (child) walk(child);
  };
  walk(root);
  const known = new Map<string, { value: string; after: number }>();
  for (const [name, entries] of sets) {
    const only = entries.length === 1 ? entries[0] : undefined;
    if (only?.value && !words.has(name)) known.set(name, { value: only.value, after: only.after });
  }
  return known;
}

/**
 * The value of a short option (`-o F`, `-oF`) or a long one (`--output=F`, `--output F`): null
 * when not given, undefined when given but known only when the command runs.
 */
function optionValue(
  args: Array<string | undefined>,
  short: string,
  long: string,
): string | undefined | null {
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === "--") break;
    if (a === short || a === long) return args[i + 1];
    if (a?.startsWith(`${long}=`)) return a.slice(long.length + 1);
    if (a?.startsWith(short) && !a.startsWith("--")) return a.slice(short.length);
  }
  return null;
}

/** `-t DIR` / `--target-directory=DIR` of cp, mv, install and ln. */
function targetDir(args: Array<string | undefined>): string | undefined {
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === "-t") return args[i + 1];
    if (a?.startsWith("--target-directory=")) return a.slice("--target-directory=".length);
  }
  return undefined;
}

/**
 * The files of a sed or perl command line: the plain words after the script, which is either
 * given by an option (`sed -e S`, `sed -f F`, `perl -pe S`) or is the first plain word.
 */
function filesAfterScript(
  args: Array<string | undefined>,
  scriptOption: RegExp,
): Array<string | undefined> {
  const out: Array<string | undefined> = [];
  let script = false;
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a !== undefined && scriptOption.test(a)) {
      script = true;
      i++; // the script itself
    } else if (a?.startsWith("--expression=") || a?.startsWith("--file=")) {
      script = true;
    } else if (!a?.startsWith("-")) {
      if (script) out.push(a);
      else script = true;
    }
  }
  return out;
}

/**
 * sed's arguments without the empty word of the BSD and macOS form `sed -i '' ...` (no backup),
 * which would otherwise be taken for the script and the script for a file.
 */
function withoutEmptySuffix(args: Array<string | undefined>): Array<string | undefined> {
  const at = args.findIndex((a) => a !== undefined && /^-[nErsuzb]*i$/.test(a));
  return at >= 0 && args[at + 1] === "" ? [...args.slice(0, at + 1), ...args.slice(at + 2)] : args;
}

/** The scripts of a sed command line: each `-e S`, or else the first plain word. */
function sedScripts(args: Array<string | undefined>): Array<string | undefined> {
  const out: Array<string | undefined> = [];
  let given = false;
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === "-e" || a === "--expression") out.push(args[i + 1]);
    if (a?.startsWith("--expression=")) out.push(a.slice("--expression=".length));
    if (a?.startsWith("--expression=") || a?.startsWith("--file=")) given = true;
    if (a !== undefined && SED_SCRIPT.test(a)) {
      given = true;
      i++;
    } else if (a === undefined || !a.startsWith("-")) {
      if (!given) out.push(a);
      return out;
    }
  }
  return out;
}

const SED_SCRIPT = /^(-e|-f|--expression|--file)$/;
const PERL_SCRIPT = /^-\w*[eE]$/;
const sedFiles = (args: Array<string | undefined>) => filesAfterScript(args, SED_SCRIPT);
const perlFiles = (args: Array<string | undefined>) => filesAfterScript(args, PERL_SCRIPT);

/** The files a reading command is given: its plain words (the pattern first for grep & co). */
function readerFiles(program: string, args: Array<string | undefined>): Array<string | undefined> {
  const plain = plainWords(program, args);
  // awk's program is a word unless it is given by `-f FILE` (or gawk's `-e TEXT`).
  if (program === "awk" && (args.includes("-f") || args.includes("-e"))) return plain;
  if (/^(e|f)?grep$|^rg$|^awk$|^jq$/.test(program) && !args.includes("-e")) return plain.slice(1);
  if (program === "sed") return sedFiles(args);
  return plain;
}

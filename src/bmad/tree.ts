/**
 * Directory trees as people draw them in markdown code blocks, with box characters
 * (`├──`, `│`, `└──`) or plain indentation, `# comments` after names, and folders ending in
 * `/`. Each entry becomes a full path rebuilt from the indentation, with its line.
 */

import { isSourceFileName, PLACEHOLDER, ROUTE_GROUP, ROUTE_PARAM } from "./path-text.ts";

export interface TreeEntry {
  /** Path as drawn, rebuilt from the indentation; folders end with `/`. */
  path: string;
  /** 0-based line index inside the block. */
  lineIndex: number;
}

const BOX = /[│├└─┬┼┃┣┗━|`\\]/;

/** True when a code block's text looks like a drawn directory tree. */
export function looksLikeTree(text: string): boolean {
  // Route folders and files (`(auth)/`, `[id]/`, `+not-found.tsx`) read as plain names here,
  // as `isTreeName` reads them: one such line made a whole indented tree no tree.
  const lines = text
    .split("\n")
    .filter((line) => line.trim() !== "")
    .map((line) => {
      const indent = line.length - line.trimStart().length; // a CR ends no name here
      return line.slice(0, indent) + line.slice(indent).replace(ROUTE_SEGMENT, "$1x");
    });
  if (lines.length < 2) return false;
  const boxLines = lines.filter((line) => /[├└]──/.test(line)).length;
  if (boxLines >= 2) return true;
  // Indentation only: every line a single name (maybe commented), some of them folders; or a
  // flat list of paths, some of them inside a folder (`pkg/metrics/x.go  # metrics`,
  // `tests/x.test.js   ← UPDATE`).
  const named = lines.filter((line) => NAME_LINE.test(line));
  if (named.length !== lines.length) return false;
  return (
    lines.some((line) => FOLDER_LINE.test(line)) ||
    lines.filter((line) => PATH_LINE.test(line)).length >= 2
  );
}

/** The marks a comment after a drawn name starts with: `# new`, `// the parser`, `← UPDATE`, `— x`. */
const COMMENT_MARK = String.raw`#|\/\/|←|<-|[—–]`;
/**
 * What may follow a name on its line, to its end (`(?!.)`, the lines have no line breaks): a
 * comment (or one after `--`).
 */
const COMMENT = String.raw`\s*(?:(?:${COMMENT_MARK}|--)\s?.*)?(?!.)`;
/** Where a drawn name ends: a comment (or `- x`, `(x)`, two spaces) after it. */
const NAME_END = new RegExp(String.raw`\s+(?:${COMMENT_MARK}|-{1,2}\s|\()|\s{2,}`);
/** A line that is one name (or a list of files beside each other), maybe commented. */
const NAME_LINE = new RegExp(String.raw`^\s*[\w.@-][\w.@/-]*\/?(?:,\s*[\w.@-]+)*${COMMENT}`);
/** A line that ends with a folder. */
const FOLDER_LINE = new RegExp(String.raw`\/${COMMENT}`);
/** A line that is a file in a folder. */
const PATH_LINE = new RegExp(String.raw`^\s*[\w.@-]+\/[\w.@/-]*\.\w+${COMMENT}`);

export function parseTree(text: string): TreeEntry[] {
  const lines = text.split("\n").map(readLine);
  const connected = lines.filter((line) => line.connector).length >= 2;
  const kept = withoutWrappedComments(lines, connected);
  const entries: TreeEntry[] = [];
  // Open folders: the column their name started at, and their full path.
  const stack: Array<{ column: number; path: string }> = [];
  // A file drawn with lines under it (its functions, its tests, what to change in it): those
  // lines are its contents, not entries, up to the next line as far out as the file.
  let contentsUnder: number | undefined;
  kept.forEach((line, at) => {
    if (contentsUnder !== undefined && (line.drawn === "" || line.column > contentsUnder)) return;
    contentsUnder = undefined;
    const [name = "", ...siblings] = line.names;
    // A placeholder (`{userId}/`) draws a datastore's or a route's shape, not folders: what
    // is under it is no file either.
    if (PLACEHOLDER.test(name)) contentsUnder = line.column;
    if (!isTreeName(name)) return;
    while (stack.length > 0 && (stack.at(-1)?.column ?? 0) >= line.column) stack.pop();
    const parent = stack.at(-1)?.path ?? "";
    const next = kept[at + 1];
    const deeper = next !== undefined && next.drawn !== "" && next.column > line.column;
    // `MyApp.Db` or `chart.js` over `AppDbContext.cs`: a folder with a dotted name.
    const isFile = namesFile(name) && !(next && namesPath(next));
    if (deeper && isFile) contentsUnder = line.column;
    const isDir = name.endsWith("/") || (deeper && !isFile);
    const full = parent + name.replace(/\/+$/, "") + (isDir ? "/" : "");
    entries.push({ path: full, lineIndex: line.index });
    if (isDir) stack.push({ column: line.column, path: full });
    const folder = full.replace(/[^/]*$/, "");
    for (const sibling of siblings)
      if (isTreeName(sibling) && !sibling.includes("/") && !isDir)
        entries.push({ path: folder + sibling, lineIndex: line.index });
  });
  return entries;
}

interface DrawnLine {
  index: number;
  /** Where the text starts, past the indentation and the box characters. */
  column: number;
  /** The name (or names) drawn, comment left out; "" on a line with no text. */
  drawn: string;
  /** The names in `drawn`: "lang/en.json, it.json, de.json" is files beside the first. */
  names: string[];
  /** Where the comment after the name starts, if the line has one. */
  commentColumn?: number;
  /** The line's prefix has a branch (`├──`, `└──`): it draws an entry. */
  connector: boolean;
  /** The prefix has a vertical bar and no branch: it only carries a folder's line down. */
  barOnly: boolean;
}

const CONNECTOR = /[├└┣┗]/;
const BAR = /[│┃|]/;

/** The line draws a file or a folder (`Program.cs`, `Migrations/`), not words. */
function namesPath(line: DrawnLine): boolean {
  const [name = ""] = line.names;
  return isTreeName(name) && (name.endsWith("/") || namesFile(name));
}

/** A drawn name whose last part is a file's name by its extension (`src/header.rs`). */
function namesFile(name: string): boolean {
  return isSourceFileName(name.split("/").pop() ?? "");
}

function readLine(raw: string, index: number): DrawnLine {
  const line = raw.replace(/\t/g, "    ");
  let column = 0;
  while (column < line.length && (line[column] === " " || BOX.test(line[column] ?? ""))) column++;
  const prefix = line.slice(0, column);
  const rest = line.slice(column);
  const drawn = rest.split(NAME_END)[0]?.trim() ?? "";
  const after = rest.slice(drawn.length).search(/\S/);
  const connector = CONNECTOR.test(prefix);
  return {
    index,
    column,
    drawn,
    names: drawn.split(/,\s*/),
    ...(drawn !== "" && after >= 0 ? { commentColumn: column + drawn.length + after } : {}),
    connector,
    barOnly: !connector && BAR.test(prefix),
  };
}

/** The deepest step from a folder to its entries in trees drawn by indentation (a tab). */
const INDENT_MAX = 4;

/**
 * The lines that draw entries (and the blank ones): the second lines of wrapped comments left out.
 * A comment too long for its line goes on under itself ("├── header.rs  # header parsing,"
 * then "│                detection (FR2)"); read as a name, it made the file a folder. Such a
 * line has no branch of its own and starts under the comment above it, deeper than an entry
 * is indented, or, in a tree drawn with branches (where every entry but a root has one),
 * carries only the vertical bars.
 */
function withoutWrappedComments(lines: readonly DrawnLine[], connected: boolean): DrawnLine[] {
  const kept: DrawnLine[] = [];
  let above: DrawnLine | undefined;
  for (const line of lines) {
    const underComment =
      above?.commentColumn !== undefined &&
      line.column >= above.commentColumn &&
      line.column > above.column + INDENT_MAX;
    const wrapped =
      line.drawn !== "" &&
      !line.connector &&
      !namesPath(line) &&
      (underComment || (connected && line.barOnly));
    if (wrapped) continue;
    kept.push(line);
    above = line;
  }
  return kept;
}

/**
 * A route folder or file a web framework names by its brackets (`(admin)/`, `[stageId]/`,
 * `[slug].tsx`, `+not-found.tsx`): a name like any other, when a folder or a file follows.
 */
const ROUTE_SEGMENT = new RegExp(
  String.raw`(^|/)(?:(?:${ROUTE_GROUP}|${ROUTE_PARAM})(?=/|\.\w)|\+(?=[\w-]+\.\w))`,
  "g",
);

function isTreeName(drawn: string): boolean {
  const name = drawn.replace(ROUTE_SEGMENT, "$1x");
  if (name === "" || name === "/" || /^\.{2,}|^…/.test(name)) return false;
  if (/^[#*<>{}[\]()=+]/.test(name)) return false;
  return /^[\w.@$~-][\w.@$~/+-]*$/.test(name);
}

const ROOT_MARKERS =
  /^(README\.md|package\.json|go\.mod|Cargo\.toml|pyproject\.toml|\.gitignore|LICENSE|Makefile|tsconfig\.json|src\/)$/;

/**
 * Architecture trees usually start with the project's own folder (`vibe-dash/`): drop that
 * root when it is the only one and it is the project (its name, or it holds root files). A
 * checkout is often named otherwise (`/app` in a container, a clone or worktree of another
 * name): a root the project's top level lacks, whose entries are mostly the project's own top
 * folders and files (`topLevel`: `backend/`, `frontend/`, `README.md`), is the project too.
 */
export function stripProjectRoot(
  entries: TreeEntry[],
  projectName?: string,
  topLevel: readonly string[] = [],
): TreeEntry[] {
  const first = entries[0]?.path;
  if (!first?.endsWith("/") || first.slice(0, -1).includes("/")) return entries;
  if (!entries.every((entry) => entry.path.startsWith(first))) return entries;
  const children = entries.map((entry) => entry.path.slice(first.length)).filter((p) => p !== "");
  const direct = children.filter((child) => !child.replace(/\/$/, "").includes("/"));
  const top = new Set(topLevel);
  const drawsTheTopLevel =
    !top.has(first) &&
    direct.length >= 2 &&
    direct.filter((child) => top.has(child)).length * 2 >= direct.length;
  const isProject =
    first.slice(0, -1) === projectName ||
    children.some((child) => ROOT_MARKERS.test(child)) ||
    drawsTheTopLevel;
  if (!isProject) return entries;
  return entries
    .filter((entry) => entry.path !== first)
    .map((entry) => ({ ...entry, path: entry.path.slice(first.length) }));
}

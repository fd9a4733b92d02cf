/**
 * Recognising file paths in the places stories write them: inline code, links, plain text,
 * `[Source: ...]` citations. A recognised path is cleaned (`:line` suffixes, `#anchors`,
 * `./`, quotes and trailing punctuation removed) but not yet resolved: the planner decides
 * what it names, against the known tree.
 */
import braces from "braces";

/** Extensions that make a single word (no `/`) a file name rather than prose or code. */
const FILE_EXTENSIONS = new Set(
  (
    "ts tsx js jsx mjs cjs mts cts json jsonc json5 yaml yml toml ini env cfg conf md mdx txt csv " +
    "go mod sum rs py pyi rb php java kt kts scala swift c h cc cpp hpp cs fs vue svelte astro " +
    "html htm css scss sass less sql prisma graphql gql proto sh bash zsh ps1 bat lock xml gradle " +
    "dart ex exs erl elm clj lua r jl zig nim tf hcl dockerfile makefile snap svg png jpg gif ico " +
    "wasm db sqlite sqlite3 log tmpl tpl hbs ejs njk pug properties xcstrings strings plist " +
    "pbxproj xcconfig entitlements storyboard xib metal xaml axaml razor cshtml csproj fsproj " +
    "vbproj sln resx stub mdc ipynb groovy gd tscn tres uxml uss shader hlsl glsl wgsl asmdef " +
    "prefab unity arb po"
  ).split(" "),
);

/** Names that are files without an extension. */
const PLAIN_FILE_NAMES = new Set([
  "Makefile",
  "Dockerfile",
  "LICENSE",
  "Procfile",
  "Gemfile",
  "Rakefile",
  "Justfile",
]);

export interface PathText {
  /** The cleaned path: forward slashes, no `./`, folders keep their trailing `/`. */
  path: string;
  /**
   * True when the text alone does not prove it is a path (a single name like `model.go` in
   * prose, `a/b` without an extension): the planner keeps it only if the known tree has it.
   */
  bare: boolean;
  /**
   * A type's name in code (`TrainingSession`), not a path: it names the one known source file
   * of that name (`TrainingSession.swift`) when the tree has exactly one.
   */
  symbol?: boolean;
  /**
   * Spaces in its folders' names (`My App/Views/x.swift`): a file where the tree has it, and
   * otherwise no finding either (a command in backticks, `npx vitest run src/x.test.ts`, has
   * that shape too).
   */
  spaced?: boolean;
  /** Where the path starts in the text it was found in (prose only). */
  index?: number;
}

/**
 * Where another machine keeps its checkouts: a home, a mounted volume, a drive. Folders there
 * may hold spaces (`/Volumes/Backup Disk/app/src/x.py`, `C:\\Users\\Ann Lee\\repos\\app\\x.cs`).
 */
const MACHINE_ROOT = /^(?:\/(?:Users|home|Volumes|mnt|media)\/|[A-Za-z]:[\\/])/;

/** Cleans a candidate; undefined when it cannot be a path at all. */
export function cleanPath(raw: string): string | undefined {
  const text = raw.trim().replace(/^["'`]+|["'`]+$/g, "");
  // Spaces only in the folders of another machine's path, never in its file's name: the
  // project's file is its tail, found in the tree as any absolute path's is.
  // (Found by index: a pattern with two runs around a space took seconds on a long one.)
  const cut = Math.max(text.lastIndexOf("/"), text.lastIndexOf("\\"));
  const spaced =
    MACHINE_ROOT.test(text) &&
    !/[\t\r\n]/.test(text) &&
    cut < text.length - 1 &&
    !text.slice(cut + 1).includes(" ") &&
    text.slice(0, cut).includes(" ");
  // A drive (`C:`) is read as the root it is, the rest as any path.
  const drive = /^[A-Za-z]:(?=[\\/])/.exec(text)?.[0] ?? "";
  const rest = text.slice(drive.length);
  const cleaned = spaced ? cleanSpacedPathText(rest) : cleanPathText(rest);
  return cleaned && drive + cleaned;
}

/** cleanPathText for a path whose folders' names hold spaces, which it refuses otherwise. */
function cleanSpacedPathText(raw: string): string | undefined {
  return cleanPathText(raw.replace(/ /g, "%20"))?.replace(/%20/g, " ");
}

function cleanPathText(raw: string): string | undefined {
  let text = raw;
  // `view.go:renderRow()`, `config.ts:loadConfig`: a file and the symbol in it.
  const symbol = /:[A-Za-z_$][\w$.]*(?:\(\))?$/.exec(text);
  if (symbol && hasFileExtension(text.slice(0, symbol.index))) text = text.slice(0, symbol.index);
  if (text === "" || /\s/.test(text) || /:\/\//.test(text) || /^(mailto|data):/i.test(text))
    return undefined;
  if (/[(){}<>=,;|!]/.test(withoutBraceLists(withoutRouteGroups(text)))) return undefined;
  if (PLACEHOLDER.test(text)) return undefined;
  text = text.replace(/\\/g, "/");
  text = text.replace(/#.*$/, ""); // anchors: `file.md#Section`, `x.ts#L12`
  text = text.replace(/(?::\d+(?:[-–]\d+)?)+$/, ""); // `x.ts:42`, `x.ts:42-50`, `x.ts:42:7`
  text = text.replace(/[.,;:]+$/, "");
  while (text.startsWith("./")) text = text.slice(2);
  text = text.replace(/\/{2,}/g, "/");
  if (text === "" || text === "." || text === "/" || /^[-$@%^&]/.test(text)) return undefined;
  if (!/^[\w.~/*?[\]{}@+%-]+$/.test(withoutBraceLists(withoutRouteGroups(text)))) return undefined;
  return text;
}

/**
 * A placeholder in braces (`{appId}`, `{user_id}.json`): a template such as a datastore's
 * document path or a URL route (`/records/{appId}/limits/{userId}`), not a file. A brace list
 * (`{en,fr}`) names files, and doubled braces are a template tool's real folder names
 * (`{{cookiecutter.slug}}`).
 */
export const PLACEHOLDER = /(?<!\{)\{[A-Za-z_][\w-]*\}(?!\})/;

/**
 * A folder name in parentheses at the start of a segment: a Next.js route group
 * (`app/(auth)/login/page.tsx`) or intercepting route (`(..)photo`). Real folder names, unlike
 * the parentheses of a call (`f(a)`) or an aside (`(e.g.)`).
 */
export const ROUTE_GROUP = String.raw`\((?:\.{1,3}|[\w-]+)\)`;
/** A dynamic route folder's name (`[id]`, `[...slug]`, `[[...slug]]`); a range (`[a-z]`) is not. */
export const ROUTE_PARAM = String.raw`\[\[?(?:\.\.\.)?(?!\w-\w\])[A-Za-z_][\w-]*\]\]?`;
const ROUTE_GROUP_SEGMENT = new RegExp(`(^|/)${ROUTE_GROUP}`, "g");

/** The text with its route groups' parentheses taken out, for the character checks. */
function withoutRouteGroups(text: string): string {
  return text.includes("(") ? text.replace(ROUTE_GROUP_SEGMENT, "$1x") : text;
}

/**
 * Brace lists nest no deeper than this in a path: each level is one more pass over the text, and
 * 150,000 nested braces (a fuzzer's) took minutes.
 */
const MAX_BRACE_DEPTH = 8;

/** The text with its brace lists (`{en,fr}`, `{a/x.ts,b/{y,z}.ts}`) taken out, inner ones first. */
function withoutBraceLists(text: string): string {
  if (!text.includes("{")) return text;
  let rest = text;
  for (let before = "", pass = 0; before !== rest && pass < MAX_BRACE_DEPTH; pass++) {
    before = rest;
    rest = rest.replace(/\{[\w,./-]*\}/g, "");
  }
  return rest;
}

/**
 * A link target as the file name it stands for: `%20` and other valid escapes decoded, and
 * anything that is not a valid escape kept as written (`irissys/%SYS/Roles.cls` is a real
 * folder name; `decodeURI` throws on it).
 */
export function decodeLinkTarget(url: string): string {
  return url.replace(/(?:%[0-9a-f]{2})+/gi, (escapes) => {
    try {
      return decodeURIComponent(escapes);
    } catch {
      return escapes; // an incomplete UTF-8 sequence: kept as written
    }
  });
}

function hasFileExtension(path: string): boolean {
  const base = path.replace(/\/$/, "").split("/").pop() ?? "";
  if (PLAIN_FILE_NAMES.has(base)) return true;
  const dot = base.lastIndexOf(".");
  if (dot <= 0 && !base.startsWith(".")) return false;
  // .gitignore, .env, and a dotfile's variants: .env.example, .env.local
  if (base.startsWith(".")) return /^\.[a-z][\w.-]*$/i.test(base);
  // `Dockerfile.example` as well as `config.yaml.example`.
  if (TEMPLATE_SUFFIX.test(base.slice(dot + 1))) return hasFileExtension(base.slice(0, dot));
  return isSourceFileName(base);
}

/** A template or sample of a file: `config.yaml.example`, `settings.json.dist`. */
const TEMPLATE_SUFFIX = /^(example|sample|template|dist|orig)$/i;

/**
 * A file's name by its extension alone (`header.rs`, `en.json`), never a folder's: dotted
 * names such as `.github` or `Assets.xcassets` are folders as often as files.
 */
export function isSourceFileName(name: string): boolean {
  const dot = name.lastIndexOf(".");
  if (dot <= 0 || name.endsWith("/")) return false;
  const ext = name.slice(dot + 1);
  if (TEMPLATE_SUFFIX.test(ext)) return isSourceFileName(name.slice(0, dot));
  return FILE_EXTENSIONS.has(ext.toLowerCase()) && !/^\d+$/.test(name.slice(0, dot));
}

/**
 * Names that all start with a dot, two or more (`.yaml/.yml`, `.ts/.tsx`, `.bashrc/.zshrc`,
 * `.then/.catch`): alternatives written with a slash far more often than a dotfile in a dot
 * folder. Such a path is kept only where the project has it (`.devcontainer/.env`).
 */
function dotNamesOnly(path: string): boolean {
  const names = path.replace(/\/$/, "").split("/");
  return names.length >= 2 && names.every((name) => /^\.[^./]/.test(name));
}

/** A whole inline-code value or link target, as a path, if it is one. */
export function pathFromCode(raw: string): PathText | undefined {
  const path = cleanPath(raw);
  if (!path) return spacedPath(raw);
  const hasSlash = path.replace(/\/$/, "").includes("/") || path.endsWith("/");
  if (path.includes("*"))
    return hasSlash || hasFileExtension(path) ? { path, bare: false } : undefined;
  if (hasFileExtension(path)) return { path, bare: !hasSlash || dotNamesOnly(path) };
  if (hasSlash && /^[~/.\w@-]/.test(path) && !/^\d+(\/\d+)+$/.test(path)) {
    // `src/accounts/` or `src/accounts`: a folder, or a file without extension.
    return { path, bare: !path.endsWith("/") && !path.startsWith("~") && !path.startsWith("/") };
  }
  return undefined;
}

/**
 * A relative path with spaces in its folders' names (`My App/Views/BigButton.swift`,
 * an Xcode project's folder named as the app), its file's name without: a file of the project
 * only where the tree has it (bare), since text in backticks holds spaces for other reasons.
 */
function spacedPath(raw: string): PathText | undefined {
  const text = raw.trim();
  if (text.length > MAX_SPACED_PATH || !SPACED_FOLDERS.test(text)) return undefined;
  const path = cleanSpacedPathText(text);
  return path ? { path, bare: true, spaced: true } : undefined;
}

/** Folders of words one space apart, then a file's name with an extension and no space. */
const SPACED_FOLDERS =
  /^(?:[\w.@+-]+(?: [\w.@+-]+)*\/)*[\w.@+-]+ [\w.@+-]+(?: [\w.@+-]+)*\/(?:[\w.@+-]+\/)*[\w@+-][\w.@+-]*\.[A-Za-z]\w*$/;
const MAX_SPACED_PATH = 300;

/** More files than a story lists in one brace list: such a pattern is a glob, not a list. */
export const MAX_BRACE_FILES = 16;

/**
 * A brace list names each of its files: `messages/{en,fr,ar}.json` is `messages/en.json`,
 * `messages/fr.json` and `messages/ar.json`, as a shell expands it (nested lists and ranges too,
 * by `braces`, the expander micromatch uses). Stories and File Lists write groups of files
 * that way; read as a glob, none of them would be claimed or counted as written. A list that
 * expands to more than a few files, or to anything that is not a path, stays as written.
 */
export function expandBraces(found: PathText): PathText[] {
  if (!/\{[^{}]*(?:,|\.\.)/.test(found.path)) return [found];
  // Lists one after the other multiply (`{a,b}` thirty times is a billion paths): bounded
  // before anything is expanded.
  if (expansionBound(found.path) > MAX_BRACE_FILES) return [found];
  let expanded: string[];
  try {
    expanded = braces(found.path, { expand: true, rangeLimit: MAX_BRACE_FILES });
  } catch {
    return [found]; // a range longer than the limit
  }
  if (expanded.length < 2 || expanded.length > MAX_BRACE_FILES) return [found];
  const unique = new Map<string, PathText>();
  for (const one of expanded) {
    const path = pathFromCode(one);
    if (!path || /[{}]/.test(path.path)) return [found];
    unique.set(path.path, path);
  }
  return [...unique.values()];
}

/**
 * At least as many paths as the brace lists of `path` expand to: the product of each list's
 * items, inner lists first; a range counts as the most a list may hold, and lists nested past
 * MAX_BRACE_DEPTH as too many.
 */
export function expansionBound(path: string): number {
  let bound = 1;
  let rest = path;
  for (let before = "", pass = 0; before !== rest && bound <= MAX_BRACE_FILES; pass++) {
    if (pass === MAX_BRACE_DEPTH) return Number.POSITIVE_INFINITY; // nested too deep to expand
    before = rest;
    rest = rest.replace(/\{([^{}]*)\}/g, (_group, items: string) => {
      bound *= items.includes("..") ? MAX_BRACE_FILES : items.split(",").length;
      return "x";
    });
  }
  return bound;
}

/** Product names that look like files in prose: `Node.js`, `Vue.js`, `Next.js`. */
const TECH_NAME = /^[A-Z][A-Za-z]*\.js$/;

/** A route folder's name: a group (`(auth)`) or a dynamic segment (`[id]`, `[[...slug]]`). */
const ROUTE_NAME = `(?:${ROUTE_GROUP}|${ROUTE_PARAM})`;

/**
 * A word that may be a path; any of its segments may start with a route folder's name. A
 * letter beyond ASCII touching it (`ajouter/vérifier`, `réglages/paramètres`) makes it part
 * of a word, not a path cut at that letter.
 */
const TEXT_TOKEN = new RegExp(
  String.raw`(?<![\w/.@\p{L}\p{M}-])((?:\.{1,2}\/|~\/)?(?:${ROUTE_NAME}[\w@.-]*|[\w@.-]+)(?:\/(?:${ROUTE_NAME}[\w@.*-]*|[\w@.*-]+))*\/?)(?![\w/\p{L}\p{M}])`,
  "gu",
);

/**
 * Another machine's absolute path in prose (`- /Users/ann/dev/app/src/x.ts` in a File List):
 * TEXT_TOKEN starts no path at a slash, as `/api/users` is a route. A file three folders or
 * more below a home or a mounted volume (a user's, a project's, the project's own) is no route
 * (`/home/dashboard`, `/media/images/logo.png` may be). Its tail is the project's file, found
 * in the tree as in backticks.
 */
const MACHINE_TOKEN = new RegExp(
  String.raw`(?<![\w/.@\p{L}\p{M}-])(\/(?:Users|home|Volumes|mnt|media)(?:\/(?:${ROUTE_NAME}[\w@.*-]*|[\w@.*-]+)){2,}\/[\w@-][\w@.-]*\.[A-Za-z]\w*)(?![\w/\p{L}\p{M}])`,
  "gu",
);

/** Whether a text may hold such a path: most have none, and are read once. */
const MACHINE_FOLDER = /\/(?:Users|home|Volumes|mnt|media)\//;

/** Paths inside prose. Words with a slash and no extension (`and/or`) count only if known. */
export function pathsFromText(text: string): PathText[] {
  const found: PathText[] = [];
  const tokens = MACHINE_FOLDER.test(text)
    ? [...text.matchAll(TEXT_TOKEN), ...text.matchAll(MACHINE_TOKEN)].sort(
        (x, y) => (x.index ?? 0) - (y.index ?? 0),
      )
    : text.matchAll(TEXT_TOKEN);
  for (const match of tokens) {
    const token = match[1] ?? "";
    // Most prose words have neither a slash nor a dot: not paths, and cheap to tell.
    if (!token.includes("/") && !token.includes(".") && !PLAIN_FILE_NAMES.has(token)) continue;
    if (!token.includes("/") && (!hasFileExtension(token) || TECH_NAME.test(token))) continue;
    const path = cleanPath(token);
    if (!path) continue;
    const strong =
      path.includes("/") && (hasFileExtension(path) || path.endsWith("/")) && !dotNamesOnly(path);
    found.push({ path, bare: !strong, index: match.index ?? 0 });
  }
  return found;
}

/**
 * The opening of a citation: "[Source: x.md#Part]", or as translated stories write it
 * ("[来源: x.md#部分]").
 */
const CITATION_START = String.raw`\[(?:Source|来源)\s*[:：]`;
/** A citation, whole. */
export const CITATION = new RegExp(`${CITATION_START}[^\\]]*\\]`, "gi");
/**
 * Text that ends inside a citation's brackets: "[Source: `a.py`, " before a code span. Its end
 * is a lookahead, not a dollar sign before the closing backtick: test/no-git.test.ts reads that
 * pair as a shell call.
 */
export const OPEN_CITATION = new RegExp(`${CITATION_START}[^\\]\\n]*(?![\\s\\S])`, "i");
/** A citation with what it cites as its group; `matchAll` copies it, so one serves every call. */
const CITATION_TARGET = new RegExp(`${CITATION_START}\\s*([^\\]]+)\\]`, "gi");

/** `[Source: docs/architecture.md#Data Architecture]`, `[Source: x.md — Line 12]`. */
export function sourceCitations(text: string): string[] {
  const paths: string[] = [];
  for (const match of text.matchAll(CITATION_TARGET)) {
    const target = (match[1] ?? "").split(/\s*[#—–]\s*|\s+-\s+|\s+/)[0] ?? "";
    const path = cleanPath(target);
    if (path && (path.includes("/") || hasFileExtension(path))) paths.push(path);
  }
  return paths;
}

/** Two or more capitalised words run together, or an interface's (`IDialogService`). */
const TYPE_WORDS = "I?[A-Z][a-z0-9]+(?:[A-Z][a-z0-9]*)*[A-Z][a-z0-9]+";
// Its end as a lookahead, not a dollar sign before the closing backtick: test/no-git.test.ts
// reads that pair as a shell call.
const TYPE_NAME = new RegExp(`^${TYPE_WORDS}(?![\\s\\S])`);
/** The same in prose, not part of a path, a word or a file name (`Foo.ts`). */
const TYPE_IN_TEXT = new RegExp(String.raw`(?<![\w/.@$-])${TYPE_WORDS}(?![\w/@-]|\.\w)`, "g");

/**
 * A type's name in a code span (`ProfileScreen`, `AuthController`): two or more capitalised
 * words run together, as the languages that name a file after the type it holds (Swift, Java,
 * Kotlin, C#, React components) spell them.
 */
export function typeFromCode(raw: string): PathText | undefined {
  const text = raw.trim();
  if (!TYPE_NAME.test(text) || text.length > 80) return undefined;
  return { path: text, bare: true, symbol: true };
}

/** The type names in prose, with where each starts. */
export function typesFromText(text: string): PathText[] {
  return [...text.matchAll(TYPE_IN_TEXT)].flatMap((match) =>
    match[0].length > 80 ? [] : [{ path: match[0], bare: true, symbol: true, index: match.index }],
  );
}

/**
 * Hostile inputs for the property tests (test/fuzz.test.ts): story markdown and
 * sprint-status.yaml text as real projects could hold them, and worse. Everything here is
 * built from fragments a real file could contain (links to `%SYS` folders, ragged tables,
 * quotes nested hundreds deep, unclosed fences, control characters, CRLF and a BOM, broken
 * front matter, glob-looking text) put together in any order, so that a property can ask
 * "does the planner survive this?" of thousands of files nobody thought to write by hand.
 */
import fc from "fast-check";

/** Link and image targets that have broken a URL decoder or a path resolver somewhere. */
export const HOSTILE_URLS = [
  "%",
  "%%",
  "%SYS",
  "%zz",
  "%E0%A4%A",
  "%E0%A4%A.ts",
  "%C0%AF",
  "%00",
  "%2e%2e/%2e%2e/etc/passwd",
  "irissys/%SYS/Roles.cls",
  "src/%E0%A4%A/x.ts",
  "src/100%/done.md",
  "a b.ts",
  "src/my file.ts",
  "../../..",
  "../../../etc/passwd",
  "../outside.ts",
  "./../../x.ts",
  "/etc/passwd",
  "/",
  "//",
  "/src/abs.ts",
  "~/x.ts",
  "C:\\Windows\\system32\\x.dll",
  "\\\\server\\share\\x.ts",
  "file:///etc/passwd",
  "file://",
  "file:x.ts",
  "http://",
  "https://example.com/a%zz.ts",
  "mailto:%",
  "data:text/plain,%",
  "javascript:alert(1)",
  "#",
  "#%zz",
  "?",
  "x.ts#L%",
  "x.ts:99999999999999999999",
  "src/**/[",
  "src/{a,b",
  "src/!(x).ts",
  "src/[id]/page.tsx",
  "src/(group)/page.tsx",
  "src/@scope/x.ts",
  "src/$x.ts",
  ".",
  "..",
  "...",
  ".env",
  ".git/config",
  "node_modules/x/index.js",
  ".athena/cache/story/x.json",
  "_bmad-output/implementation-artifacts/sprint-status.yaml",
  "src//x.ts",
  "src/./x.ts",
  "src/x.ts/",
  "",
  " ",
  "<>",
  "\u0000",
  "src/\u0000.ts",
  "src/\u2028x.ts",
  "src/😀/x.ts",
  "src/\uD800.ts",
  "src/\u202Ex.ts",
];

/** Text that looks like a glob, a regex or a template to some layer. */
export const GLOB_TEXT = [
  "src/**/[",
  "{a,b",
  "!(x",
  "src/**",
  "**/*",
  "*",
  "src/*.{ts,tsx}",
  "src/[a-z",
  "src/[!a].ts",
  "src/+(a|b).ts",
  "src/@(x).ts",
  "src/?(y).ts",
  "src/\\*.ts",
  "src/{a,b}/{c,d}/{e,f}/{g,h}/{i,j}/{k,l}/{m,n}/{o,p}.ts",
  "src/{1..99999}.ts",
  "$(rm -rf /)",
  "$" + "{HOME}/x.ts",
  "(?<x>a)",
  "(a+)+$",
  "^.*$",
  "\\",
];

/** Single characters no text editor shows, and some it shows wrongly. */
export const CONTROL_CHARS = [
  ...Array.from({ length: 32 }, (_, i) => String.fromCharCode(i)),
  "\u007f",
  "\u0085",
  "\u00a0",
  "\u2028",
  "\u2029",
  "\u200b",
  "\u200d",
  "\u202e",
  "\ufeff",
  "\ufffd",
  "\uD800",
  "\uDC00",
];

const words = fc.constantFrom(
  "Create",
  "Update",
  "see",
  "do not modify",
  "depends on story 1.2",
  "Depends on Story 99.99",
  "requires story 1-1",
  "blocked by 1.3, 2.1 and 9-1",
  "Source tree components to touch:",
  "**DO NOT MODIFY:**",
  "**Created:**",
  "NEW",
  "AC: 1",
  "[Source: docs/architecture.md#Data Architecture]",
  "[Source: %zz]",
  "[Source:",
  "[Source: ]",
  "e.g.",
  "Node.js",
  "and/or",
  "x.ts:42",
  "1/2/3",
  "—",
  "|",
  "\\|",
  "*",
  "_",
  "**",
  "~~",
  "&amp;",
  "&#0;",
  "&#xD800;",
  "&unknown;",
  "Status: in-progress",
);

const pathPart = fc.oneof(
  fc.constantFrom("src", "..", ".", "%", "%SYS", "%zz", "a b", "[", "{a,b", "!(x", "**"),
  fc.string({
    unit: fc.constantFrom("a", "%", ".", "-", "_", " ", "[", "]", "\\", "~"),
    maxLength: 6,
  }),
);

/** A path as a story would write one, or a broken one (never very long: see `longPath`). */
export const hostilePath: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...HOSTILE_URLS) },
  // Percent signs that are not valid escapes: real folder names (`%SYS`), and a classic crash.
  {
    weight: 2,
    arbitrary: fc.constantFrom(
      "%",
      "%SYS",
      "%zz",
      "%E0%A4%A",
      "%C0%AF",
      "irissys/%SYS/Roles.cls",
      "src/%E0%A4%A/x.ts",
      "src/100%/done.md",
      "src/%/x.ts",
    ),
  },
  { weight: 2, arbitrary: fc.constantFrom(...GLOB_TEXT) },
  {
    weight: 2,
    arbitrary: fc
      .tuple(
        fc.array(pathPart, { minLength: 1, maxLength: 6 }),
        fc.constantFrom("", ".ts", ".md", ".json", "/"),
      )
      .map(([parts, ext]) => `${parts.join("/")}${ext}`),
  },
  { weight: 1, arbitrary: fc.string({ maxLength: 30 }) },
  { weight: 1, arbitrary: fc.string({ unit: "binary", maxLength: 20 }) },
);

/** A very long path: thousands of segments, or one name of thousands of characters. */
export const longPath: fc.Arbitrary<string> = fc
  .tuple(fc.integer({ min: 100, max: 2000 }), fc.constantFrom("a/", "../", "%zz/", "x", "[/"))
  .map(([n, part]) => `src/${part.repeat(n)}end.ts`);

const controlChar = fc.constantFrom(...CONTROL_CHARS);

/** A link, an image, an autolink or a reference to one, with any target. */
export const hostileLink: fc.Arbitrary<string> = fc
  .tuple(
    hostilePath,
    fc.constantFrom("l", "", "`x.ts`", "[nested]", "a b", "%"),
    fc.integer({ min: 0, max: 9 }),
  )
  .map(([url, text, form]) => {
    switch (form) {
      case 0:
        return `[${text}](${url})`;
      case 1:
        return `[${text}](<${url}>)`;
      case 2:
        return `![${text}](${url})`;
      case 3:
        return `[${text}](${url} "title %")`;
      case 4:
        return `<${url}>`;
      case 5:
        return `[${text}][ref]\n\n[ref]: ${url}`;
      case 6:
        return `[${text}][]\n\n[${text}]: <${url}>`;
      case 7:
        return `Note[^1].\n\n[^1]: [l](${url})`;
      case 8:
        return `[^${url}]: see [l](${url})`;
      default:
        return `[${text}](${url}`; // unclosed
    }
  });

/** A run of inline text: words, links, backticked paths, globs and control characters. */
export const hostileInline: fc.Arbitrary<string> = fc
  .array(
    fc.oneof(
      { weight: 3, arbitrary: words },
      { weight: 3, arbitrary: hostileLink },
      { weight: 3, arbitrary: hostilePath.map((p) => `\`${p}\``) },
      { weight: 1, arbitrary: hostilePath.map((p) => `\`\` ${p} \`\``) },
      { weight: 2, arbitrary: hostilePath },
      { weight: 1, arbitrary: fc.constantFrom(...GLOB_TEXT) },
      { weight: 1, arbitrary: controlChar },
      {
        weight: 1,
        arbitrary: fc.constantFrom("<span>", "</div>", "<!--", "-->", "<a href='%'>", "<br/>"),
      },
      { weight: 1, arbitrary: fc.string({ maxLength: 12 }) },
    ),
    { maxLength: 8 },
  )
  .map((parts) => parts.join(" "));

/** How deep a list or quote nests: mostly a little, sometimes a few hundred levels. */
const depth = fc.oneof(
  { weight: 6, arbitrary: fc.integer({ min: 1, max: 20 }) },
  { weight: 1, arbitrary: fc.integer({ min: 20, max: 300 }) },
);

/** One fragment of inline text, for blocks that repeat it on every nested line. */
const shortInline: fc.Arbitrary<string> = fc.oneof(
  words,
  hostileLink,
  hostilePath.map((p) => `\`${p}\``),
  controlChar,
);

const headingTitle = fc.constantFrom(
  "Story",
  "Acceptance Criteria",
  "Tasks / Subtasks",
  "Dev Notes",
  "Project Structure Notes",
  "Source tree components to touch",
  "References",
  "File List",
  "Dev Agent Record",
  "Completion Notes List",
  "DO NOT MODIFY",
  "Files created",
  "%",
  "`src/x.ts`",
  "[l](%)",
  "",
);

/** One block of markdown: the normal BMAD ones and everything a parser may choke on. */
export const hostileBlock: fc.Arbitrary<string> = fc.oneof(
  // Headings, ATX and setext, any level (7 is not a heading).
  fc
    .tuple(fc.integer({ min: 1, max: 7 }), fc.oneof(headingTitle, hostileInline))
    .map(([level, title]) => `${"#".repeat(level)} ${title}`),
  fc.tuple(headingTitle, fc.constantFrom("===", "---")).map(([t, u]) => `${t}\n${u}`),
  // Paragraphs.
  hostileInline,
  // Task items, flat.
  fc
    .array(fc.tuple(fc.constantFrom("[ ]", "[x]", "[X]", "[-]", "[", ""), hostileInline), {
      minLength: 1,
      maxLength: 5,
    })
    .map((items) => items.map(([box, text]) => `- ${box} Task ${text}`).join("\n")),
  // Nested lists: each level indented by two or four, or by a tab.
  fc
    .tuple(
      depth,
      fc.constantFrom("  ", "    ", "\t", "   "),
      fc.constantFrom("-", "*", "1.", "+"),
      shortInline,
    )
    .map(([n, indent, marker, text]) =>
      Array.from({ length: n }, (_, i) => `${indent.repeat(i)}${marker} [ ] ${i} ${text}`).join(
        "\n",
      ),
    ),
  // Block quotes nested deep, on one line or one more per line, mixed with list markers.
  fc
    .tuple(
      depth,
      fc.constantFrom(">", "> ", ">- ", "> 1. ", "> * [ ] ", "- ", "1. ", "- > "),
      hostileInline,
    )
    .map(([n, marker, text]) => `${marker.repeat(n)}${text}`),
  fc
    .tuple(depth, shortInline)
    .map(([n, text]) =>
      Array.from({ length: n }, (_, i) => `${">".repeat(i + 1)} ${text}`).join("\n"),
    ),
  // Tables, ragged: rows with more or fewer cells than the header, escaped pipes.
  fc
    .tuple(
      fc.array(fc.oneof(words, hostilePath), { minLength: 1, maxLength: 4 }),
      fc.array(
        fc.array(fc.oneof(hostileInline, fc.constantFrom("Reuse", "read-only", "NEW")), {
          maxLength: 6,
        }),
        {
          maxLength: 5,
        },
      ),
      fc.boolean(),
    )
    .map(([header, rows, delimiter]) =>
      [
        `| ${header.join(" | ")} |`,
        ...(delimiter ? [`|${header.map(() => "---").join("|")}|`] : []),
        ...rows.map((cells) => `| ${cells.join(" | ")}`),
      ].join("\n"),
    ),
  // Code fences: closed, unclosed, mismatched, holding a drawn tree with hostile names.
  fc
    .tuple(
      fc.constantFrom("```", "~~~", "````", "```ts", "``` %", "```\u0000"),
      fc.array(fc.oneof(hostilePath, hostileInline), { maxLength: 6 }),
      fc.constantFrom("```", "~~~", "", "``"),
    )
    .map(([open, lines, close]) => `${open}\n${lines.join("\n")}\n${close}`),
  fc
    .array(
      fc.tuple(
        fc.integer({ min: 0, max: 8 }),
        hostilePath,
        fc.constantFrom("", " # NEW", " ← modify", " (new)"),
      ),
      {
        minLength: 2,
        maxLength: 10,
      },
    )
    .map(
      (entries) =>
        `\`\`\`\n${entries
          .map(([d, name, note]) => `${"│   ".repeat(d)}${d % 2 ? "├── " : "└── "}${name}${note}`)
          .join("\n")}\n\`\`\``,
    ),
  // Raw HTML blocks and inline HTML, closed or not.
  fc
    .tuple(
      fc.constantFrom(
        "<div>",
        "<details>\n<summary>%</summary>",
        "<!-- unclosed comment",
        "<script>",
        "<pre>",
        "<?php",
        "<![CDATA[",
        "<!DOCTYPE",
        "<table><tr><td>",
      ),
      hostileInline,
    )
    .map(([open, text]) => `${open}\n${text}\n`),
  // Reference definitions and footnotes on their own.
  hostilePath.map((url) => `[ref]: ${url}`),
  hostilePath.map((url) => `[^1]: [l](${url})`),
  // Thematic breaks and front-matter-looking fences in the middle of the file.
  fc.constantFrom("---", "***", "___", "+++", "---\n---", "- - -"),
  // A File List as a BMAD agent writes one.
  fc
    .array(hostilePath, { maxLength: 6 })
    .map((paths) => `### File List\n\n${paths.map((p) => `- \`${p}\``).join("\n")}`),
  // Lines of nothing but control characters, or very long lines.
  fc.array(controlChar, { minLength: 1, maxLength: 10 }).map((c) => c.join("")),
  fc
    .tuple(
      fc.integer({ min: 1000, max: 5000 }),
      fc.constantFrom("a", "`", "[", "*", "%", "\\", " "),
    )
    .map(([n, c]) => c.repeat(n)),
  // One very long path, in each of the places a path can stand.
  fc
    .tuple(
      longPath,
      fc.constantFrom("- [ ] Create `%s`", "[l](%s)", "- %s", "```\n└── %s\n```", "[^1]: [l](%s)"),
    )
    .map(([p, form]) => form.replace("%s", p)),
);

/** Front matter, well formed or not. */
export const hostileFrontMatter: fc.Arbitrary<string> = fc.constantFrom(
  "---\ntitle: Story\nstatus: ready-for-dev\n---\n",
  "---\n---\n",
  "---\n",
  "---\ntitle: [unclosed\n---\n",
  "---\n: : :\n\t- x\n---\n",
  "---\nkey: &a [*a]\n---\n",
  "---\n%YAML 9.9\n---\n",
  "+++\ntitle = 'x\n+++\n",
  "---\r\ntitle: crlf\r\n---\r\n",
  "---\nstory: |\n  # Story 9.9: inside front matter\n",
);

/** A line ending, mostly `\n`, sometimes CRLF or a lone CR. */
const eol = fc.constantFrom("\n", "\n", "\r\n", "\r");

/** The normal sections of a BMAD story, in their usual order. */
const BMAD_SECTIONS = [
  "## Story",
  "## Acceptance Criteria",
  "## Tasks / Subtasks",
  "## Dev Notes",
  "### Project Structure Notes",
  "### References",
  "## Dev Agent Record",
  "### File List",
];

/**
 * A whole hostile story file: maybe a BOM, maybe front matter, a `# Story` title (or not),
 * a Status line (or not), the BMAD sections with hostile blocks under each, and hostile
 * blocks before and between them; lines ended by LF, CRLF or CR, sometimes mixed.
 */
export const hostileStory: fc.Arbitrary<string> = fc
  .record({
    bom: fc.boolean(),
    frontMatter: fc.option(hostileFrontMatter, { nil: undefined }),
    title: fc.oneof(
      fc.constant("# Story 9.1: Hostile"),
      hostileInline.map((t) => `# Story ${t}`),
      fc.constant(""),
    ),
    status: fc.constantFrom(
      "Status: ready-for-dev",
      "Status: %",
      "Status:",
      "",
      "Status: done\u0000",
    ),
    preamble: fc.array(hostileBlock, { maxLength: 2 }),
    sections: fc.array(
      fc.tuple(
        fc.oneof(
          { weight: 3, arbitrary: fc.constantFrom(...BMAD_SECTIONS) },
          // The sections whose paths become claims, where a bad path does the most harm.
          { weight: 2, arbitrary: fc.constantFrom("## Tasks / Subtasks", "## Dev Notes") },
          { weight: 1, arbitrary: fc.constant("") },
        ),
        fc.array(
          fc.oneof(
            { weight: 3, arbitrary: hostileBlock },
            // A task line full of links, paths and globs: the common case made hostile.
            { weight: 1, arbitrary: hostileInline.map((text) => `- [ ] Task ${text}`) },
          ),
          { maxLength: 3 },
        ),
      ),
      { maxLength: BMAD_SECTIONS.length + 2 },
    ),
    eol,
    mixEol: fc.boolean(),
  })
  .map(({ bom, frontMatter, title, status, preamble, sections, eol, mixEol }) => {
    const blocks = [
      ...(frontMatter ? [frontMatter] : []),
      title,
      status,
      ...preamble,
      ...sections.flatMap(([heading, body]) => [heading, ...body]),
    ].filter((b) => b !== "");
    let text = blocks.join("\n\n");
    if (eol !== "\n") text = mixEol ? text.replace(/\n\n/g, `${eol}\n`) : text.replace(/\n/g, eol);
    return (bom ? "\uFEFF" : "") + text;
  });

/** The headings an architecture document gives the parts the planner reads. */
const ARCHITECTURE_SECTIONS = [
  "## Project Structure & Boundaries",
  "### Complete Project Directory Structure",
  "## Source Tree",
  "## Components",
  "### Component: Auth Service",
  "## Implementation Patterns",
];

/** One line of a drawn source tree: any depth, a hostile name, maybe a comment. */
const hostileTreeLine: fc.Arbitrary<string> = fc
  .tuple(
    fc.integer({ min: 0, max: 40 }),
    fc.constantFrom("├── ", "└── ", "|-- ", "+-- ", "- ", "", "│   ├── "),
    fc.oneof({ weight: 3, arbitrary: hostilePath }, { weight: 1, arbitrary: longPath }),
    fc.option(hostileInline, { nil: undefined }),
  )
  .map(
    ([depth, branch, name, note]) =>
      `${"│   ".repeat(depth)}${branch}${name}${note === undefined ? "" : `  # ${note}`}`,
  );

/**
 * A whole hostile architecture document (or epics file): front matter or not, the headings
 * whose contents become claims (drawn trees, component sections), hostile blocks under each,
 * and trees fenced, unfenced or left open.
 */
export const hostileArchitecture: fc.Arbitrary<string> = fc
  .record({
    bom: fc.boolean(),
    frontMatter: fc.option(hostileFrontMatter, { nil: undefined }),
    sections: fc.array(
      fc.tuple(
        fc.oneof(
          { weight: 3, arbitrary: fc.constantFrom(...ARCHITECTURE_SECTIONS) },
          { weight: 1, arbitrary: hostileBlock },
        ),
        fc.array(hostileBlock, { maxLength: 2 }),
        fc.array(hostileTreeLine, { maxLength: 12 }),
        fc.constantFrom(["```", "```"], ["```text", "```"], ["", ""], ["```", ""], ["~~~", "~~~"]),
      ),
      { maxLength: 6 },
    ),
    eol,
  })
  .map(({ bom, frontMatter, sections, eol }) => {
    const blocks = [
      ...(frontMatter ? [frontMatter] : []),
      "# Architecture",
      ...sections.flatMap(([heading, body, tree, [open, close]]) => [
        heading,
        ...body,
        [open, ...tree, close].filter((line) => line !== "").join("\n"),
      ]),
    ].filter((b) => b !== "");
    const text = blocks.join("\n\n");
    return (bom ? "\uFEFF" : "") + (eol === "\n" ? text : text.replace(/\n/g, eol));
  });

/** A story worth having on disk next to hostile ones: ordinary, names ordinary files. */
export function ordinaryStory(id: string, title: string, file: string): string {
  return [
    `# Story ${id}: ${title}`,
    "",
    "Status: ready-for-dev",
    "",
    "## Tasks / Subtasks",
    "",
    `- [ ] Update \`${file}\``,
    "",
    "## Dev Notes",
    "",
    "- Source tree components to touch: `src/api/routes.ts`",
    "",
  ].join("\n");
}

// ---------------------------------------------------------------------------------------
// sprint-status.yaml

const SPRINT_HEADER = `# generated: 2025-06-05
# STATUS DEFINITIONS: every comment survives
generated: 2025-06-05
project: hostile
`;

/** Keys as a sprint file could spell them: odd, huge, quoted, not strings at all. */
const sprintKey = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.constantFrom("1-1-alpha", "1-2-beta", "9-1-hostile", "epic-1", "epic-9"),
  },
  {
    weight: 3,
    arbitrary: fc.constantFrom(
      "epic-1-retrospective",
      "3-2a-split",
      "3-5-1-directory-manager",
      "epic-3-5",
      '"1-3-quoted"',
      "'1-4-single'",
      "1.5",
      "1-",
      "-1-1",
      "0-0-0",
      "99999999999999999999-1-big",
      "1-1",
      "epic-",
      "epic--1",
      "%SYS",
      "../../etc",
      "1-1-a b",
      "1-1-%zz",
      "1-1-😀",
      "? complex",
      "[a, b]",
      "{a: 1}",
      "null",
      "~",
      "true",
      "2025-01-01",
      "0x1F",
      "<<",
      "*alias",
      "!!str 1-6-tagged",
      '""',
      "'",
      "1-1-alpha\u0000",
      "\u2028",
    ),
  },
  {
    weight: 1,
    arbitrary: fc
      .tuple(fc.integer({ min: 200, max: 20_000 }), fc.constantFrom("a", "1-", "-"))
      .map(([n, c]) => `1-9-${c.repeat(n)}`),
  },
  {
    weight: 1,
    arbitrary: fc.string({
      unit: fc.constantFrom("1", "-", "a", "%", "."),
      minLength: 1,
      maxLength: 12,
    }),
  },
);

/** Values: every status and none, scalars of every type, collections, anchors, aliases, tags. */
const sprintValue = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.constantFrom(
      "ready-for-dev",
      "in-progress",
      "done",
      "backlog",
      "review",
      "optional",
    ),
  },
  {
    weight: 4,
    arbitrary: fc.constantFrom(
      "blocked",
      "drafted",
      "completed",
      "cancelled",
      "READY-FOR-DEV",
      "ready for dev",
      '"ready-for-dev"',
      "'done'",
      "",
      "~",
      "null",
      "123",
      "1e999",
      ".nan",
      "true",
      "2025-01-01",
      "[]",
      "[a, b]",
      "{}",
      "{status: done}",
      "&a ready-for-dev",
      "*a",
      "*undefined-alias",
      "!!binary aGVsbG8=",
      "!!map {}",
      "!custom done",
      "!!int nope",
      "|\n    ready-for-dev\n    more",
      ">-\n    folded",
      "\n    nested: deeper\n    more: [1, 2]",
      "\n    - a\n    - b",
      "done # a comment",
      "done#not-a-comment",
      '"unclosed',
      "'unclosed",
      "[unclosed",
      "ready-for-dev\u0000",
      "\u2028",
      "%",
      "%SYS",
      "@reserved",
      "`backtick`",
    ),
  },
  {
    weight: 1,
    arbitrary: fc.integer({ min: 1, max: 60 }).map((n) => {
      // Nesting: a mapping `n` levels deep under the entry.
      let text = "";
      for (let i = 0; i < n; i++) text += `\n${"  ".repeat(i + 2)}k${i}:`;
      return `${text} done`;
    }),
  },
  {
    weight: 1,
    arbitrary: fc.integer({ min: 1, max: 300 }).map((n) => `${"[".repeat(n)}${"]".repeat(n)}`),
  },
  { weight: 1, arbitrary: fc.string({ maxLength: 20 }) },
);

/** One line (or several) inside `development_status:`. */
const sprintEntry = fc.oneof(
  {
    weight: 6,
    arbitrary: fc
      .tuple(
        fc.constantFrom("  ", "  ", "    ", "\t", "  \t", " "),
        sprintKey,
        fc.constantFrom(": ", ":", ":\t", " : ", ":  "),
        sprintValue,
      )
      .map(([indent, key, sep, value]) => `${indent}${key}${sep}${value}`),
  },
  {
    weight: 2,
    arbitrary: fc.constantFrom(
      "  # Epic 9: comments everywhere",
      "  #",
      "",
      "   ",
      "\t",
      "  1-1-alpha: ready-for-dev # duplicate of an entry above?",
      "  <<: *base",
      "  ? 1-7-explicit\n  : ready-for-dev",
      "  - 1-8-list-item",
      "  1-9-anchored: &st ready-for-dev\n  1-10-aliased: *st",
      "---",
      "...",
      "%YAML 1.2",
      "  1-1-alpha: done\n  1-1-alpha: ready-for-dev",
    ),
  },
);

/** Top-level content around the status mapping: story_location, action items, documents. */
const sprintTail = fc.constantFrom(
  "",
  "action_items:\n  - fix it\n",
  'story_location: "{project-root}/_bmad-output/implementation-artifacts"\n',
  'story_location: "%zz"\n',
  'story_location: "{project-root}"\n',
  "story_location: [a, b]\n",
  "development_status: {}\n",
  "---\nsecond: document\n",
  "last_updated: 2025-01-01T00:00:00Z\n",
);

/**
 * A hostile sprint-status.yaml: most of the time the usual structure with odd entries
 * (still naming the project's ordinary stories, so a plan is possible), sometimes YAML that
 * is broken outright.
 */
export const hostileSprint: fc.Arbitrary<string> = fc.oneof(
  {
    weight: 5,
    arbitrary: fc
      .record({
        bom: fc.boolean(),
        crlf: fc.boolean(),
        before: fc.array(sprintEntry, { maxLength: 4 }),
        after: fc.array(sprintEntry, { maxLength: 4 }),
        tail: sprintTail,
        statusKey: fc.constantFrom(
          "development_status:",
          "development_status:",
          "development_status: &base",
          "development_status: # comment",
          "'development_status':",
          "development_status :",
        ),
      })
      .map(({ bom, crlf, before, after, tail, statusKey }) => {
        const text = [
          SPRINT_HEADER,
          statusKey,
          ...before,
          "  epic-1: in-progress",
          "  1-1-alpha: ready-for-dev",
          "  1-2-beta: ready-for-dev",
          ...after,
          tail,
        ].join("\n");
        return (bom ? "\uFEFF" : "") + (crlf ? text.replace(/\n/g, "\r\n") : text);
      }),
  },
  {
    weight: 2,
    arbitrary: fc.constantFrom(
      "",
      "\uFEFF",
      "# only a comment\n",
      "---\n",
      "development_status:\n",
      "development_status: ready-for-dev\n",
      "development_status: [1-1-alpha]\n",
      "development_status:\n  - 1-1-alpha: ready-for-dev\n",
      "- development_status:\n    1-1-alpha: ready-for-dev\n",
      "development_status:\n  1-1-alpha: [ready-for-dev\n",
      "development_status:\n1-1-alpha: ready-for-dev\n",
      "development_status:\n\t1-1-alpha: ready-for-dev\n",
      'development_status:\n  "1-1-alpha: ready-for-dev\n',
      "development_status: *nowhere\n",
      "a: &x [*x]\ndevelopment_status:\n  1-1-alpha: *x\n",
      "development_status:\n  1-1-alpha: ready-for-dev\n    1-2-beta: done\n",
      "%YAML 1.3\n---\ndevelopment_status:\n  1-1-alpha: ready-for-dev\n",
      "development_status:\n  1-1-alpha: ready-for-dev\n---\ndevelopment_status:\n  1-2-beta: done\n",
      "\u0000development_status:\n  1-1-alpha: ready-for-dev\n",
      "development_status:\r  1-1-alpha: ready-for-dev\r",
      "{{{{{{{{{{",
      "]]]]",
      ": :",
      "? ? ?",
      "!!binary",
      "<<: *a",
      "development_status: !!set\n  ? 1-1-alpha\n",
    ),
  },
  {
    weight: 1,
    arbitrary: fc
      .tuple(fc.integer({ min: 1, max: 500 }), fc.constantFrom("- ", "[", "{", "  a:\n", "? "))
      .map(([n, unit]) => `development_status:\n  1-1-alpha: ${unit.repeat(n)}ready-for-dev\n`),
  },
  { weight: 1, arbitrary: fc.string({ maxLength: 200 }) },
  { weight: 1, arbitrary: fc.string({ unit: "binary", maxLength: 200 }) },
);

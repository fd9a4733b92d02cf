/**
 * Odd input in one file never breaks the plan (issue 12): one test per class of input that
 * crashed or hung the planner, and the per-story error isolation of the CLI.
 */
import { mkdirSync, readFileSync, rmSync, symlinkSync, truncateSync, writeFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { discoverBmad } from "../src/bmad/discover.ts";
import {
  boundNesting,
  escapeFarBrackets,
  escapeRunawayHtml,
  escapeRunawayInline,
  MAX_BRACKET_SPAN,
  MAX_CONTAINERS,
  MAX_INDENT,
  MAX_INLINE_MARKS,
  MAX_PARSE_COST,
  openFenceAtEnd,
  parseCost,
  parsePrepared,
} from "../src/bmad/markdown.ts";
import { decodeLinkTarget } from "../src/bmad/path-text.ts";
import { MAX_STORY_BYTES, withStoryFiles } from "../src/bmad/project.ts";
import { parseSprintStatus } from "../src/bmad/sprint-status.ts";
import { parseStory } from "../src/bmad/story.ts";
import { runCli } from "../src/cli/main.ts";
import { loadConfig } from "../src/config/load.ts";
import { planProject } from "../src/plan-project.ts";
import { encodeText } from "../src/util/text-file.ts";
import { reportUnexpected } from "../src/util/unexpected.ts";
import { growth } from "./helpers/growth.ts";
import { miniProject } from "./helpers/mini-project.ts";
import { tempProject } from "./helpers/tmp.ts";

const ART = "_bmad-output/implementation-artifacts";
const env = { HOME: "/nonexistent", XDG_CONFIG_HOME: "/nonexistent" };

const story = (title: string, body: string) =>
  `# Story ${title}\n\nStatus: ready-for-dev\n\n## Tasks / Subtasks\n\n${body}\n`;

/** The mini project with story 1.3 replaced by `body`. */
function projectWith(body: string): string {
  return miniProject({ [`${ART}/1-3-gamma.md`]: story("1.3: Gamma", body) });
}

const planOf = (dir: string) => planProject(dir, { ids: ["1.1", "1.3"], cache: false, env }).plan;

async function cli(args: string[], cwd: string, out?: (t: string) => void) {
  let stdout = "";
  let stderr = "";
  const code = await runCli(args, {
    out:
      out ??
      ((t) => {
        stdout += t;
      }),
    err: (t) => {
      stderr += t;
    },
    cwd,
    env,
  });
  return { code, out: stdout, err: stderr };
}

describe("link targets", () => {
  it("decodes valid escapes and keeps the rest as written", () => {
    expect(decodeLinkTarget("docs/a%20b.md")).toBe("docs/a b.md");
    expect(decodeLinkTarget("../../irissys/%SYS/Security/Roles.cls")).toBe(
      "../../irissys/%SYS/Security/Roles.cls",
    );
    expect(decodeLinkTarget("%")).toBe("%");
    expect(decodeLinkTarget("a%E0%A4%A")).toBe("a%E0%A4%A");
    expect(decodeLinkTarget("%41%zz%42")).toBe("A%zzB");
  });

  it("plans a story linking to a path with a percent sign", () => {
    const dir = projectWith(
      "- [ ] Update [Roles.cls](../../irissys/%SYS/Security/Roles.cls) and `src/gamma.ts`",
    );
    const p = planOf(dir);
    const gamma = p.stories.find((s) => s.key === "1-3-gamma");
    expect(gamma?.error).toBeUndefined();
    expect(gamma?.claims.map((c) => c.path)).toContain("src/gamma.ts");
    expect(p.stories.map((s) => s.key)).toEqual(["1-1-alpha", "1-3-gamma"]);
  });

  it("plans a story whose footnote links to a lone percent sign", () => {
    const dir = projectWith("- [ ] Edit `src/gamma.ts`[^1]\n\n[^1]: [l](%)");
    const gamma = planOf(dir).stories.find((s) => s.key === "1-3-gamma");
    expect(gamma?.error).toBeUndefined();
    expect(gamma?.claims.map((c) => c.path)).toContain("src/gamma.ts");
  });
});

describe("deep and long input", () => {
  it("flattens quotes and lists nested past the bound, naming the line", () => {
    const deepQuote = `${"> ".repeat(5000)}\`src/deep.ts\``;
    const deepList = Array.from({ length: 800 }, (_, i) => `${"  ".repeat(i)}- item ${i}`).join(
      "\n",
    );
    const problems: { line: number; message: string }[] = [];
    const text = boundNesting(`# T\n\n${deepQuote}\n\n${deepList}\n`, problems);
    expect(problems[0]?.line).toBe(3);
    expect(problems[0]?.message).toContain(String(MAX_CONTAINERS));
    expect(problems.some((p) => p.message.includes(String(MAX_INDENT)))).toBe(true);
    // Nothing within the bound is touched.
    expect(boundNesting("> > a\n    - b\n")).toBe("> > a\n    - b\n");
    expect(text).toContain("`src/deep.ts`");
  });

  it("keeps reading a story after PHP pasted without a fence, and names the line", () => {
    // A line starting with `<?` opens an HTML block that only `?>` ends: PHP files have none,
    // so without the repair the record below is lost.
    const source = [
      "# Story 1.3: Quote",
      "",
      "## Dev Notes",
      "",
      "`php",
      "<?php",
      "",
      "namespace App\\Models;",
      "`",
      "",
      "## Dev Agent Record",
      "",
      "### File List",
      "",
      "- `app/Models/Quote.php`",
      "",
    ].join("\n");
    const doc = parseStory(source);
    expect(doc.sections.map((s) => s.title)).toContain("File List");
    const listed = doc.mentions.find((m) => m.path === "app/Models/Quote.php");
    expect(listed?.place).toBe("record");
    expect(listed?.line).toBe(15);
    expect(doc.problems).toEqual([expect.objectContaining({ line: 6 })]);
  });

  it("reads a story saved with a byte-order mark exactly as one without", () => {
    const source = [
      "# Story 1.3: Mark",
      "",
      "## Dev Notes",
      "",
      "- The guard matches `isGuard()` in `src/llm.py:228`",
      "- From `src/model/quote.ts`:",
      "",
      "```ts",
      "export type Quote = {};",
      "```",
      "",
      "- [ ] Add the `total` field to `src/model/order.ts`",
      "",
    ].join("\n");
    const read = (text: string) =>
      parseStory(text).mentions.map((m) => [m.path, m.intent, m.cue, m.line, m.clause]);
    expect(read(`\uFEFF${source}`)).toEqual(read(source));
  });

  it("escapes an HTML block start only where it would run to the end, outside fences", () => {
    const problems: { line: number; message: string }[] = [];
    const kept = [
      "<!-- a comment -->",
      "<script>x()</script>",
      "```php",
      "<?php echo 1;",
      "```",
      "<!--",
      "closed later -->",
    ].join("\n");
    expect(escapeRunawayHtml(kept, problems)).toBe(kept);
    const runaway = "text\n<!-- never closed\n- <pre>\n";
    const escaped = escapeRunawayHtml(runaway, problems);
    expect(escaped).toBe("text\n\\<!-- never closed\n- \\<pre>\n");
    expect(problems.map((p) => p.line)).toEqual([2, 3]);
    // A second pass finds nothing left to do.
    expect(escapeRunawayHtml(escaped)).toBe(escaped);
  });

  it("finds the fence left open to the end as CommonMark leaves it, and no other", () => {
    const open = (text: string) => openFenceAtEnd(parsePrepared(text), text);
    expect(open("a\n\n```bash\nx\n## H\n\n")).toEqual({
      line: 3,
      column: 1,
      marker: "```",
      code: "x\n## H\n",
    });
    expect(open("> x\n>\n> ~~~~ py\n> y\n> ~~~\n")).toMatchObject({ line: 3, column: 3 });
    for (const closed of [
      "```\nx\n```", // closed at the very end
      "```\nx\n````  \n\n", // by a longer fence, spaces after it
      "- a\n  ```\n  x\n- b\n", // by the end of its list item
      "> ```\n> x\n\ntext\n", // by the end of its quote
      "```\nx\n```\n\n    ```\n", // indented code, not a fence
      "---\nnotes: |\n  ```\n---\n\ntext\n", // front matter
      "```\nx\n```\n\ntext after\n",
    ])
      expect(open(closed)).toBeUndefined();
  });

  it("finds a story's File List under a README drafted with unpaired fences", () => {
    const doc = parseStory(
      [
        "# Story 2.1: Docs",
        "",
        "Status: done",
        "",
        "## Dev Notes",
        "",
        "```markdown",
        "# Tool",
        "```bash",
        "npm install",
        "```",
        "````",
        "run it",
        "```",
        "## 📝 Dev Agent Record ##",
        "",
        "### File List",
        "",
        "- app/__init__.py",
      ].join("\r\n"),
    );
    expect(doc.sections.map((s) => s.title)).toContain("File List");
    expect(doc.mentions.map((m) => [m.path, m.section])).toEqual([
      ["app/__init__.py", "Dev Agent Record > File List"],
    ]);
    // The four-backtick fence is escaped, then the three-backtick one it held: two repairs.
    expect(doc.problems).toEqual([
      {
        line: 12,
        message:
          'a code fence never closed would hide the rest of the story ("## 📝 Dev Agent Record ##" among it): read as text',
      },
      { line: 14, message: expect.stringContaining("a code fence never closed") },
    ]);
  });

  describe("leaves a story's fences as they are", () => {
    const head = ["# Story 1.1: X", "", "Status: done", "", "## Tasks", "", "- [x] do it", ""];
    const record = ["## Dev Agent Record", "", "### File List", "", "- `src/a.ts`", ""];
    const mentions = (lines: string[]) => {
      const doc = parseStory(lines.join("\n"));
      expect(doc.problems).toEqual([]);
      return doc.mentions.map((m) => m.path);
    };
    it("when CommonMark closes them: a list item or a quote ends, an indented mark, front matter", () => {
      const closed = ["```", "a", "```", ""];
      for (const before of [
        ["- [x] Run:", "  ```bash", "  npm test", "- [x] Done", ""],
        ["> ```", "> code", ""],
        ["```bash", "    ```", "echo", "```", ""],
      ])
        expect(mentions([...head, "## Dev Notes", "", ...before, ...closed, ...record])).toEqual([
          "src/a.ts",
        ]);
      expect(mentions(["---", "notes: |", "  ```", "---", ...head, ...closed, ...record])).toEqual([
        "src/a.ts",
      ]);
    });
    it("when the code left open holds only sections the story has, or a `# comment`", () => {
      const template = ["```markdown", "## Tasks", "- [ ] one", "## Dev Agent Record"];
      const doc = parseStory([...head, ...record, ...template, "- `src/b.ts`"].join("\n"));
      expect(doc.tasks).toEqual({ done: 1, total: 1 });
      expect(doc.mentions.map((m) => m.path)).toEqual(["src/a.ts"]);
      expect(mentions([...head, ...record, "```bash", "# Tasks", "cat src/zzz.ts"])).toEqual([
        "src/a.ts",
      ]);
    });
  });

  it("reads a story again only while it costs little to parse", () => {
    const story = (padding: number) =>
      parseStory(
        [
          "# Story 1.1: X",
          "",
          "\n".repeat(padding), // three for each line
          "",
          "```",
          "## Dev Agent Record",
          "### File List",
          "- `src/a.ts`",
        ].join("\n"),
      );
    expect(story(10).mentions.map((m) => m.path)).toEqual(["src/a.ts"]);
    // Past a third of the parser's limit (the costliest real story cost 17,000), left as written.
    const costly = story(Math.ceil(MAX_PARSE_COST / 9));
    expect(costly.mentions).toEqual([]);
    expect(costly.problems).toEqual([]);
  });

  it("looks at a fence left open over long lines in time that grows with them", () => {
    const story = (n: number) =>
      parseStory(`# Story 1.1: X\n\n\`\`\`\n## a${" ".repeat(n)}x\n## b ${"# ".repeat(n)}\n`);
    expect(growth(story, 5_000)).toBeLessThan(10);
  });

  it("counts a text's cost to the parser: three per line, two per table cell, one per mark", () => {
    expect(parseCost("")).toBe(3);
    expect(parseCost("plain words.")).toBe(3);
    expect(parseCost("a\nb\r\nc\rd")).toBe(12); // every line ending the parser knows
    expect(parseCost("1. a")).toBe(3);
    expect(parseCost("|a|b|")).toBe(9);
    expect(parseCost("- [ ] *a* _b_ `c` <d> &e; !\\ ~f~ # -")).toBe(3 + 18);
    // The limit sits above every real story and architecture seen (17,000 and 34,000).
    expect(MAX_PARSE_COST).toBe(60_000);
  });

  it("reads lines between blank lines holding thousands of emphasis marks as text, every mark of them", () => {
    const problems: { line: number; message: string }[] = [];
    const runaway = "*a_".repeat(1_000); // 2,000 marks: the code span's `_` makes 2,001
    const text = `# T\n\n${"*a_".repeat(1_000)}\n \t\n- \`x_y.ts\` ${runaway}\n  src/a_b.ts\n\n\`\`\`\n${runaway}\n\`\`\`\n`;
    const escaped = escapeRunawayInline(text, problems);
    // Only the list item's two lines, its code span too; a line of spaces and a tab is blank.
    expect(escaped).toBe(
      text.replace(
        `- \`x_y.ts\` ${runaway}\n  src/a_b.ts`,
        `- \`x\\_y.ts\` ${"\\*a\\_".repeat(1_000)}\n  src/a\\_b.ts`,
      ),
    );
    expect(problems).toEqual([
      {
        line: 5,
        message: `2,002 emphasis, strikethrough or link marks (* _ ~ [ ]) between two blank lines, more than the ${MAX_INLINE_MARKS.toLocaleString("en-US")} the parser reads in good time: read as plain text`,
      },
    ]);
    expect(escapeRunawayInline(escaped)).toBe(escaped);
    // An escaped mark reads as itself: the path keeps its text.
    const doc = parseStory(`# Story 1.1: A\n\n## Dev Notes\n\nUpdate src/a_b.ts ${runaway}\n`);
    expect(doc.mentions.map((m) => m.path)).toEqual(["src/a_b.ts"]);
    expect(doc.problems.map((p) => p.line)).toEqual([5]);
  });

  it("reads a [ whose ] is thousands of characters on, or never comes, as text, and no other", () => {
    const problems: { line: number; message: string }[] = [];
    const words = " word".repeat(400); // 2,000 characters
    const text = [
      "# T",
      "",
      `- [ ] [Source: src/a.ts${words}`, // left open: escaped; the task box is not a bracket
      `  more${words}]`,
      "",
      `See [the guide](docs/guide.md) and [x${words}`, // the link kept, the open one escaped
      "",
      "```ts",
      `const groups = [${words}`, // fenced code: left as it is
      "];",
      "```",
      "",
      `[short] ${words}`,
    ].join("\n");
    const escaped = escapeFarBrackets(text, problems);
    expect(escaped).toBe(
      text
        .replace("- [ ] [Source:", "- [ ] \\[Source:")
        .replace(`and [x${words}`, `and \\[x${words}`),
    );
    expect(problems.map((p) => p.line)).toEqual([3, 6]);
    expect(problems[0]?.message).toBe(
      `1 [ with no ] within ${MAX_BRACKET_SPAN.toLocaleString("en-US")} characters after it, more than the parser reads in good time: read as text`,
    );
    expect(escapeFarBrackets(escaped)).toBe(escaped);
    // The story reads the path after the escaped bracket as it reads it after a plain one.
    const doc = parseStory(`# Story 1.1: A\n\n## Tasks\n\n- [ ] Update [src/a.ts${words}\n`);
    expect(doc.mentions.map((m) => m.path)).toEqual(["src/a.ts"]);
    expect(doc.tasks.total).toBe(1);
  });

  it("keeps a task list of 280 tasks with links and emphasis as written (1,400 marks besides their boxes)", () => {
    const tasks = "- [ ] Fix [the view](src/v.ts) in *bold* `src/x_y.ts`\n".repeat(280);
    const doc = parseStory(`# Story 1.1: A\n\n## Tasks\n\n${tasks}`);
    expect(doc.problems).toEqual([]);
    expect(doc.tasks.total).toBe(280);
    expect([...new Set(doc.mentions.map((m) => m.path))].sort()).toEqual([
      "src/v.ts",
      "src/x_y.ts",
    ]);
  });

  it("counts every mark between blank lines: nothing that looks like code or a container hides one", () => {
    const marks = (n: number) => "*a_".repeat(n);
    const lines = (n: number, line: string) => Array.from({ length: n }, () => line).join("\n");
    const cases = {
      "a backtick no other closes": `\`${marks(1_001)}`,
      "an escaped backtick": `\\\`a ${marks(1_001)} \``,
      "a code span across lines": lines(11, `\`x\ny\` ${marks(100)} \`z\``),
      "a backtick in an autolink": `<http://x\`> ${marks(1_001)} \``,
      "marks after an escaped backslash": "\\\\*a\\\\_".repeat(1_001),
      "`#` with no space (text, not a heading)": lines(11, `#${marks(100)}`),
      "items numbered from 2 (a paragraph's text)": lines(11, `x\n2. ${marks(100)}`),
      "a list item's lazy lines": `- x\n${lines(11, `          - ${marks(100)}`)}`,
      "a fence with a backtick in its info": `\`\`\`x\`\n${marks(1_001)}`,
      "a fence indented four spaces": `para\n    \`\`\`\n${marks(1_001)}`,
      "a fence its quote closes": `> \`\`\`\n${marks(1_001)}`,
      "a fence in an HTML block": `<div>\n\`\`\`\n${marks(1_001)}`,
      "a line of a no-break space (not blank)": lines(3, `${marks(400)}\n\u00a0`),
      "container markers after a paragraph (text)": `a *b\n${lines(300, `    ${">* ".repeat(8)}x`)}`,
    };
    for (const [what, text] of Object.entries(cases)) {
      const problems: { line: number; message: string }[] = [];
      const escaped = escapeRunawayInline(text, problems);
      expect({ what, problems: problems.length }).toEqual({ what, problems: 1 });
      expect(escapeRunawayInline(escaped)).toBe(escaped);
      // Nothing left for the parser to pair.
      expect(escaped.match(/(?<=(?:^|[^\\])(?:\\\\)*)[*_~[\]]/g)).toBeNull();
    }
  });

  it("parses emphasis nested thousands deep without overflowing the stack", () => {
    for (const depth of [400, 5_000, 12_000]) {
      const doc = parseStory(`${"*_".repeat(depth)}\`src/a.ts\`${"_*".repeat(depth)}`);
      expect(doc.mentions.map((m) => m.path)).toEqual(["src/a.ts"]);
      expect(doc.problems).toHaveLength(depth * 4 > MAX_INLINE_MARKS ? 1 : 0);
    }
  });

  it("leaves a dunder name in fenced code as written, a fence inside a longer one included", () => {
    // A story showing markdown: its inner ``` line neither opens nor closes a fence.
    const text = [
      "# Story 1.1: A",
      "",
      "## Dev Notes",
      "",
      "````md",
      "```",
      "````",
      "",
      "```",
      "src/app/__init__.py",
      "src/app/models.py",
      "```",
      "",
    ].join("\n");
    expect(parseStory(text).mentions.map((m) => m.path)).toEqual([
      "src/app/__init__.py",
      "src/app/models.py",
    ]);
  });

  it("parses a story of thousands of nested quotes and still finds its paths", () => {
    const doc = parseStory(story("1.3: Deep", `${"> ".repeat(20000)}Edit \`src/deep.ts\``));
    expect(doc.problems?.length).toBeGreaterThan(0);
    expect(doc.mentions.map((p) => p.path)).toContain("src/deep.ts");
  });

  it("reports a path too long to be a file and a glob that cannot compile, and plans the rest", () => {
    const long = `src/${"a".repeat(2000)}.ts`;
    const dir = projectWith(
      `- [ ] Edit \`${long}\`\n- [ ] Edit \`src/[z-a].ts\`\n- [ ] Edit \`src/gamma.ts\``,
    );
    const p = planOf(dir);
    const gamma = p.stories.find((s) => s.key === "1-3-gamma");
    expect(gamma?.error).toBeUndefined();
    expect(gamma?.claims.map((c) => c.path)).toEqual(["src/gamma.ts"]);
    const unreadable = p.findings.filter((f) => f.reason === "unreadable");
    expect(unreadable.map((f) => f.story)).toEqual(["1-3-gamma", "1-3-gamma"]);
  });

  it("plans a project whose sprint file and stories are saved as UTF-16 (Windows PowerShell)", () => {
    const dir = miniProject({});
    for (const rel of [`${ART}/sprint-status.yaml`, `${ART}/1-3-gamma.md`]) {
      const file = path.join(dir, rel);
      writeFileSync(file, encodeText(readFileSync(file, "utf8").replace(/\n/g, "\r\n"), "utf16le"));
    }
    const p = planOf(dir);
    expect(p.stories.map((s) => s.key)).toEqual(["1-1-alpha", "1-3-gamma"]);
    expect(p.stories.find((s) => s.key === "1-3-gamma")?.claims.length).toBeGreaterThan(0);
  });

  it("warns about a sprint entry that is not a status and plans the others", () => {
    const dir = miniProject({
      [`${ART}/sprint-status.yaml`]: `development_status:\n  1-1-alpha: ready-for-dev\n  1-2-beta:\n    nested: map\n  1-3-gamma: ready-for-dev\n`,
    });
    const p = planOf(dir);
    expect(p.stories.map((s) => s.key)).toEqual(["1-1-alpha", "1-3-gamma"]);
    expect(p.warnings.join("\n")).toMatch(/sprint-status\.yaml:3: .*1-2-beta/);
  });
});

describe("error isolation per story (CLI)", () => {
  it("plans without an architecture shard it cannot read (too costly to parse, binary), naming it, and reads the others", () => {
    const shards = "_bmad-output/planning-artifacts/architecture";
    const story13 = story("1.3: Gamma", "- [ ] Edit `gamma.ts`");
    const tree = "# Source tree\n\n```\nsrc/\n├── gamma.ts\n└── shared.ts\n```\n";
    const dir = miniProject({
      [`${ART}/1-3-gamma.md`]: story13,
      [`${shards}/index.md`]: "# Architecture\n\n- [Tree](tree.md)\n",
      [`${shards}/tables.md`]: `# Tables\n\n${"|a|b|\n".repeat(10_000)}`,
      [`${shards}/diagram.md`]: "# Diagram\n\u0000PNG",
      [`${shards}/tree.md`]: tree,
    });
    const plan = planOf(dir);
    expect(plan.warnings.filter((w) => w.startsWith(shards))).toEqual([
      `${shards}/diagram.md:2: could not be read (the file is not text: a NUL byte on this line (a binary file, or UTF-16 without its byte-order mark?)); planned without it`,
      expect.stringMatching(
        /^_bmad-output\/planning-artifacts\/architecture\/tables\.md: could not be read \(the file is too much markdown to parse safely: it costs 90,\d{3} .*\); planned without it$/,
      ),
    ]);
    // The tree shard still resolves the story's bare name.
    expect(plan.stories.map((s) => [s.key, s.claims.map((c) => c.path)])).toEqual([
      ["1-1-alpha", ["src/shared.ts"]],
      ["1-3-gamma", ["src/gamma.ts"]],
    ]);
  });

  it("leaves out a binary file under a story's name, at the line of its first NUL", () => {
    const dir = miniProject();
    const bytes = Buffer.from(
      "PK\u0003\u0004 zip\n`src/zip.ts`\r\nentry\u0000\u0001\u0002`src/a.ts`\n",
      "latin1",
    );
    writeFileSync(path.join(dir, ART, "1-3-gamma.md"), bytes);
    const plan = planOf(dir);
    expect(plan.stories.map((s) => [s.key, s.error])).toEqual([
      ["1-1-alpha", undefined],
      [
        "1-3-gamma",
        {
          file: `${ART}/1-3-gamma.md`,
          line: 3,
          message:
            "the file is not text: a NUL byte on this line (a binary file, or UTF-16 without its byte-order mark?)",
        },
      ],
    ]);
    expect(plan.stories[1]?.claims).toEqual([]);
  });

  /** Story 1.3's file is far too large to be a story (a sparse file: nothing is written). */
  const brokenProject = () => {
    const dir = miniProject();
    truncateSync(path.join(dir, ART, "1-3-gamma.md"), MAX_STORY_BYTES + 1);
    return dir;
  };

  it("plans the others, and reports the unreadable story in JSON with file and line", async () => {
    const dir = brokenProject();
    const { code, out, err } = await cli(["plan", "1.1", "1.3", "--json", "--dir", dir], "/");
    expect(code).toBe(0);
    expect(err).toBe("");
    const plan = JSON.parse(out);
    const gamma = plan.stories.find((s: { key: string }) => s.key === "1-3-gamma");
    expect(gamma.error.file).toBe(`${ART}/1-3-gamma.md`);
    expect(gamma.error.line).toBe(1);
    expect(gamma.error.message).toBe("the file is 8.0 MB, more than the 8.0 MB a story may be");
    expect(plan.schedule.batchNow).toEqual(["1-1-alpha"]);
    expect(plan.schedule.blocked.map((b: { story: string }) => b.story)).toEqual(["1-3-gamma"]);
  });

  it("names the unreadable story in the markdown report", async () => {
    const dir = brokenProject();
    const { code, out } = await cli(["plan", "1.1", "1.3", "--dir", dir], "/");
    expect(code).toBe(0);
    expect(out).toContain("## Not planned (the story could not be read)");
    expect(out).toMatch(new RegExp(`1\\.3 \\(1-3-gamma\\): ${ART}/1-3-gamma\\.md:1: `));
  });

  it("answers an unexpected failure with one line, exit 3 and the trace in .athena/last-error.log", async () => {
    const dir = miniProject();
    const { code, err } = await cli(["plan", "1.1", "--dir", dir], "/", () => {
      throw new Error("write EPIPE");
    });
    expect(code).toBe(3);
    expect(err.trim().split("\n")).toHaveLength(1);
    expect(err).toContain("athena-parallel plan: unexpected error: write EPIPE");
    expect(err).toContain("please report it");
    expect(err).not.toMatch(/^\s+at /m);
    const log = readFileSync(path.join(dir, ".athena/last-error.log"), "utf8");
    expect(log).toContain("command: athena-parallel plan");
    expect(log).toMatch(/^\s+at /m);
  });

  it("still gives one line when the log cannot be written", () => {
    // The "project" is a file, so no .athena/ folder can be made in it.
    const root = path.join(miniProject(), "src/shared.ts");
    const line = reportUnexpected(new RangeError("boom"), {
      command: "athena_parallel dryRun",
      root,
      file: "x.md",
    });
    expect(line).toBe(
      "athena_parallel dryRun: unexpected error (reading x.md): boom. This is a bug in athena-parallel: please report it.",
    );
    expect(readFileSync(root, "utf8")).toBe("export {};\n");
  });
});

describe("layouts other templates use", () => {
  const storyFiles = {
    "docs/stories/1-1-alpha.md": story("1.1: Alpha", "- [ ] Edit `src/shared.ts`"),
    "docs/stories/1-2-beta.md": story("1.2: Beta", "- [ ] Edit `src/shared.ts`"),
    "src/shared.ts": "export {};\n",
  };
  const sprint = "development_status:\n  1-1-alpha: ready-for-dev\n  1-2-beta: ready-for-dev\n";

  it("finds a sprint file outside the usual places by searching the project, and says so", () => {
    const dir = tempProject({ ...storyFiles, "docs/stories/sprint-status.yaml": sprint });
    const { plan } = planProject(dir, { ids: ["1.1", "1.2"], cache: false, env });
    expect(plan.stories.map((s) => s.key)).toEqual(["1-1-alpha", "1-2-beta"]);
    expect(plan.conflicts.filter((c) => c.blocking)).toHaveLength(1);
    expect(plan.sources).toContain(
      "sprint status: docs/stories/sprint-status.yaml (found by searching the project: set bmad.paths.sprintStatus to be sure)",
    );
  });

  it("takes the story file an entry names itself, and never one that leaves the project", () => {
    const listed = [
      "epics:",
      "  - id: epic-1",
      "    stories:",
      "      - id: story-1.1",
      "        title: Alpha",
      "        status: ready-for-dev",
      "        story_file: docs/stories/alpha-notes.md",
      "      - id: story-1.2",
      "        title: Beta",
      "        status: ready-for-dev",
      "        story_file: ../../outside/1-2-beta.md",
      "",
    ].join("\n");
    const dir = tempProject({
      // Its key would find nothing by this name; beta's file is found by its key.
      "docs/stories/alpha-notes.md": story("1.1: Alpha", "- [ ] Edit `src/alpha.ts`"),
      "docs/stories/1-2-beta.md": storyFiles["docs/stories/1-2-beta.md"],
      "docs/sprint-status.yaml": listed,
      "src/shared.ts": "export {};\n",
    });
    const { plan } = planProject(dir, { cache: false, env });
    expect(plan.stories.map((s) => [s.key, s.file])).toEqual([
      ["1-1-alpha", "docs/stories/alpha-notes.md"],
      ["1-2-beta", "docs/stories/1-2-beta.md"],
    ]);
    expect(plan.stories[0]?.claims.map((c) => c.path)).toEqual(["src/alpha.ts"]);
    expect(plan.warnings).toContain(
      'docs/sprint-status.yaml:8: the story file "../../outside/1-2-beta.md" of 1-2-beta leaves the project: not followed; its file is found by its key instead',
    );
  });

  it("takes the first of the usual places that has a sprint file and names the others", () => {
    const both = {
      ...storyFiles,
      "_bmad-output/implementation-artifacts/sprint-status.yaml": sprint,
      "docs/sprint-status.yaml": sprint.replace("1-2-beta: ready-for-dev", "1-2-beta: done"),
    };
    const { plan } = planProject(tempProject(both), { cache: false, env });
    expect(plan.sources).toContain(
      "sprint status: _bmad-output/implementation-artifacts/sprint-status.yaml (the first of the usual places; also docs/sprint-status.yaml: set bmad.paths.sprintStatus in athena.json to plan that one)",
    );
    // One file, linked into a second place, is one sprint: nothing to choose between.
    const linked = tempProject(storyFiles);
    mkdirSync(path.join(linked, "_bmad-output/implementation-artifacts"), { recursive: true });
    writeFileSync(path.join(linked, "docs/sprint-status.yaml"), sprint);
    symlinkSync(
      path.join(linked, "docs/sprint-status.yaml"),
      path.join(linked, "_bmad-output/implementation-artifacts/sprint-status.yaml"),
    );
    expect(planProject(linked, { cache: false, env }).plan.sources).toContain(
      "sprint status: _bmad-output/implementation-artifacts/sprint-status.yaml",
    );
  });

  it("finds the sprint file where the alpha's config keeps it, and searches that folder without one", () => {
    const ephemeral = {
      ".bmad-ephemeral/sprint-status.yaml": sprint,
      ".bmad-ephemeral/stories/1-1-alpha.md": storyFiles["docs/stories/1-1-alpha.md"],
      ".bmad-ephemeral/stories/1-2-beta.md": storyFiles["docs/stories/1-2-beta.md"],
      "src/shared.ts": "export {};\n",
    };
    const configured = tempProject({
      ...ephemeral,
      ".bmad/bmm/config.yaml":
        "dev_ephemeral_location: '{project-root}/.bmad-ephemeral'\noutput_folder: '{project-root}/docs'\n",
      "docs/prd.md": "# PRD\n",
    });
    const { plan } = planProject(configured, { ids: ["1.1", "1.2"], cache: false, env });
    expect(plan.sources).toContain("sprint status: .bmad-ephemeral/sprint-status.yaml");
    expect(plan.stories.map((s) => s.file)).toEqual([
      ".bmad-ephemeral/stories/1-1-alpha.md",
      ".bmad-ephemeral/stories/1-2-beta.md",
    ]);
    const searched = planProject(tempProject(ephemeral), { cache: false, env }).plan;
    expect(searched.sources).toContain(
      "sprint status: .bmad-ephemeral/sprint-status.yaml (found by searching the project: set bmad.paths.sprintStatus to be sure)",
    );
  });

  it("finds a story in the folder BMAD's config names for stories when the sprint file's folder lacks it", () => {
    // Part-way through a move: the sprint file and the older stories in the alpha's folder,
    // the newer stories where the config's `sprint_artifacts` puts them.
    const moved = tempProject({
      ".bmad-ephemeral/sprint-status.yaml": sprint,
      ".bmad-ephemeral/stories/1-1-alpha.md": storyFiles["docs/stories/1-1-alpha.md"],
      "docs/sprint-artifacts/1-2-beta.md": storyFiles["docs/stories/1-2-beta.md"],
      "docs/sprint-artifacts/1-1-alpha.md": "# Story 1.1: an older copy\n",
      ".bmad/bmm/config.yaml":
        "sprint_artifacts: '{project-root}/docs/sprint-artifacts'\ndev_ephemeral_location: '{project-root}/.bmad-ephemeral'\n",
      "src/shared.ts": "export {};\n",
    });
    const { plan } = planProject(moved, { ids: ["1.1", "1.2"], cache: false, env });
    expect(plan.sources).toContain(
      "stories: .bmad-ephemeral/ (and sub-folders), then docs/sprint-artifacts/",
    );
    // The sprint file's folder first: its copy of 1.1 wins over the other folder's.
    expect(plan.stories.map((s) => s.file)).toEqual([
      ".bmad-ephemeral/stories/1-1-alpha.md",
      "docs/sprint-artifacts/1-2-beta.md",
    ]);
    // A story file there is BMAD's, never a claim.
    expect(plan.stories.flatMap((s) => s.claims.map((c) => c.path))).not.toContain(
      "docs/sprint-artifacts/1-2-beta.md",
    );
    // A folder that holds more than stories (`docs/`) is never one: its documents would all
    // be taken for story files, and none for a claim.
    writeFileSync(
      path.join(moved, ".bmad/bmm/config.yaml"),
      "sprint_artifacts: '{project-root}/docs'\ndev_ephemeral_location: '{project-root}/.bmad-ephemeral'\n",
    );
    expect(planProject(moved, { ids: ["1.1"], cache: false, env }).plan.sources).toContain(
      "stories: .bmad-ephemeral/ (and sub-folders)",
    );
    // Without the config, that folder is no place of the project's stories: a story whose
    // file is there is found by its own name alone, as anywhere in the project.
    rmSync(path.join(moved, ".bmad"), { recursive: true });
    const unconfigured = planProject(moved, { ids: ["1.1", "1.2"], cache: false, env }).plan;
    expect(unconfigured.sources).toContain("stories: .bmad-ephemeral/ (and sub-folders)");
    expect(unconfigured.stories.map((s) => s.file)).toEqual([
      ".bmad-ephemeral/stories/1-1-alpha.md",
      "docs/sprint-artifacts/1-2-beta.md",
    ]);
  });

  it("reads a story folder written as the author's own checkout as the folder of that name here", () => {
    const located = (location: string) => ({
      "_bmad/stories/1-1-alpha.md": storyFiles["docs/stories/1-1-alpha.md"],
      "_bmad/stories/1-2-beta.md": storyFiles["docs/stories/1-2-beta.md"],
      "_bmad-output/sprint-status.yaml": `story_location: '${location}'\n${sprint}`,
    });
    for (const location of [
      "/Users/sam/app/_bmad/stories",
      "C:\\Users\\sam\\app\\_bmad\\stories",
      "~/app/_bmad/stories",
    ]) {
      const { plan } = planProject(tempProject(located(location)), { cache: false, env });
      expect(plan.sources).toContain(
        `_bmad-output/sprint-status.yaml: story_location "${location}" leaves the project: read as _bmad/stories/, the folder of that name here`,
      );
      expect(plan.stories.map((s) => s.file)).toEqual([
        "_bmad/stories/1-1-alpha.md",
        "_bmad/stories/1-2-beta.md",
      ]);
    }
    // A Windows path in double quotes is no YAML (`\U` is no escape): its line is left out of
    // the reading, named, and the folder still read from it.
    const quoted = tempProject({
      ...located("x"),
      "_bmad-output/sprint-status.yaml": `story_location: "C:\\Users\\sam\\app/_bmad/stories"\n${sprint}`,
    });
    const windows = planProject(quoted, { cache: false, env }).plan;
    expect(windows.stories.map((s) => s.file)).toEqual([
      "_bmad/stories/1-1-alpha.md",
      "_bmad/stories/1-2-beta.md",
    ]);
    expect(windows.warnings).toContainEqual(
      expect.stringMatching(
        /^_bmad-output\/sprint-status\.yaml:1: does not parse as YAML \(Invalid escape sequence/,
      ),
    );
    // No folder of that name here, or a path relative to the project: ignored, as before (the
    // stories' files are still found by their own names, inside the project).
    for (const location of ["/Users/sam/app/nowhere", "../app/_bmad/stories"]) {
      const { plan } = planProject(tempProject(located(location)), { cache: false, env });
      expect(plan.sources).toContain(
        `_bmad-output/sprint-status.yaml: story_location "${location}" leaves the project: ignored`,
      );
      expect(plan.sources).toContain("stories: _bmad-output/ (and sub-folders)");
      expect(plan.stories.map((s) => s.file)).toEqual([
        "_bmad/stories/1-1-alpha.md",
        "_bmad/stories/1-2-beta.md",
      ]);
    }
    // The same for a folder BMAD's config names.
    const configured = tempProject({
      ...located("_bmad/stories"),
      "_bmad/bmm/config.yaml": "implementation_artifacts: /home/sam/app/_bmad-output\n",
    });
    expect(planProject(configured, { cache: false, env }).plan.sources).toContain(
      '_bmad/bmm/config.yaml: implementation_artifacts "/home/sam/app/_bmad-output" leaves the project: read as _bmad-output/, the folder of that name here',
    );
  });

  it("finds the stories in a hidden folder under a sprint file at the project's root", () => {
    const dir = tempProject({
      ".codebuddy/stories/1-1-alpha.md": storyFiles["docs/stories/1-1-alpha.md"],
      ".codebuddy/stories/1-2-beta.md": storyFiles["docs/stories/1-2-beta.md"],
      "sprint-status.yaml": `# story_location: .codebuddy/stories\n${sprint}`,
    });
    const { plan } = planProject(dir, { cache: false, env });
    expect(plan.sources).toContain("stories: .codebuddy/stories/ (and sub-folders), then ./");
    expect(plan.stories.map((s) => s.file)).toEqual([
      ".codebuddy/stories/1-1-alpha.md",
      ".codebuddy/stories/1-2-beta.md",
    ]);
  });

  it("finds a sub-story whose key sets its letter apart (`6-1-a-x`) in a file that joins it (`story-6.1a-x.md`)", () => {
    const dir = tempProject({
      "docs/sprint-status.yaml":
        "development_status:\n  6-1-a-invoice-types: ready-for-dev\n  6-1-b-payment-types: ready-for-dev\n  7-1-e-commerce-sync: ready-for-dev\n",
      "docs/stories/epic-6/story-6.1a-invoice-types.md": storyFiles["docs/stories/1-1-alpha.md"],
      "docs/stories/epic-6/story-6.1b-payment-types.md": storyFiles["docs/stories/1-2-beta.md"],
      "docs/stories/epic-7/7-1-e-commerce-sync.md": storyFiles["docs/stories/1-2-beta.md"],
    });
    const { plan } = planProject(dir, { cache: false, env });
    expect(plan.stories.map((s) => s.file)).toEqual([
      "docs/stories/epic-6/story-6.1a-invoice-types.md",
      "docs/stories/epic-6/story-6.1b-payment-types.md",
      "docs/stories/epic-7/7-1-e-commerce-sync.md",
    ]);
    // Filed by the number alone, the letter joined (`story-31.7a.md`), beside the story they
    // split (`story-31.7.md`), which neither takes.
    const bare = tempProject({
      "docs/sprint-status.yaml":
        "development_status:\n  31-7-a-inventory-routes: ready-for-dev\n  31-7-b-report-routes: ready-for-dev\n",
      "docs/stories/epic-31/story-31.7.md": storyFiles["docs/stories/1-1-alpha.md"],
      "docs/stories/epic-31/story-31.7a.md": storyFiles["docs/stories/1-1-alpha.md"],
      "docs/stories/epic-31/story-31.7b.md": storyFiles["docs/stories/1-2-beta.md"],
    });
    expect(planProject(bare, { cache: false, env }).plan.stories.map((s) => s.file)).toEqual([
      "docs/stories/epic-31/story-31.7a.md",
      "docs/stories/epic-31/story-31.7b.md",
    ]);
    // A key that names the joined file as it is keeps it.
    const both = tempProject({
      "docs/sprint-status.yaml":
        "development_status:\n  6-1-a-invoice-types: ready-for-dev\n  6-1a-invoice-types: ready-for-dev\n",
      "docs/stories/story-6.1a-invoice-types.md": storyFiles["docs/stories/1-1-alpha.md"],
    });
    expect(planProject(both, { cache: false, env }).plan.stories.map((s) => s.file)).toEqual([
      undefined,
      "docs/stories/story-6.1a-invoice-types.md",
    ]);
  });

  it("finds the one story file of a key's number for a key that is a number alone (`5-1`)", () => {
    const dir = tempProject({
      "docs/sprint-status.yaml":
        'development_status:\n  epic-5:\n    status: in-progress\n    stories:\n      - id: "5.1"\n        status: ready-for-dev\n      - id: "5.2"\n        status: ready-for-dev\n',
      "docs/stories/5-1-request-form.md": storyFiles["docs/stories/1-1-alpha.md"],
      "docs/stories/5-2-status-tracking.md": storyFiles["docs/stories/1-2-beta.md"],
      // Not a story: it says nothing of being one.
      "docs/stories/5-2-review-notes.md": "Notes from the review.\n",
      // Nor is a review with a status line, though alone with its number.
      "docs/stories/5-3-code-review.md": "# Code review of 5.3\n\nStatus: done\n",
    });
    const sprint = readFileSync(path.join(dir, "docs/sprint-status.yaml"), "utf8");
    writeFileSync(
      path.join(dir, "docs/sprint-status.yaml"),
      `${sprint}      - id: "5.3"\n        status: ready-for-dev\n`,
    );
    const { plan } = planProject(dir, { cache: false, env });
    expect(plan.stories.map((s) => [s.key, s.file])).toEqual([
      ["5-1", "docs/stories/5-1-request-form.md"],
      ["5-2", "docs/stories/5-2-status-tracking.md"],
      ["5-3", undefined],
    ]);
  });

  it("reads the stories' folder from the header comment the alpha's sprint file has", () => {
    const dir = tempProject({
      ...storyFiles,
      ".bmad-ephemeral/sprint-status.yaml": `# Tracking System: file-system\n# Story Location: docs/stories\n\n${sprint}`,
    });
    const { plan } = planProject(dir, { cache: false, env });
    expect(plan.sources).toContain(
      "stories: docs/stories/ (and sub-folders), then .bmad-ephemeral/",
    );
    expect(plan.stories.map((s) => s.file)).toEqual([
      "docs/stories/1-1-alpha.md",
      "docs/stories/1-2-beta.md",
    ]);
  });

  it("plans a key of no story shape that has a story file of its own name, by its key", () => {
    const dir = tempProject({
      "docs/stories/sprint-status.yaml":
        "development_status:\n  epic-15: in-progress\n  15-TD-1-toctou-fixes: ready-for-dev\n  hotfix-audio-clicks: ready-for-dev\n  extra-docs-cleanup: ready-for-dev\n  epic-quality: done\n  odd $key: ready-for-dev\n  22-fix-login: ready-for-dev\n",
      "docs/stories/15-TD-1-toctou-fixes.md": story("15.TD-1: Fixes", "- [ ] Edit `src/shared.ts`"),
      "docs/stories/story-22-fix-login.md": story(
        "Task 22: Fix login",
        "- [ ] Edit `src/login.ts`",
      ),
      "docs/stories/hotfix-audio-clicks.md": story("Hotfix: clicks", "- [ ] Edit `src/shared.ts`"),
      "docs/stories/epic-quality.md": "# Epic: quality\n",
      // A key that could not name a file safely is never promoted.
      "docs/stories/odd $key.md": story("Odd", "- [ ] Edit `src/shared.ts`"),
      "src/shared.ts": "export {};\n",
    });
    const { plan } = planProject(dir, { cache: false, env });
    expect(plan.stories.map((s) => [s.key, s.id, s.file])).toEqual([
      ["15-TD-1-toctou-fixes", "15-TD-1-toctou-fixes", "docs/stories/15-TD-1-toctou-fixes.md"],
      ["hotfix-audio-clicks", "hotfix-audio-clicks", "docs/stories/hotfix-audio-clicks.md"],
      ["22-fix-login", "22-fix-login", "docs/stories/story-22-fix-login.md"],
    ]);
    expect(plan.conflicts.filter((c) => c.blocking)).toHaveLength(1);
    // Named by its key, too; a key with no file of its name is still said to be left out, and
    // `epic-quality` is the epic of a track (`quality-1-x`), its file the epic's own.
    expect(
      planProject(dir, { ids: ["hotfix-audio-clicks"], cache: false, env }).plan.stories,
    ).toHaveLength(1);
    expect(plan.warnings).toContainEqual(
      "docs/stories/sprint-status.yaml: 2 keys are neither a story key ({epic}-{story}-{slug}) nor a story file's name, so left out of the plan: extra-docs-cleanup (line 5), odd $key (line 7)",
    );
  });

  it("reads the stories' folder from story_location before a header comment of that name", () => {
    const dir = tempProject({
      ...storyFiles,
      "docs/sprint-status.yaml": `# story_location: /Users/someone/elsewhere/stories\nstory_location: "{project-root}/docs/stories"\n\n${sprint}`,
    });
    const { plan } = planProject(dir, { cache: false, env });
    // The sprint file's folder, and no folder above it: the project root is not searched.
    expect(plan.sources).toContain("stories: docs/stories/ (and sub-folders), then docs/");
    // The last key counts, as in YAML; a trailing comment is not part of the path.
    for (const lines of [
      "story_location: docs/old\nstory_location: docs/stories  # where the stories live",
      "story_location: 'docs/stories' # quoted",
    ]) {
      writeFileSync(path.join(dir, "docs/sprint-status.yaml"), `${lines}\n\n${sprint}`);
      expect(planProject(dir, { cache: false, env }).plan.sources).toContain(
        "stories: docs/stories/ (and sub-folders), then docs/",
      );
    }
  });

  it("fills the settings a BMAD config names ({output_folder}) from the core module's config", () => {
    const config =
      'implementation_artifacts: "{project-root}/{output_folder}/implementation-artifacts"\n';
    const moved = Object.fromEntries(
      Object.entries(storyFiles).map(([file, text]) => [
        file.replace("docs/stories/", "out/implementation-artifacts/"),
        text,
      ]),
    );
    const dir = tempProject({
      ...moved,
      "out/implementation-artifacts/sprint-status.yaml": sprint,
      "_bmad/bmm/config.yaml": config,
      "_bmad/core/config.yaml": 'output_folder: "{project-root}/out"\n',
    });
    const { plan } = planProject(dir, { cache: false, env });
    expect(plan.sources).toContain(
      "sprint status: out/implementation-artifacts/sprint-status.yaml",
    );
    // An output folder that is the project itself.
    const atRoot = tempProject({
      ...storyFiles,
      "implementation-artifacts/sprint-status.yaml": sprint,
      "_bmad/bmm/config.yaml": config,
      "_bmad/core/config.yaml": 'output_folder: "{project-root}"\n',
    });
    expect(planProject(atRoot, { cache: false, env }).plan.sources).toContain(
      "sprint status: implementation-artifacts/sprint-status.yaml",
    );
    // Without the core module's config, BMAD's own default: `_bmad-output`.
    const bare = tempProject({
      ...storyFiles,
      "_bmad-output/implementation-artifacts/sprint-status.yaml": sprint,
      "_bmad/bmm/config.yaml": `${config}planning_artifacts: "{project-root}/{nowhere}/planning"\n`,
    });
    const result = planProject(bare, { cache: false, env });
    expect(result.plan.sources).toContain(
      "sprint status: _bmad-output/implementation-artifacts/sprint-status.yaml",
    );
    expect(result.plan.sources).toContain(
      '_bmad/bmm/config.yaml: planning_artifacts "{project-root}/{nowhere}/planning" names a setting found nowhere: ignored',
    );
  });

  it("finds BMAD's implementation folder in an output folder the committed config leaves unset, and the planning folder beside it", () => {
    const config =
      'planning_artifacts: "{project-root}/{output_folder}/planning-artifacts"\nimplementation_artifacts: "{project-root}/{output_folder}/implementation-artifacts"\n';
    const under = (folder: string) =>
      Object.fromEntries(
        Object.entries(storyFiles).map(([file, text]) => [
          file.replace("docs/stories/", `${folder}implementation-artifacts/`),
          text,
        ]),
      );
    const dir = tempProject({
      "_bmad/bmm/config.yaml": config,
      ...under("output/"),
      "output/implementation-artifacts/sprint-status.yaml": sprint,
      "output/planning-artifacts/architecture.md": "# Architecture\n",
      // An old sprint in an archive is passed over.
      "archive/implementation-artifacts/sprint-status.yaml": sprint,
    });
    const { plan } = planProject(dir, { cache: false, env });
    expect(plan.stories.map((s) => s.file)).toEqual([
      "output/implementation-artifacts/1-1-alpha.md",
      "output/implementation-artifacts/1-2-beta.md",
    ]);
    expect(plan.sources).toEqual(
      expect.arrayContaining([
        "sprint status: output/implementation-artifacts/sprint-status.yaml (found by searching the project: set bmad.paths.sprintStatus to be sure)",
        "architecture: output/planning-artifacts/architecture.md",
      ]),
    );
    // At the root (an output folder of `{project-root}`), the same.
    const atRoot = tempProject({
      "_bmad/bmm/config.yaml": config,
      ...under(""),
      "implementation-artifacts/sprint-status.yaml": sprint,
    });
    expect(planProject(atRoot, { cache: false, env }).plan.sources).toContain(
      "sprint status: implementation-artifacts/sprint-status.yaml (found by searching the project: set bmad.paths.sprintStatus to be sure)",
    );
    // Two of them: named, not guessed between.
    const two = tempProject({
      ...under(""),
      "implementation-artifacts/sprint-status.yaml": sprint,
      "output/implementation-artifacts/sprint-status.yaml": sprint,
    });
    expect(() => planProject(two, { cache: false, env })).toThrow(
      /several elsewhere: implementation-artifacts\/sprint-status\.yaml, output\/implementation-artifacts\/sprint-status\.yaml/,
    );
  });

  it("refuses to guess between several sprint files, naming them", () => {
    const dir = tempProject({
      ...storyFiles,
      "docs/stories/sprint-status.yaml": sprint,
      "docs/v2/sprint-status.yaml": sprint,
      "docs/old/sprint-status.yaml": sprint,
      // Outside the folders BMAD writes to: never searched.
      "vendor/x/sprint-status.yaml": sprint,
    });
    expect(() => planProject(dir, { cache: false, env })).toThrow(
      /several elsewhere: docs\/stories\/sprint-status\.yaml, docs\/v2\/sprint-status\.yaml; set bmad\.paths\.sprintStatus/,
    );
  });

  it("passes over a sprint file in an archived folder, and says so when it is the only one", () => {
    const archived = {
      ...storyFiles,
      "docs/archive/sprint-status.yaml": sprint,
      "docs/old-2024/sprint-status.yaml": sprint,
    };
    expect(() => planProject(tempProject(archived), { cache: false, env })).toThrow(
      /only in archived folders: docs\/archive\/sprint-status\.yaml, docs\/old-2024\/sprint-status\.yaml; set bmad\.paths\.sprintStatus in athena\.json to use one/,
    );
    const dir = tempProject({ ...archived, "docs/stories/sprint-status.yaml": sprint });
    expect(planProject(dir, { cache: false, env }).plan.sources).toContain(
      "sprint status: docs/stories/sprint-status.yaml (found by searching the project: set bmad.paths.sprintStatus to be sure)",
    );
  });

  it("finds story files named another way, in a stories folder beside the sprint file's", () => {
    const dir = tempProject({
      [`${ART}/sprint-status.yaml`]:
        "development_status:\n  1-1-alpha: ready-for-dev\n  1-2-beta-feature: ready-for-dev\n  1-3-gamma-thing: ready-for-dev\n  1-4-two-ways: ready-for-dev\n  1-5-user-login: ready-for-dev\n  2-6-user-login: ready-for-dev\n  1-7-user-settings-page: ready-for-dev\n  1-8-backend-photo-service: ready-for-dev\n  1-9-sync-hook: ready-for-dev\n  1-10-financial-reports: ready-for-dev\n  1-11-offline-sync: ready-for-dev\n  1-12-audit-trail: ready-for-dev\n  1-13-export-csv: ready-for-dev\n  1-14-import-csv: ready-for-dev\n  1-15-setting-module: ready-for-dev\n  1-16-setting-main: ready-for-dev\n  3-7-trace-buffer-retention: backlog\n  1-17-sync-conflict-alerts: ready-for-dev\n  1-18-establish-mcp-registry: ready-for-dev\n  1-19-other-title: ready-for-dev\n  1-20-llm-estimate: ready-for-dev\n  1-21-volume-engine: ready-for-dev\n  1-22-guide-words: ready-for-dev\n  1-23-error-handling: ready-for-dev\n",
      "_bmad-output/stories/story-1-1-alpha.md": story("1.1: Alpha", "- [ ] Edit `src/a.ts`"),
      "_bmad-output/stories/epic-1/story-0.1.2-beta-feature.md": story(
        "1.2: Beta",
        "- [ ] `src/b.ts`",
      ),
      "_bmad-output/stories/1.3.gamma-thing.md": story("1.3: Gamma", "- [ ] Edit `src/c.ts`"),
      // A numbered document that is not a story (an ADR) is not taken for the same words.
      "_bmad-output/adr/0003-user-settings-page.md": "# Use a settings page\n",
      // Another key's own file is not taken for the same words.
      "_bmad-output/stories/1-5-user-login.md": story("1.5: Login", "- [ ] Edit `src/f.ts`"),
      // Two files with the same words: neither is taken.
      "_bmad-output/stories/2-1-two-ways.md": story("2.1: One", "- [ ] Edit `src/d.ts`"),
      "_bmad-output/stories/3-1-two-ways.md": story("3.1: Other", "- [ ] Edit `src/e.ts`"),
      // Renamed while written: the only file with its number, no key's own, a word in common.
      "_bmad-output/stories/1.8-generic-photo-service.md": story("1.8: Photo", "- [ ] `src/g.ts`"),
      // Renumbered: the only file with its number shares no word with the key.
      "_bmad-output/stories/1.10-journal-viewer.md": story("1.10: Journal", "- [ ] `src/j.ts`"),
      // The same file twice: the copy in the sprint's folder wins over a planning copy.
      [`${ART}/1.9-sync-hook.md`]: story("1.9: Sync", "- [ ] Edit `src/h.ts`"),
      "_bmad-output/plans/1.9-sync-hook.md": story("1.9: Sync", "- [ ] Edit `src/h.ts`"),
      // Named by the number alone: that number's story (a companion file is not).
      "_bmad-output/stories/epic-1/story-1.11.md": story("1.11: Offline", "- [ ] `src/k.ts`"),
      "_bmad-output/stories/epic-1/story-1.11.completion.md": "# Completion\n",
      "_bmad-output/stories/1.12.story.md": story("1.12: Audit", "- [ ] `src/l.ts`"),
      // Epic and story as `E<n>-S<n>`, with or without the words.
      "_bmad-output/stories/E01-S13.md": story("E01-S13: Export", "- [ ] `src/m.ts`"),
      "_bmad-output/stories/E1-S14-import-csv.md": story("E1-S14: Import", "- [ ] `src/n.ts`"),
      // The same words under another key's number: that key's story, renamed, not this one's.
      "_bmad-output/stories/1.16-setting-module.md": story("1.16: Setting", "- [ ] `src/o.ts`"),
      // `epic-<n>-story-<n>`, its words cut short since.
      "_bmad-output/stories/epic-3-story-7-trace-buffer.md": story(
        "3.7: Trace",
        "- [ ] `src/p.ts`",
      ),
      // Its number with other words, beside a retrospective of that number: the story's file.
      "_bmad-output/stories/1-17-sync-conflict.md": story("1.17: Sync", "- [ ] `src/q.ts`"),
      "_bmad-output/stories/retrospectives/1-17-retrospective.md": "# Retrospective\n",
      // Named another way, titled with the key's words; two files with one title: neither.
      "_bmad-output/stories/central-mcp-1.md":
        "# Story: Establish MCP Registry\n\n## Tasks / Subtasks\n\n- [ ] `src/r.ts`\n",
      "_bmad-output/stories/other-a.md": "# Story 1.19: Other Title\n",
      "_bmad-output/stories/other-b.md": "# Other title\n\nStatus: done\n",
      // A guide with a story's words for its title is no story.
      "_bmad-output/stories/guide.md": "# Guide Words\n\nHow to...\n",
      // Renumbered: the same words under a number whose story has its own file.
      "_bmad-output/stories/1-20-llm-estimate.md": story("1.20: LLM", "- [ ] `src/s.ts`"),
      "_bmad-output/stories/1.20-volume-engine.md": story("1.20: Volume", "- [ ] `src/t.ts`"),
      // The same words under a number with nothing in common: another epic's story.
      "_bmad-output/stories/old/4c-11-error-handling.md": story(
        "4c.11: Errors",
        "- [ ] `src/u.ts`",
      ),
    });
    const ids = [
      "1.1",
      "1.2",
      "1.3",
      "1.4",
      "1.5",
      "2.6",
      "1.7",
      "1.8",
      "1.9",
      "1.10",
      "1.11",
      "1.12",
      "1.13",
      "1.14",
      "1.15",
      "1.16",
      "3.7",
      "1.17",
      "1.18",
      "1.19",
      "1.20",
      "1.21",
      "1.22",
      "1.23",
    ];
    const { plan } = planProject(dir, { ids, cache: false, env });
    expect(plan.stories.map((s) => [s.key, s.file])).toEqual([
      ["1-1-alpha", "_bmad-output/stories/story-1-1-alpha.md"],
      ["1-2-beta-feature", "_bmad-output/stories/epic-1/story-0.1.2-beta-feature.md"],
      ["1-3-gamma-thing", "_bmad-output/stories/1.3.gamma-thing.md"],
      ["1-4-two-ways", undefined],
      ["1-5-user-login", "_bmad-output/stories/1-5-user-login.md"],
      ["2-6-user-login", undefined],
      ["1-7-user-settings-page", undefined],
      ["1-8-backend-photo-service", "_bmad-output/stories/1.8-generic-photo-service.md"],
      ["1-9-sync-hook", `${ART}/1.9-sync-hook.md`],
      ["1-10-financial-reports", undefined],
      ["1-11-offline-sync", "_bmad-output/stories/epic-1/story-1.11.md"],
      ["1-12-audit-trail", "_bmad-output/stories/1.12.story.md"],
      ["1-13-export-csv", "_bmad-output/stories/E01-S13.md"],
      ["1-14-import-csv", "_bmad-output/stories/E1-S14-import-csv.md"],
      ["1-15-setting-module", undefined],
      ["1-16-setting-main", "_bmad-output/stories/1.16-setting-module.md"],
      ["3-7-trace-buffer-retention", "_bmad-output/stories/epic-3-story-7-trace-buffer.md"],
      ["1-17-sync-conflict-alerts", "_bmad-output/stories/1-17-sync-conflict.md"],
      ["1-18-establish-mcp-registry", "_bmad-output/stories/central-mcp-1.md"],
      ["1-19-other-title", undefined],
      ["1-20-llm-estimate", "_bmad-output/stories/1-20-llm-estimate.md"],
      ["1-21-volume-engine", "_bmad-output/stories/1.20-volume-engine.md"],
      ["1-22-guide-words", undefined],
      ["1-23-error-handling", undefined],
    ]);
    expect(plan.warnings).toContain(
      `1-8-backend-photo-service (${ART}/sprint-status.yaml:9): no story file has its name; took _bmad-output/stories/1.8-generic-photo-service.md, the only one with its number`,
    );
    // A story is named by its file's path however the file is named: as written, absolute, or
    // by the file's name alone.
    for (const typed of [
      "_bmad-output/stories/E01-S13.md",
      path.join(dir, "_bmad-output/stories/E01-S13.md"),
      "E01-S13.md",
    ])
      expect(
        planProject(dir, { ids: [typed], cache: false, env }).plan.stories.map((s) => s.key),
      ).toEqual(["1-13-export-csv"]);
  });

  it("finds a story file named by its key's id alone (`TECH-01.md`, `MU-S01.md`), when one key has the id", () => {
    const dir = tempProject({
      [`${ART}/sprint-status.yaml`]:
        "development_status:\n  epic-0: in-progress\n  tech-01-migration-db: ready-for-dev\n  mu-s01-api-invitations: ready-for-dev\n  mu-s02-members-page: ready-for-dev\n  ops-1-first-thing: ready-for-dev\n  ops-1-second-thing: ready-for-dev\n  api-v2-s01-login: ready-for-dev\n  phase-2-cleanup: ready-for-dev\n",
      "_bmad-output/stories/TECH-01.md": story("TECH-01 : Migration", "- [ ] Edit `src/db.ts`"),
      "_bmad-output/stories/MU-S01.md": story("MU-S01 : Invitations", "- [ ] Edit `src/invite.ts`"),
      // Two keys with one id: the file is neither's.
      "_bmad-output/stories/OPS-1.md": story("OPS-1", "- [ ] Edit `src/ops.ts`"),
      // The longest id with a file; a file titled as itself, not as the story, is a note.
      "_bmad-output/stories/API-V2-S01.md": "# API-V2-S01: Login\n\n- [ ] Edit `src/db.ts`\n",
      "_bmad-output/stories/phase-2.md": "# Notes on the second phase\n",
      "src/db.ts": "export {};\n",
      "src/invite.ts": "export {};\n",
    });
    const { plan } = planProject(dir, {
      ids: [
        "tech-01-migration-db",
        "mu-s01-api-invitations",
        "ops-1-first-thing",
        "ops-1-second-thing",
        "api-v2-s01-login",
        "phase-2-cleanup",
      ],
      cache: false,
      env,
    });
    expect(plan.stories.map((s) => [s.key, s.file])).toEqual([
      ["tech-01-migration-db", "_bmad-output/stories/TECH-01.md"],
      ["mu-s01-api-invitations", "_bmad-output/stories/MU-S01.md"],
      ["ops-1-first-thing", undefined],
      ["ops-1-second-thing", undefined],
      ["api-v2-s01-login", "_bmad-output/stories/API-V2-S01.md"],
      ["phase-2-cleanup", undefined],
    ]);
    expect(plan.stories[1]?.claims.map((c) => c.path)).toEqual(["src/invite.ts"]);
    // A key of no story shape with no file of its id is still left out, and named.
    expect(plan.warnings.join("\n")).toContain("mu-s02-members-page (line 5)");
  });

  it("finds a key's file named in other capitals, one that states the key, and one titled by its id over a `## Status:` line", () => {
    const tasks = "## Tasks / Subtasks\n\n- [ ] Edit `src/a.ts`\n";
    const dir = tempProject({
      [`${ART}/sprint-status.yaml`]: [
        "development_status:",
        "  td-cross-2-baseline-cleanup: ready-for-dev",
        "  2.5-1-event-stream-queue: ready-for-dev",
        "  2.5-2-command-queue: ready-for-dev",
        "  2.5-3-replanning: ready-for-dev",
        "  td-6-2a-constraint-hardening: ready-for-dev",
        "  3-1-login-page: ready-for-dev",
        "  4-1-establish-registry: ready-for-dev",
        "",
      ].join("\n"),
      // The story and its review both state the key: the title tells which is the story.
      "_bmad-output/stories/central-4.md": `# Story: Establish Registry\n\n**Story Key:** 4-1-establish-registry\n\n${tasks}`,
      "_bmad-output/stories/review-central-4.md":
        "# Code Review: Registry\n\n**Story Key:** 4-1-establish-registry\n\n**Status:** Approved\n",
      // A key stated as the number alone is no key of the sprint: the title still finds it.
      "_bmad-output/stories/login-notes.md": `# Story 3.1: Login Page\n\n**Story Key:** 3-1\n\n${tasks}`,
      "_bmad-output/stories/TD-cross-2-baseline-cleanup.md": story(
        "TD-cross-2: Cleanup",
        "- [ ] Edit `src/a.ts`",
      ),
      // BMAD's create-story header: the key as the file states it, the name another.
      "_bmad-output/stories/story-2.5-1.md": `# Story 2.5.1: Event stream\n\n**Effort:** 3 hours **Story Key:** 2.5-1-event-stream-queue\n\n${tasks}`,
      // Two files stating one key: neither is its.
      "_bmad-output/stories/queue-three.md": `# Story 2.5.3\n\n- Story key: \`2.5-3-replanning\`\n\n${tasks}`,
      "_bmad-output/stories/queue-three-draft.md": `# Story 2.5.3 (draft)\n\nStory Key: 2.5-3-replanning\n\n${tasks}`,
      // A report about a story states its key too: no story file.
      "_bmad-output/stories/validation-report-2-5-2.md":
        "# Validation Report: Story 2.5-2\n\n**Story Key:** 2.5-2-command-queue\n\n## Summary\n",
      // Titled "Tech Debt Story TD-6-2a", its status in a heading: a story by its id.
      "_bmad-output/stories/TD-6-2a.md": `# Tech Debt Story TD-6-2a: Hardening\n\n## Status: ready-for-dev\n\n${tasks}`,
      "src/a.ts": "export {};\n",
    });
    const { plan } = planProject(dir, { cache: false, env });
    expect(plan.stories.map((s) => [s.key, s.file])).toEqual([
      ["td-cross-2-baseline-cleanup", "_bmad-output/stories/TD-cross-2-baseline-cleanup.md"],
      ["2.5-1-event-stream-queue", "_bmad-output/stories/story-2.5-1.md"],
      ["2.5-2-command-queue", undefined],
      ["2.5-3-replanning", undefined],
      ["td-6-2a-constraint-hardening", "_bmad-output/stories/TD-6-2a.md"],
      ["3-1-login-page", "_bmad-output/stories/login-notes.md"],
      ["4-1-establish-registry", "_bmad-output/stories/central-4.md"],
    ]);
    expect(plan.warnings.join("\n")).not.toContain("td-cross-2-baseline-cleanup (line");
  });

  it("finds a track's story by the name it had before the track's word, by the word spelled out and by its whole title", () => {
    const tasks = "Status: ready-for-dev\n\n## Tasks / Subtasks\n\n- [ ] Edit `src/a.ts`\n";
    const dir = tempProject({
      [`${ART}/sprint-status.yaml`]: [
        "development_status:",
        "  orch-1-1-project-setup: ready-for-dev",
        "  wo-1-2-set-quantities: ready-for-dev",
        "  dl-1-5-state-feedback-panel: ready-for-dev",
        "  ops-2-1-data-export: ready-for-dev",
        "  2-1-data-export: ready-for-dev",
        "  a-3-1-cache-layer: ready-for-dev",
        "  b-4-1-report-page: ready-for-dev",
        "  8-9-perspectives-public-feedback: ready-for-dev",
        "",
      ].join("\n"),
      // Named before the keys had their track's word, or with the word spelled out.
      [`${ART}/1-1-project-setup.md`]: `# Story 1.1: Project Setup\n\n${tasks}`,
      [`${ART}/wholesale-order-1-2-set-quantities.md`]: `# Story 1.2: Quantities\n\n${tasks}`,
      // Named another way, titled with the track's id and the key's words.
      [`${ART}/stories/dl-1-5-story-5.md`]: `# Story dl-1.5: State Feedback Panel\n\n${tasks}`,
      // The key of that name has it.
      [`${ART}/2-1-data-export.md`]: `# Story 2.1: Data Export\n\n${tasks}`,
      // Two files of that name: neither.
      [`${ART}/x-3-1-cache-layer.md`]: `# Story 3.1: Cache\n\n${tasks}`,
      [`${ART}/y-3-1-cache-layer.md`]: `# Story 3.1: Cache\n\n${tasks}`,
      // No story: a review of it.
      [`${ART}/4-1-report-page.md`]: "# Review of the report page\n\nAll good.\n",
      // One word after its number, which the key has too.
      [`${ART}/stories/8-9-perspectives.md`]: `# Story 8.9: Perspectives\n\n${tasks}`,
      "src/a.ts": "export {};\n",
    });
    const { plan } = planProject(dir, { cache: false, env });
    expect(plan.stories.map((s) => [s.key, s.file])).toEqual([
      ["orch-1-1-project-setup", `${ART}/1-1-project-setup.md`],
      ["wo-1-2-set-quantities", `${ART}/wholesale-order-1-2-set-quantities.md`],
      ["dl-1-5-state-feedback-panel", `${ART}/stories/dl-1-5-story-5.md`],
      ["ops-2-1-data-export", undefined],
      ["2-1-data-export", `${ART}/2-1-data-export.md`],
      ["a-3-1-cache-layer", undefined],
      ["b-4-1-report-page", undefined],
      ["8-9-perspectives-public-feedback", `${ART}/stories/8-9-perspectives.md`],
    ]);
  });

  it("finds the file of a key cut short in the sprint file by the start of its name", () => {
    const tasks = "Status: done\n\n## Tasks / Subtasks\n\n- [x] Edit `src/a.ts`\n";
    const dir = tempProject({
      [`${ART}/sprint-status.yaml`]: [
        "development_status:",
        "  11-11-migrate-blazor-rendering-su: ready-for-dev",
        "  3-2-add: ready-for-dev",
        "  5-5-export-report-pd: ready-for-dev",
        "",
      ].join("\n"),
      [`${ART}/11-11-migrate-blazor-rendering-surface.md`]: `# Story 11.11: Migrate\n\n${tasks}`,
      // Too short a start to say which file it is (and two files have its number).
      [`${ART}/3-2-add-login-page.md`]: `# Story 3.2: Login\n\n${tasks}`,
      [`${ART}/3-2-remove-cache.md`]: `# Story 3.2: Cache\n\n${tasks}`,
      // Two files start with it: neither.
      [`${ART}/5-5-export-report-pdf.md`]: `# Story 5.5: Export\n\n${tasks}`,
      [`${ART}/5-5-export-report-pdf-old.md`]: `# Story 5.5: Export\n\n${tasks}`,
      "src/a.ts": "export {};\n",
    });
    const { plan } = planProject(dir, { cache: false, env });
    expect(plan.stories.map((s) => [s.key, s.file])).toEqual([
      ["11-11-migrate-blazor-rendering-su", `${ART}/11-11-migrate-blazor-rendering-surface.md`],
      ["3-2-add", undefined],
      ["5-5-export-report-pd", undefined],
    ]);
  });

  it("takes no document about a story for it by the new names: a review, a QA gate, a tech spec, a retro", () => {
    const tasks = "Status: done\n\n## Tasks / Subtasks\n\n- [x] Edit `src/a.ts`\n";
    const review = "# Code Review: Story\n\n**Status:** Approved\n";
    const dir = tempProject({
      [`${ART}/sprint-status.yaml`]: [
        "development_status:",
        "  4-1-export-report-csv: ready-for-dev",
        "  4-2-import-bank-file: ready-for-dev",
        "  orch-1-1-project-setup: ready-for-dev",
        "  orch-1-3-build-pipeline: ready-for-dev",
        "  orch-1-2-list-command: ready-for-dev",
        "  env-1-2-list-command: ready-for-dev",
        "  7-2-notifications: ready-for-dev",
        "  4-3-input-validation: ready-for-dev",
        "  wo-1-4-project-setup: in-progress",
        "",
      ].join("\n"),
      // A document of one word after the number shares a word too: the story still has its file.
      [`${ART}/4-3-form-input-validation.md`]: `# Story 4.3: Form input validation\n\n${tasks}`,
      [`${ART}/4-3-validation.md`]: "# Validation Report\n\nStatus: approved\n",
      // A started story's file of its very name elsewhere wins over one of its track's rest.
      "stories/wo-1-4-project-setup.md": `# Story WO-1.4: Project Setup\n\n${tasks}`,
      [`${ART}/1-4-project-setup.md`]: `# Story 1.4: Project Setup\n\n${tasks}`,
      // The story, found by its title, and a review whose name starts with the key.
      [`${ART}/4-1-export-report.md`]: `# Story 4.1: Export Report CSV\n\n${tasks}`,
      [`${ART}/4-1-export-report-csv-code-review.md`]: review,
      // No story yet: a QA gate and notes only.
      [`${ART}/4-2-import-bank-file-qa-gate.md`]: "# Story 4.2 QA Gate\n\nStatus: done\n",
      [`${ART}/4-2-import-notes.md`]: "# Notes\n\nStatus: done\n",
      // Documents named for the track's story, no story of it.
      [`${ART}/code-review-1-1-project-setup.md`]: review,
      [`${ART}/tech-spec-1-3-build-pipeline.md`]: "# Story 1.3 Tech Spec: Build\n\nStatus: Draft\n",
      // Two tracks' keys with one rest: the file is neither's.
      [`${ART}/1-2-list-command.md`]: `# Story 1.2: List Command\n\n${tasks}`,
      // A key of one word: the one story of its number, as a key of its number alone.
      [`${ART}/story-7.2-push-alerts.md`]: `# Story 7.2: Push alerts\n\n${tasks}`,
      "src/a.ts": "export {};\n",
    });
    const { plan } = planProject(dir, { cache: false, env });
    expect(plan.stories.map((s) => [s.key, s.file])).toEqual([
      ["4-1-export-report-csv", `${ART}/4-1-export-report.md`],
      ["4-2-import-bank-file", undefined],
      ["orch-1-1-project-setup", undefined],
      ["orch-1-3-build-pipeline", undefined],
      ["orch-1-2-list-command", undefined],
      ["env-1-2-list-command", undefined],
      ["7-2-notifications", `${ART}/story-7.2-push-alerts.md`],
      ["4-3-input-validation", `${ART}/4-3-form-input-validation.md`],
      ["wo-1-4-project-setup", "stories/wo-1-4-project-setup.md"],
    ]);
  });

  it("finds a started story's file of its own name outside the story folders, never a document's or one of two", () => {
    const dir = tempProject({
      [`${ART}/sprint-status.yaml`]: [
        "development_status:",
        "  story-6-construct-3d: ready-for-dev",
        "  1-2-backup-config: done",
        "  1-3-restore-config: done",
        "  1-4-later-thing: backlog",
        "  prd: done",
        "  architecture: in-progress",
        "  1-5-project-setup: in-progress",
        "  brief: in-progress",
        "",
      ].join("\n"),
      // A module's story of the same key, beside its own sprint file: that sprint's.
      "docs/modules/billing/sprint-status.yaml": "development_status:\n  1-5-project-setup: done\n",
      "docs/modules/billing/1-5-project-setup.md": story(
        "1.5: Billing setup",
        "- [ ] Edit `src/a.ts`",
      ),
      // A product named with the word: no story's title.
      "docs/brief.md": "# User Story Mapper - Brief\n\nStatus: Approved\n",
      "stories/story-6-construct-3d.md": story("6: Construct", "- [ ] Edit `src/a.ts`"),
      // The stories kept beside a second sprint file.
      "docs/implementation-artifacts/1-2-backup-config.md": story(
        "1.2: Backup",
        "- [ ] Edit `src/a.ts`",
      ),
      // Two of one name, one in an archive: the other; two live ones: neither.
      "docs/implementation-artifacts/1-3-restore-config.md": story("1.3", "- [ ] Edit `src/a.ts`"),
      "notes/1-3-restore-config.md": story("1.3", "- [ ] Edit `src/a.ts`"),
      "docs/archive/1-2-backup-config.md": story("1.2 (old)", "- [ ] Edit `src/a.ts`"),
      // A backlog story has no file yet: none is looked for.
      "docs/implementation-artifacts/1-4-later-thing.md": story("1.4", "- [ ] Edit `src/a.ts`"),
      // A document of a key's name is no story, whatever its status line says.
      "docs/prd.md": "# Product Requirements\n\n**Status:** Approved\n",
      "docs/planning/architecture.md": "# Architecture\n\nStatus: Draft\n\n- `src/a.ts`\n",
      "src/a.ts": "export {};\n",
    });
    const { config } = loadConfig(dir, { env });
    const files = discoverBmad(dir, config);
    const sprintFile = path.join(dir, files.sprintStatus);
    const parsed = parseSprintStatus(readFileSync(sprintFile, "utf8"), files.sprintStatus);
    const { sprint, storyFiles } = withStoryFiles(dir, files, parsed);
    expect(sprint.entries.map((e) => [e.key, e.kind, storyFiles.find(e.key) ?? null])).toEqual([
      ["story-6-construct-3d", "story", "stories/story-6-construct-3d.md"],
      ["1-2-backup-config", "story", "docs/implementation-artifacts/1-2-backup-config.md"],
      ["1-3-restore-config", "story", null],
      ["1-4-later-thing", "story", null],
      ["prd", "other", null],
      ["architecture", "other", null],
      ["1-5-project-setup", "story", null],
      ["brief", "other", null],
    ]);
  });

  it("passes over an empty sprint file at the first usual place for one that lists stories, and says so", () => {
    const dir = tempProject({
      [`${ART}/sprint-status.yaml`]: "# generated\ndevelopment_status: {}\n",
      "docs/sprint-status.yaml": "development_status:\n  1-1-alpha: ready-for-dev\n",
      "docs/stories/1-1-alpha.md": story("1.1: Alpha", "- [ ] Edit `src/a.ts`"),
    });
    const { plan } = planProject(dir, { cache: false, env });
    expect(plan.sources).toContain(
      `sprint status: docs/sprint-status.yaml (${ART}/sprint-status.yaml, the first of the usual places, lists no story: set bmad.paths.sprintStatus in athena.json to plan another)`,
    );
    expect(plan.stories.map((s) => s.key)).toEqual(["1-1-alpha"]);
    // The other cannot be read: the empty one is planned, not traded for an error.
    const broken = tempProject({
      [`${ART}/sprint-status.yaml`]: "development_status:\n",
      "docs/sprint-status.yaml": "development_status: soon\n",
    });
    expect(planProject(broken, { cache: false, env }).plan.sources).toContain(
      `sprint status: ${ART}/sprint-status.yaml (the first of the usual places; also docs/sprint-status.yaml: set bmad.paths.sprintStatus in athena.json to plan that one)`,
    );
    // Every usual place empty: the first is planned, as before.
    const empty = tempProject({
      [`${ART}/sprint-status.yaml`]: "development_status: {}\n",
      "docs/sprint-status.yaml": "development_status: {}\n",
    });
    expect(planProject(empty, { cache: false, env }).plan.sources).toContain(
      `sprint status: ${ART}/sprint-status.yaml (the first of the usual places; also docs/sprint-status.yaml: set bmad.paths.sprintStatus in athena.json to plan that one)`,
    );
  });

  it("reads a stories folder written with ./ as the same folder", () => {
    const dir = tempProject({
      "athena.json": JSON.stringify({ bmad: { paths: { stories: "./docs/stories/" } } }),
      "docs/sprint-status.yaml": "development_status:\n  1-1-user-login: ready-for-dev\n",
      "docs/stories/story-1-1-user-login.md": story("1.1: Login", "- [ ] Edit `src/a.ts`"),
    });
    const { plan } = planProject(dir, { ids: ["1.1"], cache: false, env });
    expect(plan.stories[0]?.file).toBe("docs/stories/story-1-1-user-login.md");
  });

  it("reads a File List written beside the Dev Agent Record as the agent's, and one in Dev Notes as a plan", () => {
    const doc = parseStory(
      [
        "# Story 1.1: Alpha",
        "",
        "## Dev Notes",
        "",
        "### File List",
        "",
        "- `src/planned.ts`",
        "",
        "## Dev Agent Record",
        "",
        "### Completion Notes",
        "",
        "Done.",
        "",
        "## File List",
        "",
        "- `src/written.ts`",
        "",
      ].join("\n"),
    );
    const place = (p: string) => doc.mentions.find((m) => m.path === p)?.place;
    expect(place("src/written.ts")).toBe("record");
    expect(place("src/planned.ts")).toBe("files");
  });

  it("reads a File List beside a Dev Agent Record kept inside Dev Notes as the agent's", () => {
    const doc = parseStory(
      [
        "# Story 2.1: Beta",
        "",
        "## Dev Notes",
        "",
        "### File List",
        "",
        "- `src/planned.ts`",
        "",
        "### Dev Agent Record",
        "",
        "### Completion Notes List",
        "",
        "- Done.",
        "",
        "### File List",
        "",
        "- `src/written.ts`",
        "",
        "## Dev Notes",
        "",
        "### File List",
        "",
        "- `src/later.ts`",
        "",
      ].join("\n"),
    );
    const place = (p: string) => doc.mentions.find((m) => m.path === p)?.place;
    expect(place("src/written.ts")).toBe("record");
    // Before the record, or in another Dev Notes section: a plan.
    expect(place("src/planned.ts")).toBe("files");
    expect(place("src/later.ts")).toBe("files");
  });
});

import { describe, expect, it } from "vitest";
import { parseSprintStatus } from "../src/bmad/sprint-status.ts";
import { replaceStatus } from "../src/bmad/sprint-writer.ts";
import { InputError } from "../src/util/errors.ts";

const TEXT = `# generated: 2025-06-05
# STATUS DEFINITIONS: kept on every write
generated: 2025-06-05
project: My Project
story_location: "{project-root}/_bmad-output/implementation-artifacts"

development_status:
  # Epic 1
  epic-1: in-progress
  1-1-user-authentication: done
  1-2-account-management: ready-for-dev
  1-3-plant-data-model: drafted
  1-4-odd: blocked-by-legal
  epic-1-retrospective: optional
`;

describe("parseSprintStatus", () => {
  it("reads every entry with its kind, status and line", () => {
    const sprint = parseSprintStatus(TEXT, "s.yaml");
    expect(sprint.entries.map((e) => [e.key, e.kind, e.status, e.line])).toEqual([
      ["epic-1", "epic", "in-progress", 9],
      ["1-1-user-authentication", "story", "done", 10],
      ["1-2-account-management", "story", "ready-for-dev", 11],
      ["1-3-plant-data-model", "story", "drafted", 12],
      ["1-4-odd", "story", "blocked-by-legal", 13],
      ["epic-1-retrospective", "retrospective", "optional", 14],
    ]);
  });

  it("keeps unknown statuses and warns about them with their line", () => {
    const sprint = parseSprintStatus(TEXT, "s.yaml");
    expect(sprint.warnings).toEqual([
      's.yaml:13: unknown status "blocked-by-legal" for 1-4-odd (kept as it is)',
    ]);
  });

  it("names the first ten unknown statuses, each on one line cut short, and counts the rest with their lines", () => {
    // A sprint file that keeps fields beside its stories: a ticket, a date, a paragraph each.
    const fields = Array.from({ length: 14 }, (_, i) => [
      `  e1-${i + 1}-story-${i + 1}: done`,
      `  e1-${i + 1}-jira-id: SCRUM-${i + 1}`,
    ]).flat();
    const text = [
      "development_status:",
      "  epic-1-notes: |",
      "    All nine stories completed, with every one of their acceptance criteria met in full.",
      "    Key deliverables:",
      ...fields,
      "",
    ].join("\n");
    const sprint = parseSprintStatus(text, "s.yaml");
    expect(sprint.warnings).toEqual([
      's.yaml:2: unknown status "All nine stories completed, with every one of their acceptan…" for epic-1-notes (kept as it is)',
      ...Array.from(
        { length: 9 },
        (_, i) =>
          `s.yaml:${6 + 2 * i}: unknown status "SCRUM-${i + 1}" for e1-${i + 1}-jira-id (kept as it is)`,
      ),
      "s.yaml: 5 more entries have statuses BMAD does not know (kept as they are), at lines 24, 26, 28, 30, 32",
    ]);
    // Every entry is still read, as it is.
    expect(sprint.entries.find((e) => e.key === "e1-14-jira-id")?.status).toBe("SCRUM-14");
    // One paragraph's first line, and the mark that says it goes on.
    const short = parseSprintStatus(
      "development_status:\n  1-1-a: |\n    on hold\n    for now\n",
      "s.yaml",
    );
    expect(short.warnings).toEqual([
      's.yaml:2: unknown status "on hold…" for 1-1-a (kept as it is)',
    ]);
    // A paragraph that opens with a blank line shows its first text; an emoji at the cut stays
    // whole or goes; one entry past ten is one line.
    const odd = parseSprintStatus(
      [
        "development_status:",
        "  1-1-a: |",
        "",
        "    on hold",
        `  1-2-b: ${"x".repeat(59)}😀😀`,
        ...Array.from({ length: 9 }, (_, i) => `  2-${i + 1}-c: odd`),
        "",
      ].join("\n"),
      "s.yaml",
    ).warnings;
    expect(odd.slice(0, 2)).toEqual([
      's.yaml:2: unknown status "on hold" for 1-1-a (kept as it is)',
      `s.yaml:5: unknown status "${"x".repeat(59)}😀…" for 1-2-b (kept as it is)`,
    ]);
    expect(odd.at(-1)).toBe(
      "s.yaml: 1 more entry has a status BMAD does not know (kept as it is), at line 14",
    );
  });

  it("reads a status typed before a comment without its space as that status", () => {
    // YAML reads `done# Updated 2026-01-02` as one value: a comment wants a space before it.
    const text =
      "development_status:\n  3-16-rtf-editing: done# Updated 2026-01-02\n  3-17-b: review#\n";
    const sprint = parseSprintStatus(text, "s.yaml");
    expect(sprint.entries.map((e) => [e.key, e.status])).toEqual([
      ["3-16-rtf-editing", "done"],
      ["3-17-b", "review"],
    ]);
    expect(sprint.warnings).toEqual([]);
    // Its status is written in place, and the note gets the space that makes it a comment.
    const after = replaceStatus(text, "s.yaml", { key: "3-17-b", status: "done" }).text;
    expect(after).toBe(text.replace("3-17-b: review#", "3-17-b: done #"));
    expect(parseSprintStatus(after, "s.yaml").entries.map((e) => e.status)).toEqual([
      "done",
      "done",
    ]);
    // In braces a `#` starts no comment: the value is replaced whole there. After a mark or
    // a space, a `#` is no glued comment: the value stays unknown, and is not written.
    const braced = "development_status:\n  1-1-a: {status: ready-for-dev#x, points: 3}\n";
    expect(parseSprintStatus(braced, "s.yaml").entries[0]?.status).toBe("ready-for-dev");
    expect(replaceStatus(braced, "s.yaml", { key: "1-1-a", status: "in-progress" }).text).toBe(
      "development_status:\n  1-1-a: {status: in-progress, points: 3}\n",
    );
    const marked = "development_status:\n  1-1-a: done ✅# Updated\n  1-2-b: done\u3000# 注\n";
    expect(parseSprintStatus(marked, "s.yaml").entries.map((e) => e.status)).toEqual([
      "done ✅# Updated",
      "done\u3000# 注",
    ]);
  });

  it("reads a person's spelling of a known status as that status", () => {
    const text =
      "development_status:\n  epic-9: In progress\n  9-1-a: in progress\n  9-2-b: Done\n  9-3-c: ready_for_dev\n  9-4-d: in progress now\n  9-5-e: deployed\n  9-6-f: Shipped\n";
    const sprint = parseSprintStatus(text, "s.yaml");
    expect(sprint.entries.map((e) => e.status)).toEqual([
      "in-progress",
      "in-progress",
      "done",
      "ready-for-dev",
      "in progress now",
      // Past done: done, to the plan (a dependency on it is met; it is not run again).
      "done",
      "done",
    ]);
    expect(sprint.warnings).toEqual([
      's.yaml:6: unknown status "in progress now" for 9-4-d (kept as it is)',
    ]);
    // The writer changes the value as the file spells it.
    const { text: after } = replaceStatus(text, "s.yaml", { key: "9-1-a", status: "review" });
    expect(after).toBe(text.replace("9-1-a: in progress", "9-1-a: review"));
  });

  it("reads CRLF files with a byte-order mark", () => {
    const sprint = parseSprintStatus(`\uFEFF${TEXT.replaceAll("\n", "\r\n")}`, "s.yaml");
    expect(sprint.entries).toHaveLength(6);
    expect(sprint.entries[1]?.line).toBe(10);
  });

  it("names the line and column of a syntax error", () => {
    const broken = TEXT.replace(
      "  1-2-account-management: ready-for-dev",
      '  1-2-account-management: "ready-for-dev',
    );
    const error = (() => {
      try {
        parseSprintStatus(broken, "s.yaml");
      } catch (e) {
        return e as InputError;
      }
    })();
    expect(error).toBeInstanceOf(InputError);
    expect(error?.file).toBe("s.yaml");
    expect(error?.line).toBeGreaterThanOrEqual(11);
    expect(error?.format()).toMatch(/^s\.yaml:\d+:\d+: sprint-status\.yaml does not parse/);
  });

  it("says a sprint summary written in Markdown is not the YAML sprint file", () => {
    const summary = [
      "# Sprint Status - Legal Dashboard",
      "",
      "**Generated:** 2026-04-08 with a long note that goes on and on past sixty characters",
      "",
      "| Story | Status |",
      "|-------|--------|",
      "| 1-1 | ✅ done |",
      "",
    ].join("\n");
    expect(() => parseSprintStatus(summary, "s.yaml")).toThrow(
      "sprint-status.yaml is Markdown, not YAML (line 3: `**Generated:** 2026-04-08 with a long note that goes on and…`): athena-parallel reads BMAD's sprint file, YAML with a `development_status:` mapping of story key: status, as sprint-planning writes it",
    );
    // A YAML sprint file broken on a line Markdown also writes is a YAML error as before.
    const broken = 'notes: |\n  **Owner:** Ann\ndevelopment_status:\n  1-1-a: "done\n';
    expect(() => parseSprintStatus(broken, "s.yaml")).toThrow(/^sprint-status.yaml does not parse/);
    // ...and so is one that starts with a byte-order mark.
    expect(() =>
      parseSprintStatus('\uFEFFdevelopment_status:\n  1-1-a: "done\n**1-2-b**: done\n', "s.yaml"),
    ).toThrow(/^sprint-status.yaml does not parse/);
  });

  it("names the line a syntax error is about where the parser reports another", () => {
    const refusal = (lines: string[]) => {
      const text = ["development_status:", "  epic-1: in-progress", ...lines, ""].join("\n");
      try {
        parseSprintStatus(text, "s.yaml");
      } catch (e) {
        return (e as InputError).format();
      }
      return "parsed";
    };
    // The parser blames the entry above an over-indented one, and the line after an open `[`.
    expect(refusal(["  1-1-a: done", "    blocked by: QA", "  1-3-c: backlog"])).toMatch(
      /^s\.yaml:4:5: .*this line is indented more than the entry above it/,
    );
    expect(refusal(["  1-1-a: [done", "  1-3-c: backlog"])).toMatch(
      /^s\.yaml:3:10: .*a \[ opened on this line is not closed on it/,
    );
    expect(refusal(["  1-1-a: 'done", "  1-3-c: backlog", "  1-4-d: done"])).toMatch(
      /^s\.yaml:3:10: .*a ' opened on this line is not closed on it/,
    );
    // A mark typed before an entry's indentation (a stray key press), however far in the entry
    // stands after it: read at the indentation of the entry below, and named; the status is
    // still written in its own bytes.
    for (const [marked, mark] of [
      ["´  1-2-b: done", "´"],
      ["§ 1-2-b: done", "§"],
      ["´´ 1-2-b: done", "´´"],
      ["´    1-2-b: done", "´"],
    ] as const) {
      const text = [
        "development_status:",
        "  epic-1: in-progress",
        "  1-1-a: done",
        marked,
        "  1-3-c: backlog",
        "",
      ].join("\n");
      const sprint = parseSprintStatus(text, "s.yaml");
      expect(sprint.entries.map((e) => e.key)).toEqual(["epic-1", "1-1-a", "1-2-b", "1-3-c"]);
      expect(sprint.warnings).toEqual([
        `s.yaml:4: \`${mark}\` typed before the entry's indentation (a stray key press?); read as if it were not there, at the indentation of the entry below it (the file is left as it is)`,
      ]);
      const { text: after } = replaceStatus(text, "s.yaml", {
        key: "1-2-b",
        status: "review",
        force: true,
      });
      expect(after).toBe(text.replace(`${marked}\n`, `${marked.replace("done", "review")}\n`));
    }
    // After a block's last line, where the line belongs is no longer plain (`´   status: done`
    // under a story's mapping, over the next story): refused, naming the mark, as before.
    for (const tail of [
      ["  1-1-a:", "    story_file: a.md", "´   status: done", "  1-2-b: backlog"],
      ["  epic-1:", "    1-1-a: done", "´   1-2-b: done", "  epic-2:", "    2-1-c: backlog"],
    ])
      expect(refusal(tail)).toMatch(
        /^s\.yaml:\d+:1: .*this entry's line starts with `´` before its indentation \(a stray key press\?\); remove it/,
      );
    // Too far out to stand at the entries' indentation (`´1-2-b` over entries at four): refused,
    // naming the mark.
    expect(
      (() => {
        try {
          parseSprintStatus(
            "development_status:\n    1-1-a: done\n´ 1-2-b: done\n    1-3-c: backlog\n",
            "s.yaml",
          );
        } catch (e) {
          return (e as InputError).format();
        }
      })(),
    ).toMatch(
      /^s\.yaml:3:1: .*this entry's line starts with `´` before its indentation \(a stray key press\?\); remove it/,
    );
    // A mark that is YAML's own (a list item's dash, an anchor, a tag) before a story's key is
    // named too; a list item of a layout that lists its stories is not blamed for a field's
    // indentation below it.
    expect(
      (() => {
        try {
          parseSprintStatus(
            "stories:\n- id: 1.1\n  status: done\n- id: 1.2\n   status: done\n  title: x\n",
            "s.yaml",
          );
        } catch (e) {
          return (e as InputError).format();
        }
      })(),
    ).toMatch(/^s\.yaml:5:4: .*this line is indented more than the entry above it/);
    for (const [marked, mark] of [
      ["-   1-2-b: done", "-"],
      ["&a  1-2-b: done", "&a"],
      ["!!str   1-2-b: done", "!!str"],
    ])
      expect(refusal(["  1-1-a: done", marked ?? "", "  1-3-c: backlog"])).toContain(
        `s.yaml:4:1: sprint-status.yaml does not parse: this entry's line starts with \`${mark}\` before its indentation (which YAML reads as its own syntax); remove it`,
      );
  });

  it("names a story's entry that lost its indentation to the top level, where YAML reads it silently", () => {
    const read = (lines: string[]) =>
      parseSprintStatus(
        ["development_status:", "  1-1-a: done", ...lines, ""].join("\n"),
        "s.yaml",
      );
    const dedented = read(["1-2-b: review", "generated: 2026-01-01"]);
    expect(dedented.entries.map((e) => e.key)).toEqual(["1-1-a"]);
    expect(dedented.warnings).toEqual([
      "s.yaml:3: `1-2-b` stands at the top level of the file, outside `development_status:`; not read (indent it as the entries above it to plan it)",
    ]);
    // On the last line a typed mark breaks no syntax: the story is named, with the mark.
    expect(read(["´  1-2-b: done"]).warnings).toEqual([
      "s.yaml:3: `1-2-b` stands at the top level of the file, outside `development_status:` (a mark typed before it?); not read (indent it as the entries above it to plan it)",
    ]);
    // Entries under another key of the top level (a `notes:` left empty above them, a block of
    // fixes) belong to that key: named, not read.
    const underNotes = read([
      "notes:",
      "  1-2-b: done",
      "standalone_fixes:",
      "  fix-1-a: done",
      "  fix-2-b: backlog",
      "  owner: ana",
    ]);
    expect(underNotes.entries.map((e) => e.key)).toEqual(["1-1-a"]);
    expect(underNotes.warnings).toEqual([
      "s.yaml:3: `notes:` holds a story's entry (`1-2-b`), outside `development_status:`; not read (move it under `development_status:` to plan it)",
      "s.yaml:5: `standalone_fixes:` holds 2 stories' entries (`fix-1-a`, ...), outside `development_status:`; not read (move them under `development_status:` to plan them)",
    ]);
    // Under a setting that has a value of its own, each entry is named with where it belongs.
    expect(read(["notes: x", "  1-2-b: done"]).warnings).toEqual([
      "s.yaml:4: `1-2-b` is indented under `notes:`, a setting at the top level of the file, outside `development_status:`; the line is left as it is and not read (move it under `development_status:` to plan it)",
    ]);
    // A setting that holds no story's entry is the file's own.
    expect(read(["meta:", "  owner: ana", "  sprint: 3"]).warnings).toEqual([]);
    // YAML's mark of a complex key before an entry takes it, and the entries below, out of
    // the block without an error.
    const complex = read(["?   1-2-b: done", "  1-3-c: backlog"]);
    expect(complex.entries.map((e) => e.key)).toEqual(["1-1-a"]);
    expect(complex.warnings).toEqual([
      "s.yaml:3: a key at the top level of the file that is not a word (a `?` typed before an entry?); the entries in it and under it are not read",
    ]);
  });

  it("reads an entry typed one space deeper than the entries around it at theirs, and writes it in place", () => {
    const text =
      "development_status:\n  epic-1: in-progress\n  1-4-b: done\n   1-5-a: ready-for-dev\n\n  # next\n  1-6-c: done\n";
    const sprint = parseSprintStatus(text, "s.yaml");
    expect(sprint.entries.map((e) => [e.key, e.status, e.line])).toEqual([
      ["epic-1", "in-progress", 2],
      ["1-4-b", "done", 3],
      ["1-5-a", "ready-for-dev", 4],
      ["1-6-c", "done", 7],
    ]);
    expect(sprint.warnings).toEqual([
      "s.yaml:4: indented one space more than the entries around it; read as if indented 2, as they are (the file is left as it is)",
    ]);
    expect(replaceStatus(text, "s.yaml", { key: "1-5-a", status: "in-progress" }).text).toBe(
      text.replace("   1-5-a: ready-for-dev", "   1-5-a: in-progress"),
    );
    // Two such lines together: both read, named once.
    const two = parseSprintStatus(
      "development_status:\n  1-4-b: done\n   1-5-a: done\n   1-5-b: done\n  1-6-c: done\n",
      "s.yaml",
    );
    expect(two.entries.map((e) => e.key)).toEqual(["1-4-b", "1-5-a", "1-5-b", "1-6-c"]);
    expect(two.warnings).toEqual([
      "s.yaml:3-4: indented one space more than the entries around them; read as if indented 2, as they are (the file is left as it is)",
    ]);
    // The block's last entries, before the file's end or a line further out, too.
    for (const end of ["", "project: x\n"])
      expect(
        parseSprintStatus(
          `development_status:\n  1-4-b: done\n\n   epic-2: done\n   2-1-a: done\n${end}`,
          "s.yaml",
        ).entries.map((e) => e.key),
      ).toEqual(["1-4-b", "epic-2", "2-1-a"]);
    // One space under a field of a story's mapping: where it belongs is no plain matter, and
    // it is left out and named, as before.
    const underField = parseSprintStatus(
      "development_status:\n  1-1-a:\n    status: done\n     1-2-b: done\n  1-3-c: done\n",
      "s.yaml",
    );
    expect(underField.entries.map((e) => e.key)).toEqual(["1-1-a", "1-3-c"]);
    expect(underField.unread).toEqual([4]);
    // A level deeper is a sub-story nested by hand: left out and named, as before.
    expect(
      parseSprintStatus(
        "development_status:\n  1-4-b: done\n    1-4-1-x: done\n  1-6-c: done\n",
        "s.yaml",
      ).unread,
    ).toEqual([3]);
  });

  it("reads a block's first entries typed deeper than the rest at the rest's indentation, and writes them in place", () => {
    // The first entry one space deeper: YAML takes the block's column from it and refuses
    // every entry after.
    const lines = [
      "development_status:",
      "   epic-0: in-progress",
      "  0-1-a: done",
      "  0-2-b: ready-for-dev # next",
      "",
    ];
    const text = lines.join("\n");
    const sprint = parseSprintStatus(text, "s.yaml");
    expect(sprint.entries.map((e) => [e.key, e.status, e.line])).toEqual([
      ["epic-0", "in-progress", 2],
      ["0-1-a", "done", 3],
      ["0-2-b", "ready-for-dev", 4],
    ]);
    expect(sprint.warnings).toEqual([
      "s.yaml:2: indented 3 spaces where the line after it has 2, in the same block; read as if indented 2 (the file is left as it is)",
    ]);
    // Its status is written where it is in the file, its spaces kept; the others' too.
    expect(replaceStatus(text, "s.yaml", { key: "epic-0", status: "done" }).text).toBe(
      text.replace("   epic-0: in-progress", "   epic-0: done"),
    );
    expect(replaceStatus(text, "s.yaml", { key: "0-2-b", status: "in-progress" }).text).toBe(
      text.replace("0-2-b: ready-for-dev", "0-2-b: in-progress"),
    );
    // Settings at two spaces after `---`, the rest of the file at none.
    const header = parseSprintStatus(
      "---\n  generated: 2026-04-20\n  last_updated: 2026-07-17  # a note\nproject: flow\ndevelopment_status:\n  1-1-a: done\n",
      "s.yaml",
    );
    expect(header.entries.map((e) => [e.key, e.status])).toEqual([["1-1-a", "done"]]);
    expect(header.warnings).toEqual([
      "s.yaml:2-3: indented 2 spaces where the line after them has 0, in the same block; read as if indented 0 (the file is left as it is)",
    ]);
    // An entry deeper than the one above it, which has a value, is no block's first: left out
    // and named as before.
    const nested = parseSprintStatus(
      "development_status:\n  epic-1: done\n    1-1-a: done\n  1-2-b: backlog\n",
      "s.yaml",
    );
    expect(nested.entries.map((e) => e.key)).toEqual(["epic-1", "1-2-b"]);
    expect(nested.unread).toEqual([3]);
    // Lines above that are no entries of a value (a key over its own fields) are the file's
    // shape, and refused.
    expect(() =>
      parseSprintStatus(
        "development_status:\n    1-1-a:\n      status: done\n  1-2-b: backlog\n",
        "s.yaml",
      ),
    ).toThrow(/^sprint-status.yaml does not parse/);
    // Under a story's or an epic's own mapping, the deeper lines are its fields: realigning
    // them would make the stories below fields too. Refused as before.
    for (const mapping of [
      "development_status:\n  1-1-a:\n    status: done\n    story_file: s/1-1-a.md\n   1-2-b: backlog\n   1-3-c: backlog\n",
      "development_status:\n  epic-1:\n      status: in-progress\n    1-1-a: done\n    1-1-b: review\n",
    ])
      expect(() => parseSprintStatus(mapping, "s.yaml")).toThrow(
        /^sprint-status.yaml does not parse/,
      );
    // The lines at the block's own column after a blank line and a comment, where YAML puts
    // its error: read the same, and the status written in place.
    const spaced = [
      "development_status:",
      "    # Epic 1",
      "    epic-1: done",
      "    1-1-a: ready-for-dev",
      "",
      "  # Epic 2",
      "  epic-2: in-progress",
      "  2-1-b: ready-for-dev",
      "",
    ].join("\n");
    const read = parseSprintStatus(spaced, "s.yaml");
    expect(read.entries.map((e) => [e.key, e.status, e.line])).toEqual([
      ["epic-1", "done", 3],
      ["1-1-a", "ready-for-dev", 4],
      ["epic-2", "in-progress", 7],
      ["2-1-b", "ready-for-dev", 8],
    ]);
    expect(read.warnings).toEqual([
      "s.yaml:3-4: indented 4 spaces where the line after them has 2, in the same block; read as if indented 2 (the file is left as it is)",
    ]);
    expect(replaceStatus(spaced, "s.yaml", { key: "1-1-a", status: "in-progress" }).text).toBe(
      spaced.replace("    1-1-a: ready-for-dev", "    1-1-a: in-progress"),
    );
    // A block broken otherwise is refused at its line, not at the blank line YAML names.
    expect(() =>
      parseSprintStatus("development_status:\n    1-1-a: done\n\n  # x\n  1-2-b:\n", "s.yaml"),
    ).toThrow(expect.objectContaining({ line: 5 }));
    // Every setting typed deeper, then the entries' block at none, with or without `---`.
    for (const opening of ["---\n", ""])
      expect(
        parseSprintStatus(
          `${opening}  generated: x\n  project: y\n\ndevelopment_status:\n  1-1-a: done\n`,
          "s.yaml",
        ).entries.map((e) => e.key),
      ).toEqual(["1-1-a"]);
    // A byte-order mark before the `---` is no obstacle.
    expect(
      parseSprintStatus(
        "\uFEFF---\n  generated: x\n  project: y\nproject_key: z\ndevelopment_status:\n  1-1-a: done\n",
        "s.yaml",
      ).entries.map((e) => e.key),
    ).toEqual(["1-1-a"]);
    // A lone line at another column may be the one mistyped: refused as before (see below).
    expect(() =>
      parseSprintStatus("development_status:\n   1-1-a: done\n  1-2-b: backlog\n", "s.yaml"),
    ).toThrow(/^sprint-status.yaml does not parse/);
  });

  it("reads entries typed with a full-width colon under development_status, and writes them as typed", () => {
    const lines = [
      "metadata:",
      "  note: 完整核心循环：奔跑", // prose in a value: YAML's
      "development_status:",
      "  epic-1: done",
      "  1-1-作为玩家我可以起跳：done",
      "  1-2-按 Chunk 生成地形：ready-for-dev  # 下一个",
      "  1-3-c: backlog",
      "",
    ];
    const text = lines.join("\r\n");
    const sprint = parseSprintStatus(text, "s.yaml");
    expect(sprint.entries.map((e) => [e.key, e.status, e.line])).toEqual([
      ["epic-1", "done", 4],
      ["1-1-作为玩家我可以起跳", "done", 5],
      ["1-2-按 Chunk 生成地形", "ready-for-dev", 6],
      ["1-3-c", "backlog", 7],
    ]);
    expect(sprint.warnings).toEqual([
      "s.yaml: 2 entries part their key and status with a full-width colon (U+FF1A), lines 5, 6; read as YAML's colon (the file is left as it is)",
    ]);
    expect(
      replaceStatus(text, "s.yaml", { key: "1-2-按 Chunk 生成地形", status: "in-progress" }).text,
    ).toBe(text.replace("生成地形：ready-for-dev", "生成地形：in-progress"));
    // Spaces an input method types around the colon, full-width too, are no part of the key
    // or the status; a `#` is a comment after a space only, as YAML reads one, and a status
    // typed before a `#` without its space is still read (`done# Updated 2026-01-02`).
    const spaced =
      "\uFEFFdevelopment_status:\n  1-1-作为玩家\u3000：ready-for-dev\n  1-2-b：done\u3000# 注\n  1-3-c：ready-for-dev#2\n";
    expect(parseSprintStatus(spaced, "s.yaml").entries.map((e) => [e.key, e.status])).toEqual([
      ["1-1-作为玩家", "ready-for-dev"],
      ["1-2-b", "done"],
      ["1-3-c", "ready-for-dev"],
    ]);
    expect(replaceStatus(spaced, "s.yaml", { key: "1-1-作为玩家", status: "review" }).text).toBe(
      spaced.replace("\u3000：ready-for-dev", "\u3000：review"),
    );
    expect(
      replaceStatus(spaced, "s.yaml", { key: "1-2-b", status: "review", force: true }).text,
    ).toBe(spaced.replace("1-2-b：done", "1-2-b：review"));
    // An input method that typed the indentation too: the full-width spaces are read as spaces.
    expect(
      parseSprintStatus(
        "development_status:\n\u3000 1-1-a：done\n  1-2-b: backlog\n",
        "s.yaml",
      ).entries.map((e) => [e.key, e.status]),
    ).toEqual([
      ["1-1-a", "done"],
      ["1-2-b", "backlog"],
    ]);
    // Only the file's own block, and only keys of stories, epics and retrospectives: a block of
    // text, another mapping's block and a line of prose are left to YAML, as before.
    for (const other of [
      "notes: |\n  Example:\n  development_status:\n    1-1-a：done\ndevelopment_status:\n  1-2-b: backlog\n",
      "epics:\n  one:\n    development_status:\n      1-1-a：done\ndevelopment_status:\n  1-2-b: backlog\n",
      "development_status:\n  注意 以下故事已完成：全部\n  1-2-b: backlog\n",
      "development_status:\n  &a 1-1-a：done\n  1-2-b: backlog\n",
    ])
      expect(parseSprintStatus(other, "s.yaml").entries.map((e) => e.key)).toEqual(["1-2-b"]);
    // The last of a key's lines counts, even one with no status.
    const twice = parseSprintStatus("development_status:\n  1-1-a：done\n  1-1-a:\n", "s.yaml");
    expect(twice.entries).toEqual([]);
    expect(twice.warnings).toContain(
      's.yaml:2: "1-1-a" appears again at line 3; the last one counts',
    );
  });

  it("refuses to write a status YAML reads on past its line, leaving the file as it is", () => {
    // A line below indented deeper joins the value above it (a full-width entry's line,
    // blanked for YAML, lies between): replacing the value would delete those lines.
    const text =
      "development_status:\n  1-1-a: review\n  1-1-b：done\n    (merged)\n  1-2-c: backlog\n";
    expect(parseSprintStatus(text, "s.yaml").entries.map((e) => [e.key, e.status])).toEqual([
      ["1-1-a", "review"],
      ["1-1-b", "done"],
      ["1-2-c", "backlog"],
    ]);
    expect(() => replaceStatus(text, "s.yaml", { key: "1-1-a", status: "done" })).toThrow(
      /the status of "1-1-a" runs on to the next line/,
    );
    expect(replaceStatus(text, "s.yaml", { key: "1-2-c", status: "ready-for-dev" }).text).toBe(
      text.replace("1-2-c: backlog", "1-2-c: ready-for-dev"),
    );
  });

  it("reads a non-breaking or full-width space in an entry's indentation as the space it looks like, naming the line", () => {
    const lines = [
      "development_status:",
      "  epic-1: in-progress",
      "  1-1-a: done",
      "\u00a0 1-2-b: review", // Option-Space, then a space
      "  1-3-c: ready-for-dev",
      " \u00a01-4-d: backlog",
      "\u3000\u30001-5-e: ready-for-dev", // an input method's full-width spaces
      "  1-6-f: backlog",
      "",
    ];
    const text = lines.join("\n");
    const sprint = parseSprintStatus(text, "s.yaml");
    expect(sprint.entries.map((e) => [e.key, e.status, e.line])).toEqual([
      ["epic-1", "in-progress", 2],
      ["1-1-a", "done", 3],
      ["1-2-b", "review", 4],
      ["1-3-c", "ready-for-dev", 5],
      ["1-4-d", "backlog", 6],
      ["1-5-e", "ready-for-dev", 7],
      ["1-6-f", "backlog", 8],
    ]);
    expect(sprint.warnings).toEqual([
      "s.yaml:4: the line's indentation holds a non-breaking space (U+00A0); read as a plain space (the file is left as it is)",
      "s.yaml:6: the line's indentation holds a non-breaking space (U+00A0); read as a plain space (the file is left as it is)",
      "s.yaml:7: the line's indentation holds a full-width space (U+3000); read as a plain space (the file is left as it is)",
    ]);
    // A status written to such an entry replaces the value's bytes only: the spaces stay.
    const written = replaceStatus(text, "s.yaml", { key: "1-5-e", status: "in-progress" }).text;
    expect(written).toBe(
      text.replace("\u3000\u30001-5-e: ready-for-dev", "\u3000\u30001-5-e: in-progress"),
    );
    expect(replaceStatus(text, "s.yaml", { key: "1-2-b", status: "done" }).text).toBe(
      text.replace("\u00a0 1-2-b: review", "\u00a0 1-2-b: done"),
    );
    // The same space inside a value, a comment or a block of text is the author's text, read
    // as before.
    const inValue = parseSprintStatus(
      "notes: |\n  a line\n  \u00a0indented text\ndevelopment_status:\n  1-1-a: done # by\u00a0Ana\n  1-2-b: backlog\n",
      "s.yaml",
    );
    expect(inValue.warnings).toEqual([]);
    expect(inValue.entries.map((e) => e.status)).toEqual(["done", "backlog"]);
    // Named in line order with the lines left out; past twenty, counted.
    const many = parseSprintStatus(
      [
        "last_updated: 2026-03-29 (Epic 18 added: story done)",
        "development_status:",
        ...Array.from({ length: 22 }, (_, i) => `\u00a0 1-${i + 1}-a: done`),
        "",
      ].join("\n"),
      "s.yaml",
    );
    expect(many.entries).toHaveLength(22);
    expect(many.warnings[0]).toMatch(/^s\.yaml:1: does not parse as YAML/);
    expect(many.warnings[1]).toMatch(/^s\.yaml:3: the line's indentation holds/);
    expect(many.warnings.at(-1)).toBe(
      "s.yaml: 2 more lines' indentation holds such spaces; read as plain spaces",
    );
    // A full-width space looks two wide and reads as one: a refusal it causes says so.
    expect(() =>
      parseSprintStatus("development_status:\n  1-1-a: done\n\u30001-2-b: review\n", "s.yaml"),
    ).toThrow(/its indentation holds a full-width space \(U\+3000\), read as one plain space/);
  });

  it("reads past a line whose value breaks the syntax (an unquoted colon), naming it", () => {
    const text =
      "generated: 2026-03-22\nlast_updated: 2026-03-29 (Epic 18 added: story done)\n\ndevelopment_status:\n  1-1-a: done\n  1-2-b: done: yes\n  1-3-c: ready-for-dev\n";
    const sprint = parseSprintStatus(text, "s.yaml");
    expect(sprint.entries.map((e) => [e.key, e.status, e.line])).toEqual([
      ["1-1-a", "done", 5],
      ["1-3-c", "ready-for-dev", 7],
    ]);
    const last = sprint.entries[1];
    expect(last && text.slice(last.value.start, last.value.end)).toBe("ready-for-dev");
    expect(sprint.warnings).toEqual([
      "s.yaml:2: does not parse as YAML (Nested mappings are not allowed in compact mappings); the line is left as it is and not read",
      "s.yaml:6: does not parse as YAML (Nested mappings are not allowed in compact mappings); the line is left as it is and not read",
    ]);
    // The colon spaced the French way (" : ") breaks a plain value just the same.
    const french = parseSprintStatus(
      "last_updated: 2026-04-29 (Story 7-3 done, revue de code : 2 passes)\ndevelopment_status:\n  1-1-a: done\n",
      "s.yaml",
    );
    expect(french.entries.map((e) => e.key)).toEqual(["1-1-a"]);
    expect(french.warnings).toEqual([
      "s.yaml:1: does not parse as YAML (Nested mappings are not allowed in compact mappings); the line is left as it is and not read",
    ]);
    // A value that runs on to a deeper line that is no entry: the parser names the line it
    // starts on, which is sound; the file's shape is broken, and refused as before.
    expect(() =>
      parseSprintStatus(
        "development_status:\n  1-1-a: done\n  1-2-b: ready-for-dev\n  1-3-c: review\n    blocked by: QA\n",
        "s.yaml",
      ),
    ).toThrow(/^sprint-status.yaml does not parse/);
    // A broken block is no such line: the file's first error, as before.
    expect(() =>
      parseSprintStatus("x: {a\ndevelopment_status:\n  1-1-a: done\n", "s.yaml"),
    ).toThrow(/^sprint-status.yaml does not parse: a \{ opened on this line .*\(Flow map/);
    // The line ends at a lone `\r` (the YAML parser reads on past it): what follows it is no
    // part of the broken value, so the file is refused rather than an entry dropped unseen.
    expect(() =>
      parseSprintStatus(
        "development_status:\n  1-1-a: ready-for-dev\n  last: 2026 (x: y)\r  1-9-z: done\n  1-2-b: done\n",
        "s.yaml",
      ),
    ).toThrow(/^sprint-status.yaml does not parse: Nested mappings/);
  });

  it("reads past a setting BMAD's template leaves unquoted with a placeholder, without a word", () => {
    const text = TEXT.replace(
      'story_location: "{project-root}/_bmad-output/implementation-artifacts"',
      "story_location: {project-root}/_bmad-output/implementation-artifacts",
    );
    const sprint = parseSprintStatus(text, "s.yaml");
    expect(sprint.entries.map((e) => e.key)).toEqual(
      parseSprintStatus(TEXT, "s.yaml").entries.map((e) => e.key),
    );
    expect(sprint.unread).toEqual([5]);
    expect(sprint.warnings.filter((w) => w.includes("parse"))).toEqual([]);
    // The writer changes a status as before, and leaves the setting's line as it is.
    const { text: changed } = replaceStatus(text, "s.yaml", {
      key: "1-2-account-management",
      status: "in-progress",
    });
    expect(changed).toBe(
      text.replace("1-2-account-management: ready-for-dev", "1-2-account-management: in-progress"),
    );
    // An entry with such a value is no setting: the file is refused, as before.
    expect(() => parseSprintStatus("development_status:\n  1-1-a: {x}/y\n", "s.yaml")).toThrow(
      /^sprint-status.yaml does not parse/,
    );
  });

  it("reads past a comment wrapped without its # and notes after a second document, naming them", () => {
    const text =
      "development_status:\n  epic-1: done  # a long note that an editor\n wrapped onto a line: without its hash\n  1-1-a: done\n  1-2-b: review\n\n---\n\n## Next session\n- [ ] 1-3-c: check\n";
    const sprint = parseSprintStatus(text, "s.yaml");
    expect(sprint.entries.map((e) => [e.key, e.status, e.line])).toEqual([
      ["epic-1", "done", 2],
      ["1-1-a", "done", 4],
      ["1-2-b", "review", 5],
    ]);
    const last = sprint.entries[2];
    expect(last && text.slice(last.value.start, last.value.end)).toBe("review");
    expect(sprint.warnings).toEqual([
      "s.yaml:3: text where an entry was expected (a comment without its `#`?); the line is left as it is and not read",
      "s.yaml:7: a second YAML document starts here; lines 7-10 are not read",
    ]);
    expect(sprint.unread).toEqual([3, 7, 8, 9, 10]);
    // An entry at a wrong indentation is the file's shape, whatever its value: refused, naming
    // it; so is a second document with entries in it (which one counts would be a guess).
    for (const broken of [
      "development_status:\n  1-1-a: done\n 1-2-b: done\n",
      "development_status:\n   1-1-a: done\n  1-2-b: in-progress (blocked)\n",
      "development_status:\n  1-1-a: done\n---\ndevelopment_status:\n  2-1-b: in-progress\n",
      "project: x\n---\nnotes: x\n  2-1-b: in-progress\n",
    ])
      expect(() => parseSprintStatus(broken, "s.yaml")).toThrow(
        /^sprint-status.yaml does not parse/,
      );
  });

  it("refuses a file without development_status", () => {
    expect(() => parseSprintStatus("project: x\n", "s.yaml")).toThrow(/development_status/);
    // What the file has instead is named: a hand-made layout (`epic_1:` and its stories).
    const handMade = [
      "project: x",
      "summary: {}",
      ...Array.from({ length: 7 }, (_, i) => `epic_${i + 1}: {}`),
    ];
    expect(() => parseSprintStatus(`# notes\n${handMade.join("\n")}\n`, "s.yaml")).toThrow(
      "expected a `development_status:` mapping of key: status; the file has `project:`, `summary:`, `epic_1:`, `epic_2:`, `epic_3:` and 4 more at the top level",
    );
    // `development_status:` with nothing under it is a sprint of no story; a plain value or a
    // list there is refused at its line.
    for (const stub of ["development_status:\n", "development_status:\n  # 1-1-a: done\n"])
      expect(parseSprintStatus(stub, "s.yaml").entries).toEqual([]);
    // Another port's layout is named, at its `sprints:` line.
    const ported =
      'version: "6.0.0"\nsprints:\n  - sprint_number: 1\n    stories:\n      - story_id: "STORY-001"\n        status: "completed"\n';
    const error = (text: string) => {
      try {
        parseSprintStatus(text, "s.yaml");
      } catch (caught) {
        return (caught as InputError).format();
      }
    };
    expect(error("project: x\ndevelopment_status: soon\n")).toBe(
      "s.yaml:2: `development_status:` holds no mapping of key: status (a list or a plain value)",
    );
    expect(error(ported)).toMatch(
      /^s\.yaml:2: this file keeps its stories under `sprints:`, a layout of another BMAD port/,
    );
    // A list of epics, or of stories, whose items have no status, or ids that are no epic and
    // story numbers: the same, at its line.
    expect(
      error("project: x\nepics:\n  - id: epic-1\n    stories:\n      - id: story-1.1\n"),
    ).toMatch(/^s\.yaml:2: this file keeps its stories under `epics:`/);
    expect(error("project: x\n\nstories:\n  - id: s-01\n    status: COMPLETE\n")).toMatch(
      /^s\.yaml:3: this file keeps its stories under `stories:`/,
    );
    // Epics with a status whose stories are a list of other ids: no story read, refused.
    expect(
      error(
        'current_sprint:\n  stories:\n    US-117:\n      status: "ready-for-dev"\nepics:\n  EPIC-002:\n    status: "done"\n    stories: ["US-091", "US-092"]\n',
      ),
    ).toMatch(/^s\.yaml:5: this file keeps its stories under `epics:`/);
    // A plain value under one of those names is no such layout.
    expect(error("stories: 3\n")).toMatch(/^s\.yaml:1: expected a `development_status:`/);
  });

  it("reads a list of epics with their stories, keyed as BMAD METHOD keys them, and the writer changes each in place", () => {
    const text = [
      "# Sprint Status",
      "epics:",
      "  - id: epic-1",
      "    title: 'Foundation'",
      "    status: done",
      "    stories:",
      "      - id: story-1.1",
      "        title: 'Monorepo Scaffolding & Build'",
      "        status: done",
      "      - id: story-1.2",
      "        title: Nostr Identity",
      "        status: backlog # next",
      "      - status: ready-for-dev",
      "        id: '1.3'",
      "      - id: notes",
      "        status: done",
      "      - id: 1.10",
      "        title: Été à Paris",
      "        status: done",
      "      - id: story-1.11",
      "        status: [done]",
      "      - id: 1-4",
      "        slug: event-system",
      "        title: Event Subscription System",
      "        status: backlog",
      "      - id: MTS01.1",
      "        title: Easy-Switch",
      "        status: ready-for-dev",
      "",
    ].join("\n");
    const sprint = parseSprintStatus(text, "s.yaml");
    expect(sprint.entries.map((e) => [e.key, e.kind, e.id, e.status, e.line])).toEqual([
      ["epic-1", "epic", undefined, "done", 3],
      ["1-1-monorepo-scaffolding-build", "story", "1.1", "done", 7],
      ["1-2-nostr-identity", "story", "1.2", "backlog", 10],
      ["1-3", "story", "1.3", "ready-for-dev", 14],
      // As written (YAML reads `1.10` as 1.1), the accents of the title dropped.
      ["1-10-ete-a-paris", "story", "1.10", "done", 17],
      // The entry's own slug names its story file, not its title.
      ["1-4-event-system", "story", "1.4", "backlog", 22],
    ]);
    // A story whose id is no number is skipped, and said to be.
    expect(sprint.warnings).toEqual([
      's.yaml:15: "notes" is no epic and story number (expected like 1.2, 1-2 or story-1.2); entry skipped',
      's.yaml:26: "MTS01.1" is no epic and story number (expected like 1.2, 1-2 or story-1.2); entry skipped',
      's.yaml:20: expected a status string for "1-11"; entry skipped',
    ]);
    const once = replaceStatus(text, "s.yaml", {
      key: "1-2-nostr-identity",
      status: "in-progress",
    });
    expect(once.text).toBe(text.replace("status: backlog # next", "status: in-progress # next"));
    const dashed = replaceStatus(text, "s.yaml", { key: "1-3", status: "in-progress" });
    expect(dashed.text).toBe(text.replace("- status: ready-for-dev", "- status: in-progress"));
    // Keyed by epic and by story, fields in braces: read and written the same way.
    const keyed =
      "current_sprint: 1\nepics:\n  epic-1:\n    stories:\n      1-1-a: {status: done}\n      1-2-b: {status: backlog}\n";
    expect(parseSprintStatus(keyed, "s.yaml").entries.map((e) => [e.key, e.status])).toEqual([
      ["1-1-a", "done"],
      ["1-2-b", "backlog"],
    ]);
    expect(replaceStatus(keyed, "s.yaml", { key: "1-2-b", status: "ready-for-dev" }).text).toBe(
      keyed.replace("{status: backlog}", "{status: ready-for-dev}"),
    );
  });

  it("reads sprints of epics of stories, and the writer changes a story there", () => {
    const text = [
      "# Generated by the sprint planning workflow",
      "sprints:",
      "  - id: 1",
      '    name: "MVP Sprint 1"',
      '    status: "completed"',
      "    epics:",
      "      - id: 1",
      '        title: "Login"',
      '        status: "completed"',
      "        stories:",
      '          - id: "1.1"',
      '            title: "WeChat login"',
      '            status: "completed"',
      '          - id: "1.2"',
      '            title: "Student ID check"',
      '            status: "ready-for-dev"',
      "        retrospective:",
      '          status: "optional"',
      "",
    ].join("\n");
    const sprint = parseSprintStatus(text, "s.yaml");
    expect(sprint.entries.map((e) => [e.key, e.kind, e.status, e.line])).toEqual([
      ["epic-1", "epic", "completed", 7],
      ["1-1-wechat-login", "story", "completed", 11],
      ["1-2-student-id-check", "story", "ready-for-dev", 14],
    ]);
    // The sprint itself is no entry, and not said to be one skipped.
    expect(sprint.warnings).toEqual([]);
    const { text: after } = replaceStatus(text, "s.yaml", {
      key: "1-2-student-id-check",
      status: "in-progress",
    });
    expect(after).toBe(text.replace('status: "ready-for-dev"', 'status: "in-progress"'));
    // An epic that spans two sprints, and a story carried over to the second, are listed under
    // each: the later entry counts, with no warning, and is the one written.
    const carried = [
      "sprints:",
      "  - id: 1",
      "    epics:",
      "      - id: 1",
      "        status: in-progress",
      "        stories:",
      '          - {id: "1.1", title: A, status: done}',
      '          - {id: "1.2", title: B, status: in-progress}',
      "  - id: 2",
      "    epics:",
      "      - id: 1",
      "        status: in-progress",
      "        stories:",
      '          - {id: "1.2", title: B, status: ready-for-dev}',
      "",
    ].join("\n");
    const spanned = parseSprintStatus(carried, "s.yaml");
    expect(spanned.entries.map((e) => [e.key, e.status, e.line])).toEqual([
      ["1-1-a", "done", 7],
      ["epic-1", "in-progress", 11],
      ["1-2-b", "ready-for-dev", 14],
    ]);
    expect(spanned.warnings).toEqual([]);
    expect(replaceStatus(carried, "s.yaml", { key: "1-2-b", status: "in-progress" }).text).toBe(
      carried.replace("status: ready-for-dev}", "status: in-progress}"),
    );
  });

  it("reads the status of an entry written as a mapping, and the writer changes it there", () => {
    const text =
      'development_status:\n  1-1-x:\n    epic: 1\n    name: "Débugger x"\n    status: ready-for-dev # next\n  1-2-y:\n    status: [done]\n';
    const sprint = parseSprintStatus(text, "s.yaml");
    expect(sprint.entries.map((e) => [e.key, e.status, e.line])).toEqual([
      ["1-1-x", "ready-for-dev", 2],
    ]);
    expect(sprint.warnings).toEqual([
      's.yaml:6: expected a status string for "1-2-y"; entry skipped',
    ]);
    const { text: after } = replaceStatus(text, "s.yaml", { key: "1-1-x", status: "in-progress" });
    expect(after).toBe(text.replace("status: ready-for-dev", "status: in-progress"));
  });

  it("reads a repeated key as YAML readers do, the last one counting, and a repeated block as more entries, and says so", () => {
    const text =
      "development_status:\n  1-1-x: backlog\n  1-2-y: backlog\n  1-1-x: ready-for-dev\n";
    const sprint = parseSprintStatus(text, "s.yaml");
    expect(sprint.entries.map((e) => [e.key, e.status, e.line])).toEqual([
      ["1-2-y", "backlog", 3],
      ["1-1-x", "ready-for-dev", 4],
    ]);
    expect(sprint.warnings).toEqual([
      's.yaml:2: "1-1-x" appears again at line 4; the last one counts',
    ]);
    // A repeated development_status block: both are read, a key in both as in one.
    const blocks = parseSprintStatus(
      "development_status:\n  1-1-x: backlog\nstory_location: a\ndevelopment_status:\n  1-1-x: done\n  1-1-x:\n  1-2-y: ready-for-dev\nstory_location: b\n",
      "s.yaml",
    );
    expect(blocks.entries.map((e) => [e.key, e.status])).toEqual([["1-2-y", "ready-for-dev"]]);
    expect(blocks.warnings).toEqual([
      's.yaml:1: "development_status" appears again at line 4; the entries of both are read (a key in both: the later one counts)',
      's.yaml:2: "1-1-x" appears again at line 6; the last one counts',
      's.yaml:5: "1-1-x" appears again at line 6; the last one counts',
      's.yaml:6: expected a status string for "1-1-x"; entry skipped',
    ]);
    // The writer changes the entry that counts, and leaves every other byte.
    const { text: after } = replaceStatus(text, "s.yaml", { key: "1-1-x", status: "in-progress" });
    expect(after).toBe(text.replace("1-1-x: ready-for-dev", "1-1-x: in-progress"));
    // An agent appended a sprint's stories in a second block: the first block's stay.
    const appended =
      "development_status:\n  1-1-x: done\n  1-2-y: backlog\ndevelopment_status:\n  2-1-z: ready-for-dev\n";
    const both = parseSprintStatus(appended, "s.yaml");
    expect(both.entries.map((e) => [e.key, e.line])).toEqual([
      ["1-1-x", 2],
      ["1-2-y", 3],
      ["2-1-z", 5],
    ]);
    const { text: moved } = replaceStatus(appended, "s.yaml", {
      key: "1-2-y",
      status: "ready-for-dev",
    });
    expect(moved).toBe(appended.replace("1-2-y: backlog", "1-2-y: ready-for-dev"));
  });

  it("reads the stories listed under an epic's own entry, after the epic, and writes each in place", () => {
    const text = [
      "development_status:",
      "  epic-4: done",
      "  4-1-a: done",
      "  epic-5:",
      "    status: in-progress",
      "    stories:",
      '      - id: "5.1"',
      "        status: done",
      '      - id: "5.2"',
      "        title: Port Map",
      "        status: ready-for-dev",
      "      - id: notes",
      "        status: done",
      "  epic-5-retrospective: optional",
      "",
    ].join("\n");
    const sprint = parseSprintStatus(text, "s.yaml");
    expect(sprint.entries.map((e) => [e.key, e.status, e.line])).toEqual([
      ["epic-4", "done", 2],
      ["4-1-a", "done", 3],
      ["epic-5", "in-progress", 4],
      ["5-1", "done", 7],
      ["5-2-port-map", "ready-for-dev", 9],
      ["epic-5-retrospective", "optional", 14],
    ]);
    expect(sprint.warnings).toEqual([
      's.yaml:12: "notes" is no epic and story number (expected like 1.2, 1-2 or story-1.2); entry skipped',
    ]);
    const { text: after } = replaceStatus(text, "s.yaml", {
      key: "5-2-port-map",
      status: "in-progress",
    });
    expect(after).toBe(text.replace("status: ready-for-dev", "status: in-progress"));
    // Keyed as development_status's own entries are, as a mapping or as list items; under a
    // story's own mapping, `stories:` is no list of stories.
    for (const [stories, keys] of [
      [
        ["    stories:", "      6-1-a: done", "      6-2-b: backlog"],
        ["6-1-a", "6-2-b"],
      ],
      [
        ["    stories:", "      - 6-1-a: done", "      - 6-2-b: backlog"],
        ["6-1-a", "6-2-b"],
      ],
    ] as const) {
      const keyed = ["development_status:", "  epic-6:", "    status: in-progress", ...stories, ""];
      expect(parseSprintStatus(keyed.join("\n"), "s.yaml").entries.map((e) => e.key)).toEqual([
        "epic-6",
        ...keys,
      ]);
    }
    const underStory = parseSprintStatus(
      'development_status:\n  1-1-a:\n    status: done\n    stories:\n      - id: "2.1"\n        status: done\n',
      "s.yaml",
    );
    expect(underStory.entries.map((e) => e.key)).toEqual(["1-1-a"]);
  });
});

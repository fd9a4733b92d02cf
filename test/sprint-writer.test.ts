import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseSprintStatus } from "../src/bmad/sprint-status.ts";
import { replaceStatus, setStatus } from "../src/bmad/sprint-writer.ts";
import { decodeText, encodeText, readText } from "../src/util/text-file.ts";
import { tempProject } from "./helpers/tmp.ts";

const TEXT = `# generated: 2025-06-05
# STATUS DEFINITIONS: every comment survives

development_status:
  # Epic 1: Accounts
  epic-1: in-progress
  1-1-a: "ready-for-dev"   # quoted, with a comment
  1-2-b: 'backlog'
  1-3-c:    ready-for-dev
  odd-key: blocked-by-legal
  epic-1-retrospective: optional
`;

const change = (text: string, key: string, status: string, restore?: string) =>
  replaceStatus(text, "s.yaml", {
    key,
    status,
    ...(restore ? { restore: { expectedCurrent: restore } } : {}),
  });

describe("replaceStatus", () => {
  it("changes the value's bytes and nothing else, keeping its quotes and comment", () => {
    const { text, result } = change(TEXT, "1-1-a", "in-progress");
    expect(result).toEqual({
      key: "1-1-a",
      previous: "ready-for-dev",
      status: "in-progress",
      changed: true,
    });
    expect(text).toBe(TEXT.replace('1-1-a: "ready-for-dev"', '1-1-a: "in-progress"'));
    expect(change(TEXT, "1-2-b", "ready-for-dev").text).toBe(
      TEXT.replace("'backlog'", "'ready-for-dev'"),
    );
    expect(change(TEXT, "1-3-c", "review").text).toBe(
      TEXT.replace("1-3-c:    ready-for-dev", "1-3-c:    review"),
    );
  });

  it("keeps CRLF line endings and the byte-order mark", () => {
    const crlf = `\uFEFF${TEXT.replaceAll("\n", "\r\n")}`;
    const { text } = change(crlf, "1-3-c", "in-progress");
    expect(text).toBe(crlf.replace("1-3-c:    ready-for-dev", "1-3-c:    in-progress"));
  });

  it("changes epics and retrospectives within their own statuses", () => {
    expect(change(TEXT, "epic-1", "done").result.changed).toBe(true);
    expect(change(TEXT, "epic-1-retrospective", "done").result.changed).toBe(true);
    expect(() => change(TEXT, "epic-1", "review")).toThrow(
      /"review" is not an epic status; valid: backlog, contexted, in-progress, done/,
    );
    // The alpha's steps, which its sprint files still use, in their rank order.
    expect(change(TEXT, "1-2-b", "drafted").text).toContain("1-2-b: 'drafted'");
    expect(() => change(TEXT, "1-3-c", "drafted")).toThrow(/would downgrade it/);
    expect(change(TEXT, "epic-1-retrospective", "completed").result.changed).toBe(true);
  });

  it("refuses a downgrade, an unknown status and an unknown key, naming them", () => {
    expect(() => change(TEXT, "1-3-c", "backlog")).toThrow(
      /1-3-c is "ready-for-dev": moving it back to "backlog" would downgrade it/,
    );
    expect(() => change(TEXT, "1-3-c", "shipped")).toThrow(
      /"shipped" is not a story status; valid: backlog, ready-for-dev, in-progress, review, done, drafted, contexted/,
    );
    expect(() => change(TEXT, "1-3-cc", "done")).toThrow(
      /no entry "1-3-cc" in development_status; close matches: 1-3-c/,
    );
    expect(() => change(TEXT, "odd-key", "done")).toThrow(
      /"blocked-by-legal", which is not BMAD's/,
    );
  });

  it("restores an earlier value only while the file still holds what the caller wrote", () => {
    const claimed = change(TEXT, "1-3-c", "in-progress").text;
    expect(change(claimed, "1-3-c", "ready-for-dev", "in-progress").text).toBe(TEXT);
    const movedOn = change(claimed, "1-3-c", "review").text;
    const kept = change(movedOn, "1-3-c", "ready-for-dev", "in-progress");
    expect(kept.result.changed).toBe(false);
    expect(kept.result.reason).toContain('left as "review"');
    expect(kept.text).toBe(movedOn);
  });

  it("keeps every other line byte for byte through any sequence of changes (property)", () => {
    const statuses = ["backlog", "ready-for-dev", "in-progress", "review", "done"];
    const entry = fc.record({
      epic: fc.integer({ min: 1, max: 9 }),
      status: fc.constantFrom(...statuses),
      quote: fc.constantFrom("", '"', "'"),
      comment: fc.option(fc.constantFrom("# note", "# ✓ done: see #12", "#"), { nil: undefined }),
      blankBefore: fc.boolean(),
      pad: fc.constantFrom(" ", "  ", "    "),
    });
    const file = fc.record({
      header: fc.subarray(["# c", "# STATUS: x", "", "generated: 2025-01-01"]),
      entries: fc.array(entry, { minLength: 1, maxLength: 12 }),
      eol: fc.constantFrom("\n", "\r\n"),
      bom: fc.boolean(),
    });
    fc.assert(
      fc.property(
        file,
        fc.array(fc.tuple(fc.nat(), fc.constantFrom(...statuses)), { maxLength: 10 }),
        (spec, changes) => {
          const lines = [...spec.header, "development_status:"];
          spec.entries.forEach((e, i) => {
            if (e.blankBefore) lines.push("");
            const value = `${e.quote}${e.status}${e.quote}`;
            lines.push(
              `  ${e.epic}-${i}-story:${e.pad}${value}${e.comment ? ` ${e.comment}` : ""}`,
            );
          });
          let text = (spec.bom ? "\uFEFF" : "") + lines.join(spec.eol) + spec.eol;
          for (const [pick, status] of changes) {
            const i = pick % spec.entries.length;
            const key = `${spec.entries[i]?.epic}-${i}-story`;
            const before = text.split(spec.eol);
            let next: string;
            try {
              next = replaceStatus(text, "s.yaml", { key, status }).text;
            } catch (error) {
              expect(String(error)).toMatch(/downgrade/);
              continue;
            }
            const after = next.split(spec.eol);
            expect(after).toHaveLength(before.length);
            const changed = after.flatMap((line, n) => (line === before[n] ? [] : [n]));
            expect(changed.length).toBeLessThanOrEqual(1);
            for (const n of changed) expect(after[n]).toContain(`${key}:`);
            expect(
              parseSprintStatus(next, "s.yaml").entries.find((e) => e.key === key)?.status,
            ).toBe(status);
            text = next;
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe("setStatus", () => {
  it("writes the change, leaves a file that does not parse untouched and names its line", async () => {
    const root = tempProject({ "sprint.yaml": TEXT });
    const file = path.join(root, "sprint.yaml");
    await setStatus({ root, sprintFile: "sprint.yaml" }, { key: "1-3-c", status: "in-progress" });
    expect(readFileSync(file, "utf8")).toBe(
      TEXT.replace("1-3-c:    ready-for-dev", "1-3-c:    in-progress"),
    );
    const broken = `${TEXT}  bad: [unclosed\n`;
    writeFileSync(file, broken);
    await expect(
      setStatus({ root, sprintFile: "sprint.yaml" }, { key: "1-1-a", status: "review" }),
    ).rejects.toThrow(/does not parse/);
    expect(readFileSync(file, "utf8")).toBe(broken);
  });

  it("changes a status in a file with a line that breaks the syntax, that line kept as it is", async () => {
    const odd = `last_updated: 2026-03-29 (Epic 18 added: story done)\n${TEXT}`;
    const root = tempProject({ "sprint.yaml": odd });
    await setStatus({ root, sprintFile: "sprint.yaml" }, { key: "1-3-c", status: "in-progress" });
    expect(readFileSync(path.join(root, "sprint.yaml"), "utf8")).toBe(
      odd.replace("1-3-c:    ready-for-dev", "1-3-c:    in-progress"),
    );
  });

  it("changes a status above notes in a second document, leaving them as they are", async () => {
    const odd = `${TEXT}\n---\n\n## Next session\n- [ ] 1-3-c: check\n`;
    const root = tempProject({ "sprint.yaml": odd });
    await setStatus({ root, sprintFile: "sprint.yaml" }, { key: "1-3-c", status: "in-progress" });
    expect(readFileSync(path.join(root, "sprint.yaml"), "utf8")).toBe(
      odd.replace("1-3-c:    ready-for-dev", "1-3-c:    in-progress"),
    );
  });

  it("refuses to change a status on a line the reader left out, naming that line", async () => {
    const odd = `${TEXT}  9-9-odd: done: yes\n`;
    const root = tempProject({ "sprint.yaml": odd });
    const file = path.join(root, "sprint.yaml");
    await expect(
      setStatus({ root, sprintFile: "sprint.yaml" }, { key: "9-9-odd", status: "review" }),
    ).rejects.toThrow(/"9-9-odd" is on a line that does not parse as YAML/);
    await expect(
      setStatus({ root, sprintFile: "sprint.yaml" }, { key: "9-9-odd", status: "review" }),
    ).rejects.toMatchObject({ line: odd.split("\n").length - 1 });
    expect(readFileSync(file, "utf8")).toBe(odd);
  });

  it("writes a UTF-16 file (as Windows PowerShell saves one) back in UTF-16, its CRLF kept", async () => {
    const crlf = TEXT.replace(/\n/g, "\r\n");
    for (const encoding of ["utf16le", "utf16be"] as const) {
      const root = tempProject({});
      const file = path.join(root, "sprint.yaml");
      writeFileSync(file, encodeText(crlf, encoding));
      expect(parseSprintStatus(readText(file), "sprint.yaml").entries.map((e) => e.key)).toContain(
        "1-3-c",
      );
      await setStatus({ root, sprintFile: "sprint.yaml" }, { key: "1-3-c", status: "in-progress" });
      const bytes = readFileSync(file);
      expect([...bytes.subarray(0, 2)]).toEqual(
        encoding === "utf16le" ? [0xff, 0xfe] : [0xfe, 0xff],
      );
      expect(decodeText(bytes)).toEqual({
        text: crlf.replace("1-3-c:    ready-for-dev", "1-3-c:    in-progress"),
        encoding,
      });
    }
  });
});

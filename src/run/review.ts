/**
 * Reviewing one story's changes from the journal, although every story wrote to the same
 * working tree: its unified diff, putting its files back (only when nobody changed them after
 * it), and the versions of one file. Used by the CLI (`diff`, `revert`, `versions`) and the
 * tool's `diff` and `revert` actions, with the same output.
 */
import { mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import path from "node:path";
import { createTwoFilesPatch } from "diff";
import { normaliseRepoPath } from "../plan/claims.ts";
import { InputError } from "../util/errors.ts";
import {
  fileHash,
  type Journal,
  type JournalEntry,
  linkTarget,
  type StoryJournal,
} from "./journal.ts";

/**
 * The journal record of a story: in `run` when given, else in the latest run that changed it.
 * The story is named by key, or by its number (`1.2`, `1-2`) when that names one key.
 */
export function findStoryJournal(journal: Journal, typed: string, run?: string): StoryJournal {
  const records = journal.all().filter((r) => run === undefined || r.run === run);
  const keys = [...new Set(records.map((r) => r.story))];
  const prefix = `${typed.replace(/\./g, "-")}-`;
  const matching = keys.includes(typed) ? [typed] : keys.filter((k) => k.startsWith(prefix));
  if (matching.length !== 1) {
    const where = run ? `run ${run}` : "the journal";
    throw new InputError(
      matching.length === 0
        ? `no changes of story "${typed}" in ${where} (stories there: ${keys.slice(0, 10).join(", ") || "none"})`
        : `"${typed}" names several stories in ${where}: ${matching.join(", ")}`,
    );
  }
  const found = records.filter((r) => r.story === matching[0]).at(-1);
  if (!found) throw new InputError(`no changes of story "${typed}"`);
  return found;
}

/** A unified diff of what the story changed: before its first change -> at its end (or now). */
export function storyDiff(journal: Journal, record: StoryJournal, root: string): string {
  const out = [
    `# Story ${record.story}, run ${record.run}: ${record.files.length} file${record.files.length === 1 ? "" : "s"} changed${record.revertedAt ? ` (reverted ${record.revertedAt})` : ""}`,
    "",
  ];
  const others = othersOf(journal, record);
  for (const entry of record.files) {
    // No version kept and a reason why: its earlier content is unknown (a command's write
    // found after it ran), not "no file": shown as created, it read as the story's new file.
    const before =
      entry.before === null && entry.skipped ? NOT_KEPT : versionText(journal, entry.before);
    const open = entry.after === undefined;
    const after = open ? currentText(root, entry.path) : versionText(journal, entry.after ?? null);
    const meanwhile = changedMeanwhile(others, entry);
    const note = `${open ? " (the story has not ended: compared with the file now)" : ""}${meanwhile.length > 0 ? ` (${meanwhile.join(", ")} changed it too meanwhile: this diff holds that change as well)` : ""}`;
    const afterLink = open ? linkTarget(root, entry.path) : entry.afterLink;
    if (entry.beforeLink !== afterLink) {
      // A link removed, made or changed: the link is the change, not what it leads to; the
      // content of a side that is a file of its own is shown.
      const side = (link: string | undefined, text: string | null) =>
        link !== undefined
          ? `a symbolic link to \`${link}\``
          : text === null
            ? "no file"
            : "a file";
      out.push(
        `--- ${entry.path}: ${side(entry.beforeLink, before)} -> ${side(afterLink, after)}${note}`,
      );
      const own = (link: string | undefined, text: string | null) =>
        link === undefined && text !== null && text !== NOT_KEPT && !isBinary(text) ? text : "";
      const [was, now] = [own(entry.beforeLink, before), own(afterLink, after)];
      if (was || now)
        out.push(
          createTwoFilesPatch(
            was ? `a/${entry.path}` : "/dev/null",
            now ? `b/${entry.path}` : "/dev/null",
            was,
            now,
          )
            .split("\n")
            .slice(1)
            .join("\n")
            .trimEnd(),
        );
      out.push("");
      continue;
    }
    if (before === NOT_KEPT || after === NOT_KEPT) {
      out.push(
        `--- ${entry.path}: not kept in the journal (${entry.skipped ?? "missing"})${note}`,
        "",
      );
      continue;
    }
    if (isBinary(before) || isBinary(after)) {
      out.push(`Binary file ${entry.path} changed${note}`, "");
      continue;
    }
    if (before === after) {
      out.push(`--- ${entry.path}: changed and changed back${note}`, "");
      continue;
    }
    out.push(
      createTwoFilesPatch(
        entry.before === null ? "/dev/null" : `a/${entry.path}`,
        open || entry.after !== null ? `b/${entry.path}` : "/dev/null",
        before ?? "",
        after ?? "",
        undefined,
        undefined,
        { context: 3 },
      )
        .split("\n")
        .slice(1) // the "Index:"-less header starts with a line of `=`
        .join("\n")
        .trimEnd() + note,
      "",
    );
  }
  return `${out.join("\n").trimEnd()}\n`;
}

export interface RevertResult {
  restored: string[];
  /** Files it could not put back, and why; nothing was written when there is one. */
  refused: Array<{ path: string; why: string }>;
}

/**
 * Puts back the story's files as they were before its first change, only when each one is
 * still as the story left it. All or nothing: one file changed since refuses the whole revert,
 * naming the file and who changed it.
 */
export function revertStory(journal: Journal, record: StoryJournal, root: string): RevertResult {
  const refused: RevertResult["refused"] = [];
  if (record.revertedAt)
    throw new InputError(
      `story ${record.story} (run ${record.run}) was already reverted at ${record.revertedAt}: nothing written`,
    );
  const plan: Array<{ path: string; content: Buffer | null; link?: string }> = [];
  const others = othersOf(journal, record);
  for (const entry of record.files) {
    if (!normaliseRepoPath(path.join(root, entry.path), root).inside) {
      refused.push({ path: entry.path, why: "it is outside the project" });
      continue;
    }
    if (entry.after === undefined) {
      refused.push({ path: entry.path, why: "the story has not ended" });
      continue;
    }
    if (entry.skipped) {
      refused.push({
        path: entry.path,
        why: `its earlier version was not kept (${entry.skipped})`,
      });
      continue;
    }
    const now = fileHash(root, entry.path);
    if (now !== entry.after || linkTarget(root, entry.path) !== entry.afterLink) {
      refused.push({ path: entry.path, why: changedSince(others, entry) });
      continue;
    }
    const meanwhile = changedMeanwhile(others, entry);
    if (meanwhile.length > 0) {
      refused.push({
        path: entry.path,
        why: `${meanwhile.join(", ")} changed it too while this story did: the version before this story would undo that change as well`,
      });
      continue;
    }
    if (entry.beforeLink !== entry.afterLink) {
      // A link removed or made: the link is put back (or taken away), not a copy of what it
      // led to, which has its own entry when a story changed it.
      if (entry.beforeLink !== undefined) {
        plan.push({ path: entry.path, content: null, link: entry.beforeLink });
        continue;
      }
    } else if (entry.before === null && entry.after === null) continue;
    // (Above: no file before, none after, made and removed or a folder an older journal
    // listed: nothing to put back, and a folder there now is not the story's to remove.)
    const content = entry.before === null ? null : journal.content(entry.before);
    if (content === undefined) {
      refused.push({
        path: entry.path,
        why: `its earlier version was not kept (${entry.skipped ?? "missing from the journal"})`,
      });
      continue;
    }
    plan.push({ path: entry.path, content });
  }
  if (refused.length > 0) return { restored: [], refused };
  for (const step of plan) {
    const file = path.join(root, step.path);
    // A link there now (the story made it) is replaced, not written through.
    if (step.content === null || linkTarget(root, step.path) !== undefined)
      rmSync(file, { force: true });
    if (step.link !== undefined) {
      mkdirSync(path.dirname(file), { recursive: true });
      symlinkSync(step.link, file);
    } else if (step.content !== null) {
      mkdirSync(path.dirname(file), { recursive: true });
      writeFileSync(file, step.content);
    }
  }
  journal.write({ ...record, revertedAt: new Date().toISOString() });
  return { restored: plan.map((p) => p.path), refused: [] };
}

/** Every version of one file the journal holds, oldest first, and which story made each. */
export function fileVersions(journal: Journal, repoPath: string, root: string): string {
  const entries = journal
    .all()
    .flatMap((record) =>
      record.files.filter((f) => f.path === repoPath).map((entry) => ({ record, entry })),
    )
    .sort((a, b) => a.entry.firstChangeAt.localeCompare(b.entry.firstChangeAt));
  if (entries.length === 0) return `${repoPath}: no story changed it in the journal\n`;
  const now = fileHash(root, repoPath);
  const short = (hash: string | null | undefined) =>
    hash === undefined ? "(not ended)" : hash === null ? "(none)" : hash.slice(0, 12);
  const lines = [`# ${repoPath}: ${entries.length} change${entries.length === 1 ? "" : "s"}`, ""];
  for (const { record, entry } of entries) {
    const size = (hash: string | null | undefined) => {
      const content = hash ? journal.content(hash) : undefined;
      return content ? ` ${content.length} B` : "";
    };
    lines.push(
      `- ${entry.firstChangeAt} story ${record.story} (run ${record.run}): ${short(entry.before)}${size(entry.before)} -> ${short(entry.after)}${size(entry.after)}${entry.skipped ? ` (not kept: ${entry.skipped})` : ""}${record.revertedAt ? " (reverted)" : ""}`,
    );
  }
  lines.push(
    "",
    `now: ${short(now)}${entries.some((e) => e.entry.after === now) ? "" : " (changed since the last story)"}`,
  );
  return `${lines.join("\n")}\n`;
}

/**
 * The journal's records of every other story (of every run; the story's own record under
 * another copy too): read once for a whole diff or revert, not once per file.
 */
function othersOf(journal: Journal, record: StoryJournal): StoryJournal[] {
  return journal
    .all()
    .filter((r) => r !== record && !(r.run === record.run && r.story === record.story));
}

/** The other stories with an entry of `repoPath` that passes `test`, as refusals name them. */
function storiesWhose(
  others: readonly StoryJournal[],
  repoPath: string,
  test: (entry: JournalEntry) => boolean,
): string[] {
  return others.flatMap((r) =>
    r.files
      .filter((f) => f.path === repoPath && test(f))
      .map(() => `story ${r.story} (run ${r.run})`),
  );
}

/**
 * The other stories that changed the file while this one was changing it (their changes and
 * this story's interleaved): a `sharedFiles` file is held per write, not per story, and a
 * file given up with `resolve ... yield` changes hands mid-story. The story's end version
 * then holds their change on top of its own, and its version before holds neither. A story
 * whose last change of the file came before this one's first is before it, not meanwhile.
 */
function changedMeanwhile(others: readonly StoryJournal[], entry: JournalEntry): string[] {
  const from = entry.firstChangeAt;
  const to = entry.closedAt ?? "\uffff";
  // Strictly: a story that took the file as this one let it go at its end (the same
  // millisecond) changed it after, not meanwhile.
  return storiesWhose(
    others,
    entry.path,
    (f) => f.firstChangeAt < to && (f.lastChangeAt ?? f.closedAt ?? "\uffff") > from,
  );
}

/** Who changed a file after the story: a later journal entry, or someone outside any run. */
function changedSince(others: readonly StoryJournal[], entry: JournalEntry): string {
  const since = entry.closedAt ?? entry.firstChangeAt;
  const later = storiesWhose(others, entry.path, (f) => f.firstChangeAt >= since);
  return later.length > 0
    ? `changed since by ${later.join(", ")}`
    : "changed since outside any run (by hand, or a tool outside athena-parallel)";
}

const NOT_KEPT = "\u0000not kept";

function versionText(journal: Journal, hash: string | null): string | null {
  if (hash === null) return null;
  const content = journal.content(hash);
  return content === undefined ? NOT_KEPT : content.toString("utf8");
}

function currentText(root: string, repoPath: string): string | null {
  try {
    return readFileSync(path.join(root, repoPath), "utf8");
  } catch {
    return null;
  }
}

function isBinary(text: string | null): boolean {
  return text?.includes("\u0000") === true;
}

/** After a revert: the story's sprint entry is the user's to move back, and how. */
export function revertLeavesSprint(story: string): string {
  return `Its sprint entry is unchanged: \`athena-parallel mark ${story} ready-for-dev --force\` puts it back to run it again.`;
}
